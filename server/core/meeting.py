"""The meeting itself: who takes part, and its life from creation to end.

Pure: no I/O, no clock, no randomness.  Time and random values (tokens, ids)
come in with the command and are recorded in the events, so replaying a log
always gives the same state.

State is immutable.  ``apply`` returns a new state and copies only what the
event changes, so the hub can decide a batch of commands on a working copy and
throw it away if the append fails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from server.agenda import core as ag
from server.core import registry
from server.core.errors import Rejection
from server.core.event import Event, Sealed, event
from server.core.inputs import Inputs
from server.core.keys import derived_key, digest, secret_matches  # noqa: F401  (m.digest, m.secret_matches)
from server.core.text import clean_text
from server.decisions import core as dc
from server.signals import core as sg
from server.stack import core as sk

NAME_MAX = 40
TITLE_MAX = 120


class Role(StrEnum):
    PHONE = "phone"
    SCREEN = "screen"
    FACILITATOR = "facilitator"
    ROOM = "room"  # a room's device (a laptop or tablet on the table): view-only, like the screen
    INTERPRETER = "interpreter"  # a language channel's booth (server/audio): its interpreter link
    CAPTIONER = "captioner"  # types a language channel's captions: its captioner link
    TRANSLATOR = "translator"  # translates the meeting's texts into one language (server/translations): its link
    SYSTEM = "system"  # the hub itself, when a deadline it was asked to keep comes (never a client)


@dataclass(frozen=True)
class Actor:
    """Who sends a command: a role, and for phones the participant (if joined)."""

    role: Role
    participant_id: str | None = None
    channel: str = ""  # interpreters and captioners: their language channel
    name: str = ""  # interpreters: the name they gave in the booth


# --- events -----------------------------------------------------------------


@event("meeting.created")
@dataclass(frozen=True)
class MeetingCreated(Event):
    meeting_id: str
    title: str
    code: str
    facilitator_digest: str
    screen_digest: str
    # 2: rules that span features are events of their own (the stack moving to an item, an agenda
    # approved by a vote).  Logs written before (0) still fold as they did.
    log_version: int = 0


LOG_VERSION = 2


@event("participant.joined")
@dataclass(frozen=True)
class ParticipantJoined(Event):
    participant_id: str
    name: str
    token_digest: str


@event("participant.renamed")
@dataclass(frozen=True)
class ParticipantRenamed(Event):
    participant_id: str
    name: str
    by: str  # "self" or "facilitator"


@event("participant.removed")
@dataclass(frozen=True)
class ParticipantRemoved(Event):
    participant_id: str


@event("meeting.ended")
@dataclass(frozen=True)
class MeetingEnded(Event):
    pass


# --- state ------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    token_digest: str
    joined_at: float
    removed: bool = False


@dataclass(frozen=True)
class MeetingState:
    """The fold of a meeting's log.  ``seq`` is the last event's sequence number."""

    id: str = ""
    title: str = ""
    code: str = ""
    facilitator_digest: str = ""
    screen_digest: str = ""
    created_at: float = 0.0
    ended_at: float | None = None
    seq: int = 0
    participants: Mapping[str, Participant] = field(default_factory=dict)
    by_token: Mapping[str, str] = field(default_factory=dict)  # token digest -> participant id
    stack: sk.StackState = field(default_factory=sk.StackState)
    agenda: ag.AgendaState = field(default_factory=ag.AgendaState)
    decisions: dc.DecisionsState = field(default_factory=dc.DecisionsState)
    signals: sg.SignalsState = field(default_factory=sg.SignalsState)
    last_event_at: float = 0.0  # the meeting's clock as far as the log knows (views have no other)
    parts: Mapping[str, Any] = field(default_factory=dict)  # registered features' states, by feature name
    explicit_rules: bool = False  # cross-feature rules are events in this log (see MeetingCreated.log_version)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def participant_for_token(self, token: str) -> Participant | None:
        pid = self.by_token.get(digest(token))
        return self.participants.get(pid) if pid else None


# --- commands ---------------------------------------------------------------


@dataclass(frozen=True)
class Join:
    """A phone joins under a name.  Its id and token come from the hub (``Inputs``).

    ``room``: the room whose device QR the phone was scanned from (a hint the rooms
    feature may use to place a late arrival), or "".
    """

    name: str
    room: str = ""


@dataclass(frozen=True)
class Rename:
    """A participant changes their own name."""

    name: str


@dataclass(frozen=True)
class RenameParticipant:
    participant_id: str
    name: str


@dataclass(frozen=True)
class RemoveParticipant:
    participant_id: str


@dataclass(frozen=True)
class EndMeeting:
    pass


ReadPoint = sg.ReadPoint  # where it used to live


# The meeting's own commands; every feature's commands come through the registry.
Command = Join | Rename | RenameParticipant | RemoveParticipant | EndMeeting | Any


def create(
    *, meeting_id: str, title: str, code: str, facilitator_secret: str, screen_key: str, now: float
) -> list[Event]:
    """The first event of every log."""
    return [
        MeetingCreated(
            at=now,
            meeting_id=meeting_id,
            title=clean_text(title, TITLE_MAX, "title", "title"),
            code=code,
            facilitator_digest=digest(facilitator_secret),
            screen_digest=digest(screen_key),
            log_version=LOG_VERSION,
        )
    ]


def decide(state: MeetingState, command: Command, actor: Actor, inputs: Inputs) -> list[Event]:
    """Check ``command`` against the actor's role and the state; return its events.

    ``inputs`` carries what the core may not draw itself (the time, fresh ids, a seed, who
    is present); whatever is used is recorded in the events.
    """
    if state.ended:
        raise Rejection("meeting_ended", "This meeting has ended.")
    now = inputs.now
    match command:
        case Join(name=name):
            _require(actor, Role.PHONE)
            if actor.participant_id is not None:
                raise Rejection("already_joined", "You have already joined this meeting.")
            pid = inputs.participant_id
            if not pid or not inputs.token or pid in state.participants:  # the hub draws fresh ids: a bug guard
                raise Rejection("conflict", "That participant id is taken; try again.")
            joined: list[Event] = [
                ParticipantJoined(
                    at=now,
                    participant_id=pid,
                    name=clean_text(name, NAME_MAX, "name", "name"),
                    token_digest=digest(inputs.token),
                )
            ]
            after = apply(state, joined[0])
            for feature in registry.features():  # what a new participant brings about (a room to go to)
                if feature.joined is not None:
                    more = feature.joined(after, pid, command, inputs)
                    for ev in more:
                        after = apply(after, ev)
                    joined.extend(more)
            return joined
        case Rename(name=name):
            me = _joined(state, actor)
            new = clean_text(name, NAME_MAX, "name", "name")
            return [] if new == me.name else [ParticipantRenamed(at=now, participant_id=me.id, name=new, by="self")]
        case RenameParticipant(participant_id=pid, name=name):
            _require(actor, Role.FACILITATOR)
            who = _existing(state, pid)
            new = clean_text(name, NAME_MAX, "name", "name")
            if new == who.name:
                return []
            return [ParticipantRenamed(at=now, participant_id=pid, name=new, by="facilitator")]
        case RemoveParticipant(participant_id=pid):
            _require(actor, Role.FACILITATOR)
            _existing(state, pid)
            return [ParticipantRemoved(at=now, participant_id=pid)]
        case EndMeeting():
            _require(actor, Role.FACILITATOR)
            return [MeetingEnded(at=now)]
    feature = registry.for_command(command)
    if feature is not None:
        return feature.decide(state, command, actor, inputs)
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def room_of(state: MeetingState, participant_id: str) -> str:
    """The room a participant is in now: ``""`` is the plenary."""
    return registry.SCOPES[0].room_of(state, participant_id) if registry.SCOPES else ""


def stack_in(state: MeetingState, room: str) -> sk.StackState:
    """A room's speaking stack (the plenary's is ``state.stack``); refused for a room that isn't open."""
    if not room:
        return state.stack
    if not registry.SCOPES:
        raise Rejection("unknown_room", "There is no such room.", "room")
    return registry.SCOPES[0].stack_of(state, room)


