"""A meeting loaded in this process: its state, its connections, its command loop.

Commands for one meeting go through one queue.  The loop takes everything
queued, decides each command on a working copy of the state, appends all the
resulting events in one store call, and only then acknowledges them: a command
is acknowledged after its events are durable.  If another process appended
first (:class:`SeqConflict`), the loop reads what it missed and decides the
batch again.  After a commit the views are marked dirty and published in two
lanes: big screens at most every ``publish_interval`` seconds; consoles and phones
at most every ``publish_interval`` plus a spacing that grows with the number of
connections (leading edge: an idle meeting publishes at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from server.core import event as events
from server.core import meeting as m
from server.core import views
from server.core.errors import Rejection
from server.hub.connection import Connection, Frame, frame
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


FRONT = (m.Role.SCREEN, m.Role.FACILITATOR)  # written first in a publish


@dataclasses.dataclass
class Pending:
    command: m.Command
    actor: m.Actor
    future: asyncio.Future[int]
    on_commit: Callable[[], None] | None = None  # runs once the events are durable, before views publish


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
        self.presence: Counter[str] = Counter()  # participant id -> open phone connections here
        self.remote: frozenset[str] = frozenset()  # participants connected to other processes
        self.on_presence_change: Callable[[], None] | None = None  # who is connected here changed
        self._queue: list[Pending] = []
        self._worker: asyncio.Task[None] | None = None
        self._sync_wanted = False
        self._turn_freed = asyncio.Event()
        # Two publishing lanes: the big screens, and everyone else (consoles first, then phones).
        # The room reads the big screen, so its lane is spaced by publish_interval only; the other
        # lane's spacing grows with the number of connections.  A wave of 5,000 ballots thus costs a
        # few phone publishes a second while the screen's tally moves every publish_interval.  (The
        # console's view grows with the number of participants: it stays in the spaced lane.)
        self._handles: dict[bool, asyncio.Handle | None] = {True: None, False: None}  # screens? -> pending
        self._last_publish: dict[bool, float] = {True: 0.0, False: 0.0}
        self._last_views: dict[str, dict[str, Any]] = {}
        self.appends = 0  # batches appended by this process
        self.races_lost: Counter[int] = Counter()  # batches by how many append races they lost (5: 5 or more)

    @property
    def id(self) -> str:
        return self.state.id

    # -- commands ---------------------------------------------------------------

    async def submit(self, command: m.Command, actor: m.Actor, on_commit: Callable[[], None] | None = None) -> int:
        """Decide, append, and return the seq once durable; raise :class:`Rejection` if refused."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append(Pending(command, actor, future, on_commit))
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
                try:
                    evs = m.decide(working, p.command, p.actor, now)
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

    # -- connections and presence ---------------------------------------------------

    def attach(self, conn: Connection) -> None:
        """Add a connection that said hello, and send it every view it is entitled to now."""
        conn.meeting = self
        self.connections.add(conn)
        if conn.role in FRONT:
            self.front.add(conn)
        if conn.role is m.Role.SCREEN:
            self.screens.add(conn)
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
        self.front.discard(conn)
        self.screens.discard(conn)
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
            self.mark_dirty()

    def connected(self) -> set[str]:
        return {pid for pid, n in self.presence.items() if n > 0} | self.remote

    # -- views ----------------------------------------------------------------------

    def project(self, name: str, connected: set[str]) -> dict[str, Any]:
        if name == "screen":
            return views.screen_view(self.state, connected, self.join_url)
        if name == "facilitator":
            return views.facilitator_view(self.state, connected, self.join_url)
        return views.phone_view(self.state, connected)

    def _message(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        return {"type": "view", "view": name, "seq": self.state.seq, "data": data}

    def _send_current(self, conn: Connection) -> None:
        name = _view_for(conn)
        data = self.project(name, self.connected())
        # Invariant: every attached viewer of ``name`` has received ``_last_views[name]``.
        if self._last_views.get(name) != data:
            self._last_views.pop(name, None)
        conn.push_view(name, frame(conn.codec, self._message(name, data)))
        if name == "phone":
            me = views.me_view(self.state, conn.participant_id)
            conn.last_me = me
            conn.push_view("me", frame(conn.codec, self._message("me", me)))

    def mark_dirty(self) -> None:
        self._schedule(front=True)
        self._schedule(front=False)

    def _schedule(self, *, front: bool) -> None:
        if self._handles[front] is not None:
            return
        loop = asyncio.get_running_loop()
        spacing = self.publish_interval
        if not front:
            spacing += len(self.connections) * FANOUT_SPACING_PER_CONNECTION
        wait = self._last_publish[front] + spacing - loop.time()
        if wait <= 0:
            self._handles[front] = loop.call_soon(self._publish, front)
        else:
            self._handles[front] = loop.call_later(wait, self._publish, front)

    def publish(self) -> None:
        """Publish both lanes now (screens first)."""
        for front in (True, False):
            handle = self._handles[front]
            if handle is not None:
                handle.cancel()
            self._publish(front)

    def _publish(self, front: bool) -> None:
        """Project every view of one lane once, encode it once per codec, push the same frame to all its viewers.

        A view whose data did not change since the last publish is not sent again.
        """
        self._handles[front] = None
        self._last_publish[front] = asyncio.get_running_loop().time()
        connected = self.connected()
        data_by_view: dict[str, dict[str, Any]] = {}
        frames: dict[tuple[str, str], Frame | None] = {}
        if front:
            viewers: Iterable[Connection] = self.screens
        else:
            consoles = self.front - self.screens
            viewers = itertools.chain(consoles, (c for c in self.connections if c not in self.front))
        for conn in list(viewers):
            if conn.closed:
                continue
            name = _view_for(conn)
            key = (name, conn.codec.name)
            if key not in frames:
                if name not in data_by_view:
                    data_by_view[name] = self.project(name, connected)
                data = data_by_view[name]
                unchanged = self._last_views.get(name) == data
                frames[key] = None if unchanged else frame(conn.codec, self._message(name, data))
            shared = frames[key]
            if shared is not None:
                conn.push_view(name, shared)
            if name == "phone":
                me = views.me_view(self.state, conn.participant_id)
                if me != conn.last_me:
                    conn.last_me = me
                    conn.push_view("me", frame(conn.codec, self._message("me", me)))
        self._last_views.update(data_by_view)

    def close_all(self, code: int, reason: str) -> None:
        for conn in self.connections:
            conn.close(code, reason)


def _view_for(conn: Connection) -> str:
    role = conn.role
    return role.value if role is not None else "phone"
