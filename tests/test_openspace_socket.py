"""Open Space over the real protocol, in both formats: every Open Space message, every refusal with
its code (each changing nothing: the log's seq stays), the views each audience gets, and slots
started and ended by the server's own timers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from server.client import PlazaClient, PlazaError
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.test_rooms_socket import close_all, phone_for, seq
from tests.test_stack_socket import console_for

T = 10 * TIMEOUT_FACTOR


class Refusals:
    """Refused requests: each with its code, and the meeting's log untouched."""

    def __init__(self, server: ServerProcess, meeting: dict[str, Any]) -> None:
        self.server, self.meeting = server, meeting
        self.codes: set[str] = set()

    async def __call__(self, client: PlazaClient, code: str, kind: str, **fields: Any) -> None:
        before = seq(self.server, self.meeting)
        with pytest.raises(PlazaError) as err:
            await client.request(kind, **fields)
        assert err.value.code == code, (kind, fields, err.value.code)
        assert seq(self.server, self.meeting) == before, (kind, "changed the log")
        self.codes.add(code)


def paced(*clients: PlazaClient) -> None:
    """Keep each client under the server's rate limit (10 messages/s, bursts of 30): the console sends
    more than 30 commands here, and messages past the limit are dropped unanswered."""
    for client in clients:
        send = client.request
        last = [0.0]

        async def request(kind: str, timeout: float = 10, _send: Any = send, _last: Any = last, **fields: Any) -> Any:
            wait = _last[0] + 0.125 - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            _last[0] = time.monotonic()
            return await _send(kind, timeout=timeout, **fields)

        client.request = request  # type: ignore[method-assign]


def wall_cells(view: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["topic"]: (c["slot"], c["space"]) for c in view["openspace"]["wall"]["cells"]}