def require(actor: Actor, *roles: Role) -> None:
    """Only these roles may do it (for feature packages)."""
    if actor.role not in roles:
        raise Rejection("not_allowed", f"Only the {roles[0].value} can do that.", None, {"role": roles[0].value})


def joined(state: MeetingState, actor: Actor) -> Participant:
    """The sender, a phone that joined and was not removed (for feature packages)."""
    return _joined(state, actor)


def existing(state: MeetingState, participant_id: str) -> Participant:
    """A participant of this meeting, not removed (for feature packages)."""
    return _existing(state, participant_id)


def _require(actor: Actor, role: Role) -> None:
    if actor.role is not role:
        raise Rejection("not_allowed", f"Only the {role.value} can do that.", None, {"role": role.value})


def _joined(state: MeetingState, actor: Actor) -> Participant:
    _require(actor, Role.PHONE)
    if actor.participant_id is None:
        raise Rejection("not_joined", "Join the meeting first.")
    me = state.participants.get(actor.participant_id)
    if me is None or me.removed:
        raise Rejection("removed", "You were removed from this meeting.")
    return me


def _existing(state: MeetingState, pid: str) -> Participant:
    who = state.participants.get(pid)
    if who is None or who.removed:
        raise Rejection("unknown_participant", "There is no such participant in this meeting.", "participant")
    return who


