"""World Café through the pure core: the seating's rules (table-driven) and its properties (hypothesis),
a whole café from set-up to the harvest, late arrivals and leavers, rounds kept by the server's timers,
every refusal leaving the state as it was, views, touched phones and the harvest's record."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import server.features  # noqa: F401  (registers every feature, as the server does)
from server import minutes as mn
from server.cafe import core as cc
from server.cafe import feature as cf
from server.cafe import seating as se
from server.cafe import views as cv
from server.cafe.minutes import harvest, harvest_markdown
from server.core import meeting as m
from server.core import views
from server.core.errors import Rejection
from server.openspace import core as oc
from server.rooms import core as rc
from server.stack import core as sk
from tests.test_stack import Room

FACILITATOR = m.Actor(m.Role.FACILITATOR)
SYSTEM = m.Actor(m.Role.SYSTEM)
KEY = "facilitator-secret"


# --- the seating, as a pure function ------------------------------------------------------------


def people(n: int) -> tuple[str, ...]:
    return tuple(f"p{i:03d}" for i in range(n))


def tables(k: int) -> tuple[str, ...]:
    return tuple(f"c{i}" for i in range(1, k + 1))


def problem(n: int, k: int, rounds: int, hosts: int = 0) -> se.Problem:
    ps, ts = people(n), tables(k)
    return se.Problem(ps, ts, {ps[i]: ts[i] for i in range(hosts)}, rounds)


def assert_valid(case: se.Problem, result: se.Result) -> None:
    """Everyone sits once per round, hosts never move, sizes differ by at most one, the figures add up."""
    assert len(result.rounds) == case.rounds
    for rnd in result.rounds:
        seated = [p for group in rnd.values() for p in group]
        assert sorted(seated) == sorted(case.people)
        assert set(rnd) == set(case.tables)
        size = [len(g) for g in rnd.values()]
        assert max(size) - min(size) <= 1, size
        for host, table in case.hosts.items():
            assert rnd[table][0] == host  # at their table, named first
    groups = [*case.history, *se.groups_of(result.rounds)]
    assert result.repeats == se.repeated_pairs(groups)
    assert result.lower_bound <= result.repeats


# (what, problem, the most repeated pairs allowed)
SEATING_CASES: list[tuple[str, se.Problem, int]] = [
    ("16 at 4 tables of 4 for 5 rounds, no hosts (the social golfer case): no pair meets twice", problem(16, 4, 5), 0),
    (
        "9 at 3 tables of 3 for 4 rounds, no hosts (the affine plane of order 3): no pair meets twice",
        problem(9, 3, 4),
        0,
    ),
    ("20 at 5 tables with hosts for 3 rounds: nobody meets anyone twice", problem(20, 5, 3, hosts=5), 0),
    ("60 at 12 tables with hosts for 4 rounds: nobody meets anyone twice", problem(60, 12, 4, hosts=12), 0),
    (
        "13 at 3 tables of 4–5 with hosts for 2 rounds: 4, the fewest possible (the table of 5 must take 2 of "
        "each other table's 3 travellers back together)",
        problem(13, 3, 2, hosts=3),
        4,
    ),
    ("7 at 2 tables for 3 rounds: sizes 4 and 3, 27 meetings for 21 pairs", problem(7, 2, 3), 6),
    ("one table: everyone together, every round", problem(5, 1, 2), 10),
    ("no round to plan", problem(6, 2, 0), 0),
]


@pytest.mark.parametrize(("what", "case", "most"), SEATING_CASES, ids=[c[0][:50] for c in SEATING_CASES])
def test_the_seating_keeps_its_rules(what: str, case: se.Problem, most: int) -> None:
    result = se.plan(case, seed=3)
    assert_valid(case, result)
    assert result.repeats <= most, (what, result.repeats)


def test_the_history_is_counted_and_never_moved() -> None:
    """Re-planning after round 1: what was sat counts, and the new rounds avoid repeating it."""
    first = se.plan(problem(16, 4, 1), seed=1)
    history = tuple(tuple(g) for g in first.rounds[0].values())
    case = se.Problem(people(16), tables(4), {}, 4, history)
    result = se.plan(case, seed=1)
    assert_valid(case, result)
    assert result.repeats == 0  # 5 rounds in all, as the golfer case


def test_the_same_problem_and_seed_give_the_same_plan() -> None:
    case = problem(30, 6, 4, hosts=6)
    assert se.plan(case, seed=11) == se.plan(case, seed=11)


def test_the_random_shuffle_and_the_lower_bound() -> None:
    """A shuffle deals the travellers at random into the same tables; the bound is a count."""
    case = problem(16, 4, 5)
    result = se.plan(case, seed=2)
    assert result.shuffles == se.SHUFFLES
    assert 25 < result.random_mean < 40  # 120 pairs, 30 meetings per round at random: about 31 repeat
    assert se.lower_bound(problem(16, 4, 5)) == 0  # 5 rounds of 3 partners each: 15 others, just enough
    assert se.lower_bound(problem(16, 4, 6)) == 8  # 18 meetings for 15 others: someone twice, for each of 16
    assert se.lower_bound(problem(5, 1, 3)) == 10  # one table: every pair meets every round


def test_a_late_arrival_goes_to_the_smallest_table_where_they_add_the_fewest_repeats() -> None:
    seated = {"c1": ["a", "b", "c"], "c2": ["d", "e"], "c3": ["f", "g"]}
    met = {("d", "z"): 1}
    assert se.cheapest("z", ["c1", "c2", "c3"], seated, met) == "c3"  # c2 and c3 have 2; z met d at c2
    assert se.cheapest("z", ["c1", "c2", "c3"], seated, {}) == "c2"  # a tie: the first in order
    assert se.cheapest("z", ["c1"], seated, {}, limit=3) is None  # full


@st.composite
def seating_problems(draw: st.DrawFn) -> se.Problem:
    k = draw(st.integers(1, 8))
    n = draw(st.integers(max(2, k), k * 6))
    hosts = draw(st.integers(0, k))
    rounds = draw(st.integers(1, 5))
    return problem(n, k, rounds, hosts)


@settings(max_examples=60, deadline=None)
@given(seating_problems(), st.integers(0, 2**63 - 1))
def test_no_plan_repeats_more_than_a_random_shuffle(case: se.Problem, seed: int) -> None:
    """Whatever the café, the plan keeps its rules and repeats no more pairs than a random shuffle does
    on average (and no fewer than the lower bound)."""
    result = se.plan(case, seed, work=20_000)
    assert_valid(case, result)
    assert result.repeats <= result.random_mean + 1e-9


# --- a café through the core ----------------------------------------------------------------------


class Cafe(Room):
    """A meeting with a World Café, driven as the hub drives it."""

    def refused(self, code: str, command: Any, actor: m.Actor = FACILITATOR, **inputs: Any) -> Rejection:
        before = self.state
        with pytest.raises(Rejection) as info:
            self.do(command, actor, **inputs)
        assert info.value.code == code, (info.value.code, info.value.reason)
        assert self.state is before
        return info.value

    def refused_by(self, code: str, name: str, command: Any) -> Rejection:
        return self.refused(code, command, m.Actor(m.Role.PHONE, participant_id=name))

    @property
    def cs(self) -> cc.CafeState:
        return cv.cafe_of(self.state)

    def here(self) -> frozenset[str]:
        return frozenset(p.id for p in self.state.participants.values() if not p.removed)

    def set_up(self, tables: int = 3, names: tuple[str, ...] = ("Oak", "Elm", "Ash"), **settings: Any) -> None:
        self.facilitate(oc.SetPart("cafe"))
        self.facilitate(cc.SetUpCafe(**settings))
        self.do(cc.AddTables(tables, names), FACILITATOR, key=KEY)

    def seat(self, seed: int = 5) -> list[Any]:
        return self.do(cc.SeatCafe(), FACILITATOR, present=self.here(), seed=seed)

    def start(self) -> list[Any]:
        return self.do(cc.StartRound(), FACILITATOR, present=self.here(), seed=1)

    def table(self, pid: str) -> str:
        return self.cs.seat_of(pid)

    def at(self, number: int) -> dict[str, list[str]]:
        return {t: p for t, p in cc.seated_people(self.cs, number).items() if p}

    def wait(self, seconds: float) -> None:
        self.now += seconds

    def timers(self) -> list[Any]:
        """The hub's timer fires, if one is due."""
        out = []
        for at, command in cf.timers(self.state):
            if at <= self.now:
                out += self.do(command, SYSTEM)
        return out


