"""The hub's fan-out: publishes written in slices, screens first, and every viewer ending with
the newest views, however commands and connections interleave with a publish.

These drive a real hub on the embedded store with in-process connections (their ASGI ``send``
records what it is given, and in which event-loop turn); the socket suites cover the same paths
over real websockets.  They wait by time (with a deadline), never for a number of loop turns: on
a loaded machine timers fire late and interleave differently, and a count of turns is no clock.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgpack
import pytest

from server.core import meeting as m
from server.core.inputs import Inputs
from server.decisions import core as dc
from server.hub import live as lv
from server.hub.connection import Connection
from server.hub.hub import Hub
from server.hub.live import LiveMeeting
from server.protocol import CODECS
from server.stack import core as sk
from server.store import open_store
from server.testing import TIMEOUT_FACTOR

PHONES = 2 * lv.SLICE + 50  # three slices
WAIT = 30 * TIMEOUT_FACTOR  # seconds: the longest any wait here may take
_order = itertools.count()  # every frame written, in order, across viewers


class Turns:
    """Numbers the event loop's turns (a callback that schedules itself again each turn), so a test can
    tell which frames were written in the same turn.  It observes; nothing waits for it."""

    def __init__(self) -> None:
        self.turn = 0
        self._handle = asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        self.turn += 1
        self._handle = asyncio.get_running_loop().call_soon(self._tick)

    def stop(self) -> None:
        self._handle.cancel()


turns: Turns | None = None


class Viewer:
    """An in-process connection: records each frame its writer sends."""

    def __init__(self, role: m.Role) -> None:
        self.sent: list[dict[str, Any]] = []
        self.written: list[tuple[int, int]] = []  # per frame: (its place in the order of all writes, loop turn)
        self.conn = Connection(self._send, CODECS["msgpack"], "test")
        self.conn.role = role

    async def _send(self, message: dict[str, Any]) -> None:
        self.sent.append(msgpack.unpackb(message["bytes"]))
        self.written.append((next(_order), turns.turn if turns is not None else -1))

    def writes(self, name: str) -> list[tuple[int, int]]:
        """(order, turn) of each frame of view ``name`` written to this viewer."""
        pairs = zip(self.sent, self.written, strict=True)
        return [w for f, w in pairs if f.get("type") == "view" and f["view"] == name]

    def views(self, name: str) -> list[dict[str, Any]]:
        return [f["data"] for f in self.sent if f.get("type") == "view" and f["view"] == name]


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    store = open_store(f"sqlite:///{tmp_path / 'plaza.db'}")
    await store.open()
    hub = Hub(store, public_url="http://plaza.test", publish_interval=0.01)
    await hub.start()
    yield hub
    await hub.stop()
    await store.close()


async def room(hub: Hub) -> tuple[LiveMeeting, Viewer, list[Viewer]]:
    """A meeting with a big screen and PHONES joined phones, every first view written."""
    created = await hub.create_meeting("Fan-out")
    live = await hub.get(created.id)
    assert live is not None
    screen = Viewer(m.Role.SCREEN)
    phones = [Viewer(m.Role.PHONE) for _ in range(PHONES)]
    for viewer in [screen, *phones]:
        viewer.conn.start()
        live.attach(viewer.conn)

    async def join(i: int, viewer: Viewer) -> None:
        pid = f"p{i:03d}"
        await live.submit(
            m.Join(name=f"Phone {i}"), m.Actor(m.Role.PHONE), inputs=Inputs(now=0, participant_id=pid, token=f"t{i}")
        )
        live.set_participant(viewer.conn, pid)

    # Together, as a hall joins: the joins share commits (one at a time, 450 fsyncs took 25 s on a busy disk).
    await asyncio.gather(*(join(i, viewer) for i, viewer in enumerate(phones, start=1)))
    await settle(live)
    return live, screen, phones


async def settle(live: LiveMeeting) -> None:
    """Wait (up to WAIT seconds) until no publish is due or being written and every writer has drained."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        await asyncio.sleep(0.01)
        busy = any(lane.handle is not None or lane.writing for lane in live.lanes)
        if not busy and all(not c._outbox for c in live.connections):
            return
    raise AssertionError("the hub never settled")


async def writing(live: LiveMeeting, name: str) -> None:
    """Return once the lane ``name`` is writing a publish (checked every loop turn, for up to WAIT seconds).

    A publish to PHONES phones spans several turns (one slice a turn), so checking every turn sees it.
    """
    lane = next(lane for lane in live.lanes if lane.name == name)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if lane.writing:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"the {name} lane never started writing")


