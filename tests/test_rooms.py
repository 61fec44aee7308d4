"""Breakout rooms through the pure core: placing people (table-driven), every refusal leaving the
state as it was, a stack per room, the call back, the minutes, and replay (hypothesis)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import server.features  # noqa: F401  (registers the rooms feature, as the server does)
from server import minutes as mn
from server.core import meeting as m
from server.core import views
from server.core.errors import Rejection
from server.rooms import core as rc
from server.rooms import feature as rf
from server.rooms import views as rv
from server.stack import core as sk
from tests.test_assembly import Assembly
from tests.test_replay import MEETING_STEPS, ROOM_STEPS, STACK_STEPS, Script, replayed

FACILITATOR = m.Actor(m.Role.FACILITATOR)
SYSTEM = m.Actor(m.Role.SYSTEM)
KEY = "facilitator-secret"


class Breakout(Assembly):
    """A meeting with breakout rooms, driven through ``m.decide`` as the hub drives it."""

    def refused(self, code: str, command: Any, actor: m.Actor, **inputs: Any) -> Rejection:  # type: ignore[override]
        before = self.state
        with pytest.raises(Rejection) as info:
            self.do(command, actor, **inputs)
        assert info.value.code == code, info.value.reason
        assert self.state == before
        return info.value

    @property
    def rooms(self) -> rc.RoomsState:
        return rv.rooms_of(self.state)

    def start(self, present: Any = None, seed: int = 0, **fields: Any) -> rc.Round:
        """Start a round; ``present``: who is connected (default: everyone who joined)."""
        here = frozenset(self.state.participants if present is None else present)
        self.do(rc.StartBreakouts(**fields), FACILITATOR, present=here, seed=seed, key=KEY)
        rnd = self.rooms.current
        assert rnd is not None
        return rnd

    def arrive(self, name: str, room: str = "") -> None:
        self.do(m.Join(name=name, room=room), m.Actor(m.Role.PHONE), participant_id=name, token=f"t-{name}")

    def where(self, name: str) -> str:
        return self.rooms.placed.get(name, rc.PLENARY)

    def sizes(self) -> dict[str, int]:
        rnd = self.rooms.current
        assert rnd is not None
        counts = self.rooms.counts
        return {r: counts[r] for r in rnd.rooms if self.rooms.rooms[r].open}

    def in_room(self, room: str) -> list[str]:
        return sorted(self.rooms.members(room))

    def declare(self, groups: dict[str, str]) -> None:
        self.facilitate(sk.SetGroups(tuple(sorted(set(groups.values())))))
        for pid, group in groups.items():
            self.by(pid, sk.DeclareGroup(group))


def people(n: int) -> list[str]:
    return [f"p{i:03d}" for i in range(n)]


def spread(placed: dict[str, str], ids: list[str]) -> int:
    """How much the rooms' sizes differ (largest minus smallest)."""
    counts = Counter(placed.values())
    sizes = [counts[r] for r in ids]
    return max(sizes) - min(sizes)


def groups_spread(placed: dict[str, str], ids: list[str], groups: dict[str, str]) -> int:
    """The largest difference, over the declared groups, between a group's counts in two rooms."""
    worst = 0
    for group in set(groups.values()):
        counts = Counter(r for pid, r in placed.items() if groups.get(pid) == group)
        sizes = [counts[r] for r in ids]
        worst = max(worst, max(sizes) - min(sizes))
    return worst


# --- placing people ------------------------------------------------------------------------

BALANCE_CASES = [(n, k) for n in (0, 1, 2, 5, 7, 10, 23, 50, 101) for k in (1, 2, 3, 4, 7, 10)]


@pytest.mark.parametrize(("n", "k"), BALANCE_CASES)
def test_random_rooms_differ_in_size_by_at_most_one(n: int, k: int) -> None:
    """Everyone is dealt into exactly one of the rooms, and sizes differ by at most one."""
    ids = [f"b1-{i}" for i in range(1, k + 1)]
    for seed in range(8):
        placed = rc.balanced(people(n), ids, seed)
        assert sorted(placed) == people(n)
        assert set(placed.values()) <= set(ids)
        if n:
            assert spread(placed, ids) <= 1, (seed, Counter(placed.values()))


def test_the_seed_decides_the_rooms_not_the_order_people_come_in() -> None:
    """The same seed gives the same rooms whatever order people are listed in; other seeds differ."""
    ids = ["b1-1", "b1-2", "b1-3"]
    everyone = people(12)
    groups = {pid: "AB"[i % 2] for i, pid in enumerate(everyone)}
    for seed in range(10):
        assert rc.balanced(everyone, ids, seed) == rc.balanced(list(reversed(everyone)), ids, seed)
        assert rc.balanced(everyone, ids, seed, groups) == rc.balanced(everyone[::-1], ids, seed, groups)
    assert len({tuple(sorted(rc.balanced(everyone, ids, seed).items())) for seed in range(10)}) > 1