NAMES = [f"x{i:02d}" for i in range(13)]


def thirteen() -> Cafe:
    """13 people, 3 tables (Oak, Elm, Ash) with hosts x00-x02, 2 rounds: tables of 4-5."""
    cafe = Cafe(*NAMES)
    cafe.set_up(rounds=2, question="What would make this neighbourhood kinder?")
    for i, host in enumerate(NAMES[:3]):
        cafe.facilitate(cc.AppointHost(host, f"c{i + 1}"))
    return cafe


def pairs(groups: list[list[str]]) -> Counter[tuple[str, str]]:
    return Counter(pair for g in groups for pair in itertools.combinations(sorted(g), 2))


def test_a_whole_cafe_from_set_up_to_the_harvest() -> None:
    cafe = thirteen()
    seated = cafe.seat()
    assert isinstance(seated[0], cc.Seated) and seated[0].random_mean >= seated[0].repeats
    assert cafe.cs.phase == "seated"
    plan_1 = cafe.at(1)
    assert sorted(len(p) for p in plan_1.values()) == [4, 4, 5]
    assert all(plan_1[f"c{i + 1}"][0] == host for i, host in enumerate(NAMES[:3]))  # hosts at their tables

    # Round 1: the question, the deadline, a warning a minute before; a table is the phones' room.
    cafe.start()
    rnd = cafe.cs.running
    assert rnd is not None and rnd.question == "What would make this neighbourhood kinder?"
    assert rnd.ends_at == cafe.now + 20 * 60
    traveller = plan_1["c2"][1]
    assert m.room_of(cafe.state, traveller) == "c2"
    me = views.me_view(cafe.state, traveller)["cafe"]
    assert me["seat"]["text"] == "Round 1: table 2 — Elm" and not me["seat"]["host"]
    screen = views.screen_view(cafe.state, set(NAMES), "http://x/j/AAAAAA")["cafe"]
    assert screen["question"] == rnd.question and screen["warn_at"] == rnd.ends_at - 60
    assert [t["people"] for t in screen["tables"]] == [len(plan_1[t]) for t in ("c1", "c2", "c3")]
    assert screen["tables"][1]["host"] == NAMES[1]

    # At the table: a hand goes on the table's stack; notes; the host marks the strongest and writes a summary.
    cafe.by(traveller, sk.RaiseHand())
    assert cafe.cs.tables["c2"].stack.entries and not cafe.state.stack.entries
    [added] = cafe.by(traveller, rc.AddNote("Street parties twice a year"))
    assert isinstance(added, rc.NoteAdded) and added.room == "c2"
    cafe.by(NAMES[1], cc.MarkNote(added.note_id))
    cafe.refused_by("not_host", traveller, cc.MarkNote(added.note_id))
    cafe.by(NAMES[1], cc.WriteSummary("We talked about parties.\nAnd benches."))
    room = views.feature_view(cafe.state, "room:c2", views.Context(lambda: set(NAMES), "http://x/j/AAAAAA"))
    assert room is not None and room["question"] == rnd.question and room["ends_at"] == rnd.ends_at
    assert room["host"] == {"id": NAMES[1], "name": NAMES[1]}
    assert room["notes"] == [
        {"note": added.note_id, "text": "Street parties twice a year", "by": traveller, "round": 1, "strong": True}
    ]
    assert room["summary"] == "We talked about parties.\nAnd benches." and room["join_url"].endswith("?room=c2")
    assert [p["id"] for p in room["people"]] == plan_1["c2"] and room["people"][0]["host"]

    # The round ends by the server's clock: every phone is told where to go; the host sees who is coming.
    cafe.wait(20 * 60)
    [ended] = cafe.timers()
    assert isinstance(ended, cc.RoundEnded) and ended.next_at == cafe.now + cc.CHANGEOVER_DEFAULT
    assert not cafe.cs.tables["c2"].stack.entries or traveller not in cafe.at(2).get("c2", [])
    plan_2 = cafe.at(2)
    mover = next(p for p in NAMES[3:] if cafe.cs.seats(1)[p] != cafe.cs.seats(2)[p])
    table = cafe.cs.tables[cafe.cs.seats(2)[mover]]
    seat = views.me_view(cafe.state, mover)["cafe"]["seat"]
    assert seat["go"] == f"Round 2: go to {table.label}" and seat["moving"]
    host = views.me_view(cafe.state, NAMES[0])["cafe"]
    assert host["seat"]["go"] == "Round 2: stay at table 1 — Oak: you host it"
    assert sorted(host["hosting"]["coming"]) == sorted(p for p in plan_2["c1"][1:] if p not in plan_1["c1"])
    assert host["hosting"]["summary"] == ""
    # The plan kept its promise: only the pairs the table sizes force sit together twice.
    assert sum(1 for c in pairs([*plan_1.values(), *plan_2.values()]).values() if c > 1) == 4

    # The changeover runs out: round 2 starts by itself; then it is ended early.
    cafe.wait(cc.CHANGEOVER_DEFAULT)
    [started] = cafe.timers()
    assert isinstance(started, cc.RoundStarted) and started.round == 2
    cafe.facilitate(cc.EndRound())
    assert cafe.cs.phase == "done" and cafe.cs.current == 0 and m.room_of(cafe.state, mover) == ""
    cafe.refused("no_more_rounds", cc.StartRound(), present=cafe.here(), seed=1)

    # The harvest: each table's ideas on the screen in turn, stars from anyone, the most starred rise.
    cafe.facilitate(cc.OpenHarvest())
    cafe.facilitate(cc.ShowTable("c2"))
    for name in NAMES[:5]:
        cafe.by(name, cc.StarNote(added.note_id))
    cafe.by(NAMES[4], cc.StarNote(added.note_id, on=False))
    screen = views.screen_view(cafe.state, set(NAMES), "")["cafe"]["harvest"]
    assert screen["shown"]["label"] == "table 2 — Elm" and screen["shown"]["notes"][0]["stars"] == 4
    assert screen["top"][0]["text"] == "Street parties twice a year"
    phone = views.phone_view(cafe.state, set(NAMES))["cafe"]["harvest"]
    assert phone["tables"][0]["ideas"] == [
        {"note": added.note_id, "text": "Street parties twice a year", "strong": True}
    ]
    assert "stars" not in phone["tables"][0]["ideas"][0]  # counts are for the screen: each star would resend this
    assert views.me_view(cafe.state, NAMES[0])["cafe"]["stars"] == [added.note_id]
    [closed] = cafe.facilitate(cc.CloseHarvest())
    assert closed.ranking == [[added.note_id, 4]]
    cafe.refused_by("no_harvest", NAMES[6], cc.StarNote(added.note_id))

    # The record: every round's seating, the questions, each table's notes, the ranking.
    data = harvest(cafe.state)["cafe"]
    assert [len(r["tables"]) for r in data["rounds"]] == [3, 3]
    assert data["rounds"][0]["tables"][0]["people"][0] == NAMES[0]
    assert data["harvest"]["ranking"][0]["stars"] == 4
    text = harvest_markdown(harvest(cafe.state))
    assert "## Round 1" in text or "### Round 1" in text
    assert "- ★ Street parties twice a year (round 1, " + traveller + ", 4 stars)" in text
    assert "Question: What would make this neighbourhood kinder?" in text
    assert "## World Café" in mn.markdown(mn.minutes(cafe.state))


