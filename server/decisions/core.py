"""Proposals, amendments, votes and decisions (pure; no I/O, no clock, no randomness).

A **proposal** has a text and a proposer.  Anyone may **amend** it by offering new
wording; the proposer accepts an amendment, or the room votes on it first.  A proposal
can't go to the vote while amendments to it are pending.

A **vote** is on a proposal, an amendment, the agenda, or a question the facilitator
asks.  Ballots are yes/no/abstain, agree/stand aside/block (a block needs a reason), or
a choice among options (one, or several).  The rule is fixed when the vote opens
(``rules.py``).  One ballot per participant, changeable until the close; the latest
counts.  At the close the hub passes how many are present (for the quorum) and the
outcome is computed here and *recorded in the event*, so history never changes with
the code.  A closed vote is a **decision**; the facilitator adds **action points**.

**Secret** means no one can link a participant to a choice.  While a secret vote is open,
views show turnout only (never per-choice counts that move ballot by ballot), and each
ballot is recorded *sealed*: the event carries ``sealed_by``, the vote's seal id, and the
store encrypts it with that vote's key (``server/store/sealed.py``) so that a crash mid-vote
loses nothing and a voter can still change their ballot.  The close records what the
outcome needs — counts, the sorted receipts with their choices, the reasons, who voted in
alphabetical order — and names the seal to ``shred``: once the close is durable the store
destroys the key, and the sealed ballots can never be read again.  In memory the closed
vote keeps no ballots either.  Old logs (no seal) read as before.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from server.core.errors import Rejection
from server.core.event import Event, event
from server.core.text import clean_text, optional_text
from server.decisions import rules as r

PROPOSAL_MAX = 1000
QUESTION_MAX = 300
OPTION_MAX = 80
OPTIONS_MAX = 12
REASON_MAX = 500
ACTION_MAX = 200
WHO_MAX = 80
OPEN_PROPOSALS_EACH = 3  # per participant: a prankster can't flood the room
PENDING_AMENDMENTS_EACH = 3


class Subject(StrEnum):
    PROPOSAL = "proposal"
    AMENDMENT = "amendment"
    AGENDA = "agenda"
    QUESTION = "question"


# --- events -----------------------------------------------------------------------------


@event("proposal.made")
@dataclass(frozen=True)
class ProposalMade(Event):
    proposal_id: int
    text: str
    proposer_id: str | None  # a participant, or None when the facilitator records it
    proposer_name: str  # as given by the facilitator (participants: their name at the time)
    item_id: str | None


@event("proposal.withdrawn")
@dataclass(frozen=True)
class ProposalWithdrawn(Event):
    proposal_id: int


@event("proposal.amended")
@dataclass(frozen=True)
class AmendmentProposed(Event):
    amendment_id: int
    proposal_id: int
    text: str  # the proposal's whole new wording
    by_id: str | None


@event("proposal.amendment_settled")
@dataclass(frozen=True)
class AmendmentSettled(Event):
    amendment_id: int
    status: str  # accepted (by the proposer) or withdrawn
    by: str  # proposer, facilitator, author


@event("vote.opened")
@dataclass(frozen=True)
class VoteOpened(Event):
    vote_id: int
    subject: str
    target: int | None  # proposal or amendment id
    question: str  # what is voted on, as shown (a proposal's text at the time)
    ballot: str
    options: list[str]
    multi: bool
    rule: dict[str, Any]
    secret: bool
    hidden: bool
    item_id: str | None
    seal: str = ""  # a secret vote's seal id: its ballots are stored encrypted under this key


@event("vote.ballot_cast")
@dataclass(frozen=True)
class BallotCast(Event):
    vote_id: int
    participant_id: str
    choices: list[str]
    reason: str
    receipt: str
    sealed_by: str = ""  # a secret vote's seal: the store keeps this event encrypted under its key
    seal_size: int = 0  # ... padded to this many bytes, the same for every ballot of the vote


@event("vote.closed")
@dataclass(frozen=True)
class VoteClosed(Event):
    vote_id: int
    present: int
    counts: dict[str, int]
    # rules.Result.to_dict(): outcome, label, words, and since issue #15 words_key/words_params (the words
    # as a message key, so pages word them in their reader's language; older logs get them at replay).
    result: dict[str, Any]
    # A secret vote's close: what its record keeps once the ballots are shredded (no order, no times).
    shred: str = ""  # the seal whose key the store destroys once this event is durable
    voters: list[str] = field(default_factory=list)  # who voted, participant ids, sorted
    receipts: list[list[Any]] = field(default_factory=list)  # [receipt, choices], sorted by receipt
    reasons: list[list[str]] = field(default_factory=list)  # [choice, reason], sorted


@event("vote.cancelled")
@dataclass(frozen=True)
class VoteCancelled(Event):
    vote_id: int
    shred: str = ""  # a secret vote's seal: its ballots are shredded too


@event("vote.dismissed")
@dataclass(frozen=True)
class VoteDismissed(Event):
    """The facilitator took the outcome banner off the screen."""

    vote_id: int


@event("decision.action_added")
@dataclass(frozen=True)
class ActionAdded(Event):
    action_id: int
    vote_id: int
    what: str
    who: str


@event("decision.action_removed")
@dataclass(frozen=True)
class ActionRemoved(Event):
    action_id: int


# --- state ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    id: int
    text: str
    proposer_id: str | None
    proposer_name: str
    item_id: str | None
    made_at: float
    status: str = "open"  # open, passed, failed, blocked, no_quorum, withdrawn
    original: str = ""  # the text before amendments
    number: int = 0  # shown as "Proposal 3": proposals are numbered 1, 2, 3 (ids are shared with votes)


@dataclass(frozen=True)
class Amendment:
    id: int
    proposal_id: int
    text: str
    by_id: str | None
    at: float
    status: str = "pending"  # pending, accepted, rejected, withdrawn
    settled_by: str = ""  # proposer, facilitator, author, vote


@dataclass(frozen=True)
class Ballot:
    choices: tuple[str, ...]
    reason: str
    receipt: str
    at: float


@dataclass(frozen=True)
class Vote:
    id: int
    subject: Subject
    target: int | None
    question: str
    ballot: r.BallotKind
    options: tuple[str, ...]
    multi: bool
    rule: r.Rule
    secret: bool
    hidden: bool
    item_id: str | None
    opened_at: float
    ballots: Mapping[str, Ballot] = field(default_factory=dict)  # participant -> their latest ballot
    counts: Mapping[str, int] = field(default_factory=dict)  # kept as ballots come in
    seal: str = ""  # a secret vote's seal id ("" in logs from before sealing)
    # A closed secret vote keeps no ballots: who voted, the receipts and the reasons, each sorted.
    voters: tuple[str, ...] = ()
    receipts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    reasons: tuple[tuple[str, str], ...] = ()
    closed_at: float | None = None
    cancelled: bool = False
    present: int = 0
    result: r.Result | None = None
    dismissed: bool = False

    @property
    def open(self) -> bool:
        return self.closed_at is None and not self.cancelled

    @property
    def choices(self) -> tuple[str, ...]:
        return self.options if self.ballot is r.BallotKind.CHOICE else r.CHOICES[self.ballot]

    @property
    def turnout(self) -> int:
        return len(self.voters) if self.shredded else len(self.ballots)

    @property
    def shredded(self) -> bool:
        """A closed secret vote whose ballots were dropped (only the sorted record remains)."""
        return self.secret and bool(self.seal) and not self.open

    @property
    def moving_counts_hidden(self) -> bool:
        """While open, per-choice counts stay hidden: a hidden vote's, and a secret vote's (they
        would show which way each ballot went as people are seen tapping)."""
        return self.open and (self.hidden or self.secret)

    @property
    def tally(self) -> dict[str, int]:
        """Every choice with its count so far, in ballot order (zero included)."""
        return {c: self.counts.get(c, 0) for c in self.choices}


@dataclass(frozen=True)
class Action:
    id: int
    vote_id: int
    what: str
    who: str
    at: float


@dataclass(frozen=True)
class DecisionsState:
    proposals: Mapping[int, Proposal] = field(default_factory=dict)
    amendments: Mapping[int, Amendment] = field(default_factory=dict)
    votes: Mapping[int, Vote] = field(default_factory=dict)
    actions: Mapping[int, Action] = field(default_factory=dict)
    next_id: int = 1  # one counter for proposals, amendments, votes and actions: ids never collide

    @property
    def current_vote(self) -> Vote | None:
        """The open vote, if any (there is at most one)."""
        if not self.votes:
            return None
        last = self.votes[max(self.votes)]  # a vote opens only when none is open: only the last can be
        return last if last.open else None

    @functools.cached_property  # every phone's view asks, on every publish: once per (immutable) state
    def latest_vote(self) -> Vote | None:
        """The vote the screen shows: the open one, or the last closed one until dismissed."""
        for vote in reversed(list(self.votes.values())):
            if vote.cancelled:
                continue
            return None if vote.dismissed else vote
        return None


# --- commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Propose:
    text: str


@dataclass(frozen=True)
class AddProposal:
    text: str
    proposer: str = ""


@dataclass(frozen=True)
class WithdrawProposal:
    proposal_id: int


@dataclass(frozen=True)
class Amend:
    proposal_id: int
    text: str


@dataclass(frozen=True)
class AcceptAmendment:
    amendment_id: int


@dataclass(frozen=True)
class WithdrawAmendment:
    amendment_id: int


@dataclass(frozen=True)
class OpenVote:
    subject: str
    ballot: str
    rule: str
    target: int | None = None
    question: str | None = None
    options: tuple[str, ...] = ()
    multi: bool = False
    fraction: str | None = None
    threshold: int | None = None
    stand_aside_limit: int | None = None
    quorum_share: int | None = None
    quorum_count: int | None = None
    secret: bool = False
    hidden: bool = False


@dataclass(frozen=True)
class CastBallot:
    vote_id: int
    choices: tuple[str, ...]
    reason: str = ""
    receipt: str = ""  # drawn by the hub; a voter keeps their first receipt for the vote


@dataclass(frozen=True)
class CloseVote:
    vote_id: int
    present: int = 0  # filled in by the hub: participants present at the close


@dataclass(frozen=True)
class CancelVote:
    vote_id: int


@dataclass(frozen=True)
class DismissVote:
    vote_id: int


@dataclass(frozen=True)
class AddAction:
    vote_id: int
    what: str
    who: str


@dataclass(frozen=True)
class RemoveAction:
    action_id: int


ParticipantCommand = Propose | WithdrawProposal | Amend | AcceptAmendment | WithdrawAmendment | CastBallot
FacilitatorCommand = (
    AddProposal
    | WithdrawProposal
    | AcceptAmendment
    | WithdrawAmendment
    | OpenVote
    | CloseVote
    | CancelVote
    | DismissVote
    | AddAction
    | RemoveAction
)


# --- decide -------------------------------------------------------------------------------


def decide_participant(
    state: DecisionsState,
    command: ParticipantCommand,
    pid: str,
    name: str,
    item_id: str | None,
    now: float,
) -> list[Event]:
    match command:
        case Propose(text=text):
            mine = [p for p in state.proposals.values() if p.proposer_id == pid and p.status == "open"]
            if len(mine) >= OPEN_PROPOSALS_EACH:
                raise Rejection(
                    "too_many", f"You have {len(mine)} open proposals; withdraw one first.", None, {"count": len(mine)}
                )
            return [
                ProposalMade(
                    at=now,
                    proposal_id=state.next_id,
                    text=clean_text(text, PROPOSAL_MAX, "proposal", "text"),
                    proposer_id=pid,
                    proposer_name=name,
                    item_id=item_id,
                )
            ]
        case WithdrawProposal(proposal_id=proposal_id):
            proposal = _proposal(state, proposal_id)
            if proposal.proposer_id != pid:
                raise Rejection("not_proposer", "Only the proposer (or the facilitator) can withdraw it.", "proposal")
            return _withdraw(state, proposal, now)
        case Amend(proposal_id=proposal_id, text=text):
            proposal = _open_proposal(state, proposal_id)
            new = clean_text(text, PROPOSAL_MAX, "amendment", "text")
            if new == proposal.text:
                raise Rejection("bad_field", "The amendment is the same as the proposal's text.", "text")
            pending = [a for a in state.amendments.values() if a.by_id == pid and a.status == "pending"]
            if len(pending) >= PENDING_AMENDMENTS_EACH:
                raise Rejection(
                    "too_many",
                    f"You have {len(pending)} pending amendments; wait for them to be settled.",
                    None,
                    {"count": len(pending)},
                )
            return [AmendmentProposed(at=now, amendment_id=state.next_id, proposal_id=proposal.id, text=new, by_id=pid)]
        case AcceptAmendment(amendment_id=amendment_id):
            amendment = _pending_amendment(state, amendment_id)
            if state.proposals[amendment.proposal_id].proposer_id != pid:
                raise Rejection("not_proposer", "Only the proposer can accept an amendment.", "amendment")
            return [AmendmentSettled(at=now, amendment_id=amendment_id, status="accepted", by="proposer")]
        case WithdrawAmendment(amendment_id=amendment_id):
            amendment = _pending_amendment(state, amendment_id)
            if amendment.by_id != pid:
                raise Rejection("not_author", "Only who proposed the amendment can withdraw it.", "amendment")
            return [AmendmentSettled(at=now, amendment_id=amendment_id, status="withdrawn", by="author")]
        case CastBallot(vote_id=vote_id, choices=choices, reason=reason, receipt=receipt):
            vote = _vote(state, vote_id)
            if not vote.open:
                raise Rejection("vote_closed", "This vote is closed.", "vote")
            picked = _check_choices(vote, choices)
            why = optional_text(reason, REASON_MAX, "reason", "reason")
            if "block" in picked and not why:
                raise Rejection("reason_required", "A block is a serious objection: say why.", "reason")
            before = vote.ballots.get(pid)
            if before is not None and before.choices == picked and before.reason == why:
                return []
            return [
                BallotCast(
                    at=now,
                    vote_id=vote_id,
                    participant_id=pid,
                    choices=list(picked),
                    reason=why,
                    receipt=before.receipt if before else receipt,
                    sealed_by=vote.seal,
                    seal_size=_seal_size(vote) if vote.seal else 0,
                )
            ]
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def decide_facilitator(
    state: DecisionsState,
    command: FacilitatorCommand,
    item_id: str | None,
    now: float,
    agenda_question: str | None,
    seal: str = "",
) -> list[Event]:
    """``agenda_question``: what an agenda vote asks, or None if the agenda can't be put to a vote now.
    ``seal``: a fresh seal id drawn by the hub, used if the command opens a secret vote."""
    match command:
        case AddProposal(text=text, proposer=proposer):
            name = optional_text(proposer, 80, "proposer", "proposer") or "Facilitation"
            return [
                ProposalMade(
                    at=now,
                    proposal_id=state.next_id,
                    text=clean_text(text, PROPOSAL_MAX, "proposal", "text"),
                    proposer_id=None,
                    proposer_name=name,
                    item_id=item_id,
                )
            ]
        case WithdrawProposal(proposal_id=proposal_id):
            return _withdraw(state, _proposal(state, proposal_id), now)
        case AcceptAmendment(amendment_id=amendment_id):
            _pending_amendment(state, amendment_id)
            return [AmendmentSettled(at=now, amendment_id=amendment_id, status="accepted", by="facilitator")]
        case WithdrawAmendment(amendment_id=amendment_id):
            _pending_amendment(state, amendment_id)
            return [AmendmentSettled(at=now, amendment_id=amendment_id, status="withdrawn", by="facilitator")]
        case OpenVote():
            return [_open_vote(state, command, item_id, now, agenda_question, seal)]
        case CloseVote(vote_id=vote_id, present=present):
            vote = _vote(state, vote_id)
            if not vote.open:
                raise Rejection("vote_closed", "This vote is already closed.", "vote")
            counts = vote.tally
            result = r.decide(vote.rule, vote.ballot, counts, len(vote.ballots), present)
            closed = VoteClosed(at=now, vote_id=vote_id, present=present, counts=counts, result=result.to_dict())
            if vote.seal:  # secret: the record keeps no order and no times, then the ballots are shredded
                closed = dataclasses.replace(
                    closed,
                    shred=vote.seal,
                    voters=sorted(vote.ballots),
                    receipts=sorted([b.receipt, list(b.choices)] for b in vote.ballots.values()),
                    reasons=sorted([b.choices[0], b.reason] for b in vote.ballots.values() if b.reason),
                )
            return [closed]
        case CancelVote(vote_id=vote_id):
            vote = _vote(state, vote_id)
            if not vote.open:
                raise Rejection("vote_closed", "Only an open vote can be cancelled.", "vote")
            return [VoteCancelled(at=now, vote_id=vote_id, shred=vote.seal)]
        case DismissVote(vote_id=vote_id):
            vote = _vote(state, vote_id)
            if vote.open:
                raise Rejection("vote_open", "Close or cancel the vote first.", "vote")
            return [] if vote.dismissed else [VoteDismissed(at=now, vote_id=vote_id)]
        case AddAction(vote_id=vote_id, what=what, who=who):
            vote = _vote(state, vote_id)
            if vote.result is None:
                raise Rejection("vote_open", "Action points belong to a decision: close the vote first.", "vote")
            return [
                ActionAdded(
                    at=now,
                    action_id=state.next_id,
                    vote_id=vote_id,
                    what=clean_text(what, ACTION_MAX, "action", "what"),
                    who=clean_text(who, WHO_MAX, "owner", "who"),
                )
            ]
        case RemoveAction(action_id=action_id):
            if action_id not in state.actions:
                raise Rejection("unknown_action", "There is no such action point.", "action")
            return [ActionRemoved(at=now, action_id=action_id)]
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def _open_vote(
    state: DecisionsState,
    command: OpenVote,
    item_id: str | None,
    now: float,
    agenda_question: str | None,
    seal: str = "",
) -> VoteOpened:
    if state.current_vote is not None:
        raise Rejection("vote_open", "Another vote is open: close it first.")
    try:
        subject = Subject(command.subject)
    except ValueError:
        raise Rejection("bad_field", "subject must be proposal, amendment, agenda or question.", "subject") from None
    try:
        ballot = r.BallotKind(command.ballot)
    except ValueError:
        raise Rejection("bad_field", "ballot must be yes_no, consensus or choice.", "ballot") from None
    target: int | None = None
    if subject is Subject.PROPOSAL:
        proposal = _open_proposal(state, _target(command))
        if any(a.proposal_id == proposal.id and a.status == "pending" for a in state.amendments.values()):
            raise Rejection("amendments_pending", "Settle this proposal's amendments before voting on it.", "target")
        target, question = proposal.id, proposal.text
    elif subject is Subject.AMENDMENT:
        amendment = _pending_amendment(state, _target(command))
        _open_proposal(state, amendment.proposal_id)
        target, question = amendment.id, amendment.text
    elif subject is Subject.AGENDA:
        if agenda_question is None:
            raise Rejection("agenda_not_ready", "The agenda needs at least one accepted item, and not to be approved.")
        question = agenda_question
    else:
        question = clean_text(command.question or "", QUESTION_MAX, "question", "question")
    if subject is not Subject.QUESTION and command.question is not None:
        raise Rejection("bad_field", "Only a question vote takes a question.", "question")
    if ballot is r.BallotKind.CHOICE:
        if subject is not Subject.QUESTION:
            raise Rejection("bad_field", "A choice among options is for a question vote.", "ballot")
        options = tuple(clean_text(o, OPTION_MAX, "option", "options") for o in command.options)
        if not 2 <= len(options) <= OPTIONS_MAX or len(set(options)) != len(options):
            raise Rejection(
                "bad_field", f"Give 2 to {OPTIONS_MAX} different options.", "options", {"low": 2, "high": OPTIONS_MAX}
            )
    elif command.options or command.multi:
        raise Rejection("bad_field", "Options are for a choice ballot.", "options")
    else:
        options = ()
    rule = r.make_rule(
        ballot,
        command.rule,
        fraction=command.fraction,
        threshold=command.threshold,
        stand_aside_limit=command.stand_aside_limit,
        quorum_share=command.quorum_share,
        quorum_count=command.quorum_count,
    )
    return VoteOpened(
        at=now,
        vote_id=state.next_id,
        subject=subject.value,
        target=target,
        question=question,
        ballot=ballot.value,
        options=list(options),
        multi=command.multi,
        rule=rule.to_dict(),
        secret=command.secret,
        hidden=command.hidden,
        item_id=item_id,
        seal=seal if command.secret else "",
    )


def _seal_size(vote: Vote) -> int:
    """Bytes every sealed ballot of ``vote`` is padded to: at least the longest ballot it can get
    (every option chosen, the longest reason, 4 bytes a character), so all have one length."""
    return 512 + 4 * (REASON_MAX + sum(len(c) + 2 for c in vote.choices))


def _target(command: OpenVote) -> int:
    if command.target is None:
        raise Rejection("bad_field", f"Say which {command.subject}: 'target'.", "target", {"subject": command.subject})
    return command.target


def _check_choices(vote: Vote, choices: tuple[str, ...]) -> tuple[str, ...]:
    allowed = vote.choices
    if not choices or any(c not in allowed for c in choices) or len(set(choices)) != len(choices):
        raise Rejection("bad_choice", f"Choose from: {', '.join(allowed)}.", "choice", {"allowed": ", ".join(allowed)})
    if len(choices) > 1 and not vote.multi:
        raise Rejection("bad_choice", "Choose one option.", "choice")
    return tuple(sorted(choices, key=allowed.index))


def _withdraw(state: DecisionsState, proposal: Proposal, now: float) -> list[Event]:
    if proposal.status != "open":
        raise Rejection("already_decided", "That proposal was already decided or withdrawn.", "proposal")
    vote = state.current_vote
    if vote is not None and vote.subject is Subject.PROPOSAL and vote.target == proposal.id:
        raise Rejection("vote_open", "The room is voting on it: cancel the vote first.", "proposal")
    return [ProposalWithdrawn(at=now, proposal_id=proposal.id)]


def _proposal(state: DecisionsState, proposal_id: int) -> Proposal:
    proposal = state.proposals.get(proposal_id)
    if proposal is None:
        raise Rejection("unknown_proposal", "There is no such proposal.", "proposal")
    return proposal


def _open_proposal(state: DecisionsState, proposal_id: int) -> Proposal:
    proposal = _proposal(state, proposal_id)
    if proposal.status not in ("open", "failed", "no_quorum"):
        raise Rejection(
            "already_decided",
            f"That proposal is {proposal.status.replace('_', ' ')}.",
            "proposal",
            {"status": proposal.status},
        )
    return proposal


def _pending_amendment(state: DecisionsState, amendment_id: int) -> Amendment:
    amendment = state.amendments.get(amendment_id)
    if amendment is None:
        raise Rejection("unknown_amendment", "There is no such amendment.", "amendment")
    if amendment.status != "pending":
        raise Rejection(
            "already_decided", f"That amendment was {amendment.status}.", "amendment", {"status": amendment.status}
        )
    return amendment


def _keyed(result: r.Result, vote: Vote, counts: Mapping[str, int], present: int) -> r.Result:
    """A result recorded before outcomes carried a message key: the key its words were made from.

    Decided again from what the close recorded; taken only if that gives the very same words (the
    record is what happened, and words from older code stay as they were, in English)."""
    if result.words_key is not None:
        return result
    again = r.decide(vote.rule, vote.ballot, counts, result.turnout, present)
    if again.words != result.words or again.outcome is not result.outcome:
        return result
    return dataclasses.replace(result, words_key=again.words_key, words_params=again.words_params)


def _vote(state: DecisionsState, vote_id: int) -> Vote:
    vote = state.votes.get(vote_id)
    if vote is None:
        raise Rejection("unknown_vote", "There is no such vote.", "vote")
    return vote


# --- apply ---------------------------------------------------------------------------------


def apply(state: DecisionsState, ev: Event) -> DecisionsState:
    match ev:
        case ProposalMade():
            number = len(state.proposals) + 1
            p = Proposal(
                ev.proposal_id,
                ev.text,
                ev.proposer_id,
                ev.proposer_name,
                ev.item_id,
                ev.at,
                original=ev.text,
                number=number,
            )
            return _put(state, "proposals", p, ev.proposal_id)
        case ProposalWithdrawn():
            p = dataclasses.replace(state.proposals[ev.proposal_id], status="withdrawn")
            return _put(state, "proposals", p)
        case AmendmentProposed():
            a = Amendment(ev.amendment_id, ev.proposal_id, ev.text, ev.by_id, ev.at)
            return _put(state, "amendments", a, ev.amendment_id)
        case AmendmentSettled():
            return _settle(state, ev.amendment_id, ev.status, ev.by)
        case VoteOpened():
            vote = Vote(
                id=ev.vote_id,
                subject=Subject(ev.subject),
                target=ev.target,
                question=ev.question,
                ballot=r.BallotKind(ev.ballot),
                options=tuple(ev.options),
                multi=ev.multi,
                rule=r.Rule.from_dict(ev.rule),
                secret=ev.secret,
                hidden=ev.hidden,
                item_id=ev.item_id,
                opened_at=ev.at,
                seal=ev.seal,
            )
            return _put(state, "votes", vote, ev.vote_id)
        case BallotCast():
            ballot = Ballot(tuple(ev.choices), ev.reason, ev.receipt, ev.at)
            return _put(state, "votes", _with_ballot(state.votes[ev.vote_id], ev.participant_id, ballot))
        case VoteClosed():
            result = _keyed(r.Result.from_dict(ev.result), state.votes[ev.vote_id], ev.counts, ev.present)
            vote = dataclasses.replace(state.votes[ev.vote_id], closed_at=ev.at, present=ev.present, result=result)
            if ev.shred:  # a secret vote: keep the sorted record, forget who cast which ballot
                vote = dataclasses.replace(
                    vote,
                    ballots={},
                    counts=dict(ev.counts),
                    voters=tuple(ev.voters),
                    receipts=tuple((rc, tuple(ch)) for rc, ch in ev.receipts),
                    reasons=tuple((c, why) for c, why in ev.reasons),
                )
            state = _put(state, "votes", vote)
            if vote.subject is Subject.PROPOSAL and vote.target is not None:
                p = dataclasses.replace(state.proposals[vote.target], status=result.outcome.value)
                state = _put(state, "proposals", p)
            elif vote.subject is Subject.AMENDMENT and vote.target is not None:
                passed = result.outcome is r.Outcome.PASSED
                state = _settle(state, vote.target, "accepted" if passed else "rejected", "vote")
            return state
        case VoteCancelled():
            vote = dataclasses.replace(state.votes[ev.vote_id], cancelled=True)
            if ev.shred:
                vote = dataclasses.replace(vote, ballots={}, counts={})
            return _put(state, "votes", vote)
        case VoteDismissed():
            return _put(state, "votes", dataclasses.replace(state.votes[ev.vote_id], dismissed=True))
        case ActionAdded():
            action = Action(ev.action_id, ev.vote_id, ev.what, ev.who, ev.at)
            return _put(state, "actions", action, ev.action_id)
        case ActionRemoved():
            actions = {k: v for k, v in state.actions.items() if k != ev.action_id}
            return dataclasses.replace(state, actions=actions)
    raise ValueError(f"no decisions apply for {ev.type}")


def _put(state: DecisionsState, table: str, row: Any, new_id: int | None = None) -> DecisionsState:
    rows = {**getattr(state, table), row.id: row}
    next_id = state.next_id if new_id is None else max(state.next_id, new_id + 1)
    return dataclasses.replace(state, **{table: rows}, next_id=next_id)


def _settle(state: DecisionsState, amendment_id: int, status: str, by: str) -> DecisionsState:
    amendment = dataclasses.replace(state.amendments[amendment_id], status=status, settled_by=by)
    state = _put(state, "amendments", amendment)
    if status == "accepted":  # the proposal now reads as amended
        proposal = dataclasses.replace(state.proposals[amendment.proposal_id], text=amendment.text)
        state = _put(state, "proposals", proposal)
    return state


def without_participant(state: DecisionsState, participant_id: str) -> DecisionsState:
    """A removed participant is no longer eligible: their ballot in an open vote is withdrawn."""
    vote = state.current_vote
    if vote is None or participant_id not in vote.ballots:
        return state
    return _put(state, "votes", _with_ballot(vote, participant_id, None))


def _with_ballot(vote: Vote, participant_id: str, ballot: Ballot | None) -> Vote:
    """Replace (or, with None, withdraw) one participant's ballot, moving the running counts with it."""
    counts = dict(vote.counts)
    before = vote.ballots.get(participant_id)
    for choice in before.choices if before else ():
        counts[choice] -= 1
    for choice in ballot.choices if ballot else ():
        counts[choice] = counts.get(choice, 0) + 1
    ballots = {k: v for k, v in vote.ballots.items() if k != participant_id}
    if ballot is not None:
        ballots[participant_id] = ballot
    return dataclasses.replace(vote, ballots=ballots, counts=counts)


EVENTS = (
    ProposalMade,
    ProposalWithdrawn,
    AmendmentProposed,
    AmendmentSettled,
    VoteOpened,
    BallotCast,
    VoteClosed,
    VoteCancelled,
    VoteDismissed,
    ActionAdded,
    ActionRemoved,
)
