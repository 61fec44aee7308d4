"""World Café seating: every round at once, with as few repeated pairs as it can find (pure).

A **pair** is two people at one table in one round, the table host included.  A pair that
sits together in more than one round is a **repeated pair**.  Hosts stay at their table in
every round; the **travellers** move.  In every round the tables' sizes differ by at most one.
With hosts fixed this is the "progressive party" problem, without them the "social golfer"
problem; both are hard in general, so this is a search with a fixed budget of work, not a
solver:

1. **Greedy, round by round**: hosts first; then each traveller, in an order drawn from the
   seed, goes to the table whose people they have met least (counted over the rounds already
   sat and the ones planned so far), among the tables with room, the emptiest first.
2. **Tabu search over swaps**: pick a traveller in a repeated pair in some round and swap them
   with the traveller in another table of that round that lowers the cost most; a swap keeps
   every table's size.  A person may not go back to a table they just left for a few steps
   (the tabu), unless that finds the best plan yet.  Stuck for long, it goes back to the best
   plan and shakes it with a few random swaps.  It stops at zero repeats or when the budget
   (a number of swaps looked at, not a time) is spent, and keeps the best plan it saw.

The cost it lowers is first the number of repeated pairs (the figure people see), then
``sum over pairs of C(c, 2)`` where ``c`` is how often a pair sat together (0 for once, 1 for
twice, 3 for three times), which breaks ties and guides the search across plateaus.

Deterministic: the same problem and seed give the same plan on any machine (the budget is
work, not time), and the core records the plan in its event, so a replay never reseats.
Beside the plan it reports what a **random shuffle** gives (the mean over up to 100 shuffles
with the same hosts and table sizes: the issue's comparison) and a **lower bound** (counting:
a person can't meet more people than there are; see :func:`lower_bound`).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

WORK = 300_000  # swaps looked at, at most (about 0.5 s on the 2-core test machine)
SHUFFLES = 100  # random shuffles averaged for the comparison
SHUFFLE_WORK = 500_000  # pairs counted over all shuffles at most (a café of thousands averages fewer)
# The cost the search lowers: each repeated pair counts REPEAT (the figure people see), and beyond that
# C(c, 2) for a pair that sat together c times (two pairs meeting twice beat one pair meeting three
# times only when the number of repeated pairs is the same).  Its change when a pair's count goes up
# from c, or down from c, is JOIN[c] and LEAVE[c].
REPEAT = 1000
JOIN = [REPEAT * (c == 1) + c for c in range(256)]
LEAVE = [REPEAT * (c == 2) + c - 1 for c in range(256)]
STUCK = 100  # steps without a better plan before going back to the best and shaking it
SHAKES = 5  # shakes in a row that find no better plan: stop (the plan is likely as good as this gets)


@dataclass(frozen=True)
class Problem:
    """What to seat.

    - ``people``: everyone to seat in every planned round, hosts included;
    - ``tables``: the tables to use, in their order (every one gets people);
    - ``hosts``: host -> their table (they sit there in every planned round);
    - ``rounds``: how many rounds to plan;
    - ``history``: the rounds already sat, as groups of people (one per table per round: counted, never
      moved; people in it who are not in ``people`` count for the figures only).
    """

    people: tuple[str, ...]
    tables: tuple[str, ...]
    hosts: Mapping[str, str] = field(default_factory=dict)
    rounds: int = 1
    history: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Result:
    """A plan: per planned round, table -> its people (the host first), and its figures over the
    history and the plan together."""

    rounds: tuple[dict[str, tuple[str, ...]], ...]
    repeats: int
    random_mean: float
    shuffles: int
    lower_bound: int


def sizes(people: int, tables: int) -> list[int]:
    """Table sizes that differ by at most one (the bigger ones first)."""
    base, extra = divmod(people, tables)
    return [base + 1 if i < extra else base for i in range(tables)]


def check(problem: Problem) -> None:
    """The problem is well formed (a bug guard: the core checks what people can get wrong)."""
    people = set(problem.people)
    if len(people) != len(problem.people):
        raise ValueError("someone is listed twice")
    if not problem.tables or len(set(problem.tables)) != len(problem.tables):
        raise ValueError("tables must be distinct and at least one")
    if len(problem.people) < len(problem.tables):
        raise ValueError("more tables than people")
    seen: set[str] = set()
    for host, table in problem.hosts.items():
        if host not in people or table not in problem.tables or table in seen:
            raise ValueError("a host must be seated, at a table of the plan, one per table")
        seen.add(table)
    if problem.rounds < 0:
        raise ValueError("rounds must be 0 or more")


# --- counting ----------------------------------------------------------------------------------


def pair_counts(groups: Sequence[Sequence[str]]) -> dict[tuple[str, str], int]:
    """How often each pair sat together, over groups (one per table per round)."""
    counts: dict[tuple[str, str], int] = {}
    for group in groups:
        members = sorted(group)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                counts[(a, b)] = counts.get((a, b), 0) + 1
    return counts


def repeated_pairs(groups: Sequence[Sequence[str]]) -> int:
    """Pairs that sat together in more than one group (round)."""
    return sum(1 for c in pair_counts(groups).values() if c > 1)


def groups_of(rounds: Sequence[Mapping[str, Sequence[str]]]) -> list[tuple[str, ...]]:
    return [tuple(people) for r in rounds for people in r.values()]


# --- the search ----------------------------------------------------------------------------------


class _Search:
    """The plan as index arrays: people 0..n-1, tables 0..k-1, rounds 0..R-1.

    ``met[a][b]`` is how often ``a`` and ``b`` sat together (history and plan): one byte each, so a
    café of 3,000 is 9 MB and a lookup is an index (rounds are few, never past 255).
    """

    def __init__(self, problem: Problem, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names = list(problem.people)
        self.index = {p: i for i, p in enumerate(self.names)}
        self.tables = list(problem.tables)
        n, k = len(self.names), len(self.tables)
        self.n, self.k, self.r = n, k, problem.rounds
        table_index = {t: i for i, t in enumerate(self.tables)}
        self.host_table = {self.index[h]: table_index[t] for h, t in problem.hosts.items()}
        self.is_host = [i in self.host_table for i in range(n)]
        self.travellers = [i for i in range(n) if not self.is_host[i]]
        self.met = [bytearray(n) for _ in range(n)]
        self.known: list[list[int]] = [[] for _ in range(n)]  # whom each has met (for the greedy)
        for group in problem.history:
            self._meet([self.index[p] for p in group if p in self.index])
        self.members: list[list[list[int]]] = []  # round -> table -> people
        self.where: list[list[int]] = []  # round -> person -> table

    def _meet(self, ids: Sequence[int]) -> None:
        met, known = self.met, self.known
        for i, a in enumerate(ids):
            row = met[a]
            for b in ids[i + 1 :]:
                if not row[b]:
                    known[a].append(b)
                    known[b].append(a)
                row[b] += 1
                met[b][a] += 1

    def greedy(self) -> None:
        k, size = self.k, sizes(self.n, self.k)
        base, extra = size[-1], sum(1 for s in size if s > size[-1])
        for _ in range(self.r):
            members: list[list[int]] = [[] for _ in range(k)]
            where = [-1] * self.n
            for person, table in sorted(self.host_table.items()):
                members[table].append(person)
                where[person] = table
            order = list(self.travellers)
            self.rng.shuffle(order)
            tie = list(range(k))
            self.rng.shuffle(tie)  # which empty table comes first: drawn, so rounds differ
            big = sum(1 for m in members if len(m) > base)
            # Tables with room, by how many sit there now: the emptiest first.
            buckets: list[dict[int, None]] = [{} for _ in range(base + 2)]
            for t in tie:
                if len(members[t]) < base or (len(members[t]) == base and big < extra):
                    buckets[len(members[t])][t] = None
            for person in order:
                row = self.met[person]
                costs: dict[int, int] = {}
                for other in self.known[person]:
                    t = where[other]
                    if t >= 0:
                        costs[t] = costs.get(t, 0) + row[other]
                choice = -1
                for bucket in buckets:  # a table where they know nobody, the emptiest first
                    choice = next((t for t in bucket if t not in costs), -1)
                    if choice >= 0:
                        break
                if choice < 0:  # everywhere with room has someone they met: the least met, then the emptiest
                    choice = min((t for bucket in buckets for t in bucket), key=lambda t: (costs[t], len(members[t])))
                s = len(members[choice])
                del buckets[s][choice]
                members[choice].append(person)
                where[person] = choice
                if s + 1 > base:
                    big += 1
                    if big == extra:  # no more tables may grow past the base size
                        buckets[base].clear()
                if s + 1 < base or (s + 1 == base and big < extra):
                    buckets[s + 1][choice] = None
            for group in members:
                self._meet(group)
            self.members.append(members)
            self.where.append(where)

    def cost(self) -> int:
        return sum(REPEAT * (c > 1) + c * (c - 1) // 2 for a in range(self.n) for c in self.met[a][a + 1 :])

    def conflicted(self, r: int) -> list[int]:
        """Travellers in a pair that repeats, in round ``r``."""
        met, out = self.met, []
        for group in self.members[r]:
            for a in group:
                row = met[a]
                if not self.is_host[a] and any(row[b] > 1 for b in group):
                    out.append(a)
        return out

    def swap_delta(self, r: int, p: int, q: int) -> int:
        """The change in cost if ``p`` and ``q`` (at different tables of round ``r``) swap seats."""
        a_group = self.members[r][self.where[r][p]]
        b_group = self.members[r][self.where[r][q]]
        mp, mq = self.met[p], self.met[q]
        leave_p = sum(LEAVE[mp[x]] for x in a_group if x != p)
        join_p = sum(JOIN[mp[y]] for y in b_group) - JOIN[mp[q]]
        leave_q = sum(LEAVE[mq[y]] for y in b_group if y != q)
        join_q = sum(JOIN[mq[x]] for x in a_group) - JOIN[mq[p]]
        return join_p - leave_p + join_q - leave_q

    def swap(self, r: int, p: int, q: int) -> None:
        ta, tb = self.where[r][p], self.where[r][q]
        a_group, b_group = self.members[r][ta], self.members[r][tb]
        met = self.met
        mp, mq = met[p], met[q]
        for x in a_group:
            if x != p:
                mp[x] -= 1
                met[x][p] -= 1
                mq[x] += 1
                met[x][q] += 1
        for y in b_group:
            if y != q:
                mq[y] -= 1
                met[y][q] -= 1
                mp[y] += 1
                met[y][p] += 1
        a_group[a_group.index(p)] = q
        b_group[b_group.index(q)] = p
        self.where[r][p], self.where[r][q] = tb, ta

    def search(self, work: int) -> None:
        """Tabu search: each step takes the best swap of a traveller in a repeated pair (in any round)
        with a traveller at another table of that round; a swapped pair may not swap back for a few
        steps unless that gives the best plan yet."""
        cost = best_cost = self.cost()
        best = [[list(g) for g in rnd] for rnd in self.members]
        if cost == 0 or self.r == 0 or len(self.travellers) < 2:
            return
        rng, met = self.rng, self.met
        tabu: dict[tuple[int, int, int], int] = {}
        step = last_better = spent = shakes = 0
        while spent < work and best_cost > 0:
            step += 1
            if step - last_better > STUCK:  # back to the best plan, shaken
                shakes += 1
                if shakes > SHAKES:
                    break
                self._restore(best)
                cost = best_cost
                for _ in range(1 + self.n // 8):
                    r = rng.randrange(self.r)
                    p, q = rng.sample(self.travellers, 2)
                    if self.where[r][p] != self.where[r][q]:
                        cost += self.swap_delta(r, p, q)
                        self.swap(r, p, q)
                tabu.clear()
                last_better = step
            best_delta: int | None = None
            moves: list[tuple[int, int, int]] = []
            for r in range(self.r):
                members, where = self.members[r], self.where[r]
                conflicted = self.conflicted(r)
                spent += len(where)  # finding them costs about a look per person
                if not conflicted:
                    continue
                # What each person has with their own table, to leave it: one pass per round.
                own = [0] * self.n
                for group in members:
                    for x in group:
                        row = met[x]
                        own[x] = sum(LEAVE[row[y]] for y in group) - LEAVE[0]
                for p in conflicted:
                    ta = where[p]
                    a_group = members[ta]
                    mp = met[p]
                    leave_p = own[p]
                    for tb, group in enumerate(members):
                        if tb == ta:
                            continue
                        to_b = sum(JOIN[mp[y]] for y in group)
                        for q in group:
                            if self.is_host[q]:
                                continue
                            spent += 1
                            mq = met[q]
                            delta = (
                                to_b - JOIN[mp[q]] - leave_p + sum(JOIN[mq[x]] for x in a_group) - JOIN[mq[p]] - own[q]
                            )
                            if best_delta is not None and delta > best_delta:
                                continue
                            if tabu.get((r, p, q) if p < q else (r, q, p), 0) > step and cost + delta >= best_cost:
                                continue
                            if best_delta is None or delta < best_delta:
                                best_delta, moves = delta, [(r, p, q)]
                            else:
                                moves.append((r, p, q))
            if best_delta is None:
                last_better = -STUCK  # every move is tabu: shake at the next step
                continue
            r, p, q = moves[rng.randrange(len(moves))]
            self.swap(r, p, q)
            cost += best_delta
            tabu[(r, p, q) if p < q else (r, q, p)] = step + 4 + rng.randrange(16)
            if cost < best_cost:
                best_cost, last_better, shakes = cost, step, 0
                best = [[list(g) for g in rnd] for rnd in self.members]
        self._restore(best)

    def _restore(self, plan: list[list[list[int]]]) -> None:
        """Back to ``plan``: its members, and the pair counts taken back to the history's plus its."""
        met = self.met
        for rnd in self.members:
            for group in rnd:
                for i, a in enumerate(group):
                    for b in group[i + 1 :]:
                        met[a][b] -= 1
                        met[b][a] -= 1
        self.members = [[list(g) for g in rnd] for rnd in plan]
        self.where = []
        for rnd in self.members:
            where = [-1] * self.n
            for t, group in enumerate(rnd):
                for p in group:
                    where[p] = t
                for i, a in enumerate(group):
                    for b in group[i + 1 :]:
                        met[a][b] += 1
                        met[b][a] += 1
            self.where.append(where)

    def plan(self) -> tuple[dict[str, tuple[str, ...]], ...]:
        out = []
        for rnd in self.members:
            tables = {}
            for t, group in enumerate(rnd):
                hosts = [p for p in group if self.is_host[p]]
                rest = sorted((p for p in group if not self.is_host[p]), key=lambda p: self.names[p])
                tables[self.tables[t]] = tuple(self.names[p] for p in (*hosts, *rest))
            out.append(tables)
        return tuple(out)


