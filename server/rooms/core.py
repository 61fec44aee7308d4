"""Breakout rooms: parts of the meeting that some of the people are in (pure; no I/O, no clock).

A **breakout round** splits the plenary into rooms for a while, around a question or
task, with a duration.  People are placed **at random** (balanced: sizes differ by at
most one, optionally mixing the self-declared groups evenly), **by hand** (the
facilitator moves anyone, any time), or **self-select** (phones pick a room; a full room
refuses).  Late arrivals are placed by the same rule.  Each room has its own speaking
stack, a **rapporteur** who writes the room's report, and short **notes** anyone in the
room adds.  The facilitator can **broadcast** to every room, add time, close a room
early and **call everyone back**: a return countdown, at the end of which everyone is in
the plenary again and the plenary stack carries on where it was.

The plenary is room ``""``.  Room ids are ``b<round>-<n>`` and never reused, so every
round's rooms (people, stacks, notes, reports) stay in the state for the minutes.
Random placement draws from ``random.Random(inputs.seed)`` and the result is recorded in
the event: a replay never draws again.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from server.core.errors import Rejection
from server.core.event import Event, event
from server.core.keys import derived_key, digest
from server.core.text import clean_text, optional_text
from server.stack import core as sk

PLENARY = ""
ROOMS_MAX = 300  # rooms in one round (a hall of 5,000 in rooms of 20 is 250)
NAME_MAX = 40
QUESTION_MAX = 280
BROADCAST_MAX = 280
REPORT_MAX = 2000
NOTE_MAX = 200
NOTES_MAX = 60  # notes per room
MINUTES_RANGE = (1, 240)  # a round's duration
RETURN_DEFAULT = 60  # seconds of the return countdown
RETURN_RANGE = (0, 600)
EXTEND_RANGE = (-3600, 3600)  # seconds added to (or taken from) a round
CAPACITY_MAX = 10_000


class Mode(StrEnum):
    RANDOM = "random"
    HAND = "hand"
    SELF = "self"


MODE_WORDS = {Mode.RANDOM: "random, balanced", Mode.HAND: "by hand", Mode.SELF: "people choose"}


def room_key(facilitator_secret: str, room_id: str) -> str:
    """A room device's view-only key, derived from the facilitator secret (like the screen key)."""
    return derived_key(facilitator_secret, "room", room_id)


# --- events ----------------------------------------------------------------------------


@event("rooms.breakouts_started")
@dataclass(frozen=True)
class BreakoutsStarted(Event):
    round: int
    question: str
    mode: str
    mix_groups: bool
    ends_at: float
    rooms: list[dict[str, object]]  # {"room", "name", "capacity", "key_digest"}


@event("rooms.placed")
@dataclass(frozen=True)
class Placed(Event):
    """People go to rooms (``""``: back to the plenary).  ``by``: random, late, self, facilitator, closed."""

    round: int
    moves: dict[str, str]
    by: str


@event("rooms.broadcast")
@dataclass(frozen=True)
class Broadcast(Event):
    round: int
    text: str


@event("rooms.time_added")
@dataclass(frozen=True)
class TimeAdded(Event):
    round: int
    seconds: int


@event("rooms.room_closed")
@dataclass(frozen=True)
class RoomClosed(Event):
    room: str


@event("rooms.called_back")
@dataclass(frozen=True)
class CalledBack(Event):
    round: int
    return_at: float


@event("rooms.breakouts_ended")
@dataclass(frozen=True)
class BreakoutsEnded(Event):
    round: int


@event("rooms.rapporteur_set")
@dataclass(frozen=True)
class RapporteurSet(Event):
    room: str
    participant_id: str | None
    by: str  # "self" (volunteered) or "facilitator"


@event("rooms.report_written")
@dataclass(frozen=True)
class ReportWritten(Event):
    room: str
    text: str


@event("rooms.note_added")
@dataclass(frozen=True)
class NoteAdded(Event):
    room: str
    note_id: int
    participant_id: str
    text: str


@event("rooms.note_edited")
@dataclass(frozen=True)
class NoteEdited(Event):
    room: str
    note_id: int
    text: str