def test_late_arrivals_are_seated_without_moving_anyone_and_later_rounds_are_replanned() -> None:
    cafe = thirteen()
    cafe.facilitate(cc.SetUpCafe(rounds=3))
    cafe.seat()
    cafe.start()
    before = dict(cafe.cs.seats(1))
    cafe.do(m.Join(name="late"), m.Actor(m.Role.PHONE), participant_id="late", token="t-late")
    after = cafe.cs.seats(1)
    assert {p: t for p, t in after.items() if p != "late"} == before  # nobody else moved
    small = min(len(p) for t, p in cafe.at(1).items() if "late" not in p)
    assert len(cafe.at(1)[after["late"]]) - 1 <= small  # it was among the smallest tables
    for n in (1, 2, 3):
        sizes = [len(p) for p in cafe.at(n).values()]
        assert max(sizes) - min(sizes) <= 1 and "late" in cafe.cs.seats(n)
    # Joining from a table's card puts the newcomer at that table (if it has room).
    target = next(t for t, p in cafe.at(1).items() if len(p) < cc.capacity(cafe.cs, 1) and t != after["late"])
    cafe.do(m.Join(name="card", room=target), m.Actor(m.Role.PHONE), participant_id="card", token="t-card")
    assert cafe.table("card") == target
    # At the round's end the people changed since the plan: rounds 2 and 3 are re-planned from what was sat.
    cafe.facilitate(cc.EndRound())
    figures = cafe.cs.figures
    assert figures is not None and figures.from_round == 2
    for n in (2, 3):
        rnd = cafe.at(n)
        assert all(rnd[f"c{i + 1}"][0] == h for i, h in enumerate(NAMES[:3]))
        assert sum(len(p) for p in rnd.values()) == 15


