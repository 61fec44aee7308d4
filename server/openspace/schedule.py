"""The wall's scheduler: every topic into a slot × space cell (pure; no clock, no I/O).

Hard rules (never broken):

- a convener (or co-convener) is never in two places at once: at most one of their topics per slot;
- a convener is never put in a slot they said they can't do;
- fixed cells (locked, or in a slot that has started) keep their topic, and no other topic goes there.

Objective, in this order:

1. place as many topics as there are usable cells for (the most wanted first);
2. the **conflict count**: for each person, the topics they want that share a slot with another topic
   they want, summed (``f(n) = n`` for ``n >= 2`` topics in one slot, else 0);
3. interest fits capacity: within a slot, the most wanted topic gets the biggest space.

How: a naive schedule first (topics by interest into the cells in order, skipping cells that
break a hard rule), then simulated annealing over slot assignments (moves, swaps and insertions of
unplaced topics) with a fixed budget of work, deterministic from ``seed``; spaces are then dealt
within each slot (largest interest to largest capacity, which keeps interest <= capacity whenever
any assignment can).  The search starts from the naive schedule and keeps its best, so it is never
worse than the naive one.  See docs/performance.md, "Open Space: the scheduler".
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Cell = tuple[str, str]  # (slot, space)

WORK = 3_000_000  # person-updates the search may evaluate (bounds its time: about 1-2 s at 1,500 people)


@dataclass(frozen=True)
class Problem:
    """What a schedule is made from.  Orders matter (ties go to the earlier one)."""

    topics: Sequence[str]  # every topic to place, in posting order
    slots: Sequence[str]  # in time order
    spaces: Sequence[str]  # in the wall's order
    capacity: Mapping[str, int]  # space -> capacity
    interest: Mapping[str, frozenset[str]]  # topic -> who wants it
    conveners: Mapping[str, frozenset[str]]  # topic -> its convener and co-conveners
    unavailable: Mapping[str, frozenset[str]] = field(default_factory=dict)  # person -> slots they can't do
    fixed: Mapping[str, Cell] = field(default_factory=dict)  # topic -> cell it keeps (locked or started)
    blocked: frozenset[Cell] = frozenset()  # cells no topic may be given (locked, or in a started slot)


@dataclass(frozen=True)
class Result:
    cells: dict[str, Cell]  # topic -> cell, fixed ones included
    unplaced: list[str]
    conflicts: int
    naive: int  # the naive schedule's conflict count
    naive_unplaced: int
    lower_bound: int  # no schedule placing the same topics has fewer conflicts


def f(n: int) -> int:
    return n if n >= 2 else 0


def conflicts(cells: Mapping[str, Cell], interest: Mapping[str, frozenset[str]]) -> int:
    """The conflict count of a wall: per person, the wanted topics sharing a slot with another wanted one."""
    per: dict[tuple[str, str], int] = {}
    for topic, (slot, _) in cells.items():
        for pid in interest.get(topic, ()):
            per[(pid, slot)] = per.get((pid, slot), 0) + 1
    return sum(n for n in per.values() if n >= 2)


def lower_bound(topics: Sequence[str], interest: Mapping[str, frozenset[str]], slots: int) -> int:
    """Per person wanting ``k`` of ``topics`` across ``slots`` slots: at best ``slots - 1`` singles and
    the rest together, so at least ``k - slots + 1`` conflicts when ``k > slots``."""
    wanted: dict[str, int] = {}
    for topic in topics:
        for pid in interest.get(topic, ()):
            wanted[pid] = wanted.get(pid, 0) + 1
    return sum(k - slots + 1 for k in wanted.values() if k > slots) if slots else 0


def allowed(problem: Problem, topic: str, slot: str) -> bool:
    unavailable = problem.unavailable
    return not any(slot in unavailable.get(c, ()) for c in problem.conveners.get(topic, ()))


def _order(problem: Problem) -> list[str]:
    """Topics by interest, most first (ties: posted first)."""
    pos = {t: i for i, t in enumerate(problem.topics)}
    free = [t for t in problem.topics if t not in problem.fixed]
    return sorted(free, key=lambda t: (-len(problem.interest.get(t, ())), pos[t]))


def naive(problem: Problem) -> dict[str, Cell]:
    """Topics by interest into the cells in order (slot by slot, space by space), skipping a cell
    whose slot a convener can't do or is already in."""
    cells = dict(problem.fixed)
    taken = set(cells.values()) | set(problem.blocked)
    busy = {(c, cell[0]) for t, cell in cells.items() for c in problem.conveners.get(t, ())}
    order = [(s, sp) for s in problem.slots for sp in problem.spaces]
    for topic in _order(problem):
        conveners = problem.conveners.get(topic, frozenset())
        for cell in order:
            if cell in taken or not allowed(problem, topic, cell[0]):
                continue
            if any((c, cell[0]) in busy for c in conveners):
                continue
            cells[topic] = cell
            taken.add(cell)
            busy.update((c, cell[0]) for c in conveners)
            break
    return cells


