"""Open Space through the pure core: the scheduler's rules (table-driven) and its property (hypothesis),
a whole Open Space from the marketplace to adopted priorities, every refusal leaving the state as it
was, views and minutes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import server.features  # noqa: F401  (registers every feature, as the server does)
from server import minutes as mn
from server.core import meeting as m
from server.core import views
from server.core.errors import Rejection
from server.openspace import core as oc
from server.openspace import feature as of
from server.openspace import schedule as sc
from server.openspace import views as ov
from server.rooms import core as rc
from server.stack import core as sk
from tests.test_stack import Room

FACILITATOR = m.Actor(m.Role.FACILITATOR)
SYSTEM = m.Actor(m.Role.SYSTEM)
T0 = 1_800_000_000  # slots' clock times (epoch seconds)


# --- the scheduler ------------------------------------------------------------------------------


def problem(
    topics: dict[str, tuple[set[str], set[str]]],  # topic -> (conveners, who wants it)
    slots: int = 2,
    spaces: dict[str, int] | None = None,
    **more: Any,
) -> sc.Problem:
    spaces = spaces or {"s1": 10, "s2": 10}
    return sc.Problem(
        topics=list(topics),
        slots=[f"t{i}" for i in range(1, slots + 1)],
        spaces=list(spaces),
        capacity=spaces,
        interest={t: frozenset(w) for t, (_, w) in topics.items()},
        conveners={t: frozenset(c) for t, (c, _) in topics.items()},
        **more,
    )


def slot_of(cells: dict[str, sc.Cell], topic: str) -> str:
    return cells[topic][0]


CASES: list[tuple[str, sc.Problem, Any]] = [
    (
        "a convener is never in two places at once",
        problem({"a": ({"ana"}, set()), "b": ({"ana"}, set()), "c": ({"bo"}, set())}),
        lambda r: slot_of(r.cells, "a") != slot_of(r.cells, "b"),
    ),
    (
        "a co-convener counts as a convener",
        problem({"a": ({"ana", "cy"}, set()), "b": ({"bo", "cy"}, set())}),
        lambda r: slot_of(r.cells, "a") != slot_of(r.cells, "b"),
    ),
    (
        "never in a slot the convener can't do",
        problem(
            {"a": ({"ana"}, {"x", "y"}), "b": ({"bo"}, {"x"})},
            unavailable={"ana": frozenset({"t1"})},
        ),
        lambda r: slot_of(r.cells, "a") == "t2",
    ),
    (
        "a convener who can do no slot leaves the topic off the wall",
        problem({"a": ({"ana"}, set()), "b": ({"bo"}, set())}, unavailable={"ana": frozenset({"t1", "t2"})}),
        lambda r: r.unplaced == ["a"] and "a" not in r.cells,
    ),
    (
        "two topics one person wants go to different slots",
        problem({"a": ({"ana"}, {"x"}), "b": ({"bo"}, {"x"})}, spaces={"s1": 10, "s2": 10}),
        lambda r: slot_of(r.cells, "a") != slot_of(r.cells, "b") and r.conflicts == 0,
    ),
    (
        "the most wanted topic gets the biggest space",
        problem(
            {"small": ({"ana"}, {"x"}), "big": ({"bo"}, {"x", "y", "z", "w"})},
            slots=1,
            spaces={"kitchen": 2, "tree": 30},
        ),
        lambda r: r.cells["big"] == ("t1", "tree") and r.cells["small"] == ("t1", "kitchen"),
    ),
    (
        "interest fits capacity wherever it can",
        problem(
            {"a": ({"a"}, {f"p{i}" for i in range(8)}), "b": ({"b"}, {"p1"}), "c": ({"c"}, set(range(0)))},
            slots=1,
            spaces={"s1": 1, "s2": 10, "s3": 2},
        ),
        lambda r: r.cells["a"] == ("t1", "s2") and r.cells["b"][1] in ("s3", "s1"),
    ),
    (
        "a locked cell keeps its topic, and nobody else goes there",
        problem(
            {"a": ({"ana"}, {"x"}), "b": ({"bo"}, {"x"}), "c": ({"cy"}, set())},
            fixed={"a": ("t1", "s1")},
            blocked=frozenset({("t1", "s1"), ("t2", "s2")}),
        ),
        lambda r: r.cells["a"] == ("t1", "s1") and ("t2", "s2") not in r.cells.values() and r.conflicts == 0,
    ),
    (
        "a started slot never moves and takes no one new",
        problem(
            {"a": ({"ana"}, {"x"}), "b": ({"bo"}, {"x"}), "c": ({"cy"}, {"x"})},
            slots=3,
            fixed={"a": ("t1", "s2")},
            blocked=frozenset({("t1", "s1"), ("t1", "s2")}),
        ),
        lambda r: r.cells["a"] == ("t1", "s2") and {slot_of(r.cells, "b"), slot_of(r.cells, "c")} == {"t2", "t3"},
    ),
    (
        "a fixed topic's convener is busy in its slot",
        problem(
            {"a": ({"ana"}, set()), "b": ({"ana"}, set())},
            fixed={"a": ("t1", "s1")},
            blocked=frozenset({("t1", "s1")}),
        ),
        lambda r: slot_of(r.cells, "b") == "t2",
    ),
    (
        "more topics than cells: the most wanted are placed",
        problem(
            {"a": ({"a"}, {"x"}), "b": ({"b"}, {"x", "y"}), "c": ({"c"}, {"x", "y", "z"})},
            slots=1,
            spaces={"s1": 5, "s2": 5},
        ),
        lambda r: r.unplaced == ["a"],
    ),
]


@pytest.mark.parametrize(("rule", "case", "holds"), CASES, ids=[c[0] for c in CASES])
def test_the_scheduler_keeps_each_rule(rule: str, case: sc.Problem, holds: Any) -> None:
    result = sc.make(case, seed=1)
    assert not sc.breaks(case, result.cells), rule
    assert holds(result), (rule, result)
    assert result.conflicts >= result.lower_bound


def test_the_conflict_count_is_counted_per_person_per_slot() -> None:
    """x wants a, b, c in one slot (3) and d alone in another (0); y wants a and b (2): 5 in all."""
    interest = {"a": frozenset("xy"), "b": frozenset("xy"), "c": frozenset("x"), "d": frozenset("x")}
    cells = {"a": ("t1", "s1"), "b": ("t1", "s2"), "c": ("t1", "s3"), "d": ("t2", "s1")}
    assert sc.conflicts(cells, interest) == 5
    assert sc.lower_bound(list(cells), interest, 2) == 3  # x wants 4 in 2 slots: at least 3


def test_the_naive_schedule_is_topics_by_interest_into_cells_in_order() -> None:
    case = problem({"a": ({"a"}, {"x"}), "b": ({"b"}, {"x", "y"}), "c": ({"c"}, {"x", "y", "z"})})
    assert sc.naive(case) == {"c": ("t1", "s1"), "b": ("t1", "s2"), "a": ("t2", "s1")}


def test_the_same_seed_gives_the_same_wall() -> None:
    case = small_problem(7)
    assert sc.make(case, seed=5) == sc.make(case, seed=5)


def small_problem(seed: int) -> sc.Problem:
    from bench.openspace_schedule import case

    return case(20, 3, 4, 40, seed, marks=(2, 6))


@st.composite
def problems(draw: st.DrawFn) -> sc.Problem:
    n_topics = draw(st.integers(1, 12))
    n_slots = draw(st.integers(1, 4))
    n_spaces = draw(st.integers(1, 4))
    people = [f"p{i}" for i in range(draw(st.integers(1, 12)))]
    topics = [f"o{i}" for i in range(n_topics)]
    slots = [f"t{i}" for i in range(n_slots)]
    spaces = [f"s{i}" for i in range(n_spaces)]
    conveners = {t: frozenset(draw(st.lists(st.sampled_from(people), min_size=1, max_size=2))) for t in topics}
    interest = {t: frozenset(draw(st.lists(st.sampled_from(people), max_size=8))) for t in topics}
    unavailable = {p: frozenset(draw(st.lists(st.sampled_from(slots), max_size=2))) for p in people[:3]}
    cells = [(s, sp) for s in slots for sp in spaces]
    # Fixed cells: some topics locked where they are (keeping the hard rules), some cells blocked.
    fixed: dict[str, sc.Cell] = {}
    busy: set[tuple[str, str]] = set()
    for t in draw(st.lists(st.sampled_from(topics), max_size=3, unique=True)):
        cell = draw(st.sampled_from(cells))
        if cell in fixed.values() or any((c, cell[0]) in busy for c in conveners[t]):
            continue
        fixed[t] = cell
        busy.update((c, cell[0]) for c in conveners[t])
    blocked = frozenset(fixed.values()) | frozenset(draw(st.lists(st.sampled_from(cells), max_size=3)))
    return sc.Problem(
        topics=topics,
        slots=slots,
        spaces=spaces,
        capacity={sp: draw(st.integers(1, 10)) for sp in spaces},
        interest=interest,
        conveners=conveners,
        unavailable=unavailable,
        fixed=fixed,
        blocked=blocked,
    )


@settings(max_examples=200, deadline=None)
@given(problems(), st.integers(0, 2**63 - 1))
def test_no_schedule_breaks_a_hard_rule_nor_does_worse_than_the_naive_one(case: sc.Problem, seed: int) -> None:
    """Whatever the marketplace, the wall keeps every hard rule, places at least the topics the naive
    schedule places, and with as many placed never has more conflicts than the naive one."""
    result = sc.make(case, seed=seed, work=20_000)
    assert not sc.breaks(case, result.cells)
    naive = sc.naive(case)
    assert not sc.breaks(case, naive)
    assert result.naive == sc.conflicts(naive, case.interest)
    assert len(result.unplaced) <= result.naive_unplaced
    if len(result.unplaced) == result.naive_unplaced:
        assert result.conflicts <= result.naive
    assert result.conflicts == sc.conflicts(result.cells, case.interest) >= result.lower_bound


# --- the feature through the core ---------------------------------------------------------------


class Space(Room):
    """A meeting with an Open Space, driven through ``m.decide`` as the hub drives it."""

    def refused(self, code: str, command: Any, actor: m.Actor = FACILITATOR, **inputs: Any) -> Rejection:
        before = self.state
        with pytest.raises(Rejection) as info:
            self.do(command, actor, **inputs)
        assert info.value.code == code, info.value.reason
        assert self.state == before
        return info.value

    def refused_by(self, code: str, name: str, command: Any) -> Rejection:
        return self.refused(code, command, m.Actor(m.Role.PHONE, participant_id=name))

    @property
    def os(self) -> oc.OpenSpaceState:
        return ov.openspace_of(self.state)

    def topic(self, title: str) -> str:
        return next(t.id for t in self.os.topics.values() if t.title == title)

    def setup(self, slots: int = 2, spaces: dict[str, int] | None = None) -> None:
        self.facilitate(oc.SetPart("openspace"))
        self.facilitate(oc.SetTheme("How do we run the co-op kitchen?"))
        for name, capacity in (spaces or {"Big tree": 30, "Kitchen": 8, "Hall": 12}).items():
            self.facilitate(oc.AddSpace(name, capacity))
        for i in range(slots):
            self.facilitate(oc.AddSlot(T0 + 3600 * i, T0 + 3600 * i + 3000))


def marketplace(slots: int = 2) -> Space:
    room = Space("ana", "bo", "cy", "dee", "eli")
    room.setup(slots)
    room.by("ana", oc.PostTopic("Rota", "Who cooks when"))
    room.by("bo", oc.PostTopic("Compost"))
    room.by("cy", oc.PostTopic("Budget"))
    room.by("ana", oc.PostTopic("Fridge"))
    return room


def test_a_whole_open_space_from_the_marketplace_to_adopted_priorities() -> None:
    room = marketplace(slots=3)
    rota, compost, budget, fridge = (room.topic(t) for t in ("Rota", "Compost", "Budget", "Fridge"))
    room.by("dee", oc.CoConvene(budget))
    for who, wanted in {"bo": [rota], "cy": [rota, compost], "dee": [rota, compost, fridge], "eli": [compost]}.items():
        for t in wanted:
            room.by(who, oc.MarkInterest(t))
    room.by("eli", oc.MarkInterest(budget))
    room.by("eli", oc.MarkInterest(budget, interested=False))
    room.by("cy", oc.SetUnavailable(("t1",)))
    assert room.os.interest[rota] == {"bo", "cy", "dee"} and room.os.marks["eli"] == {compost}

    # The wall: the schedule is recorded in its event, with what it saved.
    (ev,) = room.do(oc.MakeSchedule(), FACILITATOR, seed=3)
    assert isinstance(ev, oc.Scheduled) and ev.seed == 3
    cells = room.os.cells
    assert cells[budget][0] != "t1"  # cy can't do t1
    assert cells[rota][0] != cells[fridge][0]  # ana convenes both
    assert room.os.outcome is not None and room.os.outcome.conflicts <= room.os.outcome.naive
    # The most wanted topic of a slot gets its biggest space.
    assert cells[rota][1] == "s1"
    console = ov.facilitator_section(room.state)
    assert console["schedule"]["naive"] >= console["schedule"]["conflicts"] == console["conflicts"]

    # By hand: the facilitator lays the wall out, then Compost's convener moves it to Rota's slot,
    # where cy and dee want both (and dee Fridge too): the change in conflicts is recorded.
    for t in (rota, compost, budget, fridge):
        room.facilitate(oc.MoveTopic(t, ""))
    room.facilitate(oc.MoveTopic(rota, "t1", "s1"))
    room.facilitate(oc.MoveTopic(compost, "t2", "s1"))
    room.facilitate(oc.MoveTopic(budget, "t2", "s2"))
    room.facilitate(oc.MoveTopic(fridge, "t3", "s1"))
    (moved,) = room.by("bo", oc.MoveTopic(compost, "t1"))
    assert (moved.slot, moved.space, moved.conflicts_before, moved.conflicts_after) == ("t1", "s2", 0, 4)
    assert ov.facilitator_section(room.state)["last_move"]["change"] == 4
    room.by("bo", oc.MoveTopic(compost, "t2", "s1"))
    assert ov.facilitator_section(room.state)["conflicts"] == 0
    locked = room.os.cells[rota]
    room.facilitate(oc.LockCell(*locked))
    room.facilitate(oc.MakeSchedule())
    assert room.os.cells[rota] == locked

    # Topic circles: a slot starts; phones check in and move; headcounts on the wall.
    first = min(room.os.cells.values())[0]
    room.facilitate(oc.StartSlot(first))
    in_first = room.os.in_slot(first)
    circle = in_first[0]
    room.by("dee", oc.CheckIn(circle))
    room.by("eli", oc.CheckIn(circle))
    room.by("bo", oc.CheckIn(circle))
    if len(in_first) > 1:
        room.by("bo", oc.CheckIn(in_first[1]))  # the Law of Two Feet
    room.by("bo", oc.CheckIn(""))  # a butterfly
    wall = ov.screen_section(room.state)["wall"]
    assert {c["topic"]: c["headcount"] for c in wall["cells"] if c["slot"] == first}[circle] == 2
    me = ov.me_section(room.state, "dee")
    assert me["checked_in"] == circle and any(t["topic"] in in_first for t in me["now"])

    # Harvest: the convener reports by default; participants are filled from check-ins.
    reporter = room.os.reporter(circle)
    room.by(reporter, oc.WriteHarvest(circle, key_points="Cook in pairs", next_steps="Ask the council"))
    report = room.os.reports[circle]
    assert report.participants == ("dee", "eli", "bo")
    room.facilitate(oc.SetReporter(circle, "eli"))
    room.by("eli", oc.WriteHarvest(circle, key_points="Cook in pairs", participants=("dee", "eli", "Fran")))
    assert room.os.reports[circle].participants == ("dee", "eli", "Fran")
    room.facilitate(oc.EndSlot(first))
    assert room.os.checkins == {}

    # Convergence: dots, a ranking, an adoption.
    room.facilitate(oc.OpenDots(3))
    room.by("ana", oc.PlaceDots(circle, 2))
    room.by("bo", oc.PlaceDots(circle, 3))
    room.by("bo", oc.PlaceDots(circle, 1))  # changeable until the close
    room.facilitate(oc.CloseDots())
    assert room.os.dots is not None and room.os.dots.ranking == ((circle, 3),)
    room.by("cy", oc.AdoptPriority(circle))
    # Action planning: the adopted priority becomes a topic of the last slot, convened by its adopter.
    (planned,) = room.facilitate(oc.PlanActions("t3"))
    action = planned.topics[0]["topic"]
    assert room.os.topics[action].priority == circle and room.os.topics[action].convener == "cy"
    assert room.os.cells[action][0] == "t3" and room.os.cells[action] in room.os.locked
    room.refused("nothing_adopted", oc.PlanActions("t3"))  # already planned
    screen = ov.screen_section(room.state)
    assert screen["convergence"]["priorities"][0]["adopted_by"] == ["cy"]
    assert screen["theme"] == "How do we run the co-op kitchen?" and screen["part"] == "openspace"

    # Every view renders through the shared views, and the minutes carry it all.
    assert views.screen_view(room.state, frozenset(), "")["openspace"]["theme"]
    assert views.phone_view(room.state, frozenset())["openspace"]["topics"]
    assert views.facilitator_view(room.state, frozenset(), "")["openspace"]["schedule"]
    assert views.me_view(room.state, "cy")["openspace"]["adopted"] == [circle]
    data = mn.minutes(room.state)
    assert data["openspace"]["priorities"][0]["adopted_by"] == ["cy"]
    text = mn.markdown(data)
    assert "## Open Space" in text and "Cook in pairs" in text and "adopted by cy" in text


def test_merging_carries_interest_and_conveners_and_withdrawing_takes_a_topic_off_the_wall() -> None:
    room = marketplace()
    rota, fridge, compost = room.topic("Rota"), room.topic("Fridge"), room.topic("Compost")
    room.by("dee", oc.MarkInterest(fridge))
    room.by("eli", oc.MarkInterest(rota))
    room.by("ana", oc.MergeTopics(fridge, compost))
    assert room.os.topics[fridge].merged_into == compost
    assert room.os.topics[compost].coconveners == ("ana",)
    assert room.os.interest[compost] == {"dee"}
    room.facilitate(oc.MakeSchedule())
    assert fridge not in room.os.cells
    room.by("ana", oc.WithdrawTopic(rota))
    assert rota not in room.os.cells and not room.os.topics[rota].active


def test_a_wall_made_off_the_loop_is_used_only_while_the_marketplace_is_the_same() -> None:
    """The hub makes the wall in a worker thread from the marketplace as it was and hands it to decide:
    decide records exactly what it would have made itself, and refuses it (``schedule_stale``,
    nothing changed) once a mark, a topic, a space or another seed makes it stale."""
    room = marketplace()
    room.by("bo", oc.MarkInterest(room.topic("Rota")))
    room.by("cy", oc.MarkInterest(room.topic("Rota")))
    problem = oc.precompute_problem(room.os)
    assert problem is not None
    pre = oc.precompute(problem, seed=7)
    in_place = Space("x")  # the same decision made on the loop, for comparison
    in_place.state = room.state
    (expected,) = in_place.do(oc.MakeSchedule(), FACILITATOR, seed=7)

    room.by("dee", oc.MarkInterest(room.topic("Compost")))  # the marketplace moves on
    room.refused("schedule_stale", oc.MakeSchedule(), seed=7, schedule=pre)
    fresh = oc.precompute(oc.precompute_problem(room.os) or problem, seed=7)
    room.refused("schedule_stale", oc.MakeSchedule(), seed=8, schedule=fresh)  # another seed
    room.now = in_place.now - 1
    room.by("dee", oc.MarkInterest(room.topic("Compost"), interested=False))  # back as it was
    room.now = in_place.now - 1
    (ev,) = room.do(oc.MakeSchedule(), FACILITATOR, seed=7, schedule=pre)
    assert ev == expected  # what decide would have made itself: the event records it
    assert room.os.cells == in_place.os.cells

    empty = Space("ana")
    empty.setup()
    assert oc.precompute_problem(empty.os) is None  # nothing to schedule: decide refuses on its own
    empty.refused("no_topics", oc.MakeSchedule())


def test_a_topic_circle_is_a_room_with_its_own_stack() -> None:
    """Checked in to a circle, a phone is in that room: its hand goes up on the circle's stack (not the
    plenary's), the circle's ``room:`` view shows it, moving to another circle takes it down (as leaving
    a room does), and once the slot ends the circle is closed. The log folds back to the same state."""
    room = marketplace()
    log: list[Any] = []
    do = room.do

    def recording(command: Any, actor: m.Actor, **inputs: Any) -> list[Any]:
        evs = do(command, actor, **inputs)
        log.extend(evs)
        return evs

    room.do = recording  # type: ignore[method-assign]
    start = room.state
    rota, compost = room.topic("Rota"), room.topic("Compost")
    for t in (rota, compost, room.topic("Budget"), room.topic("Fridge")):
        room.facilitate(oc.MoveTopic(t, ""))
    room.facilitate(oc.MoveTopic(rota, "t1", "s1"))
    room.facilitate(oc.MoveTopic(compost, "t1", "s2"))
    room.facilitate(oc.StartSlot("t1"))
    room.by("bo", oc.CheckIn(rota))
    room.by("cy", oc.CheckIn(rota))
    assert m.room_of(room.state, "bo") == rota and m.room_of(room.state, "eli") == ""
    (ev,) = room.by("bo", sk.RaiseHand(kind="new"))
    assert ev.room == rota
    room.by("eli", sk.RaiseHand(kind="new"))  # not checked in: the plenary's stack
    assert [e.participant_id for e in room.os.circles[rota].stack.entries] == ["bo"]
    assert [e.participant_id for e in room.state.stack.entries] == ["eli"]
    ctx = views.Context(connected=lambda: frozenset({"bo", "cy"}))
    view = views.feature_view(room.state, f"room:{rota}", ctx)
    assert view is not None and view["name"] == "Rota" and view["space"] == "Big tree"
    assert view["stack"]["waiting"] == 1 and view["stack"]["next"][0]["name"] == "bo"
    assert view["people"] == []  # who is in it changes with every move: on its device, not its phones
    device = views.feature_view(room.state, "room:s1", ctx)  # the device in Rota's space shows Rota
    assert device is not None and (device["room"], device["device"], device["space"]) == (rota, "s1", "Big tree")
    assert [p["name"] for p in device["people"]] == ["cy", "bo"] and device["headcount"] == 2  # newest first
    assert views.feature_view(room.state, "room:o99", ctx) is None
    assert views.me_view(room.state, "bo")["hand"]["position"] == 1
    assert ov.touched(ov.openspace_of(start), room.os) is None  # (a slot started: anyone)
    before = room.os
    room.by("cy", sk.RaiseHand(kind="new"))
    assert ov.touched(before, room.os) == {"bo", "cy"}  # a hand in a circle: its phones only
    # The Law of Two Feet: bo moves on, and his hand in Rota comes down.
    room.by("bo", oc.CheckIn(compost))
    assert [e.participant_id for e in room.os.circles[rota].stack.entries] == ["cy"]
    assert m.room_of(room.state, "bo") == compost
    (ev,) = room.facilitate(sk.NextSpeaker(room=rota))  # the facilitator runs a circle's stack by its id
    assert ev.room == rota and room.os.circles[rota].stack.speaker.participant_id == "cy"
    assert room.state.stack.speaker is None
    room.facilitate(oc.EndSlot("t1"))
    assert not room.os.circles[rota].open and m.room_of(room.state, "cy") == ""
    assert views.feature_view(room.state, f"room:{rota}", ctx)["closed"] is True
    (ev,) = room.by("cy", sk.RaiseHand(kind="new"))
    assert ev.room == ""  # back in the plenary
    # Replay equals live.
    replayed = start
    for e in log:
        replayed = m.apply(replayed, e)
    assert replayed == room.state


def test_a_phone_in_a_breakout_room_cannot_check_in_to_a_circle() -> None:
    """A phone is in one room at a time: while the breakout rooms place it, a check-in is refused."""
    room = marketplace()
    rota = room.topic("Rota")
    for t in (rota, room.topic("Compost"), room.topic("Budget"), room.topic("Fridge")):
        room.facilitate(oc.MoveTopic(t, ""))
    room.facilitate(oc.MoveTopic(rota, "t1", "s1"))
    room.facilitate(oc.StartSlot("t1"))
    here = frozenset(room.state.participants)
    room.do(rc.StartBreakouts(rooms=2), FACILITATOR, present=here, seed=1, key="k")
    placed = m.room_of(room.state, "bo")
    assert placed and not placed.startswith("o")
    room.refused_by("in_a_room", "bo", oc.CheckIn(rota))
    room.by("bo", oc.CheckIn(""))  # checking out is always allowed


def test_slots_start_and_end_by_the_servers_timers() -> None:
    room = marketplace()
    room.facilitate(oc.MakeSchedule())
    timers = of.timers(room.state)
    assert [(at, type(c).__name__) for at, c in timers] == [(float(T0), "StartSlot")]
    room.now = T0 - 10
    assert room.do(timers[0][1], SYSTEM) == []  # early: nothing happens
    room.now = T0
    room.do(timers[0][1], SYSTEM)
    assert room.os.running is not None and room.os.running.id == "t1"
    (end, _), (start, _) = of.timers(room.state)
    assert (end, start) == (T0 + 3000, T0 + 3600)
    room.now = T0 + 3600
    room.do(oc.StartSlot("t2"), SYSTEM)  # the next slot starts: the first ends with it
    assert room.os.slots["t1"].ended_at is not None and room.os.running.id == "t2"  # type: ignore[union-attr]


def refusals() -> list[tuple[str, str, Any, Any]]:
    """(what, code, how to get there, the refused command and who sends it)."""
    return [
        ("a phone sets the theme", "not_allowed", None, ("ana", oc.SetTheme("x"))),
        ("a part that doesn't exist", "bad_field", None, ("fac", oc.SetPart("circus"))),
        ("a fourth topic", "topic_limit", lambda r: r.by("ana", oc.PostTopic("Third")), ("ana", oc.PostTopic("4th"))),
        ("an 81-character title", "bad_field", None, ("bo", oc.PostTopic("x" * 81))),
        ("a blank title", "bad_field", None, ("bo", oc.PostTopic("   "))),
        ("a capacity of zero", "bad_field", None, ("fac", oc.AddSpace("Hall", 0))),
        ("two spaces with one name", "bad_field", None, ("fac", oc.AddSpace("kitchen", 5))),
        ("a slot ending before it starts", "bad_field", None, ("fac", oc.AddSlot(T0 + 10, T0))),
        ("a space that doesn't exist", "unknown_space", None, ("fac", oc.EditSpace("s99", capacity=3))),
        ("a slot that doesn't exist", "unknown_slot", None, ("fac", oc.RemoveSlot("t99"))),
        ("a topic that doesn't exist", "unknown_topic", None, ("bo", oc.MarkInterest("o99"))),
        (
            "a withdrawn topic",
            "topic_gone",
            lambda r: r.by("bo", oc.WithdrawTopic("o2")),
            ("cy", oc.MarkInterest("o2")),
        ),
        ("someone else's topic withdrawn", "not_convener", None, ("bo", oc.WithdrawTopic("o1"))),
        ("someone else's topic merged", "not_convener", None, ("bo", oc.MergeTopics("o1", "o3"))),
        ("a topic merged into itself", "bad_field", None, ("bo", oc.MergeTopics("o2", "o2"))),
        ("unavailable slots from a non-convener", "not_convener", None, ("eli", oc.SetUnavailable(("t1",)))),
        (
            "a schedule with no slots",
            "no_cells",
            lambda r: [r.facilitate(oc.RemoveSlot(s)) for s in ("t1", "t2")],
            ("fac", oc.MakeSchedule()),
        ),
        ("a topic in a taken cell", "cell_taken", "scheduled", ("fac", "move-into-taken")),
        ("a topic in a full slot", "slot_full", "scheduled-full", ("fac", "move-into-full")),
        ("a convener double-booked by hand", "convener_busy", "scheduled", ("ana", "double-book")),
        ("a convener in a slot they can't do", "convener_unavailable", "scheduled", ("ana", "unavailable-move")),
        ("a topic out of a locked cell", "cell_locked", "scheduled", ("fac", "locked-move")),
        ("a topic into a started slot", "slot_started", "started", ("fac", "into-started")),
        ("a started slot's times", "slot_started", "started", ("fac", oc.EditSlot("t2", end=T0 + 3660))),
        ("a space with topics removed", "space_in_use", "scheduled", ("fac", oc.RemoveSpace("s1"))),
        ("a check-in with no slot running", "slot_not_running", "scheduled", ("dee", "check-in")),
        ("a check-in to a circle of another slot", "other_slot", "started", ("dee", "check-in-other")),
        ("a report for a circle you don't report for", "not_reporter", "started", ("dee", "report")),
        ("dots before they open", "dots_closed", "reported", ("dee", "dots-1")),
        ("dots over the budget", "over_budget", "dots", ("dee", "dots-6")),
        ("dots on a topic with no report", "no_report", "dots", ("dee", oc.PlaceDots("o2", 1))),
        ("dot-voting with no reports", "no_reports", None, ("fac", oc.OpenDots())),
        ("dot-voting opened twice", "dots_open", "dots", ("fac", oc.OpenDots())),
        ("adopting what no one dotted", "not_a_priority", "dots", ("dee", oc.AdoptPriority("o1"))),
        ("a slot ended that isn't running", "slot_not_running", "scheduled", ("fac", oc.EndSlot("t1"))),
        ("action planning with nothing adopted", "nothing_adopted", "dots", ("fac", oc.PlanActions("t1"))),
        ("action planning in a started slot", "slot_started", "started", ("fac", oc.PlanActions("t2"))),
    ]


def _reach(room: Space, how: Any) -> None:
    if how is None:
        return
    if callable(how):
        how(room)
        return
    room.by("ana", oc.MoveTopic("o1", "t1", "s1"))  # by hand: Rota in t1, Kitchen...
    room.by("bo", oc.MoveTopic("o2", "t1", "s2"))
    room.by("ana", oc.MoveTopic("o4", "t2", "s1"))
    room.by("cy", oc.MoveTopic("o3", "t2", "s2"))
    room.by("ana", oc.SetUnavailable(()))
    room.facilitate(oc.LockCell("t1", "s1"))
    if how == "scheduled-full":
        room.by("dee", oc.PostTopic("Knives"))
        room.by("dee", oc.MoveTopic("o5", "t1", "s3"))
        return
    if how in ("started", "reported", "dots"):
        room.facilitate(oc.StartSlot("t2"))
    if how in ("reported", "dots"):
        room.by("ana", oc.WriteHarvest("o4", key_points="Clean it weekly"))
    if how == "dots":
        room.facilitate(oc.OpenDots(5))


def _command(room: Space, what: Any) -> Any:
    match what:
        case "move-into-taken":
            return oc.MoveTopic("o3", "t1", "s2")
        case "move-into-full":
            return oc.MoveTopic("o3", "t1")
        case "double-book":
            return oc.MoveTopic("o4", "t1")
        case "unavailable-move":
            return "unavailable"
        case "locked-move":
            return oc.MoveTopic("o1", "t2")
        case "into-started":
            return oc.MoveTopic("o2", "t2")
        case "check-in":
            return oc.CheckIn("o1")
        case "check-in-other":
            return oc.CheckIn("o1")
        case "report":
            return oc.WriteHarvest("o4", key_points="Mine")
        case "dots-1":
            return oc.PlaceDots("o4", 1)
        case "dots-6":
            return oc.PlaceDots("o4", 6)
    return what


@pytest.mark.parametrize(("what", "code", "how", "sent"), refusals(), ids=[r[0] for r in refusals()])
def test_every_refusal_changes_nothing(what: str, code: str, how: Any, sent: tuple[str, Any]) -> None:
    room = marketplace()
    _reach(room, how)
    who, what_cmd = sent
    command = _command(room, what_cmd)
    if command == "unavailable":
        # ana convenes o1 (locked in t1) and o4 (t2); she says she can't do t1: o4 can't move there... and
        # a convener can't be put by hand in a slot they can't do.
        room.facilitate(oc.LockCell("t1", "s1", locked=False))
        room.by("ana", oc.MoveTopic("o1", ""))
        room.by("ana", oc.SetUnavailable(("t1",)))
        command = oc.MoveTopic("o1", "t1", "s1")
    if who == "fac":
        room.refused(code, command)
    else:
        room.refused_by(code, who, command)


def test_caps_refuse_the_ten_thousandth_topic_space_and_slot() -> None:
    room = marketplace()
    os = room.os
    full = dataclasses.replace(
        os,
        topics={f"o{i}": oc.Topic(f"o{i}", "t", "", "x", 0.0) for i in range(1, oc.TOPICS_MAX + 1)},
        spaces={f"s{i}": oc.Space(f"s{i}", f"S{i}", 5) for i in range(1, oc.SPACES_MAX + 1)},
        slots={f"t{i}": oc.Slot(f"t{i}", T0 + i, T0 + i + 1) for i in range(1, oc.SLOTS_MAX + 1)},
    )
    room.state = m.with_part(room.state, "openspace", full)
    room.refused_by("too_many", "eli", oc.PostTopic("One more"))
    room.refused("too_many", oc.AddSpace("One more", 5))
    room.refused("too_many", oc.AddSlot(T0, T0 + 60))


def test_names_and_topics_are_kept_as_text() -> None:
    room = marketplace()
    room.by("eli", oc.PostTopic("<script>alert(1)</script>", "<b>bold</b>\nsecond line"))
    topic = room.os.topics[room.topic("<script>alert(1)</script>")]
    assert topic.description == "<b>bold</b> second line"  # one line, never parsed


def test_a_check_in_a_mark_or_a_dot_touches_only_that_phone() -> None:
    """At scale: a check-in, a mark or a dot changes that phone's ``me`` and the screen and console,
    never the view every phone shares nor anyone else's ``me``."""
    room = marketplace()
    room.facilitate(oc.MakeSchedule())
    slot = room.os.cells["o1"][0]
    room.facilitate(oc.StartSlot(slot))
    before = room.state
    room.by("dee", oc.CheckIn("o1"))
    # dee's me, and o1's reporter's (ana: her me lists who came, for the report)
    assert views.touched(before, room.state) == {"dee", "ana"}
    dee = room.state.participants["dee"].name
    assert views.me_view(room.state, "ana")["openspace"]["report_people"] == {"o1": [dee]}
    room.by("dee", oc.CheckIn(""))
    before = room.state
    room.by("dee", oc.CheckIn("o1"))  # back again: o1's reporter has her already
    assert views.touched(before, room.state) == {"dee"}
    before = room.state
    room.by("eli", oc.MarkInterest("o2"))
    assert views.touched(before, room.state) == {"eli"}  # a mark: the marker's me, and no phone view
    assert views.phone_view(before, frozenset()) == views.phone_view(room.state, frozenset())
    before = room.state
    room.by("dee", oc.PostTopic("Knives"))
    assert views.touched(before, room.state) is None  # a new topic: anyone's
    room.by("ana", oc.WriteHarvest("o1", key_points="Pairs"))
    room.facilitate(oc.OpenDots())
    before = room.state
    room.by("eli", oc.PlaceDots("o1", 2))
    assert views.touched(before, room.state) == {"eli"}
    assert views.phone_view(before, frozenset()) == views.phone_view(room.state, frozenset())


