"""uvicorn's h11 protocol with a time limit on a request's head.

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