# (people per self-declared group, rooms, people who declared nothing)
MIX_CASES = [
    ([4, 4, 4], 3, 0),
    ([5, 3], 2, 1),
    ([7, 2, 1], 3, 3),
    ([1, 1, 1, 1], 2, 0),
    ([10, 6, 3], 4, 5),
    ([2], 5, 9),
    ([9, 9], 4, 2),
]


@pytest.mark.parametrize(("group_sizes", "k", "undeclared"), MIX_CASES)
def test_mixing_spreads_every_group_evenly_and_keeps_sizes_balanced(
    group_sizes: list[int], k: int, undeclared: int
) -> None:
    """With groups mixed, each group's count per room differs by at most one, and so do the sizes."""
    ids = [f"b1-{i}" for i in range(1, k + 1)]
    everyone = people(sum(group_sizes) + undeclared)
    groups: dict[str, str] = {}
    it = iter(everyone)
    for g, size in enumerate(group_sizes):
        for _ in range(size):
            groups[next(it)] = f"G{g}"
    for seed in range(20):
        placed = rc.balanced(everyone, ids, seed, groups)
        assert sorted(placed) == everyone
        assert spread(placed, ids) <= 1
        assert groups_spread(placed, ids, groups) <= 1, (seed, placed)


def test_mixing_is_what_spreads_the_groups() -> None:
    """Through decide: a mixed round spreads each group; unmixed, some seed clusters a group."""
    names = people(12)
    groups = {pid: ("W" if i < 6 else "M" if i < 10 else "N") for i, pid in enumerate(names)}
    ids = ["b1-1", "b1-2", "b1-3"]
    for seed in range(10):
        room = Breakout(*names)
        room.declare(groups)
        rnd = room.start(seed=seed, rooms=3, mix_groups=True)
        assert rnd.mix_groups and list(rnd.rooms) == ids
        assert spread(dict(room.rooms.placed), ids) <= 1
        assert groups_spread(dict(room.rooms.placed), ids, groups) <= 1
    assert any(groups_spread(rc.balanced(names, ids, seed), ids, groups) > 1 for seed in range(50))


# (joined, present, per_room, rooms expected)
PER_ROOM_CASES = [
    (10, 10, 5, 2),
    (10, 7, 3, 3),
    (10, 6, 3, 2),
    (10, 1, 4, 1),
    (10, 0, 2, 1),
    (30, 25, 4, 7),
]


@pytest.mark.parametrize(("joined", "present", "per_room", "expected"), PER_ROOM_CASES)
def test_per_room_counts_rooms_over_who_is_present(joined: int, present: int, per_room: int, expected: int) -> None:
    """``per_room`` makes as many rooms as the present people need, and places only those present."""
    names = people(joined)
    room = Breakout(*names, "gone")
    room.facilitate(m.RemoveParticipant("gone"))
    here = {*names[:present], "gone", "stranger"}  # a removed participant and an unknown id don't count
    rnd = room.start(present=here, per_room=per_room)
    assert len(rnd.rooms) == expected
    assert sorted(room.rooms.placed) == names[:present]
    if present:
        assert spread(dict(room.rooms.placed), list(rnd.rooms)) <= 1


# (placed before: participant -> room number, rooms, closed room numbers, capacity, groups, mixed,
#  who arrives, expected room number or None)
LATE_CASES = [
    ({"a": 1, "b": 1, "c": 2}, 3, (), 0, {}, False, "z", 3),
    ({"a": 1, "b": 2}, 3, (), 0, {}, False, "z", 3),
    ({"a": 1, "b": 2, "c": 3}, 3, (), 0, {}, False, "z", 1),  # a tie: the first room
    ({"a": 1}, 3, (2,), 0, {}, False, "z", 3),  # a closed room takes nobody
    ({"a": 1, "b": 1, "c": 2, "d": 2}, 3, (3,), 2, {}, False, "z", None),  # every open room full
    ({"a": 1, "b": 2, "c": 2}, 2, (), 2, {}, False, "z", 1),
    # Mixed: among the smallest rooms, the one with fewest of the newcomer's group.
    (
        {"w1": 1, "m1": 1, "m2": 2, "w2": 3},
        3,
        (),
        0,
        {"w1": "W", "w2": "W", "m1": "M", "m2": "M", "z": "W"},
        True,
        "z",
        2,
    ),
    (
        {"w1": 1, "m1": 1, "m2": 2, "w2": 3},
        3,
        (),
        0,
        {"w1": "W", "w2": "W", "m1": "M", "m2": "M", "z": "M"},
        True,
        "z",
        3,
    ),
    (
        {"w1": 1, "m1": 1, "m2": 2, "w2": 3},
        3,
        (),
        0,
        {"w1": "W", "w2": "W", "m1": "M", "m2": "M", "z": "W"},
        False,
        "z",
        2,
    ),
    (
        {"w1": 1, "m1": 1, "m2": 2, "w2": 3},
        3,
        (),
        0,
        {"w1": "W", "w2": "W", "m1": "M", "m2": "M", "z": "M"},
        False,
        "z",
        2,
    ),
]


