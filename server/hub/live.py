"""A meeting loaded in this process: its state, its connections, its command loop.

Commands for one meeting go through one queue.  The loop takes everything
queued, decides each command on a working copy of the state, appends all the
resulting events in one store call, and only then acknowledges them: a command
is acknowledged after its events are durable.  If another process appended
first (:class:`SeqConflict`), the loop reads what it missed and decides the
batch again.  After a commit the views are marked dirty and published in four
lanes (see :class:`Lane`): room devices at most every fifth of ``publish_interval``, big
screens at most every ``publish_interval`` seconds;
consoles and phones, and phones' live view (the queue, a vote's tally), at most every
``publish_interval`` plus a spacing that grows with the number of connections (leading
edge: an idle meeting publishes at once).  A publish writes to its connections in
slices, one slice per event-loop turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from server.core import event as events
from server.core import meeting as m
from server.core import registry, views
from server.core.errors import Rejection
from server.core.inputs import Inputs
from server.hub.connection import Connection, Frame, frame
from server.hub.encoding import ViewEncoder
from server.protocol import Codec
from server.store import SeqConflict, Store, StoreError

log = logging.getLogger("plaza.meeting")

# Losing an append race to another process: retry after a random pause that grows with each loss
# (two busy processes retrying in lockstep would keep colliding), for at most RETRY_FOR seconds.
RETRY_FOR = 10.0
TURN_HOLD = 2.0  # seconds a write turn lasts at most (a process that dies holding it blocks no longer)
TURN_POLL = 0.02  # ask again this often if no append wakes us
BACKOFF_BASE = 0.001
BACKOFF_MAX = 0.05
# Each frame pushed costs the process roughly 25-40 µs (measured in bench/phones.py).  Spacing a
# meeting's publishes by 50 µs per connection keeps fan-out under about half a core during bursts
# (a join storm, a wave of ballots) while an idle meeting still publishes at once.
FANOUT_SPACING_PER_CONNECTION = 50e-6


# The phones' live view (who is next, a vote's running tally) moves with every hand and ballot: its
# lane is spaced eight times wider, so a queue of hands or a wave of ballots costs at most about
# 2,500 frames a second however many phones listen.
LIVE_SPACING_PER_CONNECTION = 400e-6
SLICE = 200  # connections written to per event-loop turn in a publish
# Views encoded with a ViewEncoder (parts unchanged since the last publish are not encoded again):
# the console's (5,000 people in 250 rooms: 430-600 KB) and the big screen's (the rooms' grid).
REENCODED = frozenset({"facilitator", "screen"})

BOOTHS = (m.Role.INTERPRETER, m.Role.CAPTIONER)  # a language channel's booth: its view is booth:<channel>
# not phones: consoles (and translators' pages) go first in the room's lane
FRONT = (m.Role.SCREEN, m.Role.FACILITATOR, m.Role.ROOM, m.Role.TRANSLATOR, *BOOTHS)
# Room devices (a tablet on a breakout room's table, in a topic circle's space) have a lane of
# their own, five times quicker than the big screens': a device's view is one room's, reused
# while the room is unchanged, so a hand raised in a room shows on its table within ~10 ms
# instead of waiting up to 50 ms behind the big screen's grid.
DEVICE_LANE_SPEEDUP = 5


@dataclasses.dataclass(eq=False)
class Lane:
    """One publishing lane of a meeting: who it writes to, and how often at most.

    - ``devices``: room devices (a breakout room's or a topic circle's table), every fifth of
      ``publish_interval``: each shows one room's view, reused while that room is unchanged.
    - ``screens``: the big screens (the room reads them), every ``publish_interval``.
    - ``room``: consoles first, then phones (their ``phone`` and ``me`` views), spaced by
      ``publish_interval`` plus 50 µs per connection: an idle meeting publishes at once, a
      burst (a join storm) costs a few publishes a second.  The console's view grows with
      the number of participants: it stays in this lane.
    - ``live``: phones' ``live`` view, what moves with every hand raised and ballot cast (who
      is next on the stack, an open vote's running tally), spaced by 400 µs per connection:
      62 ms for 30 phones, 2 s for 5,000.
    """

    name: str
    base: float
    per_connection: float
    handle: asyncio.Handle | None = None  # a publish is due
    writing: bool = False  # a publish is being written, slice by slice
    dirty: bool = False  # something changed since the last publish started
    last: float = 0.0  # loop time the last publish started
    # view -> what every viewer of it in this lane has received (a room's view goes to its
    # phones in the room lane and to its device in the devices lane: each lane keeps its own)
    last_views: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # the state and presence_version the last publish was projected from (None: the next goes to all)
    seen: tuple[m.MeetingState, int] | None = None

    def spacing(self, connections: int) -> float:
        return self.base + connections * self.per_connection


class Publish:
    """One publish of a lane: views projected from one state, each encoded once per codec."""

    __slots__ = ("changed", "connected", "frames", "lane", "state")

    def __init__(self, state: m.MeetingState, connected: Callable[[], set[str]], lane: Lane) -> None:
        self.state = state
        self.lane = lane
        self.connected = connected  # called when a view needs it (the live view doesn't: no O(N) set)
        self.changed: dict[str, dict[str, Any] | None] = {}  # view -> its new data, or None: unchanged
        self.frames: dict[tuple[str, str], Frame | None] = {}

    def changes(self, meeting: LiveMeeting, name: str) -> bool:
        """Whether view ``name`` differs from what its viewers have (projected once per publish)."""
        if name not in self.changed:
            projected = meeting.project(name, self.connected, self.state)
            last_views = self.lane.last_views
            last = last_views.get(name)
            fresh = last is not projected and last != projected
            self.changed[name] = projected if fresh else None
            last_views[name] = projected
        return self.changed[name] is not None

    def frame(self, meeting: LiveMeeting, name: str, codec: Codec) -> Frame | None:
        """The frame for view ``name`` in ``codec``, or None when its viewers have it already."""
        key = (name, codec.name)
        if key not in self.frames:
            self.changes(meeting, name)
            data = self.changed[name]
            if data is None:
                self.frames[key] = None
            elif name in REENCODED:  # big, and mostly the same objects as last time: reuse their bytes
                encoder = meeting.encoders.get(key)
                if encoder is None:
                    encoder = meeting.encoders[key] = ViewEncoder(codec.name)
                encoded = encoder.encode(_message(self.state, name, data))
                self.frames[key] = (
                    {"type": "websocket.send", "bytes": encoded}
                    if codec.binary
                    else {"type": "websocket.send", "text": encoded}
                )
            else:
                self.frames[key] = frame(codec, _message(self.state, name, data))
        return self.frames[key]


@dataclasses.dataclass
class Pending:
    command: m.Command
    actor: m.Actor
    future: asyncio.Future[int]
    on_commit: Callable[[], None] | None = None  # runs once the events are durable, before views publish
    inputs: Inputs | None = None  # drawn by the hub; the batch sets the time


class LiveMeeting:
    def __init__(
        self,
        state: m.MeetingState,
        store: Store,
        *,
        clock: Callable[[], float],
        join_url: str,
        publish_interval: float,
        proc: str = "",
    ) -> None:
        self.state = state
        self.proc = proc  # this process's name, for write turns
        self.store = store
        self.clock = clock
        self.join_url = join_url
        self.publish_interval = publish_interval
        self.connections: set[Connection] = set()
        self.front: set[Connection] = set()  # screens and consoles: published to first
        self.screens: set[Connection] = set()  # the big screens: their own publishing lane
        self.devices: set[Connection] = set()  # room devices: theirs
        self.watchers: list[Callable[[], None]] = []  # called on every change of state or presence
        self.presence: Counter[str] = Counter()  # participant id -> open phone connections here
        self.remote: frozenset[str] = frozenset()  # participants connected to other processes
        self.on_presence_change: Callable[[], None] | None = None  # who is connected here changed
        self._queue: list[Pending] = []
        self._worker: asyncio.Task[None] | None = None
        self._sync_wanted = False
        self._turn_freed = asyncio.Event()
        self._timer: asyncio.TimerHandle | None = None
        self.presence_version = 0  # changes whenever who is connected changes
        self._view_cache: dict[str, tuple[int, tuple[Any, ...], dict[str, Any]]] = {}
        self._connected: tuple[int, frozenset[str]] | None = None  # (presence_version, who is connected)
        self._hello_views: dict[Connection, dict[str, Any]] = {}  # a room view a connection got at hello
        # Publishing lanes (see Lane): screens first, then the room, then the phones' running tally.
        self.lanes = (
            Lane("devices", publish_interval / DEVICE_LANE_SPEEDUP, 0.0),
            Lane("screens", publish_interval, 0.0),
            Lane("room", publish_interval, FANOUT_SPACING_PER_CONNECTION),
            Lane("live", publish_interval, LIVE_SPACING_PER_CONNECTION),
        )
        self.encoders: dict[tuple[str, str], ViewEncoder] = {}  # (view, codec) -> its encoder (REENCODED views)
        self.appends = 0  # batches appended by this process
        self.races_lost: Counter[int] = Counter()  # batches by how many append races they lost (5: 5 or more)

    @property
    def id(self) -> str:
        return self.state.id

    # -- commands ---------------------------------------------------------------

    async def submit(
        self,
        command: m.Command,
        actor: m.Actor,
        on_commit: Callable[[], None] | None = None,
        inputs: Inputs | None = None,
    ) -> int:
        """Decide, append, and return the seq once durable; raise :class:`Rejection` if refused.

        ``inputs``: what the hub drew for this command (ids, a receipt, a seed, who is present);
        its time is set when the batch is decided.
        """
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append(Pending(command, actor, future, on_commit, inputs))
        if self._worker is None:
            self._worker = asyncio.create_task(self._work())
        return await future

    def request_sync(self) -> None:
        """Another process appended (or we may have missed appends): read the log's tail soon.

        The worker does it, so a catch-up never runs at the same time as a batch.
        """
        self._sync_wanted = True
        if self._worker is None:
            self._worker = asyncio.create_task(self._work())

    async def _work(self) -> None:
        try:
            while self._queue or self._sync_wanted:
                if self._sync_wanted:
                    self._sync_wanted = False
                    try:
                        await self.catch_up()
                    except StoreError as exc:
                        log.warning("could not read the log", extra={"meeting": self.id, "error": str(exc)})
                if not self._queue:
                    continue
                batch, self._queue = self._queue, []
                try:
                    await self._run_batch(batch)
                except Exception as exc:  # never leave a caller hanging
                    log.exception("batch failed", extra={"meeting": self.id})
                    for p in batch:
                        if not p.future.done():
                            p.future.set_exception(Rejection("internal", f"The server failed: {type(exc).__name__}."))
        finally:
            self._worker = None

    async def _run_batch(self, batch: list[Pending]) -> None:
        give_up = time.monotonic() + RETRY_FOR
        lost = 0
        turns = self.store.shared  # other processes write too: take the meeting's write turn
        while time.monotonic() < give_up:
            try:
                if turns:
                    # Holding the turn, the state is current (the turn brings what we missed): an
                    # acceptance or a refusal decided now is as if the commands came to one process.
                    missed = await self._take_turn(give_up)
                    if missed is None:
                        break  # another process held the meeting all along: busy
                    self._fold_in(missed)
            except StoreError as exc:
                self._fail(batch, exc)
                return
            now = self.clock()
            working = self.state
            decided: list[tuple[Pending, Rejection | int]] = []  # rejection, or how many events
            new_events: list[events.Event] = []
            for p in batch:
                if p.future.done():
                    continue
                inputs = dataclasses.replace(p.inputs, now=now) if p.inputs is not None else Inputs(now=now)
                try:
                    evs = m.decide(working, p.command, p.actor, inputs)
                except Rejection as r:
                    decided.append((p, r))
                    continue
                for ev in evs:
                    working = m.apply(working, ev)
                new_events.extend(evs)
                decided.append((p, len(evs)))
            base = self.state.seq
            if new_events:
                try:
                    data = [e.to_dict() for e in new_events]
                    last = await self.store.append(self.id, data, base, end_turn_of=self.proc if turns else "")
                except SeqConflict as conflict:
                    # Our turn ran out mid-batch and another process wrote: decide again on its events.
                    lost += 1
                    await asyncio.sleep(random.uniform(0, min(BACKOFF_MAX, BACKOFF_BASE * 2**lost)))
                    if conflict.missed is not None:
                        self._fold_in(conflict.missed)
                    try:
                        await self.catch_up()  # what came during the pause (or all of it)
                    except StoreError as exc:
                        self._fail(batch, exc)
                        return
                    continue
                except StoreError as exc:
                    self._fail(batch, exc, decided)
                    return
                self.state = dataclasses.replace(working, seq=last)
                self.appends += 1
                if lost:
                    self.races_lost[min(lost, 5)] += 1
                for p, outcome in decided:
                    if p.on_commit is not None and isinstance(outcome, int):
                        p.on_commit()
            elif turns:
                try:
                    await self.store.end_turn(self.id, self.proc)
                except StoreError as exc:  # the turn expires by itself
                    log.warning("could not end the write turn", extra={"meeting": self.id, "error": str(exc)})
            # Acks first: resolving the futures before marking views dirty puts each ack ahead of
            # the fan-out in the event loop, so a sender hears back before 5,000 phones are written to.
            seq = base
            for p, outcome in decided:
                if isinstance(outcome, Rejection):
                    p.future.set_exception(outcome)
                else:
                    seq += outcome
                    p.future.set_result(seq)
            if new_events:
                self._after_commit(new_events)
            return
        for p in batch:
            if not p.future.done():
                p.future.set_exception(Rejection("busy", "The meeting is very busy; try again."))

    def _fail(
        self, batch: list[Pending], exc: StoreError, decided: list[tuple[Pending, Rejection | int]] | None = None
    ) -> None:
        """The store failed: commands that would have been accepted get ``store_unavailable``."""
        log.error("append failed", extra={"meeting": self.id, "error": str(exc)})
        failure = Rejection("store_unavailable", "The meeting can't record changes right now; try again.")
        refused = {id(p): outcome for p, outcome in decided or [] if isinstance(outcome, Rejection)}
        for p in batch:
            if not p.future.done():
                p.future.set_exception(refused.get(id(p), failure))

    async def _take_turn(self, give_up: float) -> list[tuple[int, dict[str, Any]]] | None:
        """Wait for this meeting's write turn (another process's append or turn end wakes us).

        Returns the events we missed, or None if the turn did not come by ``give_up``.
        """
        while True:
            self._turn_freed.clear()
            missed = await self.store.take_turn(self.id, self.proc, self.state.seq, TURN_HOLD)
            if missed is not None:
                return missed
            if time.monotonic() >= give_up:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._turn_freed.wait(), TURN_POLL)

    def turn_freed(self) -> None:
        """Another process appended to this meeting or ended its turn: it may be ours now."""
        self._turn_freed.set()

    async def catch_up(self) -> int:
        """Fold in events that other writers appended since our last seq; return how many."""
        records = await self.store.read(self.id, self.state.seq)
        return self._fold_in(records)

    def _fold_in(self, records: list[tuple[int, dict[str, Any]]]) -> int:
        """Apply events another writer appended (those we already have are skipped)."""
        records = [(seq, data) for seq, data in records if seq > self.state.seq]
        if records:
            evs = [events.from_dict(data) for _, data in records]
            self.state = m.fold(((seq, ev) for (seq, _), ev in zip(records, evs, strict=True)), self.state)
            self._after_commit(evs)
        return len(records)

    def _after_commit(self, new_events: list[events.Event]) -> None:
        self.schedule_timers()
        removed = {ev.participant_id for ev in new_events if isinstance(ev, m.ParticipantRemoved)}
        if removed:
            for conn in self.connections:
                pid = conn.participant_id
                if pid in removed:
                    self.presence[pid] -= 1
                    if self.presence[pid] <= 0:
                        del self.presence[pid]
                        self._presence_changed()
        self.mark_dirty()

    # -- deadlines the core asked for --------------------------------------------------

    def schedule_timers(self, floor: float = 0.0) -> None:
        """Keep the earliest deadline a feature asked for (a return countdown reaching zero).

        When it comes, the command is submitted as the ``system`` actor.  Every process serving
        the meeting does it; the first one's events make the others' a no-op or a refusal.
        """
        due = sorted(
            (at, i, command)
            for i, feature in enumerate(registry.features())
            if feature.timers is not None
            for at, command in feature.timers(self.state)
        )
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not due:
            return
        at, _, command = due[0]
        loop = asyncio.get_running_loop()
        delay = max(floor, at - self.clock())
        self._timer = loop.call_later(delay, lambda: asyncio.ensure_future(self._fire(command)))

    async def _fire(self, command: m.Command) -> None:
        self._timer = None
        try:
            await self.submit(command, m.Actor(m.Role.SYSTEM))
        except Rejection as r:  # someone (or another process) got there first
            log.debug("timer command refused", extra={"meeting": self.id, "code": r.code})
        except Exception:
            log.exception("timer command failed", extra={"meeting": self.id})
        # The store may have been unreachable: look again (an accepted command rescheduled already).
        if self._timer is None:
            with contextlib.suppress(RuntimeError):
                self.schedule_timers(floor=1.0)

    # -- connections and presence ---------------------------------------------------

    def attach(self, conn: Connection) -> None:
        """Add a connection that said hello, and send it every view it is entitled to now."""
        conn.meeting = self
        self.connections.add(conn)
        if conn.role in FRONT:
            self.front.add(conn)
        if conn.role is m.Role.SCREEN:
            self.screens.add(conn)
        elif conn.role is m.Role.ROOM or conn.role in BOOTHS:
            self.devices.add(conn)
        if conn.participant_id is not None:
            self.presence[conn.participant_id] += 1
            if self.presence[conn.participant_id] == 1:
                self.mark_dirty()
                self._presence_changed()
        self._send_current(conn)

    def detach(self, conn: Connection) -> None:
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        self._hello_views.pop(conn, None)
        self.front.discard(conn)
        self.screens.discard(conn)
        self.devices.discard(conn)
        self._leave(conn)

    def set_participant(self, conn: Connection, participant_id: str) -> None:
        """A phone on this meeting just joined (called at commit; the commit publishes)."""
        conn.participant_id = participant_id
        if conn in self.connections:  # it may have hung up while the join was being written
            self.presence[participant_id] += 1
            self._presence_changed()

    def _leave(self, conn: Connection) -> None:
        pid = conn.participant_id
        if pid is None:
            return
        participant = self.state.participants.get(pid)
        if participant is not None and participant.removed:
            return  # already uncounted when the removal was committed
        self.presence[pid] -= 1
        if self.presence[pid] <= 0:
            del self.presence[pid]
            self.mark_dirty()
            self._presence_changed()

    def _presence_changed(self) -> None:
        self.presence_version += 1
        if self.on_presence_change is not None:
            self.on_presence_change()

    def local_ids(self) -> list[str]:
        """Participants connected to this process."""
        return [pid for pid, n in self.presence.items() if n > 0]

    def set_remote(self, participant_ids: set[str]) -> None:
        """Who is connected to other processes (from the shared store)."""
        remote = frozenset(participant_ids)
        if remote != self.remote:
            self.remote = remote
            self.presence_version += 1
            self.mark_dirty()

    def connected(self) -> frozenset[str]:
        """Who is connected here or elsewhere: rebuilt only when that changed (5,000 phones: ~1.5 ms)."""
        cached = self._connected
        if cached is None or cached[0] != self.presence_version:
            who = frozenset(pid for pid, n in self.presence.items() if n > 0) | self.remote
            cached = self._connected = (self.presence_version, who)
        return cached[1]

    # -- views ----------------------------------------------------------------------

    def project(self, name: str, connected: Callable[[], set[str]], state: m.MeetingState) -> dict[str, Any]:
        """Project view ``name`` of ``state``; ``connected`` is called only by views that count who is here."""
        if name == "live":
            return views.phone_live(state)
        if ":" in name:  # a feature's own audience: room:b1-2
            return self._feature_view(name, connected, state)
        if name == "screen":
            return views.screen_view(state, connected(), self.join_url)
        if name == "facilitator":
            return views.facilitator_view(state, connected(), self.join_url)
        return views.phone_view(state, connected())

    def _feature_view(self, name: str, connected: Callable[[], set[str]], state: m.MeetingState) -> dict[str, Any]:
        """A feature audience's view, reused while what it is projected from is unchanged.

        250 room devices in the devices lane would otherwise cost 250 projections every 10 ms
        while any one room changes.  State is immutable: the same objects mean the same view.
        """
        deps = views.feature_view_deps(state, name)
        cached = self._view_cache.get(name)
        if (
            deps is not None
            and cached is not None
            and cached[0] == self.presence_version
            and len(cached[1]) == len(deps)
            and all(a is b for a, b in zip(cached[1], deps, strict=True))
        ):
            return cached[2]
        data = views.feature_view(state, name, views.Context(connected, self.join_url)) or {}
        if deps is not None:
            self._view_cache[name] = (self.presence_version, deps, data)
        return data

    def _send_current(self, conn: Connection) -> None:
        first = _view_for(conn)
        names = (first, "live") if first == "phone" else (first,)
        for name in names:
            data = self.project(name, self.connected, self.state)
            if ":" in name:
                self._hello_views[conn] = data
            # Invariant: every attached viewer of ``name`` has received ``last_views[name]`` (or
            # is in the rest of a publish that writes it).  Otherwise the next publish sends it to all.
            self._forget_if_stale(name, data)
            conn.push_view(_slot(name), frame(conn.codec, _message(self.state, name, data)))
        if first == "phone":
            me = views.me_view(self.state, conn.participant_id)
            conn.last_me = me
            conn.push_view("me", frame(conn.codec, _message(self.state, "me", me)))
            sub = _room_sub(self.state, conn)
            if sub:
                data = self.project(sub, self.connected, self.state)
                self._hello_views[conn] = data
                self._forget_if_stale(sub, data)
                conn.push_view("room", frame(conn.codec, _message(self.state, sub, data)))
            conn.room_seen = sub

    def _had_at_hello(self, conn: Connection, data: dict[str, Any] | None) -> bool:
        """Whether ``conn`` got exactly this view (the same object: views of a room are reused while it
        is unchanged) when it said hello: a lane that had no record of the view then sends it to all
        its viewers, and the newcomer needn't get it twice."""
        sent = self._hello_views.pop(conn, None)
        return data is not None and sent is data

    def _forget_if_stale(self, name: str, data: dict[str, Any]) -> None:
        """A viewer just got ``data`` for ``name`` at hello: if others have something else, the next publish
        sends to all (the invariant: every attached viewer of a view has what ``last_views`` says)."""
        for lane in self.lanes:
            if lane.last_views.get(name) != data:
                lane.last_views.pop(name, None)

    def mark_dirty(self) -> None:
        for watcher in self.watchers:  # the audio routing follows the meeting (server/hub/media.py)
            watcher()
        for lane in self.lanes:
            lane.dirty = True
            self._schedule(lane)

    def _schedule(self, lane: Lane) -> None:
        if lane.handle is not None or lane.writing:
            return  # a publish is due, or under way (it schedules the next when it ends)
        loop = asyncio.get_running_loop()
        wait = lane.last + lane.spacing(len(self.connections)) - loop.time()
        if wait <= 0:
            lane.handle = loop.call_soon(self._publish, lane)
        else:
            lane.handle = loop.call_later(wait, self._publish, lane)

    def _viewers(self, lane: Lane, pub: Publish) -> list[Connection]:
        if lane.name == "screens":
            return list(self.screens)
        if lane.name == "devices":
            return list(self.devices)
        phones = [c for c in self.connections if c not in self.front]
        if lane.name == "live":
            return phones
        touched = self._touched(lane)
        if touched is not None and not pub.changes(self, "phone"):
            # Only some participants' own views can differ (a hand in one breakout room): the other
            # phones have everything already, so 5,000 phones are not visited for 20 people's room.
            phones = [c for c in phones if c.participant_id in touched]
        return [*(self.front - self.screens - self.devices), *phones]  # consoles first

    def _touched(self, lane: Lane) -> frozenset[str] | None:
        """Participants whose ``me`` or room view may differ from the lane's last publish (None: anyone)."""
        if lane.seen is None or lane.seen[1] != self.presence_version:
            return None
        return views.touched(lane.seen[0], self.state)

    def _publish(self, lane: Lane) -> None:
        """Start writing one lane: project each of its views once (from one state), then write in slices."""
        lane.handle = None
        lane.dirty = False
        lane.last = asyncio.get_running_loop().time()
        pub = Publish(self.state, functools.cache(self.connected), lane)
        viewers = self._viewers(lane, pub)
        lane.seen = (self.state, self.presence_version)
        if viewers:
            lane.writing = True
            self._write(lane, pub, viewers, 0)

    def _write(self, lane: Lane, pub: Publish, viewers: list[Connection], start: int) -> None:
        """Push one slice of a lane's viewers their frames; the next slice waits for the next loop turn.

        Each frame pushed wakes a writer task; in slices, the event loop runs acks, the big
        screen and incoming commands between them instead of writing to 5,000 phones at once.
        A view equal to what every viewer of it already has is not sent again.
        """
        try:
            for conn in viewers[start : start + SLICE]:
                if conn.closed or conn not in self.connections:
                    continue
                name = "live" if lane.name == "live" else _view_for(conn)
                shared = pub.frame(self, name, conn.codec)
                if shared is not None and not (":" in name and self._had_at_hello(conn, pub.changed.get(name))):
                    conn.push_view(_slot(name), shared)
                if name == "phone":
                    me = views.me_view(pub.state, conn.participant_id)
                    if me != conn.last_me:
                        conn.last_me = me
                        conn.push_view("me", frame(conn.codec, _message(pub.state, "me", me)))
                    self._write_room(pub, conn)
        except Exception:  # a bug in a view must not stop the lane for good: log it, publish again later
            log.exception("publish failed", extra={"meeting": self.id, "lane": lane.name})
            lane.writing = False
            # Some viewers may lack what last_views now says they have: the next publish sends to all.
            lane.last_views.clear()
            lane.seen = None
            return
        if start + SLICE < len(viewers):
            asyncio.get_running_loop().call_soon(self._write, lane, pub, viewers, start + SLICE)
            return
        lane.writing = False
        if lane.dirty:
            self._schedule(lane)

    def _write_room(self, pub: Publish, conn: Connection) -> None:
        """A phone in a room gets that room's view (encoded once per room); moved, it gets the new room's."""
        sub = _room_sub(pub.state, conn)
        if sub:
            shared = pub.frame(self, sub, conn.codec)
            if shared is None and sub != conn.room_seen:  # new to this room: send it even if unchanged
                shared = frame(conn.codec, _message(pub.state, sub, pub.lane.last_views.get(sub) or {}))
            if shared is not None and not self._had_at_hello(conn, pub.changed.get(sub)):
                conn.push_view("room", shared)
        conn.room_seen = sub

    def close_all(self, code: int, reason: str) -> None:
        for conn in self.connections:
            conn.close(code, reason)


def _message(state: m.MeetingState, name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "view", "view": _slot(name), "seq": state.seq, "data": data}


def _slot(name: str) -> str:
    """The view's name on the wire and in the outbox: ``room:b1-2`` travels as ``room``."""
    return name.partition(":")[0]


def _room_sub(state: m.MeetingState, conn: Connection) -> str:
    """The room view a phone subscribes to: the room its participant is in ("" in the plenary)."""
    pid = conn.participant_id
    room = m.room_of(state, pid) if pid is not None else ""
    return f"room:{room}" if room else ""


def _view_for(conn: Connection) -> str:
    role = conn.role
    if role is m.Role.ROOM:
        return f"room:{conn.room}"
    if role in BOOTHS:
        return f"booth:{conn.room}"  # conn.room holds the booth's channel
    if role is m.Role.TRANSLATOR:
        return f"translate:{conn.room}"  # conn.room holds the translator's language (server/translations)
    return role.value if role is not None else "phone"