async def test_an_open_space_over_the_wire(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    """Setting up, the marketplace, the wall, moves by hand, a circle with check-ins, the harvest, dots
    and an adopted priority, with every refusal on the way."""
    refused = Refusals(server, meeting)
    console = await console_for(server, meeting, fmt)
    screen = PlazaClient(server.ws, fmt)
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    ana, bo, cy, di = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo", "Cy", "Di")]
    clients = [console, screen, ana, bo, cy, di]
    paced(*clients)
    pid = {c: c.pid for c in (ana, bo, cy)}  # type: ignore[attr-defined]
    start = int(time.time()) + 3600
    try:
        # Opening: the part, the theme, spaces and slots (with their refusals).
        await refused(ana, "not_allowed", "set_part", part="openspace")
        await refused(console, "bad_field", "set_part", part="circus")
        await refused(console, "no_cells", "make_schedule")
        await console.request("set_part", part="openspace")
        await console.request("set_theme", theme="How do we run the kitchen?")
        await console.request("set_topic_limit", limit=2)
        await refused(console, "bad_field", "set_topic_limit", limit=0)
        for name, capacity in (("Big tree", 30), ("Kitchen", 8), ("Shed", 4)):
            await console.request("add_space", name=name, capacity=capacity)
        await refused(console, "bad_field", "add_space", name="kitchen", capacity=5)
        await refused(console, "bad_field", "add_space", name="Hall", capacity=0)
        await console.request("edit_space", space="s2", name="The kitchen", capacity=10)
        await refused(console, "unknown_space", "edit_space", space="s9", capacity=3)
        await console.request("remove_space", space="s3")
        for i in range(3):
            await console.request("add_slot", start=start + 3600 * i, end=start + 3600 * i + 3000)
        await refused(console, "bad_field", "add_slot", start=start, end=start - 1)
        await console.request("edit_slot", slot="t3", start=start + 9000, end=start + 9600)
        await refused(console, "unknown_slot", "edit_slot", slot="t9", end=start)
        await console.request("remove_slot", slot="t3")
        await refused(console, "no_topics", "make_schedule")

        def set_up(v: dict[str, Any]) -> bool:
            wall = (v["openspace"] or {}).get("wall") or {}
            spaces = [s["name"] for s in wall.get("spaces", [])]
            return spaces == ["Big tree", "The kitchen"] and [s["slot"] for s in wall.get("slots", [])] == ["t1", "t2"]

        view = await screen.wait_view("screen", set_up, timeout=T)
        assert view["openspace"]["part"] == "openspace" and view["openspace"]["theme"] == "How do we run the kitchen?"

        # The marketplace.
        await ana.request("post_topic", title="Rota", description="Who cooks when")
        await ana.request("post_topic", title="Fridge")
        await refused(ana, "topic_limit", "post_topic", title="Knives")
        await refused(bo, "bad_field", "post_topic", title="x" * 81)
        await bo.request("post_topic", title="<b>Compost</b>")
        await cy.request("post_topic", title="Budget")
        await cy.request("post_topic", title="Bikes")
        await bo.request("co_convene", topic="o4")
        await bo.request("co_convene", topic="o4", join=False)
        await refused(ana, "unknown_topic", "co_convene", topic="o99")
        for phone, topics in ((bo, ["o1", "o2"]), (cy, ["o1", "o3"]), (ana, ["o3"])):
            for topic in topics:
                await phone.request("mark_interest", topic=topic)
        await ana.request("mark_interest", topic="o4")
        await ana.request("mark_interest", topic="o4", interested=False)
        await refused(di, "not_convener", "set_unavailable", slots=["t1"])
        await cy.request("set_unavailable", slots=["t1"])
        await refused(cy, "unknown_slot", "set_unavailable", slots=["t9"])
        await refused(bo, "not_convener", "withdraw_topic", topic="o5")
        await console.request("withdraw_topic", topic="o5")
        await refused(bo, "topic_gone", "mark_interest", topic="o5")
        await refused(bo, "not_convener", "merge_topics", topic="o2", into="o1")
        await ana.request("merge_topics", topic="o2", into="o1")
        view = await screen.wait_view("screen", lambda v: v["openspace"]["marketplace"]["topics"] == 3, timeout=T)
        newest = view["openspace"]["marketplace"]["newest"]
        assert [t["title"] for t in newest] == ["Budget", "<b>Compost</b>", "Rota"]  # text, as it was typed
        assert {t["title"]: t["interest"] for t in newest}["Rota"] == 2
        me = await bo.wait_view("me", lambda v: (v["openspace"] or {}).get("wants") == ["o1", "o2"], timeout=T)
        assert me["openspace"]["convenes"] == ["o3"]

        # The wall: the schedule, with the naive count beside it.
        await console.request("make_schedule")
        view = await console.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None, timeout=T)
        schedule = view["openspace"]["schedule"]
        assert schedule["conflicts"] <= schedule["naive"] and schedule["unplaced"] == []
        cells = wall_cells(view)
        assert cells["o4"][0] == "t2"  # Cy can't do t1
        assert cells["o1"][0] != cells["o3"][0]  # Bo and Cy want both
        # By hand: off the wall, then back where they were; every refusal on the way.
        for topic in ("o1", "o3", "o4"):
            await console.request("move_topic", topic=topic, slot="")
        await ana.request("move_topic", topic="o1", slot="t1", space="s1")
        await refused(cy, "convener_unavailable", "move_topic", topic="o4", slot="t1")
        await bo.request("move_topic", topic="o3", slot="t1", space="s2")
        await refused(cy, "slot_full", "move_topic", topic="o4", slot="t1")
        await cy.request("move_topic", topic="o4", slot="t2", space="s1")
        await refused(console, "cell_taken", "move_topic", topic="o3", slot="t2", space="s1")
        await refused(bo, "not_convener", "move_topic", topic="o1", slot="t2")
        await bo.request("co_convene", topic="o4")
        await refused(bo, "convener_busy", "move_topic", topic="o3", slot="t2")
        view = await console.wait_view("facilitator", lambda v: v["openspace"]["last_move"] is not None, timeout=T)
        await console.request("lock_cell", slot="t1", space="s1")
        await refused(ana, "cell_locked", "move_topic", topic="o1", slot="t2")
        await console.request("lock_cell", slot="t1", space="s1", locked=False)
        await console.request("lock_cell", slot="t1", space="s1")
        await refused(console, "space_in_use", "remove_space", space="s1")
        await refused(console, "slot_in_use", "remove_slot", slot="t1")
        await console.request("move_topic", topic="o3", slot="t1", space="s2")  # (no change: already there)

        # A topic circle: the slot starts; phones check in and move; headcounts on the wall.
        await refused(ana, "slot_not_running", "check_in", topic="o1")
        await refused(console, "slot_not_running", "end_slot", slot="t1")
        await console.request("start_slot", slot="t1")
        await refused(console, "slot_started", "start_slot", slot="t1")
        await refused(console, "slot_started", "edit_slot", slot="t1", end=start + 60)
        await refused(console, "slot_started", "move_topic", topic="o4", slot="t1")
        await refused(cy, "other_slot", "check_in", topic="o4")
        await bo.request("check_in", topic="o1")
        await cy.request("check_in", topic="o1")
        await ana.request("check_in", topic="o3")
        await ana.request("check_in", topic="o1")  # the Law of Two Feet
        view = await screen.wait_view(
            "screen",
            lambda v: {c["topic"]: c["headcount"] for c in v["openspace"]["wall"]["cells"]}.get("o1") == 3,
            timeout=T,
        )
        assert view["openspace"]["wall"]["running"] == "t1"
        me = await cy.wait_view("me", lambda v: v["openspace"]["checked_in"] == "o1", timeout=T)
        assert {t["topic"]: t["space"] for t in me["openspace"]["now"]} == {"o1": "Big tree", "o3": "The kitchen"}
        await cy.request("check_in", topic="")

        # Harvest: the convener reports by default; then someone else.
        await refused(bo, "not_reporter", "write_harvest", topic="o1", key_points="Mine")
        await refused(ana, "bad_field", "write_harvest", topic="o1")
        await ana.request("write_harvest", topic="o1", key_points="Cook in pairs\nA rota on the door", next_steps="Ask")
        await ana.request("set_reporter", topic="o1", participant=pid[bo])
        await bo.request(
            "write_harvest", topic="o1", key_points="Cook in pairs", proposals="Pairs", participants=["Ana", "Bo"]
        )
        view = await screen.wait_view(
            "screen", lambda v: v["openspace"]["news"] and v["openspace"]["news"][0]["reporter"] == "Bo", timeout=T
        )
        assert view["openspace"]["news"][0]["participants"] == ["Ana", "Bo"]
        await console.request("end_slot", slot="t1")
        await refused(bo, "slot_not_running", "check_in", topic="o1")

        # Convergence.
        await refused(ana, "dots_closed", "place_dots", topic="o1", dots=1)
        await console.request("open_dots", dots=3)
        await refused(console, "dots_open", "open_dots")
        await ana.request("place_dots", topic="o1", dots=2)
        await refused(ana, "over_budget", "place_dots", topic="o1", dots=4)
        await refused(ana, "no_report", "place_dots", topic="o3", dots=1)
        await bo.request("place_dots", topic="o1", dots=3)
        await bo.request("place_dots", topic="o1", dots=1)
        me = await ana.wait_view("me", lambda v: v["openspace"]["dots_left"] == 1, timeout=T)
        await console.request("close_dots")
        await refused(console, "nothing_adopted", "plan_actions", slot="t2")
        await refused(cy, "not_a_priority", "adopt_priority", topic="o3")
        await cy.request("adopt_priority", topic="o1")
        view = await screen.wait_view(
            "screen", lambda v: (v["openspace"]["convergence"] or {}).get("priorities"), timeout=T
        )
        await screen.wait_view(
            "screen", lambda v: v["openspace"]["convergence"]["priorities"][0]["adopted_by"] == ["Cy"], timeout=T
        )
        assert view["openspace"]["convergence"]["priorities"][0]["dots"] == 3
        # Action planning: Cy convenes Budget in t2, so the priority Cy adopted goes in a new slot.
        await refused(console, "convener_busy", "plan_actions", slot="t2")
        await console.request("add_slot", start=start + 7200, end=start + 9000)
        await console.request("plan_actions", slot="t4")
        view = await console.wait_view(
            "facilitator", lambda v: any(t["priority"] == "o1" for t in v["openspace"]["topics"]), timeout=T
        )
        action = next(t for t in view["openspace"]["topics"] if t["priority"] == "o1")
        assert (action["title"], action["convener"], action["slot"], action["space"]) == ("Rota", "Cy", "t4", "s1")
        await cy.request("adopt_priority", topic="o1", adopt=False)
        await console.request("set_part", part="assembly")
        await screen.wait_view("screen", lambda v: v["openspace"]["part"] == "assembly", timeout=T)
        # The minutes carry the Open Space (the proceedings' content), from the log.
        status, body, _ = server.get(f"/api/meetings/{meeting['id']}/minutes.md")
        assert status == 200
        text = body.decode()
        assert "## Open Space" in text and "Theme: How do we run the kitchen?" in text
        assert (
            "### Report: Rota" in text and "Took part: Ana, Bo" in text and "1. Rota (3 dots; not adopted yet)" in text
        )
        assert {
            "not_allowed",
            "bad_field",
            "no_cells",
            "no_topics",
            "unknown_space",
            "unknown_slot",
            "unknown_topic",
            "topic_limit",
            "not_convener",
            "topic_gone",
            "convener_unavailable",
            "slot_full",
            "cell_taken",
            "convener_busy",
            "cell_locked",
            "space_in_use",
            "slot_in_use",
            "slot_not_running",
            "slot_started",
            "other_slot",
            "not_reporter",
            "dots_closed",
            "dots_open",
            "over_budget",
            "no_report",
            "not_a_priority",
            "nothing_adopted",
        } <= refused.codes
    finally:
        await close_all(*clients)


