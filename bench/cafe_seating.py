"""World Café: how long the seating takes and how many pairs it seats together twice.

    .venv/bin/python -m bench.cafe_seating [--runs 5] [--work 300000]

Prints, for each case and seed, the time to seat everyone for every round, the repeated pairs of
the plan (two people at one table in more than one round, hosts included), the mean of a random
shuffle (the travellers dealt at random into the same tables, hosts fixed; over 100 shuffles) and
the lower bound.  The issue's cases:

- 500 people at 100 tables with hosts for 4 rounds (target: within 2 s);
- 32 people at 8 tables of 4 for 10 rounds without hosts (the social golfer problem's original
  case: a plan with no repeated pair exists; a local search is not known to find it);

and beside them: 16 at 4 tables of 4 for 5 rounds (no repeats possible: the affine plane of order
4), the Chromium test's 13 at 3 tables with hosts for 2 rounds, a café of 60, and 3,000 at 600
tables (the size at which a round's end re-plans on the server's loop).  Then the same seating
through the core (``decide`` with 500 present: the event with its plan), and a re-plan at a
round's end after late arrivals, as the server does it.
"""

from __future__ import annotations

import argparse
import statistics
import time

import server.features  # noqa: F401  (registers every feature, as the server does)
from server.cafe import core as cc
from server.cafe import seating as se
from server.cafe import views as cv
from server.core import meeting as m
from server.core.inputs import Inputs
from server.openspace import core as oc

CASES = [
    ("500 at 100 tables, hosts, 4 rounds", 500, 100, 4, True),
    ("32 at 8 tables of 4, 10 rounds, no hosts", 32, 8, 10, False),
    ("16 at 4 tables of 4, 5 rounds, no hosts", 16, 4, 5, False),
    ("13 at 3 tables, hosts, 2 rounds", 13, 3, 2, True),
    ("60 at 12 tables, hosts, 4 rounds", 60, 12, 4, True),
    ("3,000 at 600 tables, hosts, 4 rounds", 3000, 600, 4, True),
]


def problem(n: int, k: int, rounds: int, hosts: bool) -> se.Problem:
    people = tuple(f"p{i:04d}" for i in range(n))
    tables = tuple(f"c{i}" for i in range(1, k + 1))
    return se.Problem(people, tables, {people[i]: tables[i] for i in range(k)} if hosts else {}, rounds)


def seat_cases(runs: int, work: int) -> None:
    print(f"{'case':42} {'seed':>4} {'time':>7} {'repeats':>7} {'random':>7} {'bound':>5}")
    for name, n, k, rounds, hosts in CASES:
        times, repeats = [], []
        for seed in range(runs):
            case = problem(n, k, rounds, hosts)
            start = time.perf_counter()
            result = se.plan(case, seed, work)
            took = time.perf_counter() - start
            times.append(took)
            repeats.append(result.repeats)
            fewer = "" if result.shuffles == se.SHUFFLES else f"  ({result.shuffles} shuffles)"
            print(
                f"{name:42} {seed:>4} {took:>6.2f}s {result.repeats:>7} {result.random_mean:>7.1f} "
                f"{result.lower_bound:>5}{fewer}"
            )
        print(
            f"{'':42} median {statistics.median(times):.2f}s, at most {max(times):.2f}s; "
            f"repeats {min(repeats)}-{max(repeats)}"
        )


def through_the_core(n: int = 500, k: int = 100, rounds: int = 4) -> None:
    """The facilitator's seat_cafe as the server decides it, then late arrivals and a round's end."""
    now = 1000.0
    created = m.create(meeting_id="m", title="T", code="AAAAAA", facilitator_secret="k", screen_key="s", now=now)
    state = m.fold(enumerate(created, 1))
    fac = m.Actor(m.Role.FACILITATOR)

    def do(command: object, actor: m.Actor = fac, **inputs: object) -> tuple[list[object], float]:
        nonlocal state
        start = time.perf_counter()
        evs = m.decide(state, command, actor, Inputs(now=now, **inputs))  # type: ignore[arg-type]
        took = time.perf_counter() - start
        for ev in evs:
            state = m.apply(state, ev)
        return evs, took  # type: ignore[return-value]

    people = [f"p{i:04d}" for i in range(n)]
    for pid in people:
        do(m.Join(name=pid), m.Actor(m.Role.PHONE), participant_id=pid, token=f"t{pid}")
    do(oc.SetPart("cafe"))
    do(cc.SetUpCafe(table_size=5, rounds=rounds))
    do(cc.AddTables(k), key="k")
    for i in range(k):
        do(cc.AppointHost(people[i], f"c{i + 1}"))
    (seated, *_), took = do(cc.SeatCafe(), present=frozenset(people), seed=1)
    assert isinstance(seated, cc.Seated)
    print(
        f"seat_cafe through decide, {n} people at {k} tables, {rounds} rounds: {took:.2f} s "
        f"({seated.repeats} repeated pairs, random {seated.random_mean}, bound {seated.lower_bound})"
    )
    do(cc.StartRound(), present=frozenset(people), seed=2)
    late = []
    for i in range(20):
        pid = f"late{i:02d}"
        late.append(do(m.Join(name=pid), m.Actor(m.Role.PHONE), participant_id=pid, token=f"t{pid}")[1])
    print(f"a late arrival's join (seated in every round): median {statistics.median(late) * 1000:.1f} ms")
    now += 20 * 60
    evs, took = do(cc.EndRound(1), m.Actor(m.Role.SYSTEM))
    replan = next((ev for ev in evs if isinstance(ev, cc.Seated)), None)
    figures = f"{replan.repeats} repeated pairs, random {replan.random_mean}" if replan else "no re-plan"
    print(f"round 1's end with 20 late arrivals, re-planning rounds 2-{rounds}: {took:.2f} s ({figures})")
    cafe = cv.cafe_of(state)
    sizes = [len(p) for p in cc.seated_people(cafe, 2).values() if p]
    print(f"round 2's tables: {min(sizes)}-{max(sizes)} people")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="seeds per case")
    parser.add_argument("--work", type=int, default=se.WORK, help="the search's budget (swaps looked at)")
    args = parser.parse_args()
    seat_cases(args.runs, args.work)
    print()
    through_the_core()


if __name__ == "__main__":
    main()
