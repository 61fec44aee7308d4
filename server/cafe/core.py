"""World Café (pure; no I/O, no clock, no randomness: the time and a seed come from ``Inputs``).

The facilitator switches the meeting's part to the café (``set_part``), sets the **table size**
(3–6, default 4), the number of **rounds** (default 3), the **round length** (default 20
minutes), the pause to change tables between rounds, and a **question that matters** per round
(the same or evolving).  **Tables** are numbered (``c<n>``, never reused) and may be named; each
has a device key derived from the facilitator's secret, of which only the digest is kept.

Each table has a **table host** who stays for every round: appointed by the facilitator, or
picked by Plaza among those who volunteered.  The **travellers** move.  Plaza **seats**
everyone for every round at once (:mod:`server.cafe.seating`: as few repeated pairs as it can
find, sizes differing by at most one) and records the plan in the event, so a replay never
reseats.  **Late arrivals** are seated into the current round at the smallest table where they
add the fewest repeats, and into the later rounds the same way; nobody already seated moves.
People who leave free their seat.  When a round ends and the people changed since the plan,
the rounds still to come are **re-planned** from what was sat so far.

A **round** runs to a server deadline (a minute before, views warn); at its end every phone is
told where to go next.  The facilitator can extend a round, end it early, and pause between
rounds (otherwise the next one starts by itself after the pause to change tables).  At the table
anyone seated adds short **notes** (key ideas; the rooms' note commands, through the registry's
scopes) and the host marks the **strongest**; the host keeps a **summary** for welcoming the
next group.  After the last round, the **harvest**: each table's ideas on the big screen in
turn, everyone **stars** ideas from any table, the most starred rise; closing it records the
ranking.

A café table is a room (``registry.add_scopes``): while the café seats people, the table a phone
sits at is its room, with its own speaking stack and notes; the table's device shows it.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from server.cafe import seating
from server.core.errors import Rejection
from server.core.event import Event, event
from server.core.keys import digest
from server.core.text import optional_text
from server.rooms.core import Note, optional_text_keep_lines, room_key
from server.stack import core as sk

TABLE_SIZE_DEFAULT = 4
TABLE_SIZE_RANGE = (3, 6)
TABLE_MAX = TABLE_SIZE_RANGE[1]  # nobody is seated past 6 at a table, whatever the plan needs
ROUNDS_DEFAULT = 3
ROUNDS_RANGE = (1, 8)
MINUTES_DEFAULT = 20
MINUTES_RANGE = (1, 120)
CHANGEOVER_DEFAULT = 120  # seconds to change tables before the next round starts by itself
CHANGEOVER_RANGE = (0, 900)  # 0: the facilitator starts every round
TABLES_MAX = 600
NAME_MAX = 40
QUESTION_MAX = 280
SUMMARY_MAX = 1000
EXTEND_RANGE = (-3600, 3600)
WARN_SECONDS = 60  # views warn this long before a round's end
HARVEST_TOP = 10  # the most starred ideas on the big screen


def table_key(facilitator_secret: str, table: str) -> str:
    """A table device's view-only key: the rooms' derivation, so the hub's room links serve tables too."""
    return room_key(facilitator_secret, table)


# --- events ----------------------------------------------------------------------------


@event("cafe.set_up")
@dataclass(frozen=True)
class SetUp(Event):
    """The café's settings, whole (before round 1 a new table size or number of rounds drops the plan)."""

    table_size: int
    rounds: int
    minutes: int
    changeover: int


@event("cafe.questions_set")
@dataclass(frozen=True)
class QuestionsSet(Event):
    questions: list[str]  # one per round, whole


@event("cafe.tables_added")
@dataclass(frozen=True)
class TablesAdded(Event):
    tables: list[dict[str, object]]  # {"table", "number", "name", "key_digest"}


@event("cafe.table_named")
@dataclass(frozen=True)
class TableNamed(Event):
    table: str
    name: str


@event("cafe.table_removed")
@dataclass(frozen=True)
class TableRemoved(Event):
    table: str


@event("cafe.host_set")
@dataclass(frozen=True)
class HostSet(Event):
    """``participant_id`` hosts ``table`` from now on (None: nobody); a host hosts one table.  ``by``:
    facilitator, picked (among volunteers, with ``seed``), left (the host left)."""

    table: str
    participant_id: str | None
    by: str
    seed: int = 0


@event("cafe.volunteered")
@dataclass(frozen=True)
class Volunteered(Event):
    participant_id: str
    on: bool


@event("cafe.seated")
@dataclass(frozen=True)
class Seated(Event):
    """The plan for rounds ``from_round`` to the last (recorded: a replay never reseats), with its
    figures over the whole café: repeated pairs, a random shuffle's mean, a lower bound."""

    from_round: int
    rounds: list[dict[str, list[str]]]  # per round: table -> its people, the host first
    repeats: int
    random_mean: float
    shuffles: int
    lower_bound: int
    seed: int


@event("cafe.seats_changed")
@dataclass(frozen=True)
class SeatsChanged(Event):
    """Seats of some people in some rounds: ``[round, participant, table]`` (table "": no seat).
    ``by``: late (a late arrival), card (joined from a table's card), back (asked for a seat),
    facilitator (a move by hand), left (left the café), host (a new host goes to their table)."""

    moves: list[list[object]]
    by: str


@event("cafe.round_started")
@dataclass(frozen=True)
class RoundStarted(Event):
    round: int
    question: str
    ends_at: float


@event("cafe.round_extended")
@dataclass(frozen=True)
class RoundExtended(Event):
    round: int
    seconds: int


