"""A Python client for Plaza's websocket protocol (used by the tests and benchmarks).

async with PlazaClient("ws://127.0.0.1:8000/ws", fmt="msgpack") as c:
    await c.hello("phone", code="XK74PM")
    ack = await c.request("join", name="Ana")
    view = await c.wait_view("phone", lambda v: v["present"] >= 1)
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect


class PlazaError(Exception):
    """The server answered a request with an ``error``."""

    def __init__(self, message: dict[str, Any]) -> None:
        super().__init__(f"{message.get('code')}: {message.get('message')}")
        self.code: str = message.get("code", "")
        self.message = message


class PlazaClient:
    def __init__(self, url: str, fmt: str = "msgpack", *, open_timeout: float = 10) -> None:
        self.url = f"{url}{'&' if '?' in url else '?'}format={fmt}"
        self.fmt = fmt
        self.open_timeout = open_timeout
        self.ws: ClientConnection | None = None
        self.views: dict[str, dict[str, Any]] = {}  # newest message of each view
        self.view_times: dict[str, float] = {}  # when it arrived (time.monotonic)
        self.received: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []  # errors that answer no request
        self.welcome: dict[str, Any] | None = None
        self.keep_log = True
        self._ids = itertools.count(1)
        self._waiting: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self.close_code: int | None = None
        self.close_reason: str | None = None

    async def __aenter__(self) -> PlazaClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        self.ws = await connect(self.url, compression=None, open_timeout=self.open_timeout, max_size=2**20)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    # -- sending ------------------------------------------------------------------

    def encode(self, message: dict[str, Any]) -> bytes | str:
        # As browsers' JSON.stringify does: text as UTF-8, not \u escapes (12 bytes for one emoji).
        return msgpack.packb(message) if self.fmt == "msgpack" else json.dumps(message, ensure_ascii=False)

    async def send(self, message: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send(self.encode(message))

    async def send_raw(self, frame: bytes | str) -> None:
        assert self.ws is not None
        await self.ws.send(frame)

    async def request(self, type: str, timeout: float = 10, **fields: Any) -> dict[str, Any]:
        """Send a message with an id and wait for its ack (or raise :class:`PlazaError`)."""
        msg_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = future
        await self.send({"type": type, "id": msg_id, **fields})
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for loses a cancel that lands as the ack
            # arrives, and a task cancelled in a loop of requests would then never stop.
            async with asyncio.timeout(timeout):
                reply = await future
        finally:
            self._waiting.pop(msg_id, None)
        if reply["type"] == "error":
            raise PlazaError(reply)
        return reply

    async def hello(self, role: str, **fields: Any) -> dict[str, Any]:
        self.welcome = await self.request("hello", role=role, **fields)
        return self.welcome

    # -- receiving ------------------------------------------------------------------

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for frame in self.ws:
                message = msgpack.unpackb(frame) if isinstance(frame, bytes) else json.loads(frame)
                self._dispatch(message)
        except Exception:  # connection lost: callers see it through close_code
            pass
        finally:
            received = self.ws.protocol.close_rcvd
            self.close_code = received.code if received is not None else 1006
            self.close_reason = received.reason if received is not None else ""
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"closed {self.close_code}"))
            self._changed.set()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if self.keep_log:
            self.received.append(message)
        kind = message.get("type")
        if kind == "view":
            self.views[message["view"]] = message
            self.view_times[message["view"]] = time.monotonic()
        elif kind == "error" or "id" in message:  # an answer: ack, error, welcome, pong, links, audio_answer…
            future = self._waiting.get(message.get("id"))
            if future is not None and not future.done():
                future.set_result(message)
            elif kind == "error":
                self.errors.append(message)
        self._changed.set()

    def view(self, name: str) -> dict[str, Any] | None:
        message = self.views.get(name)
        return message["data"] if message else None

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        async def loop() -> None:
            while not predicate():
                if self.close_code is not None:
                    raise ConnectionError(f"closed {self.close_code} {self.close_reason}")
                self._changed.clear()
                await self._changed.wait()

        async with asyncio.timeout(timeout):
            await loop()

    async def wait_view(
        self, name: str, predicate: Callable[[dict[str, Any]], bool] = lambda _: True, timeout: float = 10
    ) -> dict[str, Any]:
        await self.wait_for(lambda: (v := self.view(name)) is not None and predicate(v), timeout)
        data = self.view(name)
        assert data is not None
        return data