async def test_dots_need_reports_and_caps_refuse(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    refused = Refusals(server, meeting)
    console = await console_for(server, meeting, fmt)
    try:
        await refused(console, "no_reports", "open_dots")
        await refused(console, "bad_field", "open_dots", dots=50)
        await refused(console, "bad_field", "add_space", name="Hall", capacity=10_001)
        await refused(console, "bad_field", "add_slot", start=1, end=1 + 25 * 3600)
    finally:
        await close_all(console)


async def test_slots_start_and_end_by_the_servers_clock(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """A slot whose start comes starts by itself (its topics are circles), and ends by itself at its end."""
    console = await console_for(server, meeting, fmt)
    ana = await phone_for(server, meeting, fmt, "Ana")
    try:
        await console.request("add_space", name="Big tree", capacity=30)
        await ana.request("post_topic", title="Rota")
        now = int(time.time())
        await console.request("add_slot", start=now + 2, end=now + 4)
        await console.request("make_schedule")
        view = await console.wait_view(
            "facilitator", lambda v: v["openspace"]["wall"]["running"] == "t1", timeout=T + 4
        )
        assert view["openspace"]["wall"]["slots"][0]["started"]
        await ana.request("check_in", topic="o1")
        view = await console.wait_view(
            "facilitator", lambda v: v["openspace"]["wall"]["slots"][0]["ended"], timeout=T + 4
        )
        assert view["openspace"]["wall"]["running"] is None and view["openspace"]["checked_in"] == 0
    finally:
        await close_all(console, ana)


async def test_making_the_schedule_never_stalls_the_other_connections(
    server: ServerProcess, meeting: dict[str, Any]
) -> None:
    """The scheduler runs in a worker thread, not on the event loop: while it makes the wall for a big
    marketplace (60 topics, 60 people marking 10 each: about a second of work), a ping on another
    connection is answered at once. And the wall it recorded is the wall a restarted server replays."""
    console = await console_for(server, meeting, "json")
    paced(console)
    await console.request("set_part", part="openspace")
    for i in range(15):
        await console.request("add_space", name=f"Space {i}", capacity=30)
    start = int(time.time()) + 3600
    for i in range(4):
        await console.request("add_slot", start=start + 3600 * i, end=start + 3600 * i + 3000)
    phones = await asyncio.gather(*(phone_for(server, meeting, "json", f"P{i}") for i in range(60)))
    await asyncio.gather(*(p.request("post_topic", title=f"Topic {i}") for i, p in enumerate(phones)))
    topics = [f"o{i}" for i in range(1, 61)]

    async def marks(i: int, phone: PlazaClient) -> None:
        for k in range(10):
            await phone.request("mark_interest", topic=topics[(i * 7 + k * 11) % 60])

    await asyncio.gather(*(marks(i, p) for i, p in enumerate(phones)))
    pinger = PlazaClient(server.ws, "json")
    await pinger.connect()
    try:
        rtts: list[float] = []
        done = asyncio.Event()

        async def ping() -> None:
            while not done.is_set():
                sent = time.monotonic()
                await pinger.request("ping", timeout=T)
                rtts.append(time.monotonic() - sent)
                await asyncio.sleep(0.12)  # under the server's rate limit (10 messages/s)

        pinging = asyncio.create_task(ping())
        await asyncio.sleep(0.2)
        began = time.monotonic()
        await console.request("make_schedule", timeout=T * 3)
        took = time.monotonic() - began
        done.set()
        await pinging
        assert took > 0.3, f"the schedule took {took:.2f} s: too little to tell a stall"
        # On the loop, a ping sent as the scheduler starts waits for all of it (about `took`).
        assert max(rtts) < took / 3, (max(rtts), took)
        assert len(rtts) >= 4
        view = await console.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None, timeout=T)
        live_wall, live_schedule = wall_cells(view), view["openspace"]["schedule"]
        assert len(live_wall) == 60
    finally:
        await close_all(console, pinger, *phones)
    # Replay equals live: a restarted server folds the log (it never runs the scheduler again).
    server.stop()
    server.start()
    console = await console_for(server, meeting, "json")
    try:
        view = await console.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None, timeout=T)
        assert wall_cells(view) == live_wall
        assert view["openspace"]["schedule"] == live_schedule
    finally:
        await close_all(console)