@event("cafe.round_ended")
@dataclass(frozen=True)
class RoundEnded(Event):
    round: int
    next_at: float | None  # the next round starts by itself then (None: the facilitator starts it)


@event("cafe.paused")
@dataclass(frozen=True)
class Paused(Event):
    paused: bool
    next_at: float | None


@event("cafe.note_marked")
@dataclass(frozen=True)
class NoteMarked(Event):
    table: str
    note_id: int
    strong: bool


@event("cafe.summary_written")
@dataclass(frozen=True)
class SummaryWritten(Event):
    table: str
    text: str


@event("cafe.harvest_opened")
@dataclass(frozen=True)
class HarvestOpened(Event):
    pass


@event("cafe.table_shown")
@dataclass(frozen=True)
class TableShown(Event):
    table: str  # "" hides


@event("cafe.starred")
@dataclass(frozen=True)
class Starred(Event):
    participant_id: str
    note_id: int
    on: bool


@event("cafe.harvest_closed")
@dataclass(frozen=True)
class HarvestClosed(Event):
    ranking: list[list[int]]  # [note, stars], most stars first (ties: the older note first)


EVENTS = (
    SetUp,
    QuestionsSet,
    TablesAdded,
    TableNamed,
    TableRemoved,
    HostSet,
    Volunteered,
    Seated,
    SeatsChanged,
    RoundStarted,
    RoundExtended,
    RoundEnded,
    Paused,
    NoteMarked,
    SummaryWritten,
    HarvestOpened,
    TableShown,
    Starred,
    HarvestClosed,
)


# --- state -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A café table: a room with its own stack and notes (key ideas) for the whole café."""

    id: str
    number: int
    name: str
    key_digest: str
    stack: sk.StackState = field(default_factory=sk.StackState)
    notes: tuple[Note, ...] = ()
    strong: frozenset[int] = frozenset()  # the notes its host marked as the strongest
    summary: str = ""  # the host's, for welcoming the next group
    summary_at: float | None = None

    @property
    def label(self) -> str:
        """How a sentence names it: "table 7 — Oak" ("table 7" unnamed)."""
        return f"table {self.number} — {self.name}" if self.name else f"table {self.number}"

    @property
    def title(self) -> str:
        """How a heading names it: "Table 7 — Oak"."""
        return "T" + self.label[1:]