def test_people_who_leave_free_their_seat_and_a_host_who_leaves_leaves_the_table_without() -> None:
    cafe = thirteen()
    cafe.seat()
    cafe.start()
    traveller = cafe.at(1)["c3"][-1]
    cafe.by(traveller, cc.LeaveCafe())
    assert cafe.table(traveller) == "" and all(traveller not in cafe.cs.seats(n) for n in (1, 2))
    assert m.room_of(cafe.state, traveller) == ""
    cafe.by(NAMES[2], cc.LeaveCafe())
    assert "c3" not in cafe.cs.hosts
    cafe.by(traveller, cc.TakeSeat())  # back: seated again by the late arrivals' rule
    assert cafe.table(traveller)
    cafe.facilitate(m.RemoveParticipant(traveller))
    assert cafe.table(traveller) == ""


def test_moves_by_hand_and_their_refusals() -> None:
    cafe = thirteen()
    cafe.seat()
    cafe.start()
    full = next(t for t, p in cafe.at(1).items() if len(p) == 5)
    small = next(t for t, p in cafe.at(1).items() if len(p) == 4)
    mover = cafe.at(1)[small][-1]
    cafe.refused("table_full", cc.MoveToTable(mover, full))
    cafe.refused("host_stays", cc.MoveToTable(NAMES[0], "c2"))
    cafe.refused("unknown_table", cc.MoveToTable(mover, "c9"))
    other = next(t for t, p in cafe.at(1).items() if len(p) == 4 and t != small)
    cafe.facilitate(cc.MoveToTable(mover, other))
    assert cafe.table(mover) == other
    cafe.facilitate(cc.MoveToTable(mover, ""))
    assert cafe.table(mover) == ""
    assert mover in {
        p["id"] for p in cf.FEATURE.sections["facilitator"](cafe.state, views.Context(lambda: {mover}))["unseated"]
    }


