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
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from server.agenda import core as ag
from server.core import registry
from server.core.errors import Rejection
from server.core.event import Event, event
from server.core.inputs import Inputs
from server.core.text import clean_text
from server.decisions import core as dc
from server.decisions import rules
from server.signals import core as sg
from server.stack import core as sk

NAME_MAX = 40
TITLE_MAX = 120


class Role(StrEnum):
    PHONE = "phone"
    SCREEN = "screen"
    FACILITATOR = "facilitator"
    ROOM = "room"  # a room's device (a laptop or tablet on the table): view-only, like the screen
    SYSTEM = "system"  # the hub itself, when a deadline it was asked to keep comes (never a client)


@dataclass(frozen=True)
class Actor:
    """Who sends a command: a role, and for phones the participant (if joined)."""

    role: Role
    participant_id: str | None = None


def digest(secret: str) -> str:
    """What the log keeps of a secret: its SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


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


@dataclass(frozen=True)
class ReadPoint:
    """The facilitator reads a written point into the stack (it waits its turn like a new point)."""

    point_id: int


Command = (
    Join
    | Rename
    | RenameParticipant
    | RemoveParticipant
    | EndMeeting
    | ReadPoint
    | sk.ParticipantCommand
    | sk.FacilitatorCommand
    | ag.FacilitatorCommand
    | ag.ProposeItem
    | dc.ParticipantCommand
    | dc.FacilitatorCommand
    | sg.ParticipantCommand
    | sg.FacilitatorCommand
)


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
        case sk.RaiseHand() | sk.LowerHand():
            me = _joined(state, actor)
            room = room_of(state, me.id)  # a hand goes up in the room the person is in
            return _in_room(room, sk.decide_participant(stack_in(state, room), command, me.id, now))
        case sk.OptPriority() | sk.DeclareGroup():
            me = _joined(state, actor)
            return sk.decide_participant(state.stack, command, me.id, now)
        case ag.ProposeItem():
            me = _joined(state, actor)
            return ag.decide_propose(state.agenda, command, me.id, now)
        case sg.ShowSignal() | sg.AnswerCheck() | sg.PostPoint() | sg.UpvotePoint() | sg.WithdrawPoint():
            me = _joined(state, actor)
            return sg.decide_participant(state.signals, command, me.id, state.agenda.current, now)
        case sg.StartCheck() | sg.ShowPoint() | sg.DismissPoint():
            _require(actor, Role.FACILITATOR)
            return sg.decide_facilitator(state.signals, command, now)
        case ReadPoint(point_id=point_id):
            _require(actor, Role.FACILITATOR)
            sg.open_point(state.signals, point_id)
            return [
                sg.PointSettled(at=now, point_id=point_id, status="read"),
                sk.HandRaised(
                    at=now,
                    entry_id=state.stack.next_id,
                    participant_id=sk.written_entry(point_id),
                    kind=sk.Kind.NEW.value,
                ),
            ]
        case (
            ag.AddItem()
            | ag.EditItem()
            | ag.AcceptItem()
            | ag.DeclineItem()
            | ag.MoveItem()
            | ag.StartItem()
            | ag.EndItem()
        ):
            _require(actor, Role.FACILITATOR)
            evs = ag.decide_facilitator(state.agenda, command, now)
            started = [ev for ev in evs if isinstance(ev, ag.ItemStarted)]
            if started:  # the stack follows the agenda: a new item, a fresh (open) stack for it
                evs = [*evs, sk.StackMoved(at=now, item_id=started[-1].item_id)]
            return evs
        case dc.WithdrawProposal() | dc.AcceptAmendment() | dc.WithdrawAmendment() if actor.role is Role.FACILITATOR:
            return dc.decide_facilitator(state.decisions, command, state.agenda.current, now, None)
        case dc.CastBallot():
            me = _joined(state, actor)
            ballot = dataclasses.replace(command, receipt=inputs.receipt)  # drawn by the hub; the core keeps the first
            return dc.decide_participant(state.decisions, ballot, me.id, me.name, state.agenda.current, now)
        case dc.Propose() | dc.WithdrawProposal() | dc.Amend() | dc.AcceptAmendment() | dc.WithdrawAmendment():
            me = _joined(state, actor)
            return dc.decide_participant(state.decisions, command, me.id, me.name, state.agenda.current, now)
        case dc.CloseVote():
            _require(actor, Role.FACILITATOR)
            present = len([pid for pid in inputs.present if _is_member(state, pid)])  # the quorum: those here now
            evs = dc.decide_facilitator(
                state.decisions, dataclasses.replace(command, present=present), state.agenda.current, now, None
            )
            vote = state.decisions.votes[command.vote_id]
            closed = evs[0]
            outcome = closed.result.get("outcome") if isinstance(closed, dc.VoteClosed) else None
            if vote.subject is dc.Subject.AGENDA and outcome == rules.Outcome.PASSED.value:
                evs = [*evs, ag.AgendaApproved(at=now, vote_id=vote.id)]  # a passed agenda vote approves it
            return evs
        case dc.AddProposal() | dc.OpenVote() | dc.CancelVote() | dc.DismissVote() | dc.AddAction() | dc.RemoveAction():
            _require(actor, Role.FACILITATOR)
            question = state.agenda.question()
            return dc.decide_facilitator(state.decisions, command, state.agenda.current, now, question)
        case (
            sk.NextSpeaker()
            | sk.EndTurn()
            | sk.SkipEntry()
            | sk.RemoveEntry()
            | sk.MoveEntry()
            | sk.ExtendTime()
            | sk.SetStackOpen()
            | sk.SetStackSettings()
        ):
            room = command.room
            if actor.role is Role.PHONE and isinstance(command, sk.NextSpeaker | sk.EndTurn):
                # A breakout room keeps its own stack: anyone in it may call the next speaker.
                me = _joined(state, actor)
                room = room_of(state, me.id)
                if not room:
                    raise Rejection("not_allowed", "Only the facilitator can do that.")
            else:
                _require(actor, Role.FACILITATOR)
            return _in_room(room, sk.decide_facilitator(stack_in(state, room), command, now))
        case sk.SetGroups():
            _require(actor, Role.FACILITATOR)
            return sk.decide_facilitator(state.stack, command, now)
    feature = registry.for_command(command)
    if feature is not None:
        return feature.decide(state, command, actor, inputs)
    raise Rejection("unknown_type", f"Unknown command {type(command).__name__}.")


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


def _in_room(room: str, evs: list[Event]) -> list[Event]:
    return [dataclasses.replace(ev, room=room) for ev in evs] if room else evs


def _is_member(state: MeetingState, pid: str) -> bool:
    p = state.participants.get(pid)
    return p is not None and not p.removed


def require(actor: Actor, *roles: Role) -> None:
    """Only these roles may do it (for feature packages)."""
    if actor.role not in roles:
        raise Rejection("not_allowed", f"Only the {roles[0].value} can do that.")


def joined(state: MeetingState, actor: Actor) -> Participant:
    """The sender, a phone that joined and was not removed (for feature packages)."""
    return _joined(state, actor)


def existing(state: MeetingState, participant_id: str) -> Participant:
    """A participant of this meeting, not removed (for feature packages)."""
    return _existing(state, participant_id)


def _require(actor: Actor, role: Role) -> None:
    if actor.role is not role:
        raise Rejection("not_allowed", f"Only the {role.value} can do that.")


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
            state = dataclasses.replace(
                state,
                participants={**state.participants, p.id: p},
                stack=sk.without_participant(state.stack, p.id),
                decisions=dc.without_participant(state.decisions, p.id),
                signals=sg.without_participant(state.signals, p.id),
            )
            for feature in registry.features():
                if feature.forget is not None:
                    state = feature.forget(state, p.id)
            return state
        case MeetingEnded():
            return dataclasses.replace(state, ended_at=ev.at)
        case _ if isinstance(ev, sk.STACK_EVENTS):
            room = getattr(ev, "room", "")
            if room and registry.SCOPES:
                scopes = registry.SCOPES[0]
                return scopes.with_stack(state, room, sk.apply(scopes.stack_of(state, room, closed=True), ev))
            return dataclasses.replace(state, stack=sk.apply(state.stack, ev))
        case ag.ItemStarted() if _legacy_item_start(state, ev):
            # Logs written before the stack's move was its own event: the stack followed the item here.
            stack = dataclasses.replace(state.stack, item_id=ev.item_id, open=True)
            return dataclasses.replace(state, agenda=ag.apply(state.agenda, ev), stack=stack)
        case _ if isinstance(ev, ag.EVENTS):
            return dataclasses.replace(state, agenda=ag.apply(state.agenda, ev))
        case dc.VoteClosed():
            decisions = dc.apply(state.decisions, ev)
            vote = decisions.votes[ev.vote_id]
            agenda = state.agenda
            if (
                not state.explicit_rules
                and vote.subject is dc.Subject.AGENDA
                and vote.result
                and vote.result.outcome is rules.Outcome.PASSED
            ):
                agenda = ag.approve(agenda, ev.at)  # logs from before AgendaApproved was its own event
            return dataclasses.replace(state, decisions=decisions, agenda=agenda)
        case _ if isinstance(ev, dc.EVENTS):
            return dataclasses.replace(state, decisions=dc.apply(state.decisions, ev))
        case _ if isinstance(ev, sg.EVENTS):
            return dataclasses.replace(state, signals=sg.apply(state.signals, ev))
    feature = registry.for_event(ev)
    if feature is not None:
        return feature.apply(state, ev)
    raise ValueError(f"no apply for {ev.type}")


def _legacy_item_start(state: MeetingState, ev: Event) -> bool:
    return isinstance(ev, ag.ItemStarted) and not state.explicit_rules


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