@pytest.mark.parametrize(("before", "k", "closed", "capacity", "groups", "mixed", "who", "expected"), LATE_CASES)
def test_late_room_is_the_smallest_open_room_with_space(
    before: dict[str, int],
    k: int,
    closed: tuple[int, ...],
    capacity: int,
    groups: dict[str, str],
    mixed: bool,
    who: str,
    expected: int | None,
) -> None:
    """A late arrival goes to the smallest open room with space (mixing groups among the smallest)."""
    rooms = rc.apply(
        rc.RoomsState(),
        rc.BreakoutsStarted(
            at=1.0,
            round=1,
            question="",
            mode="self" if capacity else "random",
            mix_groups=mixed,
            ends_at=601.0,
            rooms=[
                {"room": f"b1-{i}", "name": f"R{i}", "capacity": capacity, "key_digest": ""} for i in range(1, k + 1)
            ],
        ),
    )
    rooms = rc.apply(rooms, rc.Placed(at=2.0, round=1, moves={p: f"b1-{n}" for p, n in before.items()}, by="random"))
    for n in closed:
        rooms = rc.apply(rooms, rc.RoomClosed(at=3.0, room=f"b1-{n}"))
    rnd = rooms.current
    assert rnd is not None
    got = rc.late_room(rooms, rnd, who, groups)
    assert got == (None if expected is None else f"b1-{expected}")


# (present at the start, rooms, late arrivals)
ARRIVAL_CASES = [(6, 3, 5), (7, 3, 4), (0, 2, 3), (10, 4, 6), (1, 5, 9)]


@pytest.mark.parametrize(("present", "k", "late"), ARRIVAL_CASES)
def test_late_arrivals_join_the_smallest_room(present: int, k: int, late: int) -> None:
    """Each phone that joins while a random round runs goes to a smallest room; sizes stay balanced."""
    room = Breakout(*people(present))
    room.start(seed=present, rooms=k)
    for i in range(late):
        sizes = room.sizes()
        name = f"late{i}"
        room.arrive(name)
        assert sizes[room.where(name)] == min(sizes.values()), (name, sizes)
        assert max(room.sizes().values()) - min(room.sizes().values()) <= 1


def test_a_person_moved_by_hand_stays_put_when_others_arrive() -> None:
    """The facilitator's moves stand: late arrivals fill the small rooms around them, nobody is reshuffled."""
    room = Breakout(*people(6))
    room.start(seed=3, rooms=3)
    mover = room.in_room("b1-1")[0]
    room.facilitate(rc.MoveToRoom(mover, "b1-3"))
    assert room.where(mover) == "b1-3"
    before = dict(room.rooms.placed)
    for i in range(7):
        room.arrive(f"late{i}")
    assert room.where(mover) == "b1-3"
    assert {pid: r for pid, r in room.rooms.placed.items() if pid in before} == before
    assert room.where("late0") == "b1-1"  # the room left smallest by the move
    assert sorted(room.sizes().values()) == [4, 4, 5]


def test_self_select_rooms_have_a_capacity() -> None:
    """In self-select, phones pick their room until it is full; then ``room_full``."""
    room = Breakout("ana", "ben", "cy", "dee")
    rnd = room.start(rooms=2, mode="self", capacity=2)
    assert room.rooms.placed == {}  # nobody is placed for them
    room.by("ana", rc.TakeRoom("b1-1"))
    room.by("ben", rc.TakeRoom("b1-1"))
    room.refused_by("room_full", "cy", rc.TakeRoom("b1-1"))
    room.refused("room_full", rc.MoveToRoom("cy", "b1-1"), FACILITATOR)  # not even by hand
    room.by("cy", rc.TakeRoom("b1-2"))
    room.by("ana", rc.TakeRoom("b1-2"))  # changing rooms frees a place
    room.by("cy", rc.TakeRoom("b1-1"))
    assert (room.where("ana"), room.where("ben"), room.where("cy")) == ("b1-2", "b1-1", "b1-1")
    assert [room.rooms.rooms[r].capacity for r in rnd.rooms] == [2, 2]
    room.refused_by("bad_field", "dee", rc.TakeRoom(""))  # self-select: pick one


@pytest.mark.parametrize("mode", ["random", "hand"])
def test_a_phone_chooses_no_room_unless_people_choose(mode: str) -> None:
    """Outside self-select, a phone asking for a specific room gets ``not_assigned``."""
    room = Breakout("ana", "ben")
    room.start(present={"ana"} if mode == "random" else set(), rooms=2, mode=mode)
    if mode == "random":
        other = "b1-2" if room.where("ana") == "b1-1" else "b1-1"
        room.refused_by("not_assigned", "ana", rc.TakeRoom(other))
        room.refused_by("not_assigned", "ben", rc.TakeRoom("b1-1"))
        room.by("ben", rc.TakeRoom())  # a place by the round's rule is fine
        assert room.where("ben") == other
    else:
        room.refused_by("not_assigned", "ana", rc.TakeRoom("b1-1"))
        room.refused_by("not_assigned", "ana", rc.TakeRoom())