def test_a_new_host_during_the_cafe_stays_at_their_table_from_then_on() -> None:
    cafe = thirteen()
    cafe.facilitate(cc.SetUpCafe(rounds=3))
    cafe.seat()
    cafe.start()
    cafe.by(NAMES[1], cc.LeaveCafe())  # table 2's host leaves
    newcomer = cafe.at(1)["c2"][-1]
    elsewhere = cafe.at(1)["c1"][-1]
    cafe.refused("not_at_table", cc.AppointHost(elsewhere, "c2"))
    sizes = {n: {t: len(p) for t, p in cafe.at(n).items()} for n in (1, 2, 3)}
    cafe.facilitate(cc.AppointHost(newcomer, "c2"))
    for n in (1, 2, 3):
        assert cafe.cs.seats(n)[newcomer] == "c2"
        assert {t: len(p) for t, p in cafe.at(n).items()} == sizes[n]  # swaps: no table grows or shrinks


def test_hosts_picked_among_volunteers_with_the_seed() -> None:
    cafe = Cafe(*NAMES)
    cafe.set_up()
    cafe.refused("no_volunteers", cc.PickHosts(), present=cafe.here(), seed=3)
    for name in NAMES[4:9]:
        cafe.by(name, cc.VolunteerHost())
    cafe.by(NAMES[8], cc.VolunteerHost(on=False))
    assert views.me_view(cafe.state, NAMES[5])["cafe"]["volunteered"]
    assert views.phone_view(cafe.state, set())["cafe"]["volunteering"]
    picked = cafe.do(cc.PickHosts(), FACILITATOR, present=cafe.here(), seed=3)
    assert len(picked) == 3 and all(ev.by == "picked" and ev.seed == 3 for ev in picked)
    assert set(cafe.cs.hosts.values()) <= set(NAMES[4:8])
    again = Cafe(*NAMES)
    again.set_up()
    for name in NAMES[4:8]:
        again.by(name, cc.VolunteerHost())
    again.do(cc.PickHosts(), FACILITATOR, present=again.here(), seed=3)
    assert again.cs.hosts == cafe.cs.hosts  # the same seed, the same hosts
    cafe.refused("too_many_hosts", cc.AppointHost(NAMES[9]))


