"""One client's websocket as the hub sees it: a bounded outbox, written once per loop turn.

Fan-out never awaits a client.  ``push_view`` puts a ready-made ASGI frame in the
outbox; views are keyed by name, so a newer view replaces one the client has not
received yet (a slow phone gets the newest view, not a backlog).  Replies (acks,
errors) queue in order; a client that lets more than ``MAX_REPLIES`` of them pile up
is dropped.

The outboxes filled during one event-loop turn are written in the next, by one
callback for all of them (:class:`_Flusher`), not by a task per connection: a
screen-wide update to 10,000 phones is then 10,000 writes in a row, as
``websockets.broadcast()`` does, instead of 10,000 task wake-ups.  Each write is
the frame's bytes, framed once for everyone who gets it (``prepare``) and written straight
to the transport through the server's ``plaza.prepared_frames`` extension
(``server/http.py``), as ``websockets.broadcast()`` writes.  Where that is refused (the
transport is paused because the client reads slowly, the connection is closing, or the
server lacks the extension) the write is the connection's ASGI ``send``, stepped in place:
uvicorn's ``send`` writes to the transport without waiting unless the transport is paused.
Only then does the connection get a task of its own, which finishes that send and then its
outbox; fan-out to everyone else goes on.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from server.core.meeting import Role
from server.http import prepare
from server.logs import noise
from server.protocol import Codec

log = logging.getLogger("plaza.connection")

ASGISend = Callable[[dict[str, Any]], Awaitable[None]]
Frame = dict[str, Any]  # an ASGI "websocket.send" message, shared by every receiver
FrameWriter = Callable[[bytes], bool]  # the server's "plaza.prepared_frames" write (server/http.py)
PREPARED_KEY = "plaza.frame"  # a Frame's websocket frame, made by the first connection that writes it

MAX_REPLIES = 64
RATE_PER_SECOND = 10.0  # sustained messages a client may send
RATE_BURST = 30.0  # what it may send at once
FLOOD_DEBT = 60.0  # messages over the limit before we hang up


def frame(codec: Codec, message: dict[str, Any]) -> Frame:
    data = codec.encode(message)
    return {"type": "websocket.send", "bytes": data} if codec.binary else {"type": "websocket.send", "text": data}


# What a client gets instead of a reply the server could not encode (text with a lone surrogate,
# a value msgpack can't pack): the socket would otherwise be dropped mid-send (1006).
UNENCODABLE_REPLY = {"type": "error", "code": "internal", "message": "The server could not encode its answer."}


def reply_frame(codec: Codec, message: dict[str, Any]) -> Frame:
    """``message`` as a frame, or a generic error (with the message's id if that can be sent) if it can't be encoded."""
    try:
        data = frame(codec, message)
        if not codec.binary:
            data["text"].encode()  # the transport sends UTF-8: fail here, not mid-send
        return data
    except (ValueError, TypeError, OverflowError):  # UnicodeEncodeError is a ValueError
        log.debug("a reply could not be encoded", extra={"reply_type": str(message.get("type"))[:40]}, exc_info=True)
    fallback = dict(UNENCODABLE_REPLY)
    msg_id = message.get("id")
    if (isinstance(msg_id, int) and not isinstance(msg_id, bool) and abs(msg_id) < 2**53) or (
        isinstance(msg_id, str) and msg_id.isascii()
    ):
        fallback["id"] = msg_id
    return frame(codec, fallback)


class _Flusher:
    """The connections with something to write, written by one callback in the next loop turn."""

    __slots__ = ("loop", "queued", "scheduled")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queued: list[Connection] = []
        self.scheduled = False

    def add(self, conn: Connection) -> None:
        self.queued.append(conn)
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        self.scheduled = False
        queued, self.queued = self.queued, []
        for conn in queued:
            conn._queued = False
            if conn._writer is None:
                try:
                    conn._drain()
                except Exception:  # a bug must not leave the other connections unwritten
                    log.exception("writing to a client failed", extra={"peer": conn.peer})
                    conn._gone()


_flusher: _Flusher | None = None


def _flusher_for_this_loop() -> _Flusher:
    global _flusher
    loop = asyncio.get_running_loop()
    flusher = _flusher
    if flusher is None or flusher.loop is not loop:
        flusher = _flusher = _Flusher(loop)
    return flusher


class Connection:
    __slots__ = (
        "_flusher",
        "_ids",
        "_outbox",
        "_queued",
        "_refilled",
        "_replies",
        "_send",
        "_tokens",
        "_write_frame",
        "_writer",
        "blocked_since",
        "booth_name",
        "closed",
        "codec",
        "key",
        "last_me",
        "last_slots",
        "meeting",
        "participant_id",
        "peer",
        "role",
        "room",
        "room_seen",
        "warned",
    )

    def __init__(self, send: ASGISend, codec: Codec, peer: str, write: FrameWriter | None = None) -> None:
        self._send = send
        self._write_frame = write
        self.codec = codec
        self.peer = peer
        self.role: Role | None = None
        self.meeting: Any = None  # the MeetingRuntime after hello
        self.participant_id: str | None = None
        self.last_me: dict[str, Any] | None = None
        self.room = ""  # a room device: the room it shows
        self.room_seen = ""  # the room view (its key, "room:b1-2") this connection was last sent
        self.booth_name = ""  # an interpreter: the name they gave in the booth (server/hub/media.py)
        self.last_slots: dict[str, Any] | None = None  # the audio_slots message last sent
        self.key = ""  # a facilitator's secret, as said in hello (room device links derive from it)
        self._outbox: OrderedDict[Any, Frame] = OrderedDict()
        self._replies = 0
        self._ids = itertools.count()
        self._queued = False  # waiting for the next flush
        self._flusher: _Flusher | None = None  # this loop's
        self.closed = False
        self.blocked_since: float | None = None
        self._tokens = RATE_BURST
        self._refilled = time.monotonic()
        self._writer: asyncio.Task[None] | None = None  # only while a send waits for a slow client
        self.warned = False  # told "rate_limited" since it last went over the limit

    # -- sending --------------------------------------------------------------

    def start(self) -> None:
        """Nothing to start: a connection is written by the loop's flush (kept for callers)."""

    def push_view(self, name: str, data: Frame) -> None:
        """Queue a view; replaces an unsent view of the same name."""
        if self.closed:
            return
        self._outbox[name] = data
        self._wake()

    def reply(self, message: dict[str, Any]) -> None:
        """Queue an ack, error or other one-off message, in order."""
        if self.closed:
            return
        if self._replies >= MAX_REPLIES:
            log.debug("dropping client that does not read", extra={"peer": self.peer})
            noise.count("not_reading", self.peer)
            self.close(1008, "not reading")
            return
        self._replies += 1
        self._outbox[next(self._ids)] = reply_frame(self.codec, message)
        self._wake()

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame after what is queued, then stop writing."""
        if self.closed:
            return
        self._outbox["__close__"] = {"type": "websocket.close", "code": code, "reason": reason}
        self._wake()
        self.closed = True

    def abandon(self) -> None:
        """Stop writing to a client that is stuck (its transport stays with uvicorn's keepalive)."""
        self.closed = True
        self._outbox.clear()
        if self._writer is not None:
            self._writer.cancel()

    def _wake(self) -> None:
        if not self._queued and self._writer is None:
            self._queued = True
            flusher = self._flusher
            if flusher is None:
                flusher = self._flusher = _flusher_for_this_loop()
            flusher.add(self)

    def _take(self) -> Frame:
        key, message = self._outbox.popitem(last=False)
        if key.__class__ is int:
            self._replies -= 1
        return message

    def _drain(self) -> None:
        """Write the outbox now, in order, without waiting; a send that must wait goes to a task."""
        outbox = self._outbox
        while outbox:
            key, message = outbox.popitem(last=False)
            if key.__class__ is int:
                self._replies -= 1
            write = self._write_frame
            if write is not None and message["type"] == "websocket.send":
                wire = message.get(PREPARED_KEY)
                if wire is None:
                    try:
                        wire = message[PREPARED_KEY] = prepare(message)
                    except (ValueError, TypeError):  # can't be framed (a lone surrogate): ASGI's send says so
                        wire = b""
                if wire and write(wire):
                    continue
            send = self._send(message)
            try:
                waiting_for = send.send(None)  # type: ignore[attr-defined]
            except StopIteration:
                continue
            except Exception:  # the client went away mid-send: uvicorn raises its own types
                self._gone()
                return
            # The transport is paused (the client reads slowly): a task of its own waits for it.
            self.blocked_since = time.monotonic()
            writer = self._writer = asyncio.get_running_loop().create_task(self._write_slowly(send, waiting_for))
            writer.add_done_callback(functools.partial(self._writer_done, send))
            return

    def _writer_done(self, send: Coroutine[Any, Any, None], writer: asyncio.Task[None]) -> None:
        # Also when the task was cancelled before it ever ran: close the send it was to finish.
        send.close()
        if self._writer is writer:
            self._writer = None
            if self._outbox and not self._queued:
                self._wake()

    def _gone(self) -> None:
        self.closed = True
        self._outbox.clear()

    async def _write_slowly(self, send: Coroutine[Any, Any, None], waiting_for: Any) -> None:
        """Finish a send that had to wait (the transport is paused), then write the rest of the outbox."""
        try:
            await _finish(send, waiting_for)
            self.blocked_since = None
            while self._outbox:
                message = self._take()
                self.blocked_since = time.monotonic()
                await self._send(message)
                self.blocked_since = None
        except asyncio.CancelledError:
            pass
        except Exception:  # the client went away mid-send
            self._gone()
        finally:
            self._writer = None

    async def stop(self) -> None:
        """The socket is done: write a close frame still queued, and let a waiting send end."""
        if self.closed and self._outbox and self._writer is None:
            self._drain()
        writer = self._writer
        if writer is not None and not writer.done():
            if not self.closed:
                writer.cancel()
            try:
                await asyncio.wait_for(writer, 1.0)
            except (TimeoutError, asyncio.CancelledError):
                writer.cancel()
        if not self.closed:  # the client left: what is queued can't reach it
            self._outbox.clear()

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


async def _finish(send: Coroutine[Any, Any, None], waiting_for: Any) -> None:
    """Run to its end a coroutine that was stepped by hand and now waits for ``waiting_for``."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            if waiting_for is None:  # a bare yield: give the loop a turn
                await asyncio.sleep(0)
            elif not waiting_for.done():
                # Wait on a future of our own: the one it yielded is already marked as awaited.
                ready = loop.create_future()

                def wake(_: Any, ready: asyncio.Future[None] = ready) -> None:
                    if not ready.done():
                        ready.set_result(None)

                waiting_for.add_done_callback(wake)
                try:
                    await ready
                finally:
                    waiting_for.remove_done_callback(wake)
            try:
                waiting_for = send.send(None)
            except StopIteration:
                return
    except BaseException:
        send.close()
        raise