# (mode, hint, room expected for the newcomer; "" is the plenary, "small" a smallest room)
HINT_CASES = [
    ("random", "b1-3", "b1-3"),
    ("random", "", "small"),
    ("random", "b1-9", "small"),  # no such room: the round's rule
    ("random", "closed", "small"),
    ("hand", "b1-3", "b1-3"),
    ("hand", "", ""),
    ("self", "b1-3", "b1-3"),
    ("self", "", ""),
    ("self", "full", ""),
]


@pytest.mark.parametrize(("mode", "hint", "expected"), HINT_CASES)
def test_a_room_hint_places_a_late_arrival_there(mode: str, hint: str, expected: str) -> None:
    """A phone that scanned a room device's QR joins into that room if it is open and has space."""
    room = Breakout("ana", "ben", "cy", "dee")
    room.start(rooms=3, mode=mode, capacity=3 if hint == "full" else 4 if mode == "self" else 0, seed=1)
    for pid in ("ana", "ben", "cy"):  # Attic is the biggest room
        room.facilitate(rc.MoveToRoom(pid, "b1-3"))
    if hint == "closed":
        room.facilitate(rc.CloseRoom("b1-3"))
    sizes = room.sizes()
    if mode == "random" and hint == "b1-3":
        assert sizes["b1-3"] > min(sizes.values())  # so the hint, not the smallest-room rule, places them
    room.arrive("late", room={"closed": "b1-3", "full": "b1-3"}.get(hint, hint))
    if expected == "small":
        assert sizes[room.where("late")] == min(sizes.values())
    else:
        assert room.where("late") == expected


# --- refusals ----------------------------------------------------------------------------


def scene() -> Breakout:
    """Round 1, self-select with 2 places a room: ana and ben fill Garden (ana writes its report),
    cy is in Kitchen, dee stays in the plenary, Attic is closed, and "gone" was removed."""
    room = Breakout("ana", "ben", "cy", "dee", "gone")
    room.facilitate(m.RemoveParticipant("gone"))
    room.start(rooms=3, mode="self", capacity=2, names=("Garden", "Kitchen", "Attic"), question="What first?")
    room.by("ana", rc.TakeRoom("b1-1"))
    room.by("ben", rc.TakeRoom("b1-1"))
    room.by("cy", rc.TakeRoom("b1-2"))
    room.by("ana", rc.VolunteerRapporteur())
    room.facilitate(rc.CloseRoom("b1-3"))
    return room


def actor(who: str) -> m.Actor:
    roles = {"facilitator": FACILITATOR, "screen": m.Actor(m.Role.SCREEN), "device": m.Actor(m.Role.ROOM)}
    roles |= {"system": SYSTEM, "guest": m.Actor(m.Role.PHONE)}
    return roles.get(who) or m.Actor(m.Role.PHONE, participant_id=who)


PHONE_CANNOT = [
    rc.StartBreakouts(rooms=2),
    rc.MoveToRoom("dee", "b1-2"),
    rc.BroadcastMessage("hi"),
    rc.AddTime(60),
    rc.CloseRoom("b1-2"),
    rc.CallBack(30),
    rc.EndBreakouts(),
    rc.SetRapporteur("b1-1", "ben"),
    rc.ShowReport("b1-1"),
    rc.CallRapporteur("b1-1"),
]

