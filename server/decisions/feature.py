"""Proposals, amendments, votes and decisions as a feature: messages, decide, apply.

Closing an agenda vote that passes also approves the agenda (``agenda.approved``): a rule
that spans two features, decided here as an event of its own.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from server.agenda import core as ag
from server.core import meeting as m
from server.core import registry
from server.core.errors import Rejection
from server.core.event import Event
from server.core.inputs import Inputs
from server.core.registry import Field, Message
from server.decisions import core as dc
from server.decisions import rules

F = m.Role.FACILITATOR
_INT = Field(int)
_OPT_INT = Field(int, required=False)
_OPT_BOOL = Field(bool, required=False)
_LONG = Field(str, max_length=dc.PROPOSAL_MAX)
_SETTLE = (dc.WithdrawProposal, dc.AcceptAmendment, dc.WithdrawAmendment)  # by the proposer/author, or facilitation
_PARTICIPANT = (dc.Propose, dc.Amend, dc.CastBallot, *_SETTLE)


def decide(state: m.MeetingState, command: Any, actor: m.Actor, inputs: Inputs) -> list[Event]:
    now = inputs.now
    item = state.agenda.current
    if isinstance(command, _SETTLE) and actor.role is F:
        return dc.decide_facilitator(state.decisions, command, item, now, None)
    if isinstance(command, _PARTICIPANT):
        me = m.joined(state, actor)
        if isinstance(command, dc.CastBallot):  # the receipt is drawn by the hub; the core keeps the first
            command = dataclasses.replace(command, receipt=inputs.receipt)
        return dc.decide_participant(state.decisions, command, me.id, me.name, item, now)
    m.require(actor, F)
    if isinstance(command, dc.CloseVote):
        present = sum(1 for pid in inputs.present if _member(state, pid))  # the quorum: those here at the close
        evs = dc.decide_facilitator(state.decisions, dataclasses.replace(command, present=present), item, now, None)
        vote = state.decisions.votes[command.vote_id]
        closed = evs[0]
        outcome = closed.result.get("outcome") if isinstance(closed, dc.VoteClosed) else None
        if vote.subject is dc.Subject.AGENDA and outcome == rules.Outcome.PASSED.value:
            evs = [*evs, ag.AgendaApproved(at=now, vote_id=vote.id)]  # a passed agenda vote approves it
        return evs
    return dc.decide_facilitator(state.decisions, command, item, now, state.agenda.question(), inputs.seal)


def _member(state: m.MeetingState, pid: str) -> bool:
    p = state.participants.get(pid)
    return p is not None and not p.removed


def apply(state: m.MeetingState, ev: Event) -> m.MeetingState:
    decisions = dc.apply(state.decisions, ev)
    if isinstance(ev, dc.VoteClosed) and not state.explicit_rules:
        vote = decisions.votes[ev.vote_id]
        if vote.subject is dc.Subject.AGENDA and vote.result and vote.result.outcome is rules.Outcome.PASSED:
            # Logs from before agenda.approved was an event of its own: the close approved it here.
            return dataclasses.replace(state, decisions=decisions, agenda=ag.approve(state.agenda, ev.at))
    return dataclasses.replace(state, decisions=decisions)


def forget(state: m.MeetingState, pid: str) -> m.MeetingState:
    return dataclasses.replace(state, decisions=dc.without_participant(state.decisions, pid))


def _open_vote(f: dict[str, Any]) -> dc.OpenVote:
    return dc.OpenVote(
        subject=f["subject"],
        ballot=f["ballot"],
        rule=f["rule"],
        target=f.get("target"),
        question=f.get("question"),
        options=f.get("options", ()),
        multi=f.get("multi", False),
        fraction=f.get("fraction"),
        threshold=f.get("threshold"),
        stand_aside_limit=f.get("stand_aside_limit"),
        quorum_share=f.get("quorum_share"),
        quorum_count=f.get("quorum_count"),
        secret=f.get("secret", False),
        hidden=f.get("hidden", False),
    )


def _ballot(f: dict[str, Any]) -> dc.CastBallot:
    if ("choice" in f) == ("choices" in f):
        raise Rejection("bad_field", "Give either 'choice' or 'choices'.", "choice")
    choices = (f["choice"],) if "choice" in f else f["choices"]
    return dc.CastBallot(vote_id=f["vote"], choices=choices, reason=f.get("reason", ""))


FAC = ("facilitator",)
MESSAGES = {
    "propose": Message({"text": _LONG}, lambda f: dc.Propose(text=f["text"])),
    "add_proposal": Message(
        {"text": _LONG, "proposer": Field(str, required=False, max_length=80)},
        lambda f: dc.AddProposal(text=f["text"], proposer=f.get("proposer", "")),
        roles=FAC,
    ),
    "withdraw_proposal": Message(
        {"proposal": _INT}, lambda f: dc.WithdrawProposal(proposal_id=f["proposal"]), roles=("phone", "facilitator")
    ),
    "amend": Message({"proposal": _INT, "text": _LONG}, lambda f: dc.Amend(proposal_id=f["proposal"], text=f["text"])),
    "accept_amendment": Message(
        {"amendment": _INT},
        lambda f: dc.AcceptAmendment(amendment_id=f["amendment"]),
        roles=("phone", "facilitator"),
    ),
    "withdraw_amendment": Message(
        {"amendment": _INT},
        lambda f: dc.WithdrawAmendment(amendment_id=f["amendment"]),
        roles=("phone", "facilitator"),
    ),
    "open_vote": Message(
        {
            "subject": Field(str, max_length=16),
            "ballot": Field(str, max_length=16),
            "rule": Field(str, max_length=24),
            "target": _OPT_INT,
            "question": Field(str, required=False, max_length=dc.QUESTION_MAX),
            "options": Field(list, required=False, max_length=dc.OPTIONS_MAX, item_length=dc.OPTION_MAX),
            "multi": _OPT_BOOL,
            "fraction": Field(str, required=False, max_length=12),
            "threshold": _OPT_INT,
            "stand_aside_limit": _OPT_INT,
            "quorum_share": _OPT_INT,
            "quorum_count": _OPT_INT,
            "secret": _OPT_BOOL,
            "hidden": _OPT_BOOL,
        },
        _open_vote,
        roles=FAC,
        needs=frozenset({"seal"}),  # a fresh seal id: a secret vote's ballots are stored sealed under it
    ),
    "cast_ballot": Message(
        {
            "vote": _INT,
            "choice": Field(str, required=False, max_length=dc.OPTION_MAX),
            "choices": Field(list, required=False, max_length=dc.OPTIONS_MAX, item_length=dc.OPTION_MAX),
            "reason": Field(str, required=False, max_length=dc.REASON_MAX),
        },
        _ballot,
        needs=frozenset({"receipt"}),  # a voter's receipt (the core keeps their first)
    ),
    "close_vote": Message(
        {"vote": _INT},
        lambda f: dc.CloseVote(vote_id=f["vote"]),
        roles=FAC,
        needs=frozenset({"present"}),  # the quorum counts those present at the close
    ),
    "cancel_vote": Message({"vote": _INT}, lambda f: dc.CancelVote(vote_id=f["vote"]), roles=FAC),
    "dismiss_vote": Message({"vote": _INT}, lambda f: dc.DismissVote(vote_id=f["vote"]), roles=FAC),
    "add_action": Message(
        {"vote": _INT, "what": Field(str, max_length=dc.ACTION_MAX), "who": Field(str, max_length=dc.WHO_MAX)},
        lambda f: dc.AddAction(vote_id=f["vote"], what=f["what"], who=f["who"]),
        roles=FAC,
    ),
    "remove_action": Message({"action": _INT}, lambda f: dc.RemoveAction(action_id=f["action"]), roles=FAC),
}

FEATURE = registry.Feature(
    name="decisions",
    messages=MESSAGES,
    commands=(
        *_PARTICIPANT,
        dc.AddProposal,
        dc.OpenVote,
        dc.CloseVote,
        dc.CancelVote,
        dc.DismissVote,
        dc.AddAction,
        dc.RemoveAction,
    ),
    decide=decide,
    events=dc.EVENTS,
    apply=apply,
    forget=forget,
)