def test_making_the_schedule_again_never_moves_a_started_slot_or_a_locked_cell() -> None:
    """Through the feature: a slot that started keeps its topics and takes none; a locked empty cell stays empty."""
    room = marketplace(slots=3)
    for who, title in (("bo", "Knives"), ("cy", "Bikes"), ("dee", "Soup"), ("eli", "Bread")):
        room.by(who, oc.PostTopic(title))
    for who in ("ana", "bo", "cy", "dee", "eli"):
        for topic in ("o1", "o3", "o5", "o7"):
            room.by(who, oc.MarkInterest(topic))
    room.do(oc.MakeSchedule(), FACILITATOR, seed=1)
    room.facilitate(oc.StartSlot("t1"))
    started = {t: c for t, c in room.os.cells.items() if c[0] == "t1"}
    empty = next((("t2", sp) for sp in room.os.spaces if room.os.at("t2", sp) is None), None)
    if empty is None:
        room.facilitate(oc.MoveTopic(room.os.at("t2", "s3") or "", ""))
        empty = ("t2", "s3")
    room.facilitate(oc.LockCell(*empty))
    for seed in range(5):
        room.do(oc.MakeSchedule(), FACILITATOR, seed=seed)
        assert {t: c for t, c in room.os.cells.items() if c[0] == "t1"} == started
        assert room.os.at(*empty) is None
        problem = oc.problem(room.os)
        assert not sc.breaks(problem, dict(room.os.cells))