async def test_a_phone_checked_in_to_a_circle_raises_its_hand_there(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """A topic circle is a room: the phones checked in to it get its ``room`` view, a hand raised there
    goes on the circle's stack (the plenary's stays empty), and a phone in another circle hears nothing."""
    console = await console_for(server, meeting, fmt)
    ana, bo, cy = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo", "Cy")]
    paced(console)
    start = int(time.time()) + 3600
    try:
        await console.request("set_part", part="openspace")
        await console.request("add_space", name="Big tree", capacity=30)
        await console.request("add_space", name="Kitchen", capacity=8)
        await console.request("add_slot", start=start, end=start + 3000)
        await ana.request("post_topic", title="Rota")
        await bo.request("post_topic", title="Compost")
        await console.request("make_schedule")
        await console.request("start_slot", slot="t1")
        await ana.request("check_in", topic="o1")
        await bo.request("check_in", topic="o1")
        await cy.request("check_in", topic="o2")
        view = await bo.wait_view("room", lambda v: v["room"] == "o1", timeout=T)
        assert view["name"] == "Rota" and view["stack"]["waiting"] == 0
        assert view["people"] == []  # a circle's phones get no roster (every move would resend it to all of them)
        await console.wait_view(  # both check-ins are in: the wall's headcount says so
            "facilitator",
            lambda v: {c["topic"]: c["headcount"] for c in v["openspace"]["wall"]["cells"]}.get("o1") == 2,
            timeout=T,
        )
        await cy.wait_view("room", lambda v: v["room"] == "o2", timeout=T)
        heard = sum(1 for msg in cy.received if msg.get("view") == "room")
        await ana.request("raise_hand", kind="new")
        view = await bo.wait_view("room", lambda v: v["stack"]["waiting"] == 1, timeout=T)
        assert view["stack"]["next"][0]["name"] == "Ana"
        me = await ana.wait_view("me", lambda v: v["hand"] is not None, timeout=T)
        assert me["hand"]["position"] == 1
        facilitator = await console.wait_view("facilitator", lambda v: True, timeout=T)
        assert facilitator["stack"]["waiting"] == 0  # the plenary's stack: nobody
        await console.request("next_speaker", room="o1")
        await bo.wait_view("room", lambda v: (v["stack"]["speaker"] or {}).get("name") == "Ana", timeout=T)
        await asyncio.sleep(0.5)
        assert sum(1 for msg in cy.received if msg.get("view") == "room") == heard  # the other circle: nothing
    finally:
        await close_all(console, ana, bo, cy)