def test_pausing_between_rounds_keeps_the_next_round_from_starting_by_itself() -> None:
    cafe = thirteen()
    cafe.facilitate(cc.SetUpCafe(rounds=3))
    cafe.seat()
    cafe.start()
    cafe.facilitate(cc.ExtendRound(300))
    cafe.wait(20 * 60)
    assert cafe.timers() == []  # not yet: the round was extended
    cafe.wait(300)
    cafe.facilitate(cc.PauseCafe())
    [ended] = cafe.timers()
    assert ended.next_at is None and cafe.cs.phase == "between"
    cafe.wait(3600)
    assert cafe.timers() == []
    cafe.facilitate(cc.PauseCafe(paused=False))
    assert cafe.cs.next_at == cafe.now + cc.CHANGEOVER_DEFAULT
    cafe.facilitate(cc.StartRound())
    assert cafe.cs.running is not None and cafe.cs.running.number == 2
    cafe.do(cc.StartRound(3), SYSTEM)  # a stale timer: nothing
    assert cafe.cs.running.number == 2


def refusals() -> list[tuple[str, str, Any]]:
    """(what, code, (how to get there, what is sent))."""
    return [
        ("a table for 2", "bad_table_size", ("setup", ("fac", cc.SetUpCafe(table_size=2)))),
        ("a table for 7", "bad_table_size", ("setup", ("fac", cc.SetUpCafe(table_size=7)))),
        ("no rounds", "bad_field", ("setup", ("fac", cc.SetUpCafe(rounds=0)))),
        ("a round of two hours and more", "bad_field", ("setup", ("fac", cc.SetUpCafe(minutes=121)))),
        ("a question for round 9", "bad_field", ("setup", ("fac", cc.SetQuestion(9, "Why?")))),
        ("too many tables", "bad_field", ("setup", ("fac", cc.AddTables(601)))),
        ("two tables with one name", "bad_field", ("setup", ("fac", cc.NameTable("c2", "oak")))),
        ("a table that doesn't exist", "unknown_table", ("setup", ("fac", cc.NameTable("c9", "Yew")))),
        ("more hosts than tables", "too_many_hosts", ("hosted", ("fac", cc.AppointHost("x09")))),
        ("a host who isn't here", "unknown_participant", ("hosted", ("fac", cc.AppointHost("zz", "c1")))),
        ("a phone appointing", "not_allowed", ("hosted", ("x05", cc.AppointHost("x05", "c1")))),
        ("seating with no tables", "no_tables", ("empty", ("fac", cc.SeatCafe()))),
        ("seating 13 at 2 tables", "too_few_tables", ("two tables", ("fac", cc.SeatCafe()))),
        ("a round started while one runs", "round_running", ("running", ("fac", cc.StartRound()))),
        ("re-seating once round 1 started", "cafe_started", ("running", ("fac", cc.SeatCafe()))),
        ("a new table size once round 1 started", "cafe_started", ("running", ("fac", cc.SetUpCafe(table_size=5)))),
        ("the running round's question", "round_started", ("running", ("fac", cc.SetQuestion(1, "New?")))),
        ("ending a round that isn't running", "no_round", ("seated", ("fac", cc.EndRound()))),
        ("extending no round", "no_round", ("seated", ("fac", cc.ExtendRound(60)))),
        ("extending by nothing", "bad_field", ("running", ("fac", cc.ExtendRound(0)))),
        ("a move that would overfill a table", "table_full", ("running", ("fac", "overfill"))),
        ("moving a host", "host_stays", ("running", ("fac", cc.MoveToTable("x00", "c2")))),
        ("a seat at another table", "already_seated", ("running", ("x05", "other table"))),
        ("a seat before seating", "no_seating", ("hosted", ("x05", cc.TakeSeat()))),
        ("a note at a table you're not at", "not_in_room", ("running", ("x05", "note elsewhere"))),
        ("a note with no seat", "not_in_room", ("hosted", ("x05", rc.AddNote("Hi")))),
        ("a traveller marking a note", "not_host", ("noted", ("x05", "mark"))),
        ("a summary from a traveller", "not_host", ("running", ("x05", cc.WriteSummary("Hi")))),
        ("a note that doesn't exist", "unknown_note", ("running", ("fac", cc.MarkNote(999)))),
        ("the harvest during a round", "round_running", ("running", ("fac", cc.OpenHarvest()))),
        ("the harvest before any round", "no_rounds", ("seated", ("fac", cc.OpenHarvest()))),
        ("a star before the harvest", "no_harvest", ("noted", ("x05", "star"))),
        ("showing a table before the harvest", "no_harvest", ("running", ("fac", cc.ShowTable("c1")))),
        ("removing a table people sit at", "table_in_use", ("running", ("fac", cc.RemoveTable("c1")))),
        ("the server starting a round the facilitator must", "not_allowed", ("seated", ("x05", cc.StartRound()))),
    ]


