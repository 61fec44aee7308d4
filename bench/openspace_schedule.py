"""Open Space: how long the scheduler takes and how good its wall is.

    .venv/bin/python -m bench.openspace_schedule [--topics 120] [--slots 6] [--spaces 20] [--people 1500]

Prints, for the issue's case (120 topics into 6 slots x 20 spaces, 1,500 people marking 5-10 topics
each, interest skewed as in a real marketplace: some topics are much wanted), the time to make the
schedule, its conflict count against the naive schedule (topics by interest into cells in order) and
a lower bound; then, on small cases, the search against the exact optimum (every slot assignment tried).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import statistics
import time

from server.openspace import schedule as sc


def case(topics: int, slots: int, spaces: int, people: int, seed: int, marks: tuple[int, int] = (5, 10)) -> sc.Problem:
    rng = random.Random(seed)
    ids = [f"o{i}" for i in range(1, topics + 1)]
    weights = [1 / (i + 3) ** 0.7 for i in range(topics)]  # some topics much wanted, a long tail
    rng.shuffle(weights)
    interest: dict[str, set[str]] = {t: set() for t in ids}
    for p in range(people):
        k = rng.randint(*marks)
        chosen: set[str] = set()
        while len(chosen) < min(k, topics):
            chosen.add(rng.choices(ids, weights)[0])
        for t in chosen:
            interest[t].add(f"p{p}")
    # Conveners: most convene one topic, some two or three; a few co-conveners; a few can't do a slot.
    conveners: dict[str, frozenset[str]] = {}
    pool = [f"p{p}" for p in range(people)]
    hosts = rng.sample(pool, max(1, topics * 2 // 3))
    for t in ids:
        main = rng.choice(hosts)
        co = {rng.choice(pool)} if rng.random() < 0.2 else set()
        conveners[t] = frozenset({main, *co})
    slot_ids = [f"t{i}" for i in range(1, slots + 1)]
    unavailable = {h: frozenset(rng.sample(slot_ids, 1)) for h in hosts if rng.random() < 0.15 and slots > 1}
    space_ids = [f"s{i}" for i in range(1, spaces + 1)]
    capacity = {s: rng.choice([8, 12, 20, 30, 60]) for s in space_ids}
    return sc.Problem(
        topics=ids,
        slots=slot_ids,
        spaces=space_ids,
        capacity=capacity,
        interest={t: frozenset(v) for t, v in interest.items()},
        conveners=conveners,
        unavailable=unavailable,
    )


def optimum(problem: sc.Problem) -> tuple[int, int]:
    """The exact best (unplaced, conflicts) over every assignment of topics to slots or to nowhere
    (small cases only; spaces don't change the conflict count)."""
    best: tuple[int, int] | None = None
    per_slot = len(problem.spaces)
    n = len(problem.slots)
    for assign in itertools.product(range(-1, n), repeat=len(problem.topics)):
        if any(assign.count(i) > per_slot for i in range(n)):
            continue
        busy: set[tuple[str, int]] = set()
        ok = True
        for t, i in zip(problem.topics, assign, strict=True):
            if i < 0:
                continue
            if not sc.allowed(problem, t, problem.slots[i]) or any((c, i) in busy for c in problem.conveners[t]):
                ok = False
                break
            busy.update((c, i) for c in problem.conveners[t])
        if not ok:
            continue
        cells = {t: (problem.slots[i], "") for t, i in zip(problem.topics, assign, strict=True) if i >= 0}
        value = (assign.count(-1), sc.conflicts(cells, problem.interest))
        best = value if best is None else min(best, value)
    assert best is not None
    return best


def greedy(problem: sc.Problem) -> tuple[int, int]:
    """A comparison: most wanted first, each into the slot (with room, conveners free) that adds the
    fewest conflicts.  Returns (topics placed, conflicts)."""
    room = {s: len(problem.spaces) for s in problem.slots}
    busy: set[tuple[str, str]] = set()
    count: dict[tuple[str, str], int] = {}
    cells: dict[str, sc.Cell] = {}
    for t in sc._order(problem):
        options = []
        for s in problem.slots:
            if room[s] == 0 or not sc.allowed(problem, t, s) or any((c, s) in busy for c in problem.conveners[t]):
                continue
            added = sum(
                2 if count.get((q, s), 0) == 1 else (1 if count.get((q, s), 0) >= 2 else 0) for q in problem.interest[t]
            )
            options.append((added, s))
        if options:
            _, s = min(options)
            room[s] -= 1
            cells[t] = (s, str(room[s]))
            busy.update((c, s) for c in problem.conveners[t])
            for q in problem.interest[t]:
                count[(q, s)] = count.get((q, s), 0) + 1
    return len(cells), sc.conflicts(cells, problem.interest)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topics", type=int, default=120)
    parser.add_argument("--slots", type=int, default=6)
    parser.add_argument("--spaces", type=int, default=20)
    parser.add_argument("--people", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for seed in range(args.runs):
        problem = case(args.topics, args.slots, args.spaces, args.people, seed)
        marks = sum(len(v) for v in problem.interest.values())
        began = time.perf_counter()
        result = sc.make(problem, seed=seed)
        took = time.perf_counter() - began
        times.append(took)
        assert not sc.breaks(problem, result.cells)
        saved = result.naive - result.conflicts
        print(
            f"case {seed}: {args.topics} topics, {args.slots}x{args.spaces} cells, "
            f"{args.people} people, {marks} marks: "
            f"{took:.2f} s; conflicts {result.conflicts} vs naive {result.naive} (saved {saved}, "
            f"{100 * saved / max(1, result.naive):.0f}%) vs lower bound {result.lower_bound}; "
            f"unplaced {len(result.unplaced)} (naive {result.naive_unplaced})"
        )
        placed, conflicts = greedy(problem)
        print(f"  greedy (most wanted first, fewest added conflicts): {conflicts} with {placed} placed")
    print(f"time: median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    print("small cases (7 topics, 3 slots x 3 spaces, 12 people marking 2-5), against the exact optimum:")
    hits = 0
    for seed in range(10):
        problem = case(7, 3, 3, 12, 100 + seed, marks=(2, 5))
        # Everyone placeable: one convener each, no unavailable slots (so every topic is placed).
        problem = dataclasses.replace(
            problem, conveners={t: frozenset({f"c-{t}"}) for t in problem.topics}, unavailable={}
        )
        result = sc.make(problem, seed=seed)
        best = optimum(problem)
        mine = (len(result.unplaced), result.conflicts)
        hits += mine == best
        print(
            f"  case {seed}: scheduler {mine[1]} ({mine[0]} unplaced), optimum {best[1]} ({best[0]} unplaced), "
            f"naive {result.naive} ({result.naive_unplaced} unplaced), lower bound {result.lower_bound}"
        )
    print(f"optimum reached in {hits} of 10")


if __name__ == "__main__":
    main()