def deal_spaces(problem: Problem, by_slot: Mapping[str, list[str]]) -> dict[str, Cell]:
    """Within each slot, the most wanted topic gets the biggest free space (ties: the wall's order)."""
    cells = dict(problem.fixed)
    taken = set(cells.values()) | set(problem.blocked)
    space_pos = {s: i for i, s in enumerate(problem.spaces)}
    topic_pos = {t: i for i, t in enumerate(problem.topics)}
    for slot, topics in by_slot.items():
        free = sorted(
            (sp for sp in problem.spaces if (slot, sp) not in taken),
            key=lambda sp: (-problem.capacity.get(sp, 0), space_pos[sp]),
        )
        ranked = sorted(topics, key=lambda t: (-len(problem.interest.get(t, ())), topic_pos[t]))
        for topic, space in zip(ranked, free, strict=False):
            cells[topic] = (slot, space)
    return cells


def make(problem: Problem, seed: int = 0, work: int = WORK, temp0: float = 2.0) -> Result:
    """The schedule: see the module's docstring."""
    start = naive(problem)
    naive_unplaced = [t for t in problem.topics if t not in start]
    naive_count = conflicts(start, problem.interest)
    slots = list(problem.slots)
    slot_index = {s: i for i, s in enumerate(slots)}
    free_topics = [t for t in problem.topics if t not in problem.fixed]
    # Usable cells per slot (not fixed, not blocked).
    used = set(problem.fixed.values()) | set(problem.blocked)
    room = [sum(1 for sp in problem.spaces if (s, sp) not in used) for s in slots]

    # Integer indices for speed: people, topics, slots.
    people: dict[str, int] = {}
    for t in problem.topics:
        for pid in problem.interest.get(t, ()):
            people.setdefault(pid, len(people))
    n_slots = len(slots)
    count = [[0] * n_slots for _ in people]  # person -> slot -> wanted topics placed there
    wants = {t: [people[p] for p in sorted(problem.interest.get(t, ()))] for t in problem.topics}
    conv_ids: dict[str, int] = {}
    for t in problem.topics:
        for c in problem.conveners.get(t, ()):
            conv_ids.setdefault(c, len(conv_ids))
    busy = [[0] * n_slots for _ in conv_ids]  # convener -> slot -> topics they convene there
    convs = {t: [conv_ids[c] for c in sorted(problem.conveners.get(t, ()))] for t in problem.topics}
    ok = {t: [allowed(problem, t, s) for s in slots] for t in problem.topics}

    where: dict[str, int] = {}  # topic -> slot index (placed ones)
    for t, (s, _) in start.items():
        i = slot_index[s]
        where[t] = i
        for p in wants[t]:
            count[p][i] += 1
        for c in convs[t]:
            busy[c][i] += 1
        if t not in problem.fixed:
            room[i] -= 1
    unplaced = [t for t in _order(problem) if t not in where]

    def fits(t: str, i: int, leaving: str | None = None) -> bool:
        """May ``t`` go to slot ``i`` (``leaving``: a topic of slot ``i`` that leaves it in a swap)?"""
        if not ok[t][i]:
            return False
        out = convs[leaving] if leaving is not None else ()
        return all(busy[c][i] - (c in out) == 0 for c in convs[t])

    def d_move(t: str, a: int, b: int) -> int:
        """Conflict change if ``t`` moves from slot ``a`` to slot ``b`` (``a`` -1: from nowhere)."""
        d = 0
        for p in wants[t]:
            row = count[p]
            if a >= 0:
                n = row[a]
                d -= 2 if n == 2 else (1 if n > 2 else 0)
            n = row[b]
            d += 2 if n == 1 else (1 if n >= 2 else 0)
        return d

    def shift(t: str, a: int, b: int) -> None:
        for p in wants[t]:
            row = count[p]
            if a >= 0:
                row[a] -= 1
            row[b] += 1
        for c in convs[t]:
            if a >= 0:
                busy[c][a] -= 1
            busy[c][b] += 1
        where[t] = b

    # Placing the unplaced (the primary objective: worth any conflicts), moving one other topic
    # aside when that makes room (into a slot with a free cell).
    members: list[list[str]] = [[] for _ in slots]
    for t, i in where.items():
        if t not in problem.fixed:
            members[i].append(t)

    def place(t: str, b: int) -> None:
        shift(t, -1, b)
        room[b] -= 1
        members[b].append(t)

    def relocate(u: str, a: int, c: int) -> None:
        shift(u, a, c)
        room[a] += 1
        room[c] -= 1
        members[a].remove(u)
        members[c].append(u)

    for t in list(unplaced):
        options = [i for i in range(n_slots) if room[i] > 0 and fits(t, i)]
        if options:
            place(t, min(options, key=lambda i: (d_move(t, -1, i), i)))
            unplaced.remove(t)
            continue
        done = False
        for b in range(n_slots):
            if not ok[t][b] or done:
                continue
            # Someone in slot b steps aside to a slot with room: either a topic of one of t's conveners
            # (then t's convener is free in b) or, if they are already free there, any topic of b.
            for u in list(members[b]):
                if any(busy[c][b] - (c in convs[u]) for c in convs[t]):
                    continue
                for c in range(n_slots):
                    if c != b and room[c] > 0 and fits(u, c):
                        relocate(u, b, c)
                        if room[b] > 0 and fits(t, b):
                            place(t, b)
                            unplaced.remove(t)
                            done = True
                        else:
                            relocate(u, c, b)
                        break
                if done:
                    break

    current = conflicts({t: (slots[i], "") for t, i in where.items()}, problem.interest)
    best, best_where = current, dict(where)
    rng = random.Random(seed)
    movable = [t for t in free_topics if t in where]
    mean = max(1, sum(len(wants[t]) for t in movable) // max(1, len(movable)))
    steps = min(work // (2 * mean + 1), 400 * len(movable) * n_slots)
    for step in range(steps if movable and n_slots > 1 else 0):
        temp = temp0 * (1 - step / steps) + 0.05
        t = movable[rng.randrange(len(movable))]
        a = where[t]
        b = rng.randrange(n_slots - 1)
        b += b >= a
        if room[b] > 0 and (not members[b] or rng.random() < 0.3):
            if not fits(t, b):
                continue
            d = d_move(t, a, b)
            if d <= 0 or rng.random() < math.exp(-d / temp):
                relocate(t, a, b)
                current += d
        elif members[b]:
            u = members[b][rng.randrange(len(members[b]))]
            if not fits(t, b, leaving=u) or not fits(u, a, leaving=t):
                continue
            d = d_move(t, a, b)
            shift(t, a, b)
            d += d_move(u, b, a)
            if d <= 0 or rng.random() < math.exp(-d / temp):
                shift(u, b, a)
                members[a].remove(t)
                members[b].remove(u)
                members[a].append(u)
                members[b].append(t)
                current += d
            else:
                shift(t, b, a)
        if current < best:
            best, best_where = current, dict(where)
    by_slot: dict[str, list[str]] = {s: [] for s in slots}
    for t, i in best_where.items():
        if t not in problem.fixed:
            by_slot[slots[i]].append(t)
    cells = deal_spaces(problem, by_slot)
    placed = [t for t in problem.topics if t in cells]
    return Result(
        cells=cells,
        unplaced=[t for t in problem.topics if t not in cells],
        conflicts=conflicts(cells, problem.interest),
        naive=naive_count,
        naive_unplaced=len(naive_unplaced),
        lower_bound=lower_bound(placed, problem.interest, n_slots),
    )


def breaks(problem: Problem, cells: Mapping[str, Cell]) -> list[str]:
    """The hard rules a wall breaks, in words (empty: none).  For tests and as a guard."""
    out: list[str] = []
    seen: dict[Cell, str] = {}
    busy: dict[tuple[str, str], str] = {}
    for t, cell in cells.items():
        if cell in seen:
            out.append(f"{t} and {seen[cell]} share {cell}")
        seen[cell] = t
        if cell[0] not in problem.slots or cell[1] not in problem.spaces:
            out.append(f"{t} is in no cell of the wall: {cell}")
        if t in problem.fixed and problem.fixed[t] != cell:
            out.append(f"{t} was fixed at {problem.fixed[t]} and moved to {cell}")
        if t not in problem.fixed and cell in problem.blocked:
            out.append(f"{t} is in blocked cell {cell}")
        if t not in problem.fixed and any(cell == c for c in problem.fixed.values()):
            out.append(f"{t} took a fixed cell {cell}")
        for c in problem.conveners.get(t, ()):
            if cell[0] in problem.unavailable.get(c, ()) and t not in problem.fixed:
                out.append(f"{c} can't do {cell[0]} but convenes {t} there")
            other = busy.get((c, cell[0]))
            if other is not None:
                out.append(f"{c} convenes {t} and {other} in {cell[0]}")
            busy[(c, cell[0])] = t
    return out