async def test_a_publish_is_written_in_slices_screens_first(hub: Hub) -> None:
    global turns
    live, screen, phones = await room(hub)
    for v in [screen, *phones]:
        v.sent.clear()
        v.written.clear()
    turns = Turns()
    try:
        await live.submit(sk.RaiseHand(kind="new"), m.Actor(m.Role.PHONE, participant_id="p001"))
        await settle(live)
    finally:
        turns.stop()
        turns = None
    # The screen first: its view was written before any phone's.
    (screen_write,) = screen.writes("screen")
    live_writes = [w for p in phones for w in p.writes("live")]
    assert len(live_writes) == PHONES
    assert screen_write[0] < min(order for order, _ in live_writes)
    # The phones in slices: at most SLICE of them written in any one loop turn, so the loop serves
    # commands (and the screen) between slices instead of writing to every phone at once.
    per_turn = sorted(Counter(turn for _, turn in live_writes).values(), reverse=True)
    assert per_turn[0] <= lv.SLICE and len(per_turn) >= -(-PHONES // lv.SLICE), per_turn
    assert screen.views("screen")[-1]["stack"]["waiting"] == 1
    for p in phones:
        assert len(p.views("live")) == 1 and p.views("live")[0]["stack"]["waiting"] == 1
    assert phones[0].views("me")[-1]["hand"]["position"] == 1
    assert not phones[1].views("me")  # nothing of its own changed: no frame
    assert not phones[1].views("phone")  # who is next is in the live view: the phone view stays


async def test_every_phone_ends_with_the_newest_views_when_changes_and_joins_come_mid_publish(hub: Hub) -> None:
    live, screen, phones = await room(hub)
    await live.submit(sk.RaiseHand(kind="new"), m.Actor(m.Role.PHONE, participant_id="p001"))
    await writing(live, "live")
    # While the first publish is being written: another change, a new phone, and one that leaves.
    await live.submit(sk.RaiseHand(kind="new"), m.Actor(m.Role.PHONE, participant_id="p002"))
    late = Viewer(m.Role.PHONE)
    late.conn.start()
    live.attach(late.conn)
    gone = phones.pop()
    live.detach(gone.conn)
    await settle(live)
    for name in ("phone", "live"):
        newest = live.project(name, live.connected, live.state)
        for p in [*phones, late]:
            assert p.views(name)[-1] == newest
    assert newest["stack"]["waiting"] == 2
    assert phones[1].views("me")[-1]["hand"]["position"] == 2
    assert screen.views("screen")[-1]["stack"]["waiting"] == 2


async def test_phones_get_a_vote_s_running_tally_in_the_live_view(hub: Hub) -> None:
    live, screen, phones = await room(hub)
    facilitator = m.Actor(m.Role.FACILITATOR)
    await live.submit(
        dc.OpenVote(subject="question", question="Paint it red?", ballot="yes_no", rule="majority"), facilitator
    )
    await settle(live)
    vote = live.state.decisions.latest_vote
    assert vote is not None
    for p in phones:
        p.sent.clear()
    for i in range(1, 11):
        await live.submit(
            dc.CastBallot(vote.id, ("yes",)),
            m.Actor(m.Role.PHONE, participant_id=f"p{i:03d}"),
            inputs=Inputs(now=0, receipt=f"R{i:03d}"),
        )
    await settle(live)
    # The wave changed nobody's phone view; each voter got their own receipt; everyone the tally.
    assert all(not p.views("phone") for p in phones)
    assert [bool(p.views("me")) for p in phones[:12]] == [True] * 10 + [False] * 2
    for p in phones:
        tally = p.views("live")[-1]["vote"]
        assert tally == {"vote": vote.id, "turnout": 10, "counts": {"yes": 10, "no": 0, "abstain": 0}}
    assert screen.views("screen")[-1]["vote"]["turnout"] == 10


async def test_a_view_that_fails_to_project_does_not_stop_its_lane(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    live, _, phones = await room(hub)
    real = lv.views.phone_live
    failures = []

    def broken(state: m.MeetingState) -> dict[str, Any]:
        failures.append(state.seq)
        raise RuntimeError("a bug in a view")

    monkeypatch.setattr(lv.views, "phone_live", broken)
    await live.submit(sk.RaiseHand(kind="new"), m.Actor(m.Role.PHONE, participant_id="p001"))
    await settle(live)
    assert failures
    monkeypatch.setattr(lv.views, "phone_live", real)
    await live.submit(sk.RaiseHand(kind="new"), m.Actor(m.Role.PHONE, participant_id="p002"))
    await settle(live)
    for p in phones:
        assert p.views("live")[-1]["stack"]["waiting"] == 2