REFUSALS: list[tuple[str, Any, str]] = [
    ("facilitator", rc.MoveToRoom("dee", "b9-1"), "unknown_room"),
    ("facilitator", rc.MoveToRoom("dee", "b2-1"), "unknown_room"),
    ("dee", rc.TakeRoom("b9-1"), "unknown_room"),
    ("facilitator", rc.CloseRoom("nope"), "unknown_room"),
    ("facilitator", rc.SetRapporteur("b9-1", "dee"), "unknown_room"),
    ("facilitator", rc.ShowReport("b9-1"), "unknown_room"),
    ("facilitator", rc.CallRapporteur("b9-1"), "unknown_room"),
    ("facilitator", sk.NextSpeaker(room="b9-1"), "unknown_room"),
    ("facilitator", rc.MoveToRoom("dee", "b1-1"), "room_full"),
    ("dee", rc.TakeRoom("b1-1"), "room_full"),
    ("cy", rc.TakeRoom("b1-1"), "room_full"),
    ("ben", rc.VolunteerRapporteur(), "rapporteur_taken"),
    ("dee", rc.WriteReport("We agree."), "not_in_room"),
    ("dee", rc.AddNote("A note"), "not_in_room"),
    ("dee", rc.VolunteerRapporteur(), "not_in_room"),
    ("facilitator", rc.SetRapporteur("b1-1", "cy"), "not_in_room"),
    ("facilitator", rc.SetRapporteur("b1-1", "dee"), "not_in_room"),
    ("ben", rc.WriteReport("We agree."), "not_rapporteur"),
    ("cy", rc.WriteReport("We agree."), "not_rapporteur"),
    ("facilitator", rc.MoveToRoom("dee", "b1-3"), "room_closed"),
    ("dee", rc.TakeRoom("b1-3"), "room_closed"),
    ("facilitator", rc.CloseRoom("b1-3"), "room_closed"),
    ("facilitator", rc.SetRapporteur("b1-3", ""), "room_closed"),
    ("facilitator", sk.NextSpeaker(room="b1-3"), "room_closed"),
    ("facilitator", sk.SetStackOpen(False, room="b1-3"), "room_closed"),
    ("facilitator", rc.StartBreakouts(rooms=2), "breakouts_running"),
    ("facilitator", rc.CallRapporteur("b1-2"), "no_rapporteur"),
    ("facilitator", rc.CallRapporteur("b1-1"), "in_room"),
    ("facilitator", rc.MoveToRoom("gone", "b1-2"), "unknown_participant"),
    ("facilitator", rc.MoveToRoom("nobody", "b1-2"), "unknown_participant"),
    ("facilitator", rc.SetRapporteur("b1-2", "gone"), "unknown_participant"),
    ("facilitator", rc.AddTime(0), "bad_field"),
    ("facilitator", rc.AddTime(3601), "bad_field"),
    ("facilitator", rc.CallBack(601), "bad_field"),
    ("facilitator", rc.CallBack(-1), "bad_field"),
    ("facilitator", rc.BroadcastMessage(" \u200b "), "bad_field"),
    ("facilitator", rc.BroadcastMessage("x" * 281), "bad_field"),
    ("ana", rc.AddNote("   "), "bad_field"),
    ("ana", rc.AddNote("x" * 201), "bad_field"),
    ("ana", rc.WriteReport("x" * 2001), "bad_field"),
    ("dee", rc.TakeRoom(""), "bad_field"),
    ("gone", rc.TakeRoom("b1-2"), "removed"),
    ("guest", rc.TakeRoom("b1-2"), "not_joined"),
    ("dee", sk.NextSpeaker(), "not_allowed"),  # a phone in the plenary
    ("dee", sk.EndTurn(), "not_allowed"),
    ("ana", sk.SkipEntry(1, room="b1-1"), "not_allowed"),  # only next/end turn for phones in a room
    ("facilitator", rc.TakeRoom("b1-2"), "not_allowed"),
    ("facilitator", rc.AddNote("x"), "not_allowed"),
    ("facilitator", rc.VolunteerRapporteur(), "not_allowed"),
    ("facilitator", rc.WriteReport("x"), "not_allowed"),
    ("screen", rc.EndBreakouts(), "not_allowed"),
    ("screen", rc.TakeRoom("b1-2"), "not_allowed"),
    ("device", rc.AddNote("x"), "not_allowed"),
    ("device", sk.RaiseHand(), "not_allowed"),
    ("system", rc.StartBreakouts(rooms=2), "not_allowed"),
    ("system", rc.CallBack(30), "not_allowed"),
    ("system", rc.CloseRoom("b1-2"), "not_allowed"),
    *[("ana", command, "not_allowed") for command in PHONE_CANNOT],
]


@pytest.mark.parametrize(("who", "command", "code"), REFUSALS)
def test_refusals_have_codes_and_change_nothing(who: str, command: Any, code: str) -> None:
    """Each refusal carries its code, and the meeting is exactly as it was."""
    room = scene()
    room.refused(code, command, actor(who), present=frozenset(room.state.participants), key=KEY)


def test_a_rapporteur_refusal_on_a_second_volunteer_keeps_the_first() -> None:
    """A room has one rapporteur: the second volunteer is refused; the facilitator can still change it."""
    room = scene()
    room.refused_by("rapporteur_taken", "ben", rc.VolunteerRapporteur())
    assert room.rooms.rooms["b1-1"].rapporteur == "ana"
    assert room.by("ana", rc.VolunteerRapporteur()) == []  # already hers: nothing to record
    room.facilitate(rc.SetRapporteur("b1-1", "ben"))
    assert room.rooms.rooms["b1-1"].rapporteur == "ben"
    room.refused_by("not_rapporteur", "ana", rc.WriteReport("Mine"))
    room.by("ben", rc.WriteReport("His"))
    assert room.rooms.rooms["b1-1"].report == "His"