def _reach(how: str) -> Cafe:
    cafe = Cafe(*NAMES)
    if how == "empty":
        cafe.facilitate(oc.SetPart("cafe"))
        return cafe
    if how == "two tables":
        cafe.set_up(tables=2, names=())
        return cafe
    cafe.set_up()
    if how == "setup":
        return cafe
    for i, host in enumerate(NAMES[:3]):
        cafe.facilitate(cc.AppointHost(host, f"c{i + 1}"))
    if how == "hosted":
        return cafe
    cafe.seat()
    if how == "seated":
        return cafe
    cafe.start()
    if how == "noted":
        cafe.by(cafe.at(1)[cafe.table("x05")][0], rc.AddNote("An idea"))
    return cafe


def _command(cafe: Cafe, what: Any) -> Any:
    if what == "overfill":  # 13 at 3 tables: 5, 4, 4; a table holds 5 this round
        big = max(cafe.at(1), key=lambda t: len(cafe.at(1)[t]))
        mover = next(p for t, ps in cafe.at(1).items() if t != big for p in ps[1:])
        return cc.MoveToTable(mover, big)
    if what == "other table":
        return cc.TakeSeat(next(t for t in cafe.at(1) if t != cafe.table("x05")))
    if what == "note elsewhere":
        return rc.AddNote("Hi", next(t for t in cafe.at(1) if t != cafe.table("x05")))
    if what in ("mark", "star"):
        note = next(n.id for t in cafe.cs.tables.values() for n in t.notes)
        return cc.MarkNote(note) if what == "mark" else cc.StarNote(note)
    return what