def apply(state: MeetingState, ev: Event) -> MeetingState:
    """Fold one event into the state (returns a new state)."""
    if isinstance(ev, Sealed):  # a shredded secret ballot: its vote's close recorded what counts
        return state
    return dataclasses.replace(_apply(state, ev), last_event_at=ev.at)


def _apply(state: MeetingState, ev: Event) -> MeetingState:
    match ev:
        case MeetingCreated():
            return dataclasses.replace(
                state,
                id=ev.meeting_id,
                title=ev.title,
                code=ev.code,
                facilitator_digest=ev.facilitator_digest,
                screen_digest=ev.screen_digest,
                created_at=ev.at,
                explicit_rules=ev.log_version >= 2,
            )
        case ParticipantJoined():
            p = Participant(id=ev.participant_id, name=ev.name, token_digest=ev.token_digest, joined_at=ev.at)
            return dataclasses.replace(
                state,
                participants={**state.participants, p.id: p},
                by_token={**state.by_token, p.token_digest: p.id},
            )
        case ParticipantRenamed():
            p = dataclasses.replace(state.participants[ev.participant_id], name=ev.name)
            return dataclasses.replace(state, participants={**state.participants, p.id: p})
        case ParticipantRemoved():
            # The token stays known, so a removed phone is told it was removed rather than "unknown token".
            p = dataclasses.replace(state.participants[ev.participant_id], removed=True)
            state = dataclasses.replace(state, participants={**state.participants, p.id: p})
            for feature in registry.features():
                if feature.forget is not None:
                    state = feature.forget(state, p.id)
            return state
        case MeetingEnded():
            return dataclasses.replace(state, ended_at=ev.at)
    feature = registry.for_event(ev)
    if feature is not None:
        return feature.apply(state, ev)
    raise ValueError(f"no apply for {ev.type}")


def part(state: MeetingState, name: str, default: Any) -> Any:
    """A registered feature's state (``default`` until its first event)."""
    return state.parts.get(name, default)


def with_part(state: MeetingState, name: str, value: Any) -> MeetingState:
    return dataclasses.replace(state, parts={**state.parts, name: value})


def fold(events: Iterable[tuple[int, Event]], state: MeetingState | None = None) -> MeetingState:
    """Replay ``(seq, event)`` pairs onto ``state`` (a fresh meeting by default)."""
    state = state or MeetingState()
    for seq, ev in events:
        state = dataclasses.replace(apply(state, ev), seq=seq)
    return state


# Every registered feature comes with the meeting: whoever folds or decides gets them all.
# (At the end: feature packages import this module's names.)
import server.features  # noqa: E402, F401
