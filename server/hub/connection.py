"""One client's websocket as the hub sees it: a bounded outbox and one writer.

Fan-out never awaits a client.  ``push`` puts a ready-made ASGI frame in the
outbox and wakes this connection's writer task; views are keyed by name, so a
newer view replaces one the client has not received yet (a slow phone gets
the newest view, not a backlog).  Replies (acks, errors) queue in order; a
client that lets more than ``MAX_REPLIES`` of them pile up is dropped.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from server.core.meeting import Role
from server.protocol import Codec

log = logging.getLogger("plaza.connection")

ASGISend = Callable[[dict[str, Any]], Awaitable[None]]
Frame = dict[str, Any]  # an ASGI "websocket.send" message, shared by every receiver

MAX_REPLIES = 64
RATE_PER_SECOND = 10.0  # sustained messages a client may send
RATE_BURST = 30.0  # what it may send at once
FLOOD_DEBT = 60.0  # messages over the limit before we hang up


def frame(codec: Codec, message: dict[str, Any]) -> Frame:
    data = codec.encode(message)
    return {"type": "websocket.send", "bytes": data} if codec.binary else {"type": "websocket.send", "text": data}


class Connection:
    __slots__ = (
        "_ids",
        "_outbox",
        "_refilled",
        "_replies",
        "_send",
        "_tokens",
        "_wake",
        "_writer",
        "blocked_since",
        "closed",
        "codec",
        "key",
        "last_me",
        "meeting",
        "participant_id",
        "peer",
        "role",
        "room",
        "room_seen",
        "warned",
    )

    def __init__(self, send: ASGISend, codec: Codec, peer: str) -> None:
        self._send = send
        self.codec = codec
        self.peer = peer
        self.role: Role | None = None
        self.meeting: Any = None  # the MeetingRuntime after hello
        self.participant_id: str | None = None
        self.last_me: dict[str, Any] | None = None
        self.room = ""  # a room device: the room it shows
        self.room_seen = ""  # the room view (its key, "room:b1-2") this connection was last sent
        self.key = ""  # a facilitator's secret, as said in hello (room device links derive from it)
        self._outbox: OrderedDict[Any, Frame] = OrderedDict()
        self._replies = 0
        self._wake = asyncio.Event()
        self._ids = itertools.count()
        self.closed = False
        self.blocked_since: float | None = None
        self._tokens = RATE_BURST
        self._refilled = time.monotonic()
        self._writer: asyncio.Task[None] | None = None
        self.warned = False  # told "rate_limited" since it last went over the limit

    # -- sending --------------------------------------------------------------

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_loop())

    def push_view(self, name: str, data: Frame) -> None:
        """Queue a view; replaces an unsent view of the same name."""
        if self.closed:
            return
        self._outbox[name] = data
        self._wake.set()

    def reply(self, message: dict[str, Any]) -> None:
        """Queue an ack, error or other one-off message, in order."""
        if self.closed:
            return
        if self._replies >= MAX_REPLIES:
            log.warning("dropping client that does not read", extra={"peer": self.peer})
            self.close(1008, "not reading")
            return
        self._replies += 1
        self._outbox[next(self._ids)] = frame(self.codec, message)
        self._wake.set()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame after what is queued, then stop writing."""
        if self.closed:
            return
        self._outbox["__close__"] = {"type": "websocket.close", "code": code, "reason": reason}
        self._wake.set()
        self.closed = True

    def abandon(self) -> None:
        """Stop writing to a client that is stuck (its transport stays with uvicorn's keepalive)."""
        self.closed = True
        self._outbox.clear()
        if self._writer is not None:
            self._writer.cancel()

    async def _write_loop(self) -> None:
        outbox = self._outbox
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while outbox:
                    key, message = outbox.popitem(last=False)
                    if isinstance(key, int):
                        self._replies -= 1
                    self.blocked_since = time.monotonic()
                    await self._send(message)
                    self.blocked_since = None
                    if message["type"] == "websocket.close":
                        return
        except asyncio.CancelledError:
            pass
        except Exception:  # the client went away mid-send: uvicorn raises its own types
            self.closed = True
            self._outbox.clear()

    async def stop(self) -> None:
        if self._writer is not None and not self._writer.done():
            if not self.closed:
                self._writer.cancel()
            try:
                await asyncio.wait_for(self._writer, 1.0)
            except (TimeoutError, asyncio.CancelledError):
                self._writer.cancel()

    # -- flood control ----------------------------------------------------------

    def allow(self) -> bool:
        """Token bucket: False means drop this message (and hang up once deep in debt)."""
        now = time.monotonic()
        self._tokens = min(RATE_BURST, self._tokens + (now - self._refilled) * RATE_PER_SECOND)
        self._refilled = now
        self._tokens -= 1
        if self._tokens >= 0:
            self.warned = False
            return True
        return False

    @property
    def flooding(self) -> bool:
        return self._tokens < -FLOOD_DEBT