@pytest.mark.parametrize(("what", "code", "how"), refusals(), ids=[r[0] for r in refusals()])
def test_every_refusal_changes_nothing(what: str, code: str, how: Any) -> None:
    where, (who, what_) = how
    cafe = _reach(where)
    if who == "x05" and what_ in ("mark",) and cafe.cs.hosts.get(cafe.table("x05")) == "x05":
        pytest.skip("x05 hosts")
    command = _command(cafe, what_)
    actor = FACILITATOR if who == "fac" else m.Actor(m.Role.PHONE, participant_id=who)
    cafe.refused(code, command, actor, present=cafe.here(), seed=1, key=KEY)


def test_set_up_changes_before_round_one_drop_the_plan_and_questions_evolve() -> None:
    cafe = thirteen()
    cafe.facilitate(cc.SetUpCafe(rounds=3))
    cafe.facilitate(cc.SetQuestion(2, "And what could you do?"))
    assert cafe.cs.questions == (
        "What would make this neighbourhood kinder?",
        "And what could you do?",
        "",
    )
    cafe.seat()
    cafe.facilitate(cc.SetUpCafe(table_size=5))
    assert cafe.cs.plan == () and cafe.cs.phase == "setup"
    cafe.seat()
    cafe.facilitate(cc.AppointHost(NAMES[5], "c3"))  # new hosts before round 1: seat again
    assert cafe.cs.plan == ()
    cafe.start()  # starting round 1 seats everyone if nobody did
    assert cafe.cs.running is not None and len(cafe.cs.seats(1)) == 13


def test_table_keys_are_derived_and_only_their_digests_kept() -> None:
    cafe = thirteen()
    table = cafe.cs.tables["c1"]
    assert table.key_digest == m.digest(cc.table_key(KEY, "c1")) and KEY not in repr(cafe.state)
    assert cf.key_digest(cafe.state, "c1") == table.key_digest and cf.key_digest(cafe.state, "c9") is None
    assert table.label == "table 1 — Oak" and cafe.cs.tables["c3"].name == "Ash"
    cafe.facilitate(cc.NameTable("c3", ""))
    assert cafe.cs.tables["c3"].label == "table 3"


def test_a_star_touches_only_its_phone_and_a_note_only_its_tables_people() -> None:
    cafe = thirteen()
    cafe.seat()
    cafe.start()
    writer = cafe.at(1)["c1"][1]
    before = cafe.state
    cafe.by(writer, rc.AddNote("Benches"))
    assert views.touched(before, cafe.state) == frozenset(cafe.at(1)["c1"])
    cafe.facilitate(cc.EndRound())
    cafe.facilitate(cc.OpenHarvest())
    note = cafe.cs.tables["c1"].notes[0].id
    before = cafe.state
    cafe.by(NAMES[7], cc.StarNote(note))
    assert views.touched(before, cafe.state) == frozenset({NAMES[7]})


def test_a_replay_never_reseats(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seating and every re-plan are in the log: folding it again needs no search (and no seed)."""
    cafe = thirteen()
    log: list[Any] = []
    do = cafe.do

    def logged(command: Any, actor: m.Actor, **inputs: Any) -> list[Any]:
        evs = do(command, actor, **inputs)
        log.extend(evs)
        return evs

    cafe.do = logged  # type: ignore[method-assign]
    cafe.facilitate(cc.SetUpCafe(rounds=3))
    cafe.seat()
    cafe.start()
    cafe.do(m.Join(name="late"), m.Actor(m.Role.PHONE), participant_id="late", token="t-late")
    cafe.facilitate(cc.EndRound())  # the people changed: rounds 2 and 3 are re-planned
    assert sum(isinstance(ev, cc.Seated) for ev in log) == 2

    def no_search(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a replay ran the seating")

    monkeypatch.setattr(se, "plan", no_search)
    start = thirteen().state  # the same meeting up to the first logged event
    assert cv.cafe_of(m.fold(enumerate(log, start.seq + 1), start)) == cafe.cs