def plan(problem: Problem, seed: int, work: int = WORK) -> Result:
    """Seat ``problem.people`` for ``problem.rounds`` rounds, with its figures."""
    check(problem)
    search = _Search(problem, seed)
    search.greedy()
    search.search(work)
    rounds = search.plan()
    history = [tuple(g) for g in problem.history]
    mean, shuffles = random_mean(problem, rounds, seed)
    return Result(
        rounds=rounds,
        repeats=repeated_pairs([*history, *groups_of(rounds)]),
        random_mean=mean,
        shuffles=shuffles,
        lower_bound=lower_bound(problem),
    )


# --- what a random shuffle gives, and a lower bound ----------------------------------------------


def random_mean(
    problem: Problem, rounds: Sequence[Mapping[str, Sequence[str]]], seed: int, shuffles: int = SHUFFLES
) -> tuple[float, int]:
    """The mean repeated pairs over random shuffles: each round, the travellers dealt at random into
    the same tables with the same sizes, hosts at their tables; the history as it was.  Returns the
    mean and how many shuffles it took (fewer than ``shuffles`` only when one shuffle counts so many
    pairs that ``SHUFFLE_WORK`` would be passed: a café of thousands)."""
    if not rounds:
        return float(repeated_pairs(problem.history)), 0
    index = {p: i for i, p in enumerate(sorted({*problem.people, *(p for g in problem.history for p in g)}))}
    n = len(index)
    history = [  # every pair of the history, once per time it sat together
        a * n + b for group in problem.history for a, b in combinations(sorted(index[p] for p in group), 2)
    ]
    hosts = {index[h]: t for h, t in problem.hosts.items()}
    shapes = []  # per round: (its host or None, how many travellers) per table
    travellers = []
    for rnd in rounds:
        shape = []
        for table, people in rnd.items():
            host = next((index[p] for p in people if hosts.get(index[p]) == table), None)
            shape.append((host, len(people) - (host is not None)))
        shapes.append(shape)
        travellers.append(sorted(index[p] for people in rnd.values() for p in people if index[p] not in hosts))
    per_shuffle = sum(s * (s - 1) // 2 for rnd in rounds for s in map(len, rnd.values()))
    count = max(1, min(shuffles, SHUFFLE_WORK // max(1, per_shuffle)))
    rng = random.Random(seed ^ 0x5EED)
    total = 0
    for _ in range(count):
        keys = list(history)
        for shape, pool in zip(shapes, travellers, strict=True):
            order = list(pool)
            rng.shuffle(order)
            at = 0
            for host, seats in shape:
                group = order[at : at + seats] if host is None else [host, *order[at : at + seats]]
                at += seats
                group.sort()
                keys.extend(a * n + b for a, b in combinations(group, 2))
        total += sum(1 for c in Counter(keys).values() if c > 1)
    return total / count, count


def lower_bound(problem: Problem) -> int:
    """No plan can have fewer repeated pairs than this (counting arguments only; often 0).

    - Everyone already repeated in the history stays repeated.
    - Each person meets ``sum over rounds of (their table's size - 1)`` people, with repeats, but
      only ``others`` distinct ones exist (a host never meets another host: each stays at their own
      table); each repeated partner takes up at most ``rounds - 1`` of the excess.  Half the sum
      over people (each pair is counted by both).
    - The same over the whole room: the pair-meetings of the plan against the pairs there are.
    """
    history = repeated_pairs(problem.history)
    rounds = problem.rounds
    n, k = len(problem.people), len(problem.tables)
    if rounds < 2 or n < 2:
        return history
    size = sizes(n, k)
    small = size[-1]
    hosts = len(problem.hosts)
    per_person = 0
    for is_host in [True] * hosts + [False] * (n - hosts):
        meets = rounds * (small - 1)  # at least: at a table of the smaller size every round
        others = (n - hosts) if is_host else (n - 1)
        excess = meets - others
        if excess > 0:
            per_person += -(-excess // (rounds - 1))
    meetings = rounds * sum(s * (s - 1) // 2 for s in size)
    pairs = n * (n - 1) // 2 - hosts * (hosts - 1) // 2
    room = -(-(meetings - pairs) // (rounds - 1)) if meetings > pairs else 0
    return max(history, -(-per_person // 2), room)


# --- one person at a time ------------------------------------------------------------------------


def cheapest(
    person: str,
    tables: Sequence[str],
    seated: Mapping[str, Sequence[str]],
    met: Mapping[tuple[str, str], int],
    limit: int | None = None,
) -> str | None:
    """The table a person joining a round goes to: among the tables with the fewest people (so sizes
    still differ by at most one; under ``limit`` if given), the one where they add the fewest
    repeats (they have met its people least), then the first in order.  None: nowhere has room."""
    counts = {t: len(seated.get(t, ())) for t in tables}
    open_tables = [t for t in tables if limit is None or counts[t] < limit]
    if not open_tables:
        return None
    fewest = min(counts[t] for t in open_tables)

    def added(t: str) -> int:
        return sum(met.get((min(person, x), max(person, x)), 0) for x in seated.get(t, ()) if x != person)

    return min((t for t in open_tables if counts[t] == fewest), key=lambda t: (added(t), tables.index(t)))
