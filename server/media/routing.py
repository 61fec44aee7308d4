"""Sources, slots and plans: who hears whom.  No aiortc peer connection in here, only tracks.

A :class:`Source` is a key (``M/floor/dev``, ``M/c/ch1``...) with at most one publisher.  Its
publisher's Opus packets become ``av.Packet`` objects once, which the source fans out to the
:class:`SlotTrack` of every listener that hears it (one shared object per packet: nobody changes
a packet after the fan-out).  A slot track is the track of one of a listener's 8 outgoing audio
transceivers; aiortc's sender sees a non-``Frame`` and only packs it (no encode).

Timestamps: a source puts its packets on one timeline, the media process's clock at 48 kHz.  When
its publisher changes (an interpreter's handover), the new publisher's first packet continues the
timeline where the previous one left it (never backwards), so a listener's jitter buffer sees one
continuous stream.  All sources being near the same clock, a slot that moves from one source to
another usually goes forward too; if not, that slot shifts the packets it sends by its own offset
(copies, only then).
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

log = logging.getLogger("plaza.media")

SLOTS = 8
RATE = 48000
FRAME = 960  # samples in a 20 ms Opus frame
TIME_BASE = fractions.Fraction(1, RATE)
QUEUE_MAX = 10  # packets a slot holds (200 ms) before it drops the oldest: a slow sender never blocks a source
IDLE = 2.0  # seconds without packets before a source stops being active (its slots are freed)
_T0 = time.monotonic()


def clock_pts(now: float) -> int:
    """The media process's timeline at ``now`` (monotonic seconds), in 48 kHz samples."""
    return int((now - _T0) * RATE)


@dataclass(frozen=True)
class Plan:
    send: str | None = None
    exclusive: bool = False
    hear: tuple[str, ...] = ()

    def hears(self, key: str) -> bool:
        return any(key == p or (p.endswith("/") and key.startswith(p)) for p in self.hear)


class SlotTrack(MediaStreamTrack):
    """One outgoing slot of a listener: yields the ``av.Packet`` objects of its current source."""

    kind = "audio"

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.source: Source | None = None
        self._queue: deque[av.Packet] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._reading = False  # the sender runs (connected): before that, packets are not kept
        self._fresh = True  # the next packet is the first from a new source
        self._offset = 0
        self._last_pts: int | None = None
        self.dropped = 0
        self.high = 0  # the longest the queue has been since last read by stats()
        self.sent = 0

    def push(self, packet: av.Packet) -> None:
        if not self._reading:
            return
        q = self._queue
        if len(q) >= QUEUE_MAX:
            q.popleft()
            self.dropped += 1
        q.append(packet)
        if len(q) > self.high:
            self.high = len(q)
        w = self._waiter
        if w is not None:
            self._waiter = None
            if not w.done():
                w.set_result(None)

    def switch(self, source: Source | None) -> None:
        """Listen to ``source`` from now on (None: silence). Called by the router only."""
        if source is self.source:
            return
        if self.source is not None:
            self.source.subscribers.discard(self)
        self.source = source
        self._queue.clear()
        self._fresh = True
        if source is not None:
            source.subscribers.add(self)

    async def recv(self) -> av.Packet:
        self._reading = True
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        packet = self._queue.popleft()
        pts = packet.pts
        if self._fresh:
            self._fresh = False
            last = self._last_pts
            self._offset = 0 if last is None or pts > last else last + FRAME - pts
        if self._offset:
            shifted = av.Packet(bytes(packet))
            shifted.pts = pts + self._offset
            shifted.time_base = TIME_BASE
            packet = shifted
        self._last_pts = packet.pts
        self.sent += 1
        return packet

    def stop(self) -> None:
        self.switch(None)
        super().stop()
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)


class Source:
    """A key with at most one publisher, fanning its packets out to the slots that hear it."""

    def __init__(self, key: str, router: Router) -> None:
        self.key = key
        self.router = router
        self.publisher: Listener | None = None
        self.subscribers: set[SlotTrack] = set()
        self.active = False
        self.active_since = 0.0
        self.last_packet = 0.0
        self.packets = 0
        self._offset: int | None = None  # publisher's timestamp -> timeline; None until its first packet
        self._last_out: int | None = None

    def attach(self, peer: Listener | None) -> None:
        self.publisher = peer
        self._offset = None

    def feed(self, timestamp: int, data: bytes) -> None:
        """One Opus packet from the publisher, ``timestamp`` its unwrapped RTP timestamp."""
        now = time.monotonic()
        if self._offset is None:
            first = clock_pts(now)
            if self._last_out is not None and first <= self._last_out:
                first = self._last_out + FRAME  # a handover continues the timeline, never goes back
            self._offset = first - timestamp
        pts = timestamp + self._offset
        if self._last_out is None or pts > self._last_out:
            self._last_out = pts
        packet = av.Packet(data)
        packet.pts = pts
        packet.time_base = TIME_BASE
        self.packets += 1
        self.last_packet = now
        if not self.active:  # its first packet (again): the slots that hear it subscribe, then get it
            self.router.activate(self, now)
        for slot in self.subscribers:
            slot.push(packet)


