"""The speaking stack: who speaks next, and why (pure; no I/O, no clock).

Kinds of entry, in the words of Occupy and OpenSlides practice, and where each goes:

1. **point of process**: the process is going wrong; first of all.
2. **point of information** and **clarifying question**: ahead of new points, in the
   order hands went up.
3. **direct response**: answers the current speaker; right after them, ahead of new points.
4. **new point**: in the order hands went up, except that with the **progressive
   stack** (on by default) people who have not spoken on this item go ahead of those
   who have, people who have not spoken in this meeting ahead of those who have, and,
   if the facilitator lets it count, people who opted in privately to priority as a
   marginalised voice ahead of others with the same speaking history.

The facilitator may move an entry; a moved entry keeps the place it was put in and
the rest are ordered around it.  Every place comes with its reason, shown to the
person on their phone ("you haven't spoken yet").  The order is a pure function of
the state: :func:`ordered` is what every view and every "next speaker" uses.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from server.core.errors import Rejection
from server.core.event import Event, event


class Kind(StrEnum):
    PROCESS = "process"
    INFORMATION = "information"
    CLARIFYING = "clarifying"
    DIRECT = "direct"
    NEW = "new"


LABELS = {
    Kind.PROCESS: "Point of process",
    Kind.INFORMATION: "Point of information",
    Kind.CLARIFYING: "Clarifying question",
    Kind.DIRECT: "Direct response",
    Kind.NEW: "New point",
}
TIER = {Kind.PROCESS: 0, Kind.INFORMATION: 1, Kind.CLARIFYING: 1, Kind.DIRECT: 2, Kind.NEW: 3}
TIME_LIMIT_DEFAULT = 120.0
TIME_LIMIT_RANGE = (15.0, 1800.0)


# --- events ----------------------------------------------------------------------------


@event("stack.hand_raised")
@dataclass(frozen=True)
class HandRaised(Event):
    entry_id: int
    participant_id: str
    kind: str
    room: str = ""  # "" is the plenary; otherwise a breakout room, circle or table


@event("stack.entry_removed")
@dataclass(frozen=True)
class EntryRemoved(Event):
    entry_id: int
    reason: str  # lowered (by the person), removed or skipped (by the facilitator)
    room: str = ""  # "" is the plenary; otherwise a breakout room, circle or table


@event("stack.entry_moved")
@dataclass(frozen=True)
class EntryMoved(Event):
    entry_id: int
    position: int  # 0-based place in the order
    room: str = ""  # "" is the plenary; otherwise a breakout room, circle or table


@event("stack.speaker_called")
@dataclass(frozen=True)
class SpeakerCalled(Event):
    """The floor goes to ``entry_id`` (the current speaker's turn, if any, ends now)."""

    entry_id: int
    time_limit: float
    room: str = ""  # "" is the plenary; otherwise a breakout room, circle or table


@event("stack.turn_ended")
@dataclass(frozen=True)
class TurnEnded(Event):
    room: str = ""  # "" is the plenary; otherwise a breakout room, circle or table


@event("stack.time_extended")
@dataclass(frozen=True)
class TimeExtended(Event):
    seconds: float
    room: str = ""  # "" is the plenary; otherwise a breakout room, circle or table


@event("stack.opened")
@dataclass(frozen=True)
class StackOpened(Event):
    open: bool
    room: str = ""  # "" is the plenary; otherwise a breakout room, circle or table


@event("stack.settings_changed")
@dataclass(frozen=True)
class SettingsChanged(Event):
    progressive: bool
    priority_counts: bool
    time_limit: float
    room: str = ""  # "" is the plenary; otherwise a breakout room, circle or table


@event("stack.priority_opted")
@dataclass(frozen=True)
class PriorityOpted(Event):
    """A participant's private opt-in to priority as a marginalised voice (never shown to others)."""

    participant_id: str
    opted: bool


@event("stack.groups_set")
@dataclass(frozen=True)
class GroupsSet(Event):
    """The self-declared groups the facilitator offers (for speaking shares; aggregates only)."""

    groups: list[str]


@event("stack.group_declared")
@dataclass(frozen=True)
class GroupDeclared(Event):
    """A participant's private declaration ("" to withdraw it).  Never shown per person."""

    participant_id: str
    group: str


@event("stack.moved_to_item")
@dataclass(frozen=True)
class StackMoved(Event):
    """The plenary stack follows the agenda: a new item, and the stack (re)opens for it."""

    item_id: str


# --- state -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: int
    participant_id: str
    kind: Kind
    raised_at: float
    item_id: str | None
    pinned: int | None = None  # a place the facilitator moved it to


@dataclass(frozen=True)
class Turn:
    """Someone had the floor.  ``ended_at`` is None while they still have it."""

    entry_id: int
    participant_id: str
    kind: Kind
    item_id: str | None
    started_at: float
    deadline: float
    ended_at: float | None = None


@dataclass(frozen=True)
class StackState:
    entries: tuple[Entry, ...] = ()  # in the order hands went up
    turns: tuple[Turn, ...] = ()  # every turn so far; the last may be current
    open: bool = True
    progressive: bool = True
    priority_counts: bool = False
    time_limit: float = TIME_LIMIT_DEFAULT
    item_id: str | None = None  # the agenda item being discussed
    opted: frozenset[str] = field(default_factory=frozenset)  # private priority opt-ins
    next_id: int = 1
    groups: tuple[str, ...] = ()
    declared: Mapping[str, str] = field(default_factory=dict)  # participant -> group (private)

    @property
    def speaker(self) -> Turn | None:
        if self.turns and self.turns[-1].ended_at is None:
            return self.turns[-1]
        return None

    def entry_of(self, participant_id: str) -> Entry | None:
        for entry in self.entries:
            if entry.participant_id == participant_id:
                return entry
        return None

    def entry(self, entry_id: int) -> Entry | None:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None

    # The order is a pure function of this (immutable) state: compute it once per state, however
    # many views and phones ask.  cached_property writes the instance __dict__, not a field, so
    # equality and replay are unaffected.

    @functools.cached_property
    def order(self) -> list[Place]:
        return ordered(self)

    @functools.cached_property
    def place_of(self) -> dict[str, Place]:
        """Each waiting participant's place."""
        return {p.entry.participant_id: p for p in self.order}


def written_entry(point_id: int) -> str:
    """The stack entry of a written point the facilitator reads out (not anyone's hand)."""
    return f"point:{point_id}"


def is_written(participant_id: str) -> bool:
    return participant_id.startswith("point:")


# --- order -----------------------------------------------------------------------------


# Why an entry has its place: a message key (``clients/i18n/server/<lang>.json``) and its English words.
REASONS = {
    "server.reason.moved": "moved by the facilitator",
    "server.reason.written": "written point, read out by the facilitator",
    "server.reason.process": "point of process: goes first",
    "server.reason.information": "point of information: ahead of new points",
    "server.reason.clarifying": "clarifying question: ahead of new points",
    "server.reason.direct": "direct response: right after the current speaker",
    "server.reason.in_order": "in the order hands went up",
    "server.reason.not_spoken": "you haven't spoken yet",
    "server.reason.not_spoken.priority": "you haven't spoken yet (and priority)",
    "server.reason.not_spoken_item": "you haven't spoken on this item yet",
    "server.reason.not_spoken_item.priority": "you haven't spoken on this item yet (and priority)",
    "server.reason.priority": "priority you asked for",
    "server.reason.spoken": "you have spoken already: after those who haven't",
}


@dataclass(frozen=True)
class Place:
    entry: Entry
    position: int  # 0: next to speak
    reason_key: str  # one of REASONS: pages word it in their reader's language

    @property
    def reason(self) -> str:
        """The reason in English (the minutes, older clients)."""
        return REASONS[self.reason_key]

    @property
    def reason_params(self) -> dict[str, object]:
        return {}  # no reason has variable parts yet; sent so pages treat every key alike


def _spoken(stack: StackState) -> tuple[set[str], set[str]]:
    """Who has spoken in this meeting, and who on the current item."""
    meeting = {t.participant_id for t in stack.turns}
    item = {t.participant_id for t in stack.turns if t.item_id == stack.item_id}
    return meeting, item


def ordered(stack: StackState) -> list[Place]:
    """The stack in speaking order, each entry with the reason for its place."""
    in_meeting, on_item = _spoken(stack)

    def key(entry: Entry) -> tuple[int, int, int, int, int]:
        tier = TIER[entry.kind]
        if entry.kind is not Kind.NEW or not stack.progressive:
            return (tier, 0, 0, 0, entry.id)
        boosted = stack.priority_counts and entry.participant_id in stack.opted
        return (
            tier,
            entry.participant_id in on_item,
            entry.participant_id in in_meeting,
            0 if boosted else 1,
            entry.id,
        )

    free = sorted((e for e in stack.entries if e.pinned is None), key=key)
    pinned = sorted((e for e in stack.entries if e.pinned is not None), key=lambda e: (e.pinned or 0, e.id))
    order = list(free)
    for entry in pinned:
        order.insert(min(entry.pinned or 0, len(order)), entry)
    return [Place(entry, i, _reason(stack, entry, in_meeting, on_item)) for i, entry in enumerate(order)]


def _reason(stack: StackState, entry: Entry, in_meeting: set[str], on_item: set[str]) -> str:
    """The key of the reason for an entry's place (its words are in :data:`REASONS`)."""
    if entry.pinned is not None:
        return "server.reason.moved"
    if is_written(entry.participant_id):
        return "server.reason.written"
    match entry.kind:
        case Kind.PROCESS | Kind.INFORMATION | Kind.CLARIFYING | Kind.DIRECT:
            return f"server.reason.{entry.kind.value}"
    if not stack.progressive:
        return "server.reason.in_order"
    pid = entry.participant_id
    boosted = stack.priority_counts and pid in stack.opted
    if pid not in in_meeting:
        return "server.reason.not_spoken" + (".priority" if boosted else "")
    if pid not in on_item:
        return "server.reason.not_spoken_item" + (".priority" if boosted else "")
    if boosted:
        return "server.reason.priority"
    return "server.reason.spoken"


# --- commands ------------------------------------------------------------------------------
# Participant commands: the meeting checks the actor joined and passes their id.


@dataclass(frozen=True)
class RaiseHand:
    kind: str = Kind.NEW.value


@dataclass(frozen=True)
class LowerHand:
    pass


@dataclass(frozen=True)
class OptPriority:
    opted: bool


@dataclass(frozen=True)
class DeclareGroup:
    group: str  # one of the offered groups, or "" to withdraw


# Facilitator commands.


@dataclass(frozen=True)
class NextSpeaker:
    room: str = ""  # "" is the plenary


@dataclass(frozen=True)
class EndTurn:
    room: str = ""  # "" is the plenary


@dataclass(frozen=True)
class SkipEntry:
    entry_id: int
    room: str = ""


@dataclass(frozen=True)
class RemoveEntry:
    entry_id: int
    room: str = ""


@dataclass(frozen=True)
class MoveEntry:
    entry_id: int
    position: int
    room: str = ""


@dataclass(frozen=True)
class ExtendTime:
    seconds: float
    room: str = ""


@dataclass(frozen=True)
class SetStackOpen:
    open: bool
    room: str = ""


@dataclass(frozen=True)
class SetGroups:
    groups: tuple[str, ...]


@dataclass(frozen=True)
class SetStackSettings:
    progressive: bool | None = None
    priority_counts: bool | None = None
    time_limit: float | None = None
    room: str = ""


ParticipantCommand = RaiseHand | LowerHand | OptPriority | DeclareGroup
FacilitatorCommand = (
    NextSpeaker
    | EndTurn
    | SkipEntry
    | RemoveEntry
    | MoveEntry
    | ExtendTime
    | SetStackOpen
    | SetStackSettings
    | SetGroups
)
GROUPS_MAX = 8
GROUP_MAX = 40
GROUP_MIN_SHOWN = 3  # a group with fewer people present is not broken out: its shares would name them


def decide_participant(stack: StackState, command: ParticipantCommand, pid: str, now: float) -> list[Event]:
    match command:
        case RaiseHand(kind=kind):
            try:
                k = Kind(kind)
            except ValueError:
                names = ", ".join(k.value for k in Kind)
                raise Rejection("bad_field", f"kind must be one of: {names}.", "kind", {"allowed": names}) from None
            if stack.entry_of(pid) is not None:
                raise Rejection("already_on_stack", "Your hand is already up. Lower it first to change its kind.")
            if not stack.open and k is Kind.NEW:
                raise Rejection("stack_closed", "The stack is closed for new points on this item.")
            if k is Kind.DIRECT and stack.speaker is None:
                raise Rejection("no_speaker", "Nobody is speaking: there is nothing to respond to directly.", "kind")
            return [HandRaised(at=now, entry_id=stack.next_id, participant_id=pid, kind=k.value)]
        case LowerHand():
            entry = stack.entry_of(pid)
            if entry is None:
                raise Rejection("not_on_stack", "Your hand isn't up.")
            return [EntryRemoved(at=now, entry_id=entry.id, reason="lowered")]
        case OptPriority(opted=opted):
            if opted == (pid in stack.opted):
                return []
            return [PriorityOpted(at=now, participant_id=pid, opted=opted)]
        case DeclareGroup(group=group):
            if group and group not in stack.groups:
                raise Rejection("bad_field", "Choose one of the groups offered.", "group")
            if group == stack.declared.get(pid, ""):
                return []
            return [GroupDeclared(at=now, participant_id=pid, group=group)]
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def decide_facilitator(stack: StackState, command: FacilitatorCommand, now: float) -> list[Event]:
    match command:
        case NextSpeaker():
            places = stack.order
            if not places:
                if stack.speaker is not None:
                    return [TurnEnded(at=now)]
                raise Rejection("stack_empty", "Nobody is on the stack.")
            return [SpeakerCalled(at=now, entry_id=places[0].entry.id, time_limit=stack.time_limit)]
        case EndTurn():
            if stack.speaker is None:
                raise Rejection("no_speaker", "Nobody has the floor.")
            return [TurnEnded(at=now)]
        case SkipEntry(entry_id=entry_id):
            _entry(stack, entry_id)
            return [EntryRemoved(at=now, entry_id=entry_id, reason="skipped")]
        case RemoveEntry(entry_id=entry_id):
            _entry(stack, entry_id)
            return [EntryRemoved(at=now, entry_id=entry_id, reason="removed")]
        case MoveEntry(entry_id=entry_id, position=position):
            _entry(stack, entry_id)
            if not 0 <= position < len(stack.entries):
                last = len(stack.entries) - 1
                raise Rejection("bad_field", f"position must be 0 to {last}.", "position", {"low": 0, "high": last})
            return [EntryMoved(at=now, entry_id=entry_id, position=position)]
        case ExtendTime(seconds=seconds):
            if stack.speaker is None:
                raise Rejection("no_speaker", "Nobody has the floor.")
            if not 5 <= seconds <= 600:
                raise Rejection("bad_field", "Extend by 5 to 600 seconds.", "seconds", {"low": 5, "high": 600})
            return [TimeExtended(at=now, seconds=float(seconds))]
        case SetStackOpen(open=is_open):
            return [] if is_open == stack.open else [StackOpened(at=now, open=is_open)]
        case SetGroups(groups=groups):
            if len(groups) > GROUPS_MAX or len(set(groups)) != len(groups):
                raise Rejection(
                    "bad_field", f"Offer up to {GROUPS_MAX} different groups.", "groups", {"max": GROUPS_MAX}
                )
            if any(not g.strip() or len(g) > GROUP_MAX for g in groups):
                raise Rejection(
                    "bad_field",
                    f"A group's name is 1 to {GROUP_MAX} characters.",
                    "groups",
                    {"low": 1, "high": GROUP_MAX},
                )
            cleaned = [" ".join(g.split()) for g in groups]
            return [] if tuple(cleaned) == stack.groups else [GroupsSet(at=now, groups=cleaned)]
        case SetStackSettings(progressive=progressive, priority_counts=counts, time_limit=limit):
            if limit is not None and not TIME_LIMIT_RANGE[0] <= limit <= TIME_LIMIT_RANGE[1]:
                low, high = TIME_LIMIT_RANGE
                raise Rejection(
                    "bad_field",
                    f"The speaking time is {low:g} to {high:g} seconds.",
                    "time_limit",
                    {"low": int(low), "high": int(high)},
                )
            return [
                SettingsChanged(
                    at=now,
                    progressive=stack.progressive if progressive is None else progressive,
                    priority_counts=stack.priority_counts if counts is None else counts,
                    time_limit=stack.time_limit if limit is None else float(limit),
                )
            ]
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def _entry(stack: StackState, entry_id: int) -> Entry:
    entry = stack.entry(entry_id)
    if entry is None:
        raise Rejection("unknown_entry", "That entry is no longer on the stack.", "entry")
    return entry


# --- apply -----------------------------------------------------------------------------------


def _end_current(stack: StackState, now: float) -> tuple[Turn, ...]:
    if stack.speaker is None:
        return stack.turns
    return (*stack.turns[:-1], dataclasses.replace(stack.turns[-1], ended_at=now))


def apply(stack: StackState, ev: Event) -> StackState:
    match ev:
        case StackMoved():
            return dataclasses.replace(stack, item_id=ev.item_id, open=True)
        case HandRaised():
            entry = Entry(ev.entry_id, ev.participant_id, Kind(ev.kind), ev.at, stack.item_id)
            return dataclasses.replace(stack, entries=(*stack.entries, entry), next_id=ev.entry_id + 1)
        case EntryRemoved():
            return _without(stack, ev.entry_id)
        case EntryMoved():
            others = tuple(e for e in stack.entries if e.id != ev.entry_id)
            moved = dataclasses.replace(_must(stack, ev.entry_id), pinned=ev.position)
            return dataclasses.replace(stack, entries=(*others, moved))
        case SpeakerCalled():
            entry = _must(stack, ev.entry_id)
            turn = Turn(entry.id, entry.participant_id, entry.kind, stack.item_id, ev.at, ev.at + ev.time_limit)
            rest = _without(stack, entry.id)
            return dataclasses.replace(rest, turns=(*_end_current(stack, ev.at), turn))
        case TurnEnded():
            return dataclasses.replace(stack, turns=_end_current(stack, ev.at))
        case TimeExtended():
            current = stack.turns[-1]
            turn = dataclasses.replace(current, deadline=current.deadline + ev.seconds)
            return dataclasses.replace(stack, turns=(*stack.turns[:-1], turn))
        case StackOpened():
            return dataclasses.replace(stack, open=ev.open)
        case SettingsChanged():
            return dataclasses.replace(
                stack, progressive=ev.progressive, priority_counts=ev.priority_counts, time_limit=ev.time_limit
            )
        case PriorityOpted():
            opted = stack.opted | {ev.participant_id} if ev.opted else stack.opted - {ev.participant_id}
            return dataclasses.replace(stack, opted=frozenset(opted))
        case GroupsSet():
            # Declarations of groups no longer offered lapse.
            declared = {k: v for k, v in stack.declared.items() if v in ev.groups}
            return dataclasses.replace(stack, groups=tuple(ev.groups), declared=declared)
        case GroupDeclared():
            declared = {k: v for k, v in stack.declared.items() if k != ev.participant_id}
            if ev.group:
                declared[ev.participant_id] = ev.group
            return dataclasses.replace(stack, declared=declared)
    raise ValueError(f"no stack apply for {ev.type}")


def _must(stack: StackState, entry_id: int) -> Entry:
    entry = stack.entry(entry_id)
    if entry is None:
        raise ValueError(f"no entry {entry_id}")
    return entry


def _without(stack: StackState, entry_id: int) -> StackState:
    """Drop an entry.  Moved entries behind it move up one place, like everyone else."""
    place = next((p.position for p in stack.order if p.entry.id == entry_id), None)
    entries = []
    for e in stack.entries:
        if e.id == entry_id:
            continue
        if place is not None and e.pinned is not None and e.pinned > place:
            e = dataclasses.replace(e, pinned=e.pinned - 1)
        entries.append(e)
    return dataclasses.replace(stack, entries=tuple(entries))


def without_participant(stack: StackState, participant_id: str) -> StackState:
    """A participant was removed from the meeting: their entries leave the stack."""
    for entry in [e for e in stack.entries if e.participant_id == participant_id]:
        stack = _without(stack, entry.id)
    return stack


STACK_EVENTS = (
    StackMoved,
    HandRaised,
    EntryRemoved,
    EntryMoved,
    SpeakerCalled,
    TurnEnded,
    TimeExtended,
    StackOpened,
    SettingsChanged,
    PriorityOpted,
    GroupsSet,
    GroupDeclared,
)


def statistics(stack: StackState, names: Mapping[str, str], now: float) -> list[dict[str, object]]:
    """Turns and speaking time per participant (for the facilitator and the minutes)."""
    per: dict[str, dict[str, object]] = {}
    for turn in stack.turns:
        row = per.setdefault(turn.participant_id, {"participant": turn.participant_id, "turns": 0, "seconds": 0.0})
        row["turns"] = int(row["turns"]) + 1  # type: ignore[call-overload]
        row["seconds"] = float(row["seconds"]) + ((turn.ended_at or now) - turn.started_at)  # type: ignore[arg-type]
    for row in per.values():
        pid = str(row["participant"])
        row["name"] = f"Written point {pid[6:]}" if is_written(pid) else names.get(pid, "")
        row["seconds"] = round(float(row["seconds"]), 1)  # type: ignore[arg-type]
    return sorted(per.values(), key=lambda r: -float(r["seconds"]))  # type: ignore[arg-type]


def group_shares(stack: StackState, present: list[str], now: float) -> list[dict[str, object]]:
    """Shares of turns and speaking time per self-declared group, against their share of those present.

    Aggregates only.  A group with fewer than :data:`GROUP_MIN_SHOWN` people present is folded
    into "Others / not declared" so its figures can't point at anyone.
    """
    if not stack.groups:
        return []
    other = "Others / not declared"
    sizes = {g: sum(1 for p in present if stack.declared.get(p) == g) for g in stack.groups}
    names = [g for g in stack.groups if sizes[g] >= GROUP_MIN_SHOWN] + [other]

    def group_of(pid: str) -> str:
        group = stack.declared.get(pid, "")
        return group if sizes.get(group, 0) >= GROUP_MIN_SHOWN else other

    people = dict.fromkeys(names, 0)
    turns = dict.fromkeys(names, 0)
    seconds = dict.fromkeys(names, 0.0)
    for pid in present:
        people[group_of(pid)] += 1
    for turn in stack.turns:
        if not is_written(turn.participant_id):
            turns[group_of(turn.participant_id)] += 1
            seconds[group_of(turn.participant_id)] += (turn.ended_at or now) - turn.started_at
    return [
        {
            "group": g,
            "present_share": _share(people[g], sum(people.values())),
            "turn_share": _share(turns[g], sum(turns.values())),
            "time_share": _share(seconds[g], sum(seconds.values())),
        }
        for g in names
    ]


def _share(part: float, whole: float) -> float | None:
    """Percent, one decimal; None when there is nothing to share yet."""
    return round(100 * part / whole, 1) if whole else None