@pytest.mark.parametrize("how", ["moved", "removed"])
def test_a_rapporteur_who_left_the_room_leaves_the_role_open(how: str) -> None:
    """A rapporteur moved to another room or removed no longer blocks a volunteer in the room they left."""
    room = scene()
    if how == "moved":
        room.facilitate(rc.MoveToRoom("ana", "b1-2"))
    else:
        room.facilitate(m.RemoveParticipant("ana"))
    room.by("ben", rc.VolunteerRapporteur())
    assert room.rooms.rooms["b1-1"].rapporteur == "ben"
    room.by("ben", rc.WriteReport("Ours"))
    assert room.rooms.rooms["b1-1"].report == "Ours"


# (StartBreakouts fields, present people, code)
START_REFUSALS: list[tuple[dict[str, Any], int, str]] = [
    ({"rooms": 10_000}, 4, "too_many_rooms"),
    ({"rooms": rc.ROOMS_MAX + 1}, 4, "too_many_rooms"),
    ({"per_room": 2}, 2 * rc.ROOMS_MAX + 2, "too_many_rooms"),
    ({"rooms": 2, "per_room": 2}, 4, "bad_field"),
    ({}, 4, "bad_field"),
    ({"rooms": 0}, 4, "bad_field"),
    ({"rooms": -3}, 4, "bad_field"),
    ({"per_room": 1}, 4, "bad_field"),
    ({"rooms": 2, "minutes": 0}, 4, "bad_field"),
    ({"rooms": 2, "minutes": 241}, 4, "bad_field"),
    ({"rooms": 2, "mode": "lottery"}, 4, "bad_field"),
    ({"rooms": 2, "names": ("Garden", "garden")}, 4, "bad_field"),
    ({"rooms": 2, "names": ("A", "B", "C")}, 4, "bad_field"),
    ({"rooms": 2, "names": (" ",)}, 4, "bad_field"),
    ({"rooms": 2, "mode": "self", "capacity": -1}, 4, "bad_field"),
    ({"rooms": 2, "mode": "self", "capacity": rc.CAPACITY_MAX + 1}, 4, "bad_field"),
    ({"rooms": 2, "question": "q" * 281}, 4, "bad_field"),
]


@pytest.mark.parametrize(("fields", "present", "code"), START_REFUSALS)
def test_bad_rounds_are_refused(fields: dict[str, Any], present: int, code: str) -> None:
    """Too many rooms, or a round that doesn't make sense, is refused and nothing starts."""
    names = people(present)
    room = Breakout(*names)
    room.refused(code, rc.StartBreakouts(**fields), FACILITATOR, present=frozenset(names), seed=1, key=KEY)
    assert room.rooms.current is None


NO_ROUND: list[tuple[str, Any]] = [
    ("facilitator", rc.MoveToRoom("ana", "b1-1")),
    ("facilitator", rc.BroadcastMessage("hi")),
    ("facilitator", rc.AddTime(60)),
    ("facilitator", rc.CloseRoom("b1-1")),
    ("facilitator", rc.CallBack(30)),
    ("facilitator", rc.CallBack(0)),
    ("facilitator", rc.EndBreakouts()),
    ("system", rc.EndBreakouts(round=1)),
    ("ana", rc.TakeRoom()),
    ("ana", rc.TakeRoom("b1-1")),
]


@pytest.mark.parametrize("when", ["never", "ended"])
@pytest.mark.parametrize(("who", "command"), NO_ROUND)
def test_round_commands_without_a_round_get_no_breakouts(who: str, command: Any, when: str) -> None:
    """Before any round, and after the last one ended, round commands get ``no_breakouts``."""
    room = Breakout("ana", "ben")
    if when == "ended":
        room.start(rooms=2)
        room.facilitate(rc.EndBreakouts())
    room.refused("no_breakouts", command, actor(who))


# --- a stack per room ----------------------------------------------------------------------


def test_a_hand_raised_in_a_room_goes_on_that_rooms_stack() -> None:
    """In a room, hands go on the room's stack; the plenary's and the other rooms' stay as they were."""
    room = Breakout("ana", "ben", "cy", "dee")
    room.start(rooms=2, mode="hand")
    for pid, r in {"ana": "b1-1", "ben": "b1-1", "cy": "b1-2"}.items():
        room.facilitate(rc.MoveToRoom(pid, r))
    plenary = room.state.stack
    room.raise_hand("ana")
    room.raise_hand("ben", "process")
    room.raise_hand("dee")  # in the plenary
    garden = room.rooms.rooms["b1-1"].stack
    assert [p.entry.participant_id for p in sk.ordered(garden)] == ["ben", "ana"]
    assert all(e.participant_id != "ana" for e in room.state.stack.entries)
    assert [e.participant_id for e in room.state.stack.entries] == ["dee"]
    assert room.rooms.rooms["b1-2"].stack == sk.StackState()
    assert plenary.entries == ()
    assert views.me_view(room.state, "ana")["hand"]["position"] == 2  # second in the room (after ben)
    assert views.me_view(room.state, "ana")["rooms"] == {"room": "b1-1", "name": "Room 1", "rapporteur": False}
    # Moving to another room takes her hand down there; the room's stack forgets it.
    room.facilitate(rc.MoveToRoom("ana", "b1-2"))
    assert [e.participant_id for e in room.rooms.rooms["b1-1"].stack.entries] == ["ben"]
    assert room.rooms.rooms["b1-2"].stack.entries == ()