@dataclass(frozen=True)
class Round:
    number: int
    question: str
    started_at: float
    ends_at: float
    ended_at: float | None = None

    @property
    def running(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class Figures:
    """The last plan's figures (the console shows what seating saved against a random shuffle)."""

    repeats: int
    random_mean: float
    shuffles: int
    lower_bound: int
    seed: int
    from_round: int
    at: float


@dataclass(frozen=True)
class CafeState:
    table_size: int = TABLE_SIZE_DEFAULT
    rounds_total: int = ROUNDS_DEFAULT
    minutes: int = MINUTES_DEFAULT
    changeover: int = CHANGEOVER_DEFAULT
    questions: tuple[str, ...] = ("",) * ROUNDS_DEFAULT
    tables: Mapping[str, Table] = field(default_factory=dict)  # in number order
    next_table: int = 1
    hosts: Mapping[str, str] = field(default_factory=dict)  # table -> its host
    volunteers: tuple[str, ...] = ()  # in the order they volunteered
    plan: tuple[Mapping[str, str], ...] = ()  # per round (index 0: round 1): participant -> table
    planned_for: frozenset[str] = frozenset()  # whom the plan was made for (a change re-plans at a round's end)
    figures: Figures | None = None
    rounds: tuple[Round, ...] = ()  # the rounds started, in order
    sat: tuple[Mapping[str, tuple[str, ...]], ...] = ()  # per started round: table -> everyone who sat there
    next_at: float | None = None  # the next round starts by itself then
    paused: bool = False  # no round starts by itself until the facilitator says
    harvest: str = ""  # "", "open", "closed"
    shown: str = ""  # the table whose ideas are on the big screen
    stars: Mapping[str, frozenset[int]] = field(default_factory=dict)  # participant -> the notes they starred
    star_counts: Mapping[int, int] = field(default_factory=dict)  # note -> stars
    ranking: tuple[tuple[int, int], ...] = ()  # (note, stars), recorded when the harvest closed

    @property
    def running(self) -> Round | None:
        return self.rounds[-1] if self.rounds and self.rounds[-1].running else None

    @property
    def current(self) -> int:
        """The round people are at or are going to (its seats are what phones show), or 0: none
        (nothing seated yet, or the café is over)."""
        if not self.plan or self.harvest:
            return 0
        if self.running is not None:
            return self.running.number
        upcoming = len(self.rounds) + 1
        return upcoming if upcoming <= self.rounds_total else 0

    @property
    def over(self) -> bool:
        """Every round was sat (or the harvest opened early)."""
        return bool(self.harvest) or (len(self.rounds) >= self.rounds_total and self.running is None)

    @property
    def phase(self) -> str:
        """setup, seated (round 1 not started), round, between (changing tables), done, harvest, closed."""
        if self.harvest == "closed":
            return "closed"
        if self.harvest:
            return "harvest"
        if self.running is not None:
            return "round"
        if self.rounds and self.over:
            return "done"
        if self.rounds:
            return "between"
        return "seated" if self.plan else "setup"

    def seats(self, number: int) -> Mapping[str, str]:
        """Round ``number``'s seats (participant -> table); empty if not planned."""
        return self.plan[number - 1] if 0 < number <= len(self.plan) else {}

    def seat_of(self, pid: str) -> str:
        """The table a participant is at (or going to) now, or ""."""
        return self.seats(self.current).get(pid, "")

    def host_of(self, pid: str) -> str:
        """The table ``pid`` hosts, or ""."""
        return next((t for t, h in self.hosts.items() if h == pid), "")

    def table_open(self, table: str) -> bool:
        """A table is a room while the café seats people (from the plan until the harvest)."""
        return table in self.tables and self.current > 0

    def question(self, number: int) -> str:
        return self.questions[number - 1] if 0 < number <= len(self.questions) else ""


# --- commands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetUpCafe:
    table_size: int | None = None
    rounds: int | None = None
    minutes: int | None = None
    changeover: int | None = None
    question: str | None = None  # the same question for every round not started yet


@dataclass(frozen=True)
class SetQuestion:
    round: int
    question: str


@dataclass(frozen=True)
class AddTables:
    count: int
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class NameTable:
    table: str
    name: str


@dataclass(frozen=True)
class RemoveTable:
    table: str


@dataclass(frozen=True)
class AppointHost:
    """``participant`` "": the table has no host.  ``table`` "": the first table without a host."""

    participant_id: str
    table: str = ""


@dataclass(frozen=True)
class VolunteerHost:
    on: bool = True


@dataclass(frozen=True)
class PickHosts:
    pass


@dataclass(frozen=True)
class SeatCafe:
    pass


@dataclass(frozen=True)
class TakeSeat:
    """A phone with no seat asks for one (by the late arrivals' rule, or at ``table``: its card)."""

    table: str = ""


@dataclass(frozen=True)
class MoveToTable:
    """The facilitator seats someone at a table in the current round (``table`` "": frees their seat)."""

    participant_id: str
    table: str


@dataclass(frozen=True)
class LeaveCafe:
    pass


@dataclass(frozen=True)
class StartRound:
    round: int | None = None  # the server's timer names the round it meant


@dataclass(frozen=True)
class ExtendRound:
    seconds: int


@dataclass(frozen=True)
class EndRound:
    round: int | None = None


@dataclass(frozen=True)
class PauseCafe:
    paused: bool = True


@dataclass(frozen=True)
class MarkNote:
    note: int
    strong: bool = True
    table: str = ""  # the facilitator names the table


@dataclass(frozen=True)
class WriteSummary:
    text: str


@dataclass(frozen=True)
class OpenHarvest:
    pass


@dataclass(frozen=True)
class ShowTable:
    table: str  # "" hides


@dataclass(frozen=True)
class StarNote:
    note: int
    on: bool = True


@dataclass(frozen=True)
class CloseHarvest:
    pass


COMMANDS = (
    SetUpCafe,
    SetQuestion,
    AddTables,
    NameTable,
    RemoveTable,
    AppointHost,
    VolunteerHost,
    PickHosts,
    SeatCafe,
    TakeSeat,
    MoveToTable,
    LeaveCafe,
    StartRound,
    ExtendRound,
    EndRound,
    PauseCafe,
    MarkNote,
    WriteSummary,
    OpenHarvest,
    ShowTable,
    StarNote,
    CloseHarvest,
)


# --- lookups -------------------------------------------------------------------------------


def table_of(cs: CafeState, table_id: str, name: str = "table") -> Table:
    table = cs.tables.get(table_id)
    if table is None:
        raise Rejection("unknown_table", "There is no such table.", name)
    return table


def _in_range(value: int, bounds: tuple[int, int], sentence: str, name: str, code: str = "bad_field") -> int:
    lo, hi = bounds
    if not lo <= value <= hi:
        raise Rejection(code, sentence.format(lo=lo, hi=hi), name, {"low": lo, "high": hi})
    return value


def _not_started(cs: CafeState, what: str) -> None:
    if cs.rounds:
        raise Rejection("cafe_started", f"Round 1 has started: {what} stays as it is.", None, {"what": what})


def _not_over(cs: CafeState) -> None:
    if cs.harvest:
        raise Rejection("harvest_open", "The café is over: the harvest is open.")


def seated_people(cs: CafeState, number: int) -> dict[str, list[str]]:
    """Round ``number``'s tables -> their people (hosts first, then in the order seated)."""
    out: dict[str, list[str]] = {t: [] for t in cs.tables}
    for pid, t in cs.seats(number).items():
        out.setdefault(t, []).append(pid)
    for t, people in out.items():
        host = cs.hosts.get(t)
        if host in people:
            people.remove(host)
            people.insert(0, host)
    return out


def capacity(cs: CafeState, number: int) -> int:
    """How many a table of round ``number`` may hold: the table size, or more if the plan needed it
    (13 people at 3 tables: 5), never past 6."""
    counts = [len(p) for p in seated_people(cs, number).values()]
    return min(TABLE_MAX, max([cs.table_size, *counts]))


def tables_for(cs: CafeState, people: int) -> list[str]:
    """The tables a plan for ``people`` uses: every hosted one, then the first others in order, as many
    as the table size asks (a hosted table is never left empty; a plan never puts more than 6 at a table)."""
    if not cs.tables:
        raise Rejection("no_tables", "Add the café's tables first.")
    hosted = [t for t in cs.tables if t in cs.hosts]
    wanted = max(-(-people // cs.table_size), len(hosted), 1)
    count = min(wanted, len(cs.tables), people)
    if -(-people // max(1, count)) > TABLE_MAX:
        need = -(-people // TABLE_MAX)
        raise Rejection(
            "too_few_tables",
            f"{people} people need at least {need} tables of at most {TABLE_MAX}.",
            None,
            {"count": people, "need": need, "max": TABLE_MAX},
        )
    others = [t for t in cs.tables if t not in cs.hosts][: max(0, count - len(hosted))]
    use = set(hosted) | set(others)
    return [t for t in cs.tables if t in use]


def history(cs: CafeState) -> tuple[tuple[str, ...], ...]:
    """Everyone who sat together, per started round and table (what a re-plan counts)."""
    return tuple(tuple(people) for rnd in cs.sat for people in rnd.values() if people)


def met_by(cs: CafeState, pid: str) -> dict[tuple[str, str], int]:
    """How often ``pid`` sat with each other person in the rounds sat so far, as pair counts (a late
    arrival has no seat in the rounds planned: those add nothing)."""
    out: dict[tuple[str, str], int] = {}
    for group in history(cs):
        if pid in group:
            for other in group:
                if other != pid:
                    key = (min(pid, other), max(pid, other))
                    out[key] = out.get(key, 0) + 1
    return out


# --- deciding: set-up ----------------------------------------------------------------------


def set_up(cs: CafeState, command: SetUpCafe, now: float) -> list[Event]:
    size = cs.table_size if command.table_size is None else command.table_size
    _in_range(size, TABLE_SIZE_RANGE, "A table seats {lo} to {hi} people.", "table_size", "bad_table_size")
    rounds = cs.rounds_total if command.rounds is None else command.rounds
    _in_range(rounds, ROUNDS_RANGE, "A café has {lo} to {hi} rounds.", "rounds")
    minutes = cs.minutes if command.minutes is None else command.minutes
    _in_range(minutes, MINUTES_RANGE, "A round lasts {lo} to {hi} minutes.", "minutes")
    changeover = cs.changeover if command.changeover is None else command.changeover
    _in_range(changeover, CHANGEOVER_RANGE, "Changing tables takes {lo} to {hi} seconds.", "changeover")
    if (size, rounds) != (cs.table_size, cs.rounds_total):
        _not_started(cs, "the table size and the number of rounds")
    out: list[Event] = []
    if (size, rounds, minutes, changeover) != (cs.table_size, cs.rounds_total, cs.minutes, cs.changeover):
        out.append(SetUp(at=now, table_size=size, rounds=rounds, minutes=minutes, changeover=changeover))
    if command.question is not None:
        text = optional_text(command.question, QUESTION_MAX, "question", "question")
        questions = [cs.question(n) if n <= len(cs.rounds) else text for n in range(1, rounds + 1)]
        if tuple(questions) != _questions(cs.questions, rounds):
            out.append(QuestionsSet(at=now, questions=questions))
    return out


def _questions(questions: tuple[str, ...], rounds: int) -> tuple[str, ...]:
    return (*questions[:rounds], *("",) * (rounds - len(questions)))


def set_question(cs: CafeState, number: int, question: str, now: float) -> list[Event]:
    _in_range(number, (1, cs.rounds_total), "Rounds are numbered {lo} to {hi}.", "round")
    if number <= len(cs.rounds):
        raise Rejection(
            "round_started", f"Round {number} has started: its question stays.", "round", {"number": number}
        )
    text = optional_text(question, QUESTION_MAX, "question", "question")
    if text == cs.question(number):
        return []
    questions = list(cs.questions)
    questions[number - 1] = text
    return [QuestionsSet(at=now, questions=questions)]


def _table_name(cs: CafeState, name: str, table: str = "") -> str:
    text = optional_text(name, NAME_MAX, "table's name", "name")
    if text and any(t.name.casefold() == text.casefold() and t.id != table for t in cs.tables.values()):
        raise Rejection("bad_field", f"There is already a table called {text}.", "name", {"name": text})
    return text


def add_tables(cs: CafeState, count: int, names: tuple[str, ...], key: str, now: float) -> list[Event]:
    _in_range(count, (1, TABLES_MAX), "Add {lo} to {hi} tables.", "count")
    if len(cs.tables) + count > TABLES_MAX:
        raise Rejection("too_many", f"A café has at most {TABLES_MAX} tables.", "count", {"max": TABLES_MAX})
    if len(names) > count:
        raise Rejection("bad_field", "More names than tables.", "names")
    if not key:
        raise Rejection("bad_key", "Table device keys derive from the facilitator's key.", "key")
    tables: list[dict[str, object]] = []
    taken = {t.name.casefold() for t in cs.tables.values() if t.name}
    for i in range(count):
        name = _table_name(cs, names[i], "") if i < len(names) else ""
        if name and name.casefold() in taken:
            raise Rejection("bad_field", f"There is already a table called {name}.", "names", {"name": name})
        taken.add(name.casefold())
        number = cs.next_table + i
        table = f"c{number}"
        tables.append({"table": table, "number": number, "name": name, "key_digest": digest(table_key(key, table))})
    return [TablesAdded(at=now, tables=tables)]


def name_table(cs: CafeState, table_id: str, name: str, now: float) -> list[Event]:
    table = table_of(cs, table_id)
    text = _table_name(cs, name, table.id)
    return [] if text == table.name else [TableNamed(at=now, table=table.id, name=text)]


def remove_table(cs: CafeState, table_id: str, now: float) -> list[Event]:
    table = table_of(cs, table_id)
    if any(table.id in seats.values() for seats in cs.plan) or any(table.id in rnd for rnd in cs.sat):
        raise Rejection("table_in_use", f"People are seated at {table.label}.", "table", {"table": table.label})
    return [TableRemoved(at=now, table=table.id)]


# --- deciding: hosts -------------------------------------------------------------------------


def appoint_host(cs: CafeState, pid: str, table_id: str, now: float) -> list[Event]:
    if table_id:
        table = table_of(cs, table_id)
    else:
        if not pid:
            raise Rejection("bad_field", "Say which table has no host now.", "table")
        if cs.host_of(pid):
            return []
        free = [t for t in cs.tables if t not in cs.hosts]
        if not free:
            raise Rejection(
                "too_many_hosts",
                f"Every table has a host ({len(cs.tables)} tables).",
                "participant",
                {"count": len(cs.tables)},
            )
        table = cs.tables[free[0]]
    if cs.hosts.get(table.id) == (pid or None):
        return []
    out: list[Event] = [HostSet(at=now, table=table.id, participant_id=pid or None, by="facilitator")]
    if not pid or not cs.plan:
        return out
    if not cs.rounds:  # planned, not started: new hosts, new plan (the console seats again)
        return out
    return out + _host_moves(cs, pid, table.id, now)


def _host_moves(cs: CafeState, pid: str, table: str, now: float) -> list[Event]:
    """A new host during the café: at their table from now on.  In the running round they must be
    there already (or have no seat: then they sit down there); in every later round they swap seats
    with a traveller of that table, so no table's size changes."""
    current = cs.current
    if current == 0:
        return []
    moves: list[list[object]] = []
    first = current
    running = cs.running
    if running is not None:
        here = cs.seats(current).get(pid, "")
        if here and here != table:
            raise Rejection("not_at_table", "A new host must be sitting at that table now; move them there first.")
        if not here:
            moves.append([current, pid, table])
        first = current + 1
    for number in range(first, cs.rounds_total + 1):
        seats = cs.seats(number)
        here = seats.get(pid, "")
        if here == table:
            continue
        others = [p for p in seated_people(cs, number).get(table, []) if p != cs.hosts.get(table)]
        moves.append([number, pid, table])
        if here and others:
            moves.append([number, others[-1], here])
    return [SeatsChanged(at=now, moves=moves, by="host")] if moves else []


def volunteer(cs: CafeState, pid: str, on: bool, now: float) -> list[Event]:
    if (pid in cs.volunteers) == on:
        return []
    return [Volunteered(at=now, participant_id=pid, on=on)]


def pick_hosts(cs: CafeState, present: list[str], seed: int, now: float) -> list[Event]:
    """Plaza picks hosts among the volunteers (who are here and host nothing) for the tables a plan for
    everyone here would use that have none."""
    _not_started(cs, "the hosts")
    candidates = sorted(p for p in cs.volunteers if p in present and not cs.host_of(p))
    if not candidates:
        raise Rejection("no_volunteers", "Nobody here volunteered to host (and hosts nothing yet).")
    people = set(present) | set(cs.hosts.values())
    free = [t for t in tables_for(cs, len(people)) if t not in cs.hosts]
    rng = random.Random(seed)
    rng.shuffle(candidates)
    return [
        HostSet(at=now, table=t, participant_id=pid, by="picked", seed=seed)
        for t, pid in zip(free, candidates, strict=False)
    ]


# --- deciding: seating -----------------------------------------------------------------------


def seat(cs: CafeState, people: list[str], seed: int, now: float) -> list[Event]:
    """Plan every round for ``people`` (everyone here, and every host)."""
    _not_started(cs, "the seating")
    _not_over(cs)
    if len(people) < 2:
        raise Rejection("too_few_people", "Seat at least 2 people.")
    return [_plan(cs, sorted(people), 1, seed, now)]


def _plan(cs: CafeState, people: list[str], first: int, seed: int, now: float) -> Seated:
    tables = tables_for(cs, len(people))
    hosts = {h: t for t, h in cs.hosts.items() if t in tables and h in people}
    problem = seating.Problem(
        people=tuple(people),
        tables=tuple(tables),
        hosts=hosts,
        rounds=cs.rounds_total - first + 1,
        history=history(cs) if first > 1 else (),
    )
    result = seating.plan(problem, seed)
    return Seated(
        at=now,
        from_round=first,
        rounds=[{t: list(p) for t, p in rnd.items()} for rnd in result.rounds],
        repeats=result.repeats,
        random_mean=round(result.random_mean, 2),
        shuffles=result.shuffles,
        lower_bound=result.lower_bound,
        seed=seed,
    )


def _seating_now(cs: CafeState) -> int:
    """The round whose seats can change now, or a refusal: nobody is seated, or every round is over."""
    current = cs.current
    if current == 0:
        _not_over(cs)
        if cs.rounds:
            raise Rejection("no_seating", "Every round of the café is over.")
        raise Rejection("no_seating", "The café hasn't seated anyone yet.")
    return current


def _late_moves(cs: CafeState, pid: str, first: int, hint: str = "") -> list[list[object]]:
    """Seats for someone joining at round ``first``: each round in turn, at ``hint`` (their table's card)
    in the first if it has room, else at the smallest table where they add the fewest repeats; a host at
    their own table.  Nobody else moves."""
    moves: list[list[object]] = []
    met = met_by(cs, pid)
    own = cs.host_of(pid)
    for number in range(first, cs.rounds_total + 1):
        at = seated_people(cs, number)
        used = [t for t in cs.tables if at.get(t)] or tables_for(cs, 1)
        if own:
            choice: str | None = own
        elif number == first and hint in used and len(at[hint]) < capacity(cs, number):
            choice = hint
        else:
            choice = seating.cheapest(pid, used, at, met, TABLE_MAX)
        if choice is None:
            continue  # every table is full (6 each): no seat this round
        for other in at.get(choice, []):
            key = (min(pid, other), max(pid, other))
            met[key] = met.get(key, 0) + 1
        moves.append([number, pid, choice])
    return moves


def take_seat(cs: CafeState, pid: str, hint: str, by: str, now: float) -> list[Event]:
    current = _seating_now(cs)
    here = cs.seat_of(pid)
    if here:
        if hint and hint != here:
            label = cs.tables[here].label
            raise Rejection(
                "already_seated",
                f"Your seat is at {label}; ask the facilitator to move you.",
                "table",
                {"table": label},
            )
        return []
    if hint:
        table_of(cs, hint)
    moves = _late_moves(cs, pid, current, hint)
    return [SeatsChanged(at=now, moves=moves, by=by)] if moves else []


def move_to_table(cs: CafeState, pid: str, table_id: str, now: float) -> list[Event]:
    current = _seating_now(cs)
    here = cs.seat_of(pid)
    if not table_id:
        return leave(cs, pid, "facilitator", now) if here else []
    table = table_of(cs, table_id)
    if here == table.id:
        return []
    if cs.host_of(pid):
        raise Rejection("host_stays", "Hosts stay at their table; appoint another host first.", "participant")
    if len(seated_people(cs, current).get(table.id, [])) >= capacity(cs, current):
        raise Rejection("table_full", f"{table.title} is full this round.", "table", {"table": table.title})
    moves: list[list[object]] = [[current, pid, table.id]]
    if not here:  # someone with no seat: the later rounds seat them as a late arrival
        moves += _late_moves(cs, pid, current + 1) if current < cs.rounds_total else []
    return [SeatsChanged(at=now, moves=moves, by="facilitator")]


def leave(cs: CafeState, pid: str, by: str, now: float) -> list[Event]:
    """``pid`` leaves the café: their seats from now on are free; a host's table has no host."""
    current = cs.current
    if current == 0 or not cs.seat_of(pid):
        return []
    moves: list[list[object]] = [[n, pid, ""] for n in range(current, cs.rounds_total + 1) if cs.seats(n).get(pid)]
    out: list[Event] = [SeatsChanged(at=now, moves=moves, by="left" if by == "self" else by)]
    own = cs.host_of(pid)
    if own:
        out.insert(0, HostSet(at=now, table=own, participant_id=None, by="left"))
    return out


# --- deciding: rounds ------------------------------------------------------------------------


def start_round(
    cs: CafeState, number: int | None, by_timer: bool, people: list[str], seed: int, now: float
) -> list[Event]:
    upcoming = len(cs.rounds) + 1
    if by_timer:  # the changeover ran out: only if the plan still says so
        if cs.running is not None or cs.harvest or cs.next_at is None or now < cs.next_at or number != upcoming:
            return []
    if cs.running is not None:
        raise Rejection(
            "round_running", f"Round {cs.running.number} is running; end it first.", None, {"number": cs.running.number}
        )
    _not_over(cs)
    if upcoming > cs.rounds_total:
        raise Rejection(
            "no_more_rounds",
            f"All {cs.rounds_total} rounds were held; open the harvest.",
            None,
            {"count": cs.rounds_total},
        )
    out: list[Event] = []
    if not cs.plan:
        if len(people) < 2:
            raise Rejection("too_few_people", "Seat at least 2 people.")
        out.append(_plan(cs, sorted(people), 1, seed, now))
    out.append(RoundStarted(at=now, round=upcoming, question=cs.question(upcoming), ends_at=now + cs.minutes * 60))
    return out


def extend_round(cs: CafeState, seconds: int, now: float) -> list[Event]:
    rnd = _running(cs)
    if seconds == 0:
        raise Rejection("bad_field", "Add between 1 second and an hour (or take some away).", "seconds")
    _in_range(seconds, EXTEND_RANGE, "Add between 1 second and an hour (or take some away).", "seconds")
    return [RoundExtended(at=now, round=rnd.number, seconds=seconds)]


def _running(cs: CafeState) -> Round:
    if cs.running is None:
        raise Rejection("no_round", "No round is running.")
    return cs.running


def end_round(cs: CafeState, number: int | None, by_timer: bool, now: float) -> list[Event]:
    """The round ends (its time is up, or the facilitator ends it early).  If the people changed since the
    plan (late arrivals, people who left), the rounds to come are re-planned from what was sat."""
    rnd = cs.running
    if by_timer and (rnd is None or number != rnd.number or now < rnd.ends_at):
        return []  # a timer from before a change of plan
    rnd = _running(cs)
    last = rnd.number >= cs.rounds_total
    next_at = None if last or cs.paused or not cs.changeover else now + cs.changeover
    out: list[Event] = [RoundEnded(at=now, round=rnd.number, next_at=next_at)]
    if last:
        return out
    after = dataclasses.replace(
        cs, rounds=(*cs.rounds[:-1], dataclasses.replace(rnd, ended_at=now))
    )  # what a re-plan counts: this round as sat
    people = set(cs.seats(rnd.number)) | set(cs.seats(rnd.number + 1))
    if people != cs.planned_for and len(people) >= 2:
        seed = (cs.figures.seed if cs.figures else 0) + rnd.number
        try:
            out.append(_plan(after, sorted(people), rnd.number + 1, seed, now))
        except Rejection:
            pass  # too few tables for who is here now: the seats stay as they are
    return out


def pause(cs: CafeState, paused: bool, now: float) -> list[Event]:
    if not cs.plan or cs.over:
        _not_over(cs)
        raise Rejection("no_seating", "There is no café under way to pause.")
    if paused == cs.paused:
        return []
    next_at = None
    if not paused and cs.running is None and cs.rounds and cs.changeover:
        next_at = now + cs.changeover
    return [Paused(at=now, paused=paused, next_at=next_at)]


# --- deciding: at the table ------------------------------------------------------------------


def note_table(cs: CafeState, note_id: int, named: str = "") -> Table:
    """The table a note was written at (``named``, if given, must be it)."""
    for table in cs.tables.values():
        if any(n.id == note_id for n in table.notes):
            if named and named != table.id:
                break
            return table
    raise Rejection("unknown_note", "There is no such note at the café's tables.", "note")


def mark_note(cs: CafeState, pid: str | None, note_id: int, strong: bool, named: str, now: float) -> list[Event]:
    """The host (or the facilitator, ``pid`` None) marks one of the table's ideas as among the strongest."""
    table = note_table(cs, note_id, named)
    if pid is not None and cs.hosts.get(table.id) != pid:
        raise Rejection(
            "not_host", f"Only the host of {table.label} marks its strongest ideas.", "note", {"table": table.label}
        )
    if (note_id in table.strong) == strong:
        return []
    return [NoteMarked(at=now, table=table.id, note_id=note_id, strong=strong)]


def write_summary(cs: CafeState, pid: str, text: str, now: float) -> list[Event]:
    own = cs.host_of(pid)
    if not own:
        raise Rejection("not_host", "Only a table's host writes its summary.")
    summary = optional_text_keep_lines(text, SUMMARY_MAX, "summary", "text")
    return [] if summary == cs.tables[own].summary else [SummaryWritten(at=now, table=own, text=summary)]


# --- deciding: the harvest -------------------------------------------------------------------


def open_harvest(cs: CafeState, now: float) -> list[Event]:
    if cs.running is not None:
        raise Rejection(
            "round_running", f"Round {cs.running.number} is running; end it first.", None, {"number": cs.running.number}
        )
    if cs.harvest:
        raise Rejection("harvest_open", "The harvest is open already.")
    if not cs.rounds:
        raise Rejection("no_rounds", "No round has been held yet.")
    return [HarvestOpened(at=now)]


def show_table(cs: CafeState, table_id: str, now: float) -> list[Event]:
    if not cs.harvest:
        raise Rejection("no_harvest", "The harvest isn't open.")
    if table_id:
        table_of(cs, table_id)
    return [] if table_id == cs.shown else [TableShown(at=now, table=table_id)]


def star(cs: CafeState, pid: str, note_id: int, on: bool, now: float) -> list[Event]:
    if cs.harvest != "open":
        raise Rejection("no_harvest", "Stars go on ideas while the harvest is open.")
    note_table(cs, note_id)
    if (note_id in cs.stars.get(pid, frozenset())) == on:
        return []
    return [Starred(at=now, participant_id=pid, note_id=note_id, on=on)]


def ranked(cs: CafeState) -> list[tuple[int, int]]:
    """Notes with stars, most first (ties: the older note first)."""
    return sorted(((n, s) for n, s in cs.star_counts.items() if s > 0), key=lambda x: (-x[1], x[0]))


def close_harvest(cs: CafeState, now: float) -> list[Event]:
    if cs.harvest != "open":
        raise Rejection("no_harvest", "The harvest isn't open.")
    return [HarvestClosed(at=now, ranking=[[n, s] for n, s in ranked(cs)])]


# --- applying ----------------------------------------------------------------------------------


def apply(cs: CafeState, ev: Event) -> CafeState:
    match ev:
        case SetUp():
            plan_kept = (ev.table_size, ev.rounds) == (cs.table_size, cs.rounds_total)
            cs = dataclasses.replace(
                cs,
                table_size=ev.table_size,
                rounds_total=ev.rounds,
                minutes=ev.minutes,
                changeover=ev.changeover,
                questions=_questions(cs.questions, ev.rounds),
            )
            return cs if plan_kept else _unplanned(cs)
        case QuestionsSet():
            return dataclasses.replace(cs, questions=_questions(tuple(ev.questions), cs.rounds_total))
        case TablesAdded():
            new = {
                str(t["table"]): Table(
                    id=str(t["table"]),
                    number=int(str(t["number"])),
                    name=str(t["name"]),
                    key_digest=str(t["key_digest"]),
                )
                for t in ev.tables
            }
            last = max(t.number for t in new.values())
            return dataclasses.replace(cs, tables={**cs.tables, **new}, next_table=max(cs.next_table, last + 1))
        case TableNamed():
            return _table(cs, ev.table, name=ev.name)
        case TableRemoved():
            return dataclasses.replace(
                cs,
                tables={k: v for k, v in cs.tables.items() if k != ev.table},
                hosts={t: h for t, h in cs.hosts.items() if t != ev.table},
            )
        case HostSet():
            hosts = {t: h for t, h in cs.hosts.items() if t != ev.table and h != ev.participant_id}
            if ev.participant_id is not None:
                hosts[ev.table] = ev.participant_id
            hosts = {t: hosts[t] for t in cs.tables if t in hosts}  # in the tables' order
            cs = dataclasses.replace(cs, hosts=hosts)
            return _unplanned(cs) if cs.plan and not cs.rounds and ev.by != "left" else cs
        case Volunteered():
            pid = ev.participant_id
            volunteers = (*cs.volunteers, pid) if ev.on else tuple(p for p in cs.volunteers if p != pid)
            return dataclasses.replace(cs, volunteers=volunteers)
        case Seated():
            first = ev.from_round
            planned = [{str(p): str(t) for t, people in rnd.items() for p in people} for rnd in ev.rounds]
            plan = (*cs.plan[: first - 1], *({} for _ in range(first - 1 - len(cs.plan))), *planned)
            figures = Figures(ev.repeats, float(ev.random_mean), ev.shuffles, ev.lower_bound, ev.seed, first, ev.at)
            people = frozenset(p for rnd in planned for p in rnd)
            return dataclasses.replace(cs, plan=tuple(plan), planned_for=people, figures=figures)
        case SeatsChanged():
            return _moves(cs, ev.moves)
        case RoundStarted():
            rnd = Round(ev.round, ev.question, ev.at, ev.ends_at)
            sat = {t: tuple(p) for t, p in seated_people(cs, ev.round).items() if p}
            return dataclasses.replace(cs, rounds=(*cs.rounds, rnd), sat=(*cs.sat, sat), next_at=None)
        case RoundExtended():
            rnd = cs.rounds[ev.round - 1]
            return _round(cs, ev.round, ends_at=max(ev.at, rnd.ends_at + ev.seconds))
        case RoundEnded():
            cs = _round(cs, ev.round, ended_at=ev.at)
            cs = dataclasses.replace(cs, next_at=ev.next_at)
            return _close_tables(cs, ev.at) if cs.over else cs
        case Paused():
            return dataclasses.replace(cs, paused=ev.paused, next_at=ev.next_at)
        case NoteMarked():
            table = cs.tables[ev.table]
            strong = table.strong | {ev.note_id} if ev.strong else table.strong - {ev.note_id}
            return _table(cs, ev.table, strong=strong)
        case SummaryWritten():
            return _table(cs, ev.table, summary=ev.text, summary_at=ev.at)
        case HarvestOpened():
            cs = dataclasses.replace(cs, harvest="open", next_at=None)
            return _close_tables(cs, ev.at)
        case TableShown():
            return dataclasses.replace(cs, shown=ev.table)
        case Starred():
            mine = cs.stars.get(ev.participant_id, frozenset())
            mine = mine | {ev.note_id} if ev.on else mine - {ev.note_id}
            counts = {**cs.star_counts, ev.note_id: cs.star_counts.get(ev.note_id, 0) + (1 if ev.on else -1)}
            return dataclasses.replace(cs, stars={**cs.stars, ev.participant_id: mine}, star_counts=counts)
        case HarvestClosed():
            ranking = tuple((int(n), int(s)) for n, s in ev.ranking)  # type: ignore[call-overload]
            return dataclasses.replace(cs, harvest="closed", ranking=ranking)
    raise ValueError(f"no apply for {ev.type}")


def _unplanned(cs: CafeState) -> CafeState:
    """Before round 1, the plan no longer fits (new hosts, a new table size): seat again."""
    if not cs.plan or cs.rounds:
        return cs
    return dataclasses.replace(cs, plan=(), planned_for=frozenset(), figures=None)


def _moves(cs: CafeState, moves: list[list[object]]) -> CafeState:
    plan = [dict(seats) for seats in cs.plan]
    sat = [dict(rnd) for rnd in cs.sat]
    tables = dict(cs.tables)
    running = cs.running.number if cs.running is not None else 0
    for number, pid, table in moves:
        n, p, t = int(number), str(pid), str(table)  # type: ignore[call-overload]
        while len(plan) < n:
            plan.append({})
        old = plan[n - 1].get(p, "")
        if t:
            plan[n - 1][p] = t
        else:
            plan[n - 1].pop(p, None)
        if n == cs.current and old and old != t and old in tables:  # their hand at the old table comes down
            tables[old] = dataclasses.replace(tables[old], stack=sk.without_participant(tables[old].stack, p))
        if n == running and t and p not in sat[n - 1].get(t, ()):
            sat[n - 1][t] = (*sat[n - 1].get(t, ()), p)
    return dataclasses.replace(cs, plan=tuple(plan), sat=tuple(sat), tables=tables)


def _close_tables(cs: CafeState, at: float) -> CafeState:
    """The café is over: turns at the tables end (the stacks are kept for the minutes)."""
    tables = dict(cs.tables)
    for tid, table in tables.items():
        if table.stack.speaker is not None:
            tables[tid] = dataclasses.replace(table, stack=sk.apply(table.stack, sk.TurnEnded(at=at)))
    return dataclasses.replace(cs, tables=tables)


def _table(cs: CafeState, table_id: str, **changes: object) -> CafeState:
    table = dataclasses.replace(cs.tables[table_id], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(cs, tables={**cs.tables, table_id: table})


def _round(cs: CafeState, number: int, **changes: object) -> CafeState:
    rounds = list(cs.rounds)
    rounds[number - 1] = dataclasses.replace(rounds[number - 1], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(cs, rounds=tuple(rounds))


def forget(cs: CafeState, pid: str) -> CafeState:
    """A removed participant: their seats from now on are free, a table they hosted has no host, their
    volunteering and stars are withdrawn."""
    current = cs.current
    if current:
        cs = _moves(cs, [[n, pid, ""] for n in range(current, cs.rounds_total + 1) if cs.seats(n).get(pid)])
    if cs.host_of(pid):
        cs = dataclasses.replace(cs, hosts={t: h for t, h in cs.hosts.items() if h != pid})
    if pid in cs.volunteers:
        cs = dataclasses.replace(cs, volunteers=tuple(p for p in cs.volunteers if p != pid))
    mine = cs.stars.get(pid)
    if mine and cs.harvest == "open":
        counts = {n: c - (1 if n in mine else 0) for n, c in cs.star_counts.items()}
        cs = dataclasses.replace(cs, stars={p: s for p, s in cs.stars.items() if p != pid}, star_counts=counts)
    return cs