class Listener:
    """What the router needs of a peer (the engine's Peer subclasses it)."""

    def __init__(self, name: str, tracks: list[SlotTrack], has_mic: bool) -> None:
        self.name = name
        self.tracks = tracks
        self.has_mic = has_mic
        self.plan = Plan()
        self.send_key: str | None = None  # the source it publishes now (None: its audio goes nowhere)
        self.slots: list[str | None] = [None] * len(tracks)
        self.live = True

    def slots_changed(self) -> None:
        """The router changed ``slots`` (tell Plaza)."""


@dataclass
class Router:
    sources: dict[str, Source] = field(default_factory=dict)
    listeners: set[Listener] = field(default_factory=set)
    on_error: Callable[[Listener, BaseException], None] | None = None

    # -- plans

    def set_plan(self, peer: Listener, plan: Plan) -> str | None:
        """Apply ``plan``; returns "source_taken" if its exclusive send was refused (the send is dropped)."""
        self.listeners.add(peer)
        refused = None
        touched: set[str] = set()
        want = plan.send if peer.has_mic else None  # no microphone: nothing to publish, nobody displaced
        if peer.send_key is not None and peer.send_key != want:
            touched.add(peer.send_key)
            self._detach(peer)
        if want is not None and peer.send_key != want:
            source = self.sources.get(want)
            current = source.publisher if source is not None else None
            if current is not None and current is not peer and current.live and plan.exclusive:
                refused = "source_taken"
            else:
                if source is None:
                    source = self.sources[want] = Source(want, self)
                if current is not None and current is not peer:
                    current.send_key = None  # the latest plan wins: the previous publisher is detached
                source.attach(peer)
                peer.send_key = want
                touched.add(want)  # stays active through a handover: its slots keep their place
        peer.plan = plan
        self._assign(peer)  # its own send key is never in its slots: a new send may free or fill one
        for key in touched:
            self._deactivate_if_silent(key)
        return refused

    def remove(self, peer: Listener) -> None:
        """The peer is gone: its send detached, its slots emptied."""
        peer.live = False
        self.listeners.discard(peer)
        if peer.send_key is not None:
            key = peer.send_key
            self._detach(peer)
            self._deactivate_if_silent(key)
        for track in peer.tracks:
            track.switch(None)
        peer.slots = [None] * len(peer.tracks)

    def _detach(self, peer: Listener) -> None:
        source = self.sources.get(peer.send_key) if peer.send_key else None
        peer.send_key = None
        if source is not None and source.publisher is peer:
            source.attach(None)

    # -- activity

    def activate(self, source: Source, now: float) -> None:
        source.active = True
        source.active_since = now
        self._reassign(source.key)

    def _deactivate_if_silent(self, key: str) -> None:
        source = self.sources.get(key)
        if source is None:
            return
        if source.publisher is None:
            if source.active:
                source.active = False
                self._reassign(key)
            if not source.subscribers:
                del self.sources[key]

    def sweep(self, now: float | None = None) -> None:
        """Sources whose packets stopped for :data:`IDLE` seconds are no longer active (called every 0.5 s)."""
        now = time.monotonic() if now is None else now
        for source in list(self.sources.values()):
            if source.active and now - source.last_packet > IDLE:
                source.active = False
                self._reassign(source.key)
            if source.publisher is None and not source.active and not source.subscribers:
                del self.sources[source.key]

    # -- slots

    def _reassign(self, key: str) -> None:
        for peer in list(self.listeners):
            if peer.plan.hears(key):
                self._assign(peer)

    def _wanted(self, peer: Listener, n: int) -> list[str]:
        out: list[str] = []
        if n <= 0:  # an offer with a microphone and no slots: it hears nothing
            return out
        own = {peer.plan.send, peer.send_key}
        active = [s for s in self.sources.values() if s.active]
        for pattern in peer.plan.hear:
            if pattern.endswith("/"):
                matches: Iterable[Source] = sorted(
                    (s for s in active if s.key.startswith(pattern)), key=lambda s: (s.active_since, s.key)
                )
            else:
                source = self.sources.get(pattern)
                matches = [source] if source is not None and source.active else []
            for source in matches:
                if source.key in own or source.key in out:
                    continue
                out.append(source.key)
                if len(out) >= n:
                    return out
        return out

    def _assign(self, peer: Listener) -> None:
        """Fill the peer's slots in ``hear`` order with active sources; a source keeps its slot while heard."""
        try:
            n = len(peer.tracks)
            wanted = self._wanted(peer, n)
            keep = set(wanted)
            new: list[str | None] = [k if k in keep and i < n else None for i, k in enumerate(peer.slots)]
            placed = set(new)
            free = (i for i in range(n) if new[i] is None)
            for key in wanted:
                if key not in placed:
                    new[next(free)] = key
            if new == peer.slots:
                return
            for i, track in enumerate(peer.tracks):
                if new[i] != peer.slots[i]:
                    track.switch(self.sources.get(new[i]) if new[i] else None)
            peer.slots = new
            peer.slots_changed()
        except Exception as exc:  # one peer's trouble stays with that peer
            if self.on_error is None:
                raise
            self.on_error(peer, exc)