def test_a_phone_in_a_room_calls_the_next_speaker_there_but_not_in_the_plenary() -> None:
    """Anyone in a room may call its next speaker or end its turn; a phone in the plenary may not."""
    room = Breakout("ana", "ben", "cy", "dee", "eve")
    room.start(rooms=2, mode="hand")
    for pid, r in {"ana": "b1-1", "ben": "b1-1", "cy": "b1-2", "dee": "b1-2"}.items():
        room.facilitate(rc.MoveToRoom(pid, r))
    room.raise_hand("ben")
    room.raise_hand("dee")
    room.raise_hand("eve")  # the plenary
    kitchen = room.rooms.rooms["b1-2"].stack
    plenary = room.state.stack
    room.by("ana", sk.NextSpeaker(room="b1-2"))  # a phone's room is where it is, whatever it says
    garden = room.rooms.rooms["b1-1"].stack
    assert garden.speaker is not None and garden.speaker.participant_id == "ben"
    assert room.rooms.rooms["b1-2"].stack == kitchen
    assert room.state.stack == plenary
    room.by("ben", sk.EndTurn())
    assert room.rooms.rooms["b1-1"].stack.speaker is None
    room.refused_by("not_allowed", "eve", sk.NextSpeaker())
    room.refused_by("not_allowed", "eve", sk.NextSpeaker(room="b1-1"))
    # The facilitator reaches any room's stack by its id.
    room.facilitate(sk.NextSpeaker(room="b1-2"))
    speaker = room.rooms.rooms["b1-2"].stack.speaker
    assert speaker is not None and speaker.participant_id == "dee"
    assert room.state.stack == plenary


def test_the_plenary_stack_resumes_where_it_was_after_a_round() -> None:
    """A whole breakout round, with hands and turns in the rooms, leaves the plenary stack untouched."""
    room = Breakout("ana", "ben", "cy", "dee")
    room.facilitate(sk.SetStackSettings(time_limit=90))
    room.raise_hand("ana")
    room.raise_hand("ben")
    room.raise_hand("cy", "clarifying")
    room.facilitate(sk.NextSpeaker())  # cy speaks; ana and ben wait
    plenary = room.state.stack
    assert plenary.speaker is not None and plenary.speaker.participant_id == "cy"
    room.start(rooms=2, seed=4)
    for pid in ("ana", "ben", "cy", "dee"):
        if room.rooms.rooms[room.where(pid)].stack.entry_of(pid) is None:
            room.raise_hand(pid)
    for r in ("b1-1", "b1-2"):
        room.facilitate(sk.NextSpeaker(room=r))
        room.facilitate(sk.SetStackSettings(time_limit=30, room=r))
        room.facilitate(sk.NextSpeaker(room=r))
    room.by(room.in_room("b1-1")[0], rc.AddNote("Note"))
    room.facilitate(rc.CallBack(30))
    room.now += 60
    room.do(rc.EndBreakouts(round=1), SYSTEM)
    assert room.rooms.placed == {}
    assert room.state.stack == plenary
    room.facilitate(sk.NextSpeaker())  # and it carries on: ana (first hand up) is next
    assert room.speaker() == "ana"


# --- calling everyone back ---------------------------------------------------------------


def test_call_back_then_the_countdown_ends_the_round() -> None:
    """Call back sets the return time; the hub's timer ends the round then, not before."""
    room = Breakout("ana", "ben", "cy", "dee")
    rnd = room.start(rooms=2, seed=9)
    assert len(room.rooms.placed) == 4
    assert rf.timers(room.state) == []  # no countdown yet
    room.facilitate(rc.CallBack(45))
    return_at = room.now + 45
    assert room.rooms.current is not None and room.rooms.current.return_at == return_at
    assert rf.timers(room.state) == [(return_at, rc.EndBreakouts(round=rnd.id))]
    room.now = return_at - 2  # do() moves the clock on by one: one second early
    before = room.state
    assert room.do(rc.EndBreakouts(round=rnd.id), SYSTEM) == []
    assert room.state == before
    assert room.do(rc.EndBreakouts(round=rnd.id + 1), SYSTEM) == []  # a stale timer: nothing
    room.now = return_at - 1  # exactly at the return time
    room.do(rc.EndBreakouts(round=rnd.id), SYSTEM)
    rooms = room.rooms
    assert rooms.current is None and rooms.placed == {}
    assert rooms.rounds[0].ended_at == return_at
    assert all(not rooms.rooms[r].open for r in rnd.rooms)
    assert rf.timers(room.state) == []
    assert all(rv.me_section(room.state, pid) is None for pid in ("ana", "ben", "cy", "dee"))


