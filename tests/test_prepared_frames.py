"""Frames framed once and written straight to the transport (``server/http.py``'s
``PlazaWebSocketProtocol``), through the hub's ``Connection``, over a real uvicorn and real
python-websockets clients.

What must hold: every frame arrives whole and in the order it was queued, whichever way it
was written (the prepared write, or ASGI's ``send`` when the transport is paused or the write
is refused); a client that stops reading loses nothing once it reads again; a connection
that negotiated compression gets no prepared writes (its frames differ per connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect

from server.http import PREPARED, PlazaWebSocketProtocol, prepare
from server.hub.connection import Connection, frame
from server.protocol import CODECS

WAIT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """An ASGI app whose one websocket is a hub ``Connection``; the test drives it."""

    def __init__(self) -> None:
        self.conns: asyncio.Queue[tuple[Connection, dict[str, Any]]] = asyncio.Queue()
        self.written: list[bytes] = []  # frames the prepared write took

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        ext = scope["extensions"].get(PREPARED)
        write = None
        if ext is not None:

            def write(data: bytes, inner: Any = ext["write"]) -> bool:
                took = inner(data)
                if took:
                    self.written.append(data)
                return took

        conn = Connection(send, CODECS["msgpack"], "test", write)
        await self.conns.put((conn, scope))
        while (await receive())["type"] != "websocket.disconnect":
            pass
        await conn.stop()


@contextlib.asynccontextmanager
async def serving(*, deflate: bool = False) -> AsyncIterator[tuple[App, str]]:
    app = App()
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws=PlazaWebSocketProtocol, ws_per_message_deflate=deflate, log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(WAIT):
            while not server.started:
                await asyncio.sleep(0.01)
        yield app, f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)


def test_a_prepared_frame_is_the_frame_websockets_would_send() -> None:
    from websockets.frames import Frame, Opcode

    for size in (0, 125, 126, 65_535, 65_536, 200_000):
        data = bytes(range(256)) * (size // 256) + bytes(size % 256)
        assert prepare({"type": "websocket.send", "bytes": data}) == Frame(Opcode.BINARY, data).serialize(mask=False)
    text = "Garden — ½ 🌳"
    assert prepare({"type": "websocket.send", "text": text}) == Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


@pytest.mark.asyncio
async def test_views_and_replies_arrive_whole_and_in_order_through_prepared_writes() -> None:
    async with serving() as (app, url), connect(url, max_size=2**20) as client:
        conn, scope = await asyncio.wait_for(app.conns.get(), WAIT)
        assert PREPARED in scope["extensions"]
        codec = CODECS["msgpack"]
        shared = frame(codec, {"type": "view", "view": "phone", "data": {"n": 1, "pad": "x" * 300}})
        conn.push_view("phone", shared)
        conn.reply({"type": "ack", "id": 1})
        conn.push_view("me", frame(codec, {"type": "view", "view": "me", "data": {"big": "y" * 70_000}}))
        conn.reply({"type": "ack", "id": 2})
        got = [codec.decode(await asyncio.wait_for(client.recv(), WAIT)) for _ in range(4)]
        assert [g.get("view") or g.get("id") for g in got] == ["phone", 1, "me", 2]
        assert got[0]["data"] == {"n": 1, "pad": "x" * 300} and len(got[2]["data"]["big"]) == 70_000
        assert len(app.written) == 4  # every one went the prepared way
        assert shared["plaza.frame"] == app.written[0]  # framed once, kept with the shared frame


@pytest.mark.asyncio
async def test_a_client_that_stops_reading_loses_nothing_and_keeps_the_order() -> None:
    async with serving() as (app, url), connect(url, max_size=2**20, max_queue=1) as client:
        conn, _ = await asyncio.wait_for(app.conns.get(), WAIT)
        codec = CODECS["msgpack"]
        # The client reads nothing while 60 replies of 250 KB each are queued (15 MB, more than
        # the kernel's buffers): the transport pauses, the prepared write is refused and ASGI's
        # send waits for the client.
        for i in range(60):
            conn.reply({"type": "ack", "id": i, "pad": "z" * 250_000})
        async with asyncio.timeout(WAIT):
            while conn.blocked_since is None:
                await asyncio.sleep(0.01)
        prepared_before = len(app.written)
        assert 0 < prepared_before < 60
        ids = [codec.decode(await asyncio.wait_for(client.recv(), WAIT))["id"] for _ in range(60)]
        assert ids == list(range(60))
        # Once it reads again, the prepared write takes over for what comes next.
        conn.reply({"type": "ack", "id": 60})
        assert codec.decode(await asyncio.wait_for(client.recv(), WAIT))["id"] == 60
        assert len(app.written) == prepared_before + 1


@pytest.mark.asyncio
async def test_a_compressed_connection_gets_no_prepared_writes() -> None:
    async with serving(deflate=True) as (app, url), connect(url, compression="deflate") as client:
        conn, scope = await asyncio.wait_for(app.conns.get(), WAIT)
        assert PREPARED not in scope["extensions"]
        conn.reply({"type": "ack", "id": 7})
        assert CODECS["msgpack"].decode(await asyncio.wait_for(client.recv(), WAIT))["id"] == 7
        assert app.written == []
