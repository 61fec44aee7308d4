"""uvicorn's protocols as Plaza runs them: h11 with a time limit on a request's head, and
websockets that take a frame framed once for many clients (``PlazaWebSocketProtocol``).

The h11 protocol: a time limit on a request's head.

h11 bounds the size of a request line and headers (``h11_max_incomplete_event_size``) but not the
time they take: a stranger sending one header line a second holds a connection for half an hour,
and a laptop can hold thousands that way until phones can't connect.  Here the head of every
request (the first, and each next one on a kept-alive connection) must arrive within
``HEAD_WITHIN`` seconds, or the connection is closed (counted in the log's summary, not a line each).
A websocket's upgrade request is a head like any other; once upgraded, the timer is gone.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from server.logs import noise

HEAD_WITHIN = float(os.environ.get("PLAZA_HEAD_WITHIN", "10"))


class PlazaH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._waiting_for = self.cycle  # a head is awaited until a new cycle (request) begins
        self._head_timer: asyncio.TimerHandle | None = self.loop.call_later(HEAD_WITHIN, self._head_late)

    def _disarm(self) -> None:
        timer = getattr(self, "_head_timer", None)
        if timer is not None:
            timer.cancel()
            self._head_timer = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not self._waiting_for or self.transport.get_protocol() is not self:
            self._disarm()  # the head came (a request began, or the connection became a websocket)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._disarm()
            self._arm()  # kept alive: the next request's head must come in time too

    def connection_lost(self, exc: Any) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _head_late(self) -> None:
        self._head_timer = None
        waiting = self.cycle is self._waiting_for and self.transport.get_protocol() is self
        if waiting and not self.transport.is_closing():
            noise.count("slow_head", f"{self.client[0]}" if self.client else "")
            self.transport.close()


# -- websockets: one frame, framed once, written to many ----------------------------------------

PREPARED = "plaza.prepared_frames"  # the ASGI scope extension PlazaWebSocketProtocol adds


def prepare(message: dict[str, Any]) -> bytes:
    """An ASGI ``websocket.send`` message as the bytes of a server's websocket frame.

    A server's frames are not masked, so with no extension negotiated a message's frame is
    the same bytes for every client: a view sent to 10,000 phones is framed once, not 10,000
    times (python-websockets' ``broadcast()`` frames it once per connection).
    """
    data = message.get("bytes")
    if data is not None:
        return Frame(Opcode.BINARY, data).serialize(mask=False)
    return Frame(Opcode.TEXT, message["text"].encode()).serialize(mask=False)


class PlazaWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets (sans-I/O) protocol that also takes ready-made frames.

    The ASGI scope gets an extension, ``plaza.prepared_frames``, with ``write(frame) -> bool``:
    the frame (from :func:`prepare`) goes straight to the transport, as
    ``websockets.broadcast()`` writes, if the connection is open, its close not sent, no
    extension (compression) negotiated and the transport not paused (the client reads). Else
    it returns False and nothing is written: the caller sends through ASGI's ``send``, which
    waits for a paused transport or raises for a closed one. Frames written either way go to
    the transport in the order they are written: uvicorn's ``send`` writes at once, as this does.
    """

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # absent when the upgrade was refused
        if scope is not None and not self.conn.extensions:
            scope["extensions"][PREPARED] = {"write": self.write_prepared}

    def write_prepared(self, frame: bytes) -> bool:
        if (
            self.close_sent
            or self.disconnected
            or not self.writable.is_set()
            or self.initial_response is not None
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