def test_the_system_cannot_end_a_round_nobody_called_back() -> None:
    """Without a call back, a system timer ends nothing; the facilitator can end the round at once."""
    room = Breakout("ana", "ben")
    room.start(rooms=2)
    room.now += 10_000
    before = room.state
    assert room.do(rc.EndBreakouts(round=1), SYSTEM) == []
    assert room.state == before
    room.facilitate(rc.CallBack(0))  # zero seconds: everyone back now
    assert room.rooms.current is None and room.rooms.placed == {}


def test_call_rapporteur_puts_them_on_the_plenary_stack() -> None:
    """Report-back: the rapporteur goes on the plenary stack once back, once."""
    room = scene()
    room.by("ana", rc.WriteReport("1. A strike fund\n\n\n2. A newsletter"))
    room.facilitate(rc.CallBack(0))
    room.facilitate(rc.CallRapporteur("b1-1"))
    entry = room.state.stack.entry_of("ana")
    assert entry is not None and entry.kind is sk.Kind.NEW
    assert all(room.rooms.rooms[r].stack.entry_of("ana") is None for r in ("b1-1", "b1-2", "b1-3"))
    room.refused("already_on_stack", rc.CallRapporteur("b1-1"), FACILITATOR)
    room.facilitate(sk.NextSpeaker())
    assert room.speaker() == "ana"
    room.facilitate(rc.ShowReport("b1-1"))
    assert rv.screen_report(room.state) == {
        "room": "b1-1",
        "name": "Garden",
        "rapporteur": "ana",
        "text": "1. A strike fund\n\n2. A newsletter",
    }


def test_the_minutes_keep_every_rooms_people_notes_and_report() -> None:
    """Each round's rooms appear in the minutes (JSON and Markdown) with people, notes and the report."""
    room = scene()
    room.by("ana", rc.AddNote("Ask the Kitchen about childcare"))
    room.by("ben", rc.AddNote("Rent strike fund"))
    room.raise_hand("ben")
    room.by("ana", sk.NextSpeaker())
    room.by("ana", rc.WriteReport("1. A strike fund\n2. A newsletter"))
    room.by("cy", rc.AddNote("Kitchen note"))
    room.facilitate(rc.MoveToRoom("dee", "b1-2"))
    room.facilitate(rc.EndBreakouts())
    data = mn.minutes(room.state)
    [rnd] = data["rooms"]
    assert rnd["question"] == "What first?" and rnd["mode"] == "self" and rnd["ended_at"] is not None
    garden, kitchen, attic = rnd["rooms"]
    assert (garden["name"], garden["people"], garden["rapporteur"]) == ("Garden", ["ana", "ben"], "ana")
    assert garden["notes"] == [
        {"text": "Ask the Kitchen about childcare", "by": "ana"},
        {"text": "Rent strike fund", "by": "ben"},
    ]
    assert garden["report"] == "1. A strike fund\n2. A newsletter"
    assert [s["name"] for s in garden["speakers"]] == ["ben"]
    assert (kitchen["people"], kitchen["notes"], kitchen["report"]) == (
        ["cy", "dee"],
        [{"text": "Kitchen note", "by": "cy"}],
        "",
    )
    assert (attic["people"], attic["report"]) == ([], "")
    text = mn.markdown(data)
    for expected in [
        "## Breakout round 1",
        "Question: What first?",
        "### Garden",
        "In the room: ana, ben",
        "Rapporteur: ana",
        "- Ask the Kitchen about childcare (ana)",
        "- Rent strike fund (ben)",
        "> 1. A strike fund\n> 2. A newsletter",
        "### Kitchen",
        "In the room: cy, dee",
        "- Kitchen note (cy)",
        "### Attic",
        "In the room: nobody",
        "(no report)",
    ]:
        assert expected in text, expected


# --- replay ------------------------------------------------------------------------------

ROOMS_SCRIPT = st.lists(
    st.one_of(
        *ROOM_STEPS,
        *STACK_STEPS,
        *MEETING_STEPS,
    ),
    min_size=5,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(ROOM_STEPS[0], ROOMS_SCRIPT)
def test_replaying_a_rooms_log_equals_the_live_state(first: tuple[Any, ...], steps: list[tuple[Any, ...]]) -> None:
    """Whatever the rooms went through, the stored log folds back to the live state, and the same
    seeds give the same rooms."""
    script = Script().run([first, *steps])
    assert replayed(script.log) == script.state
    again = Script(present_order=1).run([first, *steps])  # who is present, listed in another order
    assert [ev.to_dict() for _, ev in again.log] == [ev.to_dict() for _, ev in script.log]
    assert again.state == script.state
    rooms = rv.rooms_of(script.state)
    for pid, r in rooms.placed.items():  # nobody is left in a closed room or a past round
        assert rooms.current is not None and r in rooms.current.rooms and rooms.rooms[r].open
        assert not script.state.participants[pid].removed