@event("rooms.note_removed")
@dataclass(frozen=True)
class NoteRemoved(Event):
    room: str
    note_id: int
    by: str  # "author" or "facilitator"


@event("rooms.report_shown")
@dataclass(frozen=True)
class ReportShown(Event):
    room: str  # "" hides it


EVENTS = (
    BreakoutsStarted,
    Placed,
    Broadcast,
    TimeAdded,
    RoomClosed,
    CalledBack,
    BreakoutsEnded,
    RapporteurSet,
    ReportWritten,
    NoteAdded,
    NoteEdited,
    NoteRemoved,
    ReportShown,
)
NOTE_EVENTS = (NoteAdded, NoteEdited, NoteRemoved)  # folded into whichever room holds them (registry.with_notes)


# --- state -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    id: int
    participant_id: str
    text: str
    at: float


@dataclass(frozen=True)
class Room:
    id: str
    round: int
    number: int
    name: str
    capacity: int  # 0: no limit
    key_digest: str
    stack: sk.StackState = field(default_factory=sk.StackState)
    closed_at: float | None = None
    rapporteur: str | None = None
    report: str = ""
    report_at: float | None = None
    notes: tuple[Note, ...] = ()
    members_ever: tuple[str, ...] = ()  # everyone who was in it, in the order they came (for the minutes)

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Round:
    id: int
    question: str
    mode: Mode
    mix_groups: bool
    started_at: float
    ends_at: float
    rooms: tuple[str, ...]
    broadcast: str = ""
    broadcast_at: float | None = None
    return_at: float | None = None
    ended_at: float | None = None

    @property
    def running(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class RoomsState:
    rounds: tuple[Round, ...] = ()
    rooms: Mapping[str, Room] = field(default_factory=dict)
    placed: Mapping[str, str] = field(default_factory=dict)  # participant -> open room of the running round
    shown: str = ""  # the room whose report is on the big screen
    next_note: int = 1

    @property
    def current(self) -> Round | None:
        """The running round, if any."""
        if self.rounds and self.rounds[-1].running:
            return self.rounds[-1]
        return None

    @property
    def last(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None

    def rooms_of(self, rnd: Round) -> list[Room]:
        return [self.rooms[r] for r in rnd.rooms]

    def members(self, room_id: str) -> list[str]:
        return [pid for pid, r in self.placed.items() if r == room_id]

    @property
    def counts(self) -> Counter[str]:
        return Counter(self.placed.values())


# --- commands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartBreakouts:
    """``rooms`` or ``per_room`` (people per room, counted over who is present)."""

    rooms: int | None = None
    per_room: int | None = None
    names: tuple[str, ...] = ()
    question: str = ""
    minutes: int = 10
    mode: str = Mode.RANDOM.value
    capacity: int = 0  # self-select: people per room at most (0: no limit)
    mix_groups: bool = False


@dataclass(frozen=True)
class MoveToRoom:
    """The facilitator moves someone to a room (``""``: back to the plenary)."""

    participant_id: str
    room: str


@dataclass(frozen=True)
class TakeRoom:
    """A phone asks for a room: the one it picks (self-select), or a place by the round's rule."""

    room: str = ""


@dataclass(frozen=True)
class BroadcastMessage:
    text: str


@dataclass(frozen=True)
class AddTime:
    seconds: int


@dataclass(frozen=True)
class CloseRoom:
    room: str


@dataclass(frozen=True)
class CallBack:
    seconds: int = RETURN_DEFAULT


@dataclass(frozen=True)
class EndBreakouts:
    """Everyone back now (the facilitator), or the return countdown reached zero (the hub)."""

    round: int | None = None


@dataclass(frozen=True)
class VolunteerRapporteur:
    pass


@dataclass(frozen=True)
class SetRapporteur:
    room: str
    participant_id: str


@dataclass(frozen=True)
class WriteReport:
    text: str


@dataclass(frozen=True)
class AddNote:
    """A short note in the room the phone is in (a breakout room or a topic circle); ``room``, if given,
    must be that room (a phone that moved on while typing is told, not misfiled)."""

    text: str
    room: str = ""


@dataclass(frozen=True)
class EditNote:
    note: int
    text: str
    room: str = ""


@dataclass(frozen=True)
class RemoveNote:
    """Its author takes a note back (in the room), or the facilitator removes any (naming the room)."""

    note: int
    room: str = ""


@dataclass(frozen=True)
class ShowReport:
    room: str  # "" hides


@dataclass(frozen=True)
class CallRapporteur:
    """Put a room's rapporteur on the plenary stack (report-back)."""

    room: str


COMMANDS = (
    StartBreakouts,
    MoveToRoom,
    TakeRoom,
    BroadcastMessage,
    AddTime,
    CloseRoom,
    CallBack,
    EndBreakouts,
    VolunteerRapporteur,
    SetRapporteur,
    WriteReport,
    AddNote,
    EditNote,
    RemoveNote,
    ShowReport,
    CallRapporteur,
)


# --- placing people ----------------------------------------------------------------------


def balanced(
    people: Iterable[str],
    rooms: list[str],
    seed: int,
    groups: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Deal people into rooms at random so that sizes differ by at most one.

    With ``groups`` (participant -> self-declared group), each group is dealt in turn, one
    person per room round the table, so every group is spread as evenly as it can be too.
    """
    rng = random.Random(seed)
    order = sorted(people)
    rng.shuffle(order)
    if groups:
        by_group: dict[str, list[str]] = {}
        for pid in order:
            by_group.setdefault(groups.get(pid, ""), []).append(pid)
        names = sorted(g for g in by_group if g)
        rng.shuffle(names)
        order = [pid for g in [*names, ""] for pid in by_group.get(g, [])]
    start = rng.randrange(len(rooms)) if rooms else 0
    return {pid: rooms[(start + i) % len(rooms)] for i, pid in enumerate(order)}


def late_room(rooms: RoomsState, rnd: Round, pid: str, groups: Mapping[str, str]) -> str | None:
    """Where a late arrival goes by the round's rule: the smallest open room with space
    (with groups mixed, the one with fewest of their group among the smallest).  None: all full."""
    counts = rooms.counts
    candidates = [r for r in rooms.rooms_of(rnd) if r.open and (not r.capacity or counts[r.id] < r.capacity)]
    if not candidates:
        return None
    smallest = min(counts[r.id] for r in candidates)
    candidates = [r for r in candidates if counts[r.id] == smallest]
    if rnd.mix_groups and groups.get(pid):
        group = groups[pid]
        same = Counter(rooms.placed[q] for q, g in groups.items() if g == group and q in rooms.placed)
        candidates.sort(key=lambda r: same[r.id])
    return candidates[0].id


# --- deciding ------------------------------------------------------------------------------


def start(
    rooms: RoomsState,
    command: StartBreakouts,
    present: list[str],
    groups: Mapping[str, str],
    key: str,
    seed: int,
    now: float,
) -> list[Event]:
    if rooms.current is not None:
        raise Rejection("breakouts_running", "Breakout rooms are already running; call everyone back first.")
    try:
        mode = Mode(command.mode)
    except ValueError:
        raise Rejection("bad_field", "'mode' must be random, hand or self.", "mode") from None
    if (command.rooms is None) == (command.per_room is None):
        raise Rejection("bad_field", "Give either how many rooms or how many people per room.", "rooms")
    if command.rooms is not None:
        count = command.rooms
        if count < 1:
            raise Rejection("bad_field", "There must be at least one room.", "rooms")
    else:
        per_room = command.per_room or 0
        if per_room < 2:
            raise Rejection("bad_field", "A room needs at least 2 people.", "per_room")
        count = max(1, -(-len(present) // per_room))
    if count > ROOMS_MAX:
        raise Rejection("too_many_rooms", f"At most {ROOMS_MAX} rooms at once.", "rooms", {"max": ROOMS_MAX})
    if len(command.names) > count:
        raise Rejection("bad_field", "More names than rooms.", "names")
    lo, hi = MINUTES_RANGE
    if not lo <= command.minutes <= hi:
        raise Rejection("bad_field", f"A round lasts {lo} to {hi} minutes.", "minutes", {"low": lo, "high": hi})
    if not 0 <= command.capacity <= CAPACITY_MAX:
        raise Rejection("bad_field", "A room's capacity must be 0 (no limit) or more.", "capacity")
    names = [clean_text(n, NAME_MAX, "room name", "names") for n in command.names]
    names += [f"Room {i}" for i in range(len(names) + 1, count + 1)]
    if len({n.casefold() for n in names}) < len(names):
        raise Rejection("bad_field", "Two rooms have the same name.", "names")
    question = optional_text(command.question, QUESTION_MAX, "question", "question")
    number = len(rooms.rounds) + 1
    ids = [f"b{number}-{i}" for i in range(1, count + 1)]
    capacity = command.capacity if mode is Mode.SELF else 0
    started = BreakoutsStarted(
        at=now,
        round=number,
        question=question,
        mode=mode.value,
        mix_groups=command.mix_groups,
        ends_at=now + command.minutes * 60,
        rooms=[
            {"room": rid, "name": name, "capacity": capacity, "key_digest": digest(room_key(key, rid)) if key else ""}
            for rid, name in zip(ids, names, strict=True)
        ],
    )
    if mode is not Mode.RANDOM or not present:
        return [started]
    moves = balanced(present, ids, seed, groups if command.mix_groups else None)
    return [started, Placed(at=now, round=number, moves=moves, by="random")]


def take_room(rooms: RoomsState, pid: str, wanted: str, groups: Mapping[str, str], now: float) -> list[Event]:
    rnd = running_round(rooms)
    here = rooms.placed.get(pid)
    if wanted:
        room = open_room(rooms, rnd, wanted)
        if here == room.id:
            return []
        if rnd.mode is not Mode.SELF:
            raise Rejection(
                "not_assigned", "People don't choose their room this time; ask the facilitator to move you.", "room"
            )
        if room.capacity and rooms.counts[room.id] >= room.capacity:
            raise Rejection("room_full", f"{room.name} is full; pick another room.", "room", {"room": room.name})
        return [Placed(at=now, round=rnd.id, moves={pid: room.id}, by="self")]
    if here is not None:
        return []
    if rnd.mode is Mode.SELF:
        raise Rejection("bad_field", "Pick a room.", "room")
    if rnd.mode is Mode.HAND:
        raise Rejection("not_assigned", "The facilitator places people in rooms this time.", "room")
    target = late_room(rooms, rnd, pid, groups)
    if target is None:
        raise Rejection("room_full", "Every room is full.", "room")
    return [Placed(at=now, round=rnd.id, moves={pid: target}, by="late")]


def move(rooms: RoomsState, pid: str, wanted: str, now: float) -> list[Event]:
    rnd = running_round(rooms)
    if rooms.placed.get(pid, PLENARY) == wanted:
        return []
    if wanted:
        room = open_room(rooms, rnd, wanted)
        if room.capacity and rooms.counts[room.id] >= room.capacity:
            raise Rejection("room_full", f"{room.name} is full.", "room", {"room": room.name})
    return [Placed(at=now, round=rnd.id, moves={pid: wanted}, by="facilitator")]


def running_round(rooms: RoomsState) -> Round:
    rnd = rooms.current
    if rnd is None:
        raise Rejection("no_breakouts", "No breakout rooms are running.")
    return rnd


def open_room(rooms: RoomsState, rnd: Round | None, room_id: str) -> Room:
    room = rooms.rooms.get(room_id)
    if room is None or (rnd is not None and room.round != rnd.id):
        raise Rejection("unknown_room", "There is no such room in this round.", "room")
    if not room.open:
        raise Rejection("room_closed", f"{room.name} is closed.", "room", {"room": room.name})
    return room


def my_room(rooms: RoomsState, pid: str) -> Room:
    """The open room a participant is in, or a rejection."""
    room_id = rooms.placed.get(pid)
    if room_id is None:
        raise Rejection("not_in_room", "You are not in a breakout room.")
    return rooms.rooms[room_id]


def volunteer(rooms: RoomsState, pid: str, now: float) -> list[Event]:
    room = my_room(rooms, pid)
    if room.rapporteur == pid:
        return []
    if room.rapporteur is not None and rooms.placed.get(room.rapporteur) == room.id:
        # A rapporteur who left the room (moved, or removed from the meeting) leaves the role open.
        raise Rejection("rapporteur_taken", f"{room.name} already has a rapporteur.", None, {"room": room.name})
    return [RapporteurSet(at=now, room=room.id, participant_id=pid, by="self")]


def set_rapporteur(rooms: RoomsState, room_id: str, pid: str, now: float) -> list[Event]:
    room = open_room(rooms, None, room_id)
    if pid and rooms.placed.get(pid) != room.id:
        raise Rejection("not_in_room", "The rapporteur must be in that room.", "participant")
    if room.rapporteur == (pid or None):
        return []
    return [RapporteurSet(at=now, room=room.id, participant_id=pid or None, by="facilitator")]


def write_report(rooms: RoomsState, pid: str, text: str, now: float) -> list[Event]:
    room = my_room(rooms, pid)
    if room.rapporteur != pid:
        raise Rejection("not_rapporteur", "Only the room's rapporteur writes its report.")
    report = optional_text_keep_lines(text, REPORT_MAX, "report", "text")
    if report == room.report:
        return []
    return [ReportWritten(at=now, room=room.id, text=report)]


# Notes: decided on a room's notes whichever feature holds the room (a breakout room, a topic circle);
# the caller finds the room and its notes through the registry's scopes (``registry.notes_of``).


def add_note(notes: tuple[Note, ...], room: str, pid: str, text: str, note_id: int, now: float) -> list[Event]:
    if len(notes) >= NOTES_MAX:
        raise Rejection("too_many", f"A room keeps at most {NOTES_MAX} notes.", None, {"max": NOTES_MAX})
    note = clean_text(text, NOTE_MAX, "note", "text")
    return [NoteAdded(at=now, room=room, note_id=note_id, participant_id=pid, text=note)]


def note_in(notes: tuple[Note, ...], note_id: int) -> Note:
    for note in notes:
        if note.id == note_id:
            return note
    raise Rejection("unknown_note", "There is no such note in that room.", "note")


def edit_note(notes: tuple[Note, ...], room: str, pid: str, note_id: int, text: str, now: float) -> list[Event]:
    note = note_in(notes, note_id)
    if note.participant_id != pid:
        raise Rejection("not_author", "Only the note's author can change it.", "note")
    new = clean_text(text, NOTE_MAX, "note", "text")
    return [] if new == note.text else [NoteEdited(at=now, room=room, note_id=note.id, text=new)]


def remove_note(notes: tuple[Note, ...], room: str, pid: str | None, note_id: int, now: float) -> list[Event]:
    """``pid`` None: the facilitator (any note)."""
    note = note_in(notes, note_id)
    if pid is not None and note.participant_id != pid:
        raise Rejection("not_author", "Only the note's author can take it back.", "note")
    return [NoteRemoved(at=now, room=room, note_id=note.id, by="author" if pid is not None else "facilitator")]


def apply_note(notes: tuple[Note, ...], ev: Event) -> tuple[Note, ...]:
    match ev:
        case NoteAdded():
            return (*notes, Note(ev.note_id, ev.participant_id, ev.text, ev.at))
        case NoteEdited():
            return tuple(dataclasses.replace(n, text=ev.text) if n.id == ev.note_id else n for n in notes)
        case NoteRemoved():
            return tuple(n for n in notes if n.id != ev.note_id)
    raise ValueError(f"no apply for {ev.type}")


def optional_text_keep_lines(value: str, limit: int, what: str, field_name: str) -> str:
    """A longer text whose line breaks matter (a report): each line cleaned, blank lines kept single."""
    lines = [optional_text(line, limit, what, field_name) for line in value.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) > limit:
        raise Rejection(
            "bad_field", f"The {what} can be at most {limit} characters.", field_name, {"what": what, "max": limit}
        )
    return text


# --- applying ------------------------------------------------------------------------------


def apply(rooms: RoomsState, ev: Event) -> RoomsState:
    """Folds the rooms' events but the notes' (``NOTE_EVENTS``: ``feature.apply`` folds those into whichever
    room holds them, a breakout room or a topic circle, with :func:`apply_note`)."""
    match ev:
        case BreakoutsStarted():
            new = {
                str(r["room"]): Room(
                    id=str(r["room"]),
                    round=ev.round,
                    number=n,
                    name=str(r["name"]),
                    capacity=int(r["capacity"]),  # type: ignore[call-overload]
                    key_digest=str(r["key_digest"]),
                )
                for n, r in enumerate(ev.rooms, 1)
            }
            rnd = Round(
                id=ev.round,
                question=ev.question,
                mode=Mode(ev.mode),
                mix_groups=ev.mix_groups,
                started_at=ev.at,
                ends_at=ev.ends_at,
                rooms=tuple(new),
            )
            return dataclasses.replace(
                rooms, rounds=(*rooms.rounds, rnd), rooms={**rooms.rooms, **new}, placed={}, shown=""
            )
        case Placed():
            placed = dict(rooms.placed)
            changed = dict(rooms.rooms)
            for pid, room_id in ev.moves.items():
                if room_id:
                    placed[pid] = room_id
                    room = changed[room_id]
                    if pid not in room.members_ever:
                        changed[room_id] = dataclasses.replace(room, members_ever=(*room.members_ever, pid))
                else:
                    placed.pop(pid, None)
                changed = _leave(changed, rooms.placed.get(pid), pid, room_id)
            return dataclasses.replace(rooms, placed=placed, rooms=changed)
        case Broadcast():
            return _round(rooms, ev.round, broadcast=ev.text, broadcast_at=ev.at)
        case TimeAdded():
            rnd = _round_of(rooms, ev.round)
            return _round(rooms, ev.round, ends_at=max(ev.at, rnd.ends_at + ev.seconds))
        case RoomClosed():
            return _close(rooms, [ev.room], ev.at)
        case CalledBack():
            return _round(rooms, ev.round, return_at=ev.return_at)
        case BreakoutsEnded():
            rnd = _round_of(rooms, ev.round)
            rooms = _close(rooms, [r for r in rnd.rooms if rooms.rooms[r].open], ev.at)
            return _round(rooms, ev.round, ended_at=ev.at)
        case RapporteurSet():
            return _room(rooms, ev.room, rapporteur=ev.participant_id)
        case ReportWritten():
            return _room(rooms, ev.room, report=ev.text, report_at=ev.at)
        case ReportShown():
            return dataclasses.replace(rooms, shown=ev.room)
    raise ValueError(f"no apply for {ev.type}")


def _leave(changed: dict[str, Room], old: str | None, pid: str, new: str) -> dict[str, Room]:
    """Someone left room ``old``: their hand there comes down."""
    if old and old != new:
        room = changed[old]
        changed[old] = dataclasses.replace(room, stack=sk.without_participant(room.stack, pid))
    return changed


def _close(rooms: RoomsState, room_ids: list[str], at: float) -> RoomsState:
    """Rooms close: their turns end, and their people are back in the plenary."""
    changed = dict(rooms.rooms)
    for rid in room_ids:
        room = changed[rid]
        stack = room.stack
        if stack.speaker is not None:
            stack = sk.apply(stack, sk.TurnEnded(at=at))
        changed[rid] = dataclasses.replace(room, closed_at=at, stack=stack)
    closing = set(room_ids)
    placed = {pid: r for pid, r in rooms.placed.items() if r not in closing}
    return dataclasses.replace(rooms, rooms=changed, placed=placed)


def _round_of(rooms: RoomsState, number: int) -> Round:
    return rooms.rounds[number - 1]


def _round(rooms: RoomsState, number: int, **changes: object) -> RoomsState:
    rounds = list(rooms.rounds)
    rounds[number - 1] = dataclasses.replace(rounds[number - 1], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(rooms, rounds=tuple(rounds))


def _room(rooms: RoomsState, room_id: str, **changes: object) -> RoomsState:
    room = dataclasses.replace(rooms.rooms[room_id], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(rooms, rooms={**rooms.rooms, room_id: room})


def forget(rooms: RoomsState, pid: str) -> RoomsState:
    """A removed participant leaves their room (their hand there comes down)."""
    old = rooms.placed.get(pid)
    if old is None:
        return rooms
    placed = {q: r for q, r in rooms.placed.items() if q != pid}
    return dataclasses.replace(rooms, placed=placed, rooms=_leave(dict(rooms.rooms), old, pid, PLENARY))
