"""Views: what each audience sees, projected from the state and who is present.

Pure functions returning plain dicts (msgpack/JSON ready).  Audiences:

- ``screen``: the big screen; public, shared by every screen.
- ``facilitator``: the console; shared by every facilitator connection.
- ``phone``: what every phone sees alike (encoded once for all phones).
- ``me``: what only one participant sees (their own name, their status).

Presence is not in the log (a Wi-Fi drop is not an event of the meeting);
the hub passes the set of present participant ids in.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass, fields
from typing import Any

from server.core import meeting as m
from server.core import registry
from server.core.meeting import MeetingState
from server.core.memo import Memos
from server.decisions import core as dc
from server.decisions import rules
from server.signals import core as sg
from server.stack import core as sk

SCREEN_NEXT = 8  # entries after the speaker shown on the big screen
PHONE_NEXT = 5
ROLL_CALL_NAMES = 60  # names per option on a roll-call vote's screen (the minutes have them all)
PHONE_POINTS = 20  # written points on phones (most upvoted first)


_PRESENT = Memos()  # meeting id -> (memoised) who is present
_PEOPLE = Memos()
_NAMES = Memos()


@dataclass(frozen=True)
class Context:
    """What views need beyond the state: who is connected (asked only when needed), the join link."""

    connected: Callable[[], Set[str]]
    join_url: str = ""


def with_sections(view: dict[str, Any], name: str, state: MeetingState, ctx: Context) -> dict[str, Any]:
    """Add each registered feature's section of shared view ``name`` under the feature's name."""
    for feature in registry.features():
        section = feature.sections.get(name)
        if section is not None:
            view[feature.name] = section(state, ctx)
    return view


def feature_view(state: MeetingState, key: str, ctx: Context) -> dict[str, Any] | None:
    """The view of a feature's own audience, ``room:b1-2`` say (None: no such audience)."""
    prefix, _, sub = key.partition(":")
    feature = registry.for_audience(prefix, sub)
    if feature is None or feature.views is None:
        return None
    return feature.views(state, sub, ctx)


def feature_view_deps(state: MeetingState, key: str) -> tuple[Any, ...] | None:
    """What a feature audience's view depends on (None: unknown, project it every time)."""
    prefix, _, sub = key.partition(":")
    feature = registry.for_audience(prefix, sub)
    if feature is None or feature.view_deps is None:
        return None
    return feature.view_deps(state, sub)


_UNSEEN = frozenset({"seq", "last_event_at", "parts"})  # fields no phone's own view reads as such


def touched(before: MeetingState, after: MeetingState) -> frozenset[str] | None:
    """The participants whose ``me`` or feature audience view (their breakout room's) may differ
    between two states; None: anyone's may.

    Views are pure functions of immutable state: what is the same object projects the same.  A hand
    raised in one breakout room replaces that room only, so only its members are touched.
    """
    for f in fields(after):
        if f.name not in _UNSEEN and getattr(before, f.name) is not getattr(after, f.name):
            return None
    who: set[str] = set()
    for name in before.parts.keys() | after.parts.keys():
        a, b = before.parts.get(name), after.parts.get(name)
        if a is b:
            continue
        feature = registry.FEATURES.get(name)
        some = feature.touched(a, b) if feature is not None and feature.touched is not None else None
        if some is None:
            return None
        who |= some
    return frozenset(who)


def present_ids(state: MeetingState, connected: Set[str]) -> list[str]:
    """Participants connected right now, excluding removed ones, in joining order."""
    return _PRESENT[state.id](  # type: ignore[no-any-return]
        (state.participants, connected),
        lambda: [p.id for p in state.participants.values() if p.id in connected and not p.removed],
    )


def _people(state: MeetingState, connected: Set[str]) -> list[dict[str, Any]]:
    """The console's participants: present people first (the facilitator acts on them), each by name."""
    people = [
        {"id": p.id, "name": p.name, "present": p.id in connected, "joined_at": p.joined_at}
        for p in state.participants.values()
        if not p.removed
    ]
    people.sort(key=lambda p: (not p["present"], str(p["name"]).casefold()))
    return people


def screen_view(state: MeetingState, connected: Set[str], join_url: str) -> dict[str, Any]:
    view = {
        "title": state.title,
        "code": state.code,
        "join_url": join_url,
        "present": len(present_ids(state, connected)),
        "ended": state.ended,
        "stack": stack_summary(state, SCREEN_NEXT),
        "agenda": agenda_summary(state),
        "vote": vote_view(state, state.decisions.latest_vote, ROLL_CALL_NAMES),
        "temperature": temperature_view(state),
        "point": _shown_point(state),
    }
    return with_sections(view, "screen", state, Context(lambda: connected, join_url))


def name_of(state: MeetingState, participant_id: str) -> str:
    if sk.is_written(participant_id):
        return f"Written point {participant_id[6:]}"
    p = state.participants.get(participant_id)
    return p.name if p else ""


def stack_summary(state: MeetingState, upcoming: int, stack: sk.StackState | None = None) -> dict[str, Any]:
    """The current speaker with their deadline, and who is next (names and kinds: public in the room).

    ``stack``: a breakout room's (the plenary's by default)."""
    return {**stack_floor(state, stack), **stack_queue(state, upcoming, stack)}


def stack_floor(state: MeetingState, stack: sk.StackState | None = None) -> dict[str, Any]:
    """Whether the stack is open, its rules, and who has the floor until when."""
    stack = stack or state.stack
    turn = stack.speaker
    return {
        "open": stack.open,
        "progressive": stack.progressive,
        "time_limit": stack.time_limit,
        "speaker": None
        if turn is None
        else {
            "name": name_of(state, turn.participant_id),
            "kind": turn.kind.value,
            "label": sk.LABELS[turn.kind],
            "started_at": turn.started_at,
            "deadline": turn.deadline,
        },
    }


def stack_queue(state: MeetingState, upcoming: int, stack: sk.StackState | None = None) -> dict[str, Any]:
    """The first ``upcoming`` entries in speaking order, and how many are waiting."""
    places = (stack or state.stack).order
    return {
        "next": [
            {
                "name": name_of(state, p.entry.participant_id),
                "kind": p.entry.kind.value,
                "label": sk.LABELS[p.entry.kind],
            }
            for p in places[:upcoming]
        ],
        "waiting": len(places),
    }


def phone_view(state: MeetingState, connected: Set[str]) -> dict[str, Any]:
    check = state.signals.last_check
    view = {
        "title": state.title,
        "meeting": state.id,
        "present": len(present_ids(state, connected)),
        "ended": state.ended,
        "stack": stack_floor(state),  # who is next: in the live view
        "agenda": {**agenda_summary(state), "items": agenda_items(state, with_proposed=False)},
        "vote": vote_view(state, state.decisions.latest_vote, ROLL_CALL_NAMES, live=False),
        "check": _check_view(check, show_counts=False) if check else None,
        "points": [_point_view(state, p, moderation=False) for p in state.signals.ranked[:PHONE_POINTS]],
        "proposals": [proposal_view(state, p) for p in state.decisions.proposals.values() if p.status == "open"],
        "groups": list(state.stack.groups),
    }
    return with_sections(view, "phone", state, Context(lambda: connected))


# --- the agenda --------------------------------------------------------------------------


def agenda_summary(state: MeetingState) -> dict[str, Any]:
    """The current item with its time box, and what comes next (the screen's header)."""
    agenda = state.agenda
    item = agenda.current_item
    return {
        "approved": agenda.approved_at is not None,
        "current": None
        if item is None
        else {
            "item": item.id,
            "title": item.title,
            "description": item.description,
            "minutes": item.minutes,
            "started_at": item.started_at,
            "deadline": agenda.deadline,
        },
        "next": [{"item": i.id, "title": i.title, "minutes": i.minutes} for i in agenda.upcoming[:3]],
    }


def agenda_items(state: MeetingState, *, with_proposed: bool) -> list[dict[str, Any]]:
    shown = ("proposed", "accepted", "done", "declined") if with_proposed else ("accepted", "done")
    return [
        {
            "item": i.id,
            "title": i.title,
            "description": i.description,
            "minutes": i.minutes,
            "status": "current" if i.id == state.agenda.current else i.status,
            "proposed_by": name_of(state, i.proposed_by) if i.proposed_by else None,
        }
        for i in state.agenda.items
        if i.status in shown
    ]


# --- proposals and votes -------------------------------------------------------------------


def proposal_view(state: MeetingState, p: dc.Proposal) -> dict[str, Any]:
    return {
        "proposal": p.id,
        "number": p.number,
        "text": p.text,
        "proposer": p.proposer_name,
        "proposer_id": p.proposer_id,
        "status": p.status,
        "item": p.item_id,
        "amendments": [
            {"amendment": a.id, "text": a.text, "by": name_of(state, a.by_id) if a.by_id else "", "by_id": a.by_id}
            for a in state.decisions.amendments.values()
            if a.proposal_id == p.id and a.status == "pending"
        ],
    }


def vote_view(
    state: MeetingState, vote: dc.Vote | None, names_limit: int | None, *, live: bool = True
) -> dict[str, Any] | None:
    """A vote as the room sees it.  Hidden or secret: turnout only until the close; then a secret
    vote shows counts and anonymous reasons, never who chose what.

    ``names_limit``: roll-call names per option (None: all of them, as in the minutes).
    ``live=False``: while the vote is open, leave out what moves with every ballot (turnout,
    counts, names, reasons): phones get the running figures from :func:`phone_live` instead,
    so a wave of ballots does not change every phone's view on every ballot.
    """
    if vote is None:
        return None
    moving = live or not vote.open
    show = moving and not vote.moving_counts_hidden
    choices = vote.choices
    rule_key, rule_params = vote.rule.words_key()
    view: dict[str, Any] = {
        "vote": vote.id,
        "subject": vote.subject.value,
        "target": vote.target,
        "question": vote.question,
        "ballot": vote.ballot.value,
        "choices": [{"choice": c, "label": rules.CHOICE_LABELS.get(c, c)} for c in choices],
        "multi": vote.multi,
        "rule": vote.rule.kind.value,
        "rule_words": vote.rule.describe(),
        "rule_key": rule_key,  # the rule as a message key and params: pages word it in their reader's language
        "rule_params": rule_params,
        "secret": vote.secret,
        "hidden": vote.hidden,
        "open": vote.open,
        "opened_at": vote.opened_at,
        "closed_at": vote.closed_at,
        "turnout": vote.turnout if moving else None,
        "counts": vote.tally if show else None,
        "result": vote.result.to_dict() if vote.result else None,
        "names": None,
        "reasons": [] if moving else None,
        "reasons_total": 0 if moving else None,
    }
    if show and not vote.secret:
        names: dict[str, list[str]] = {c: [] for c in choices}
        for pid, ballot in vote.ballots.items():
            for c in ballot.choices:
                names[c].append(name_of(state, pid))
        view["names"] = {
            c: {"names": sorted(n, key=str.casefold)[:names_limit], "more": max(0, len(n) - (names_limit or len(n)))}
            for c, n in names.items()
        }
    if show:
        reasons = vote_reasons(state, vote)
        view["reasons"] = reasons[:20]  # the minutes have them all
        view["reasons_total"] = len(reasons)
    return view


def vote_reasons(state: MeetingState, vote: dc.Vote) -> list[dict[str, Any]]:
    """Every reason given with a block or stand-aside: by name in an open vote, anonymous in a secret one."""
    if vote.shredded:
        return [{"choice": c, "reason": why, "name": None} for c, why in vote.reasons]
    return [
        {"choice": b.choices[0], "reason": b.reason, "name": None if vote.secret else name_of(state, pid)}
        for pid, b in vote.ballots.items()
        if b.reason
    ]


def phone_live(state: MeetingState) -> dict[str, Any]:
    """What moves with every hand raised and every ballot cast, for phones: who is next on the
    stack, and an open vote's running turnout and counts (``counts`` is ``None`` while hidden or secret).

    Phones get it on a lane of its own, less often the more phones there are (see
    ``server/hub/live.py``), so a queue of raised hands or a wave of ballots does not change
    every phone's ``phone`` view each time.
    """
    vote = state.decisions.latest_vote
    tally = None
    if vote is not None and vote.open:
        tally = {"vote": vote.id, "turnout": vote.turnout, "counts": None if vote.moving_counts_hidden else vote.tally}
    view = {"stack": stack_queue(state, PHONE_NEXT), "vote": tally}
    return with_sections(view, "live", state, Context(frozenset))  # live captions, say


def who_voted(state: MeetingState, vote: dc.Vote) -> list[str]:
    """A secret vote's separate list of who voted (by name, not in voting order)."""
    return sorted((name_of(state, pid) for pid in (vote.voters if vote.shredded else vote.ballots)), key=str.casefold)


def receipts(vote: dc.Vote) -> list[dict[str, Any]]:
    """A secret vote's published receipts with their choices, sorted by receipt (not by voter or time)."""
    if vote.shredded:
        return [{"receipt": receipt, "choices": list(choices)} for receipt, choices in vote.receipts]
    return sorted(
        ({"receipt": b.receipt, "choices": list(b.choices)} for b in vote.ballots.values()), key=lambda r: r["receipt"]
    )


# --- signals and written points -----------------------------------------------------------------


def temperature_view(state: MeetingState) -> dict[str, Any]:
    check = state.signals.last_check
    return {
        "live": sg.live_buckets(state.signals, state.last_event_at),
        "check": _check_view(check, show_counts=True) if check else None,
    }


def _check_view(check: sg.Check, *, show_counts: bool) -> dict[str, Any]:
    return {
        "check": check.id,
        "question": check.question,
        "started_at": check.started_at,
        "deadline": check.deadline,
        "answers": len(check.answers),
        "counts": check.counts() if show_counts else None,
    }


def _point_view(state: MeetingState, p: sg.Point, *, moderation: bool) -> dict[str, Any]:
    """A written point.  Anonymous to the room if its author chose; never to moderation."""
    view = {
        "point": p.id,
        "text": p.text,
        "author": "Anonymous" if p.anonymous else name_of(state, p.author),
        "upvotes": len(p.upvoters),
        "item": p.item_id,
    }
    if moderation:
        view["author"] = name_of(state, p.author)
        view["anonymous"] = p.anonymous
    return view


def _shown_point(state: MeetingState) -> dict[str, Any] | None:
    shown = state.signals.shown
    point = state.signals.points.get(shown) if shown is not None else None
    return _point_view(state, point, moderation=False) if point else None


def facilitator_view(state: MeetingState, connected: Set[str], join_url: str) -> dict[str, Any]:
    people, present = _PEOPLE[state.id](
        (state.participants, connected),
        lambda: (ppl := _people(state, connected), [str(p["id"]) for p in ppl if p["present"]]),
    )
    view = {
        "title": state.title,
        "code": state.code,
        "join_url": join_url,
        "ended": state.ended,
        "present": len(present),
        "participants": people,
        "stack": {
            **stack_summary(state, 0),
            "priority_counts": state.stack.priority_counts,
            "entries": stack_entries(state, state.stack),
            "statistics": sk.statistics(
                state.stack,
                _NAMES[state.id]((state.participants,), lambda: {pid: p.name for pid, p in state.participants.items()}),
                state.last_event_at,
            ),
            "groups": list(state.stack.groups),
            "group_shares": sk.group_shares(state.stack, present, state.last_event_at),
        },
        "agenda": {
            **agenda_summary(state),
            "items": agenda_items(state, with_proposed=True),
            "ready": state.agenda.question() is not None,
        },
        "proposals": [proposal_view(state, p) for p in state.decisions.proposals.values()],
        "vote": vote_view(state, state.decisions.current_vote or state.decisions.latest_vote, ROLL_CALL_NAMES),
        "decisions": [
            {
                "vote": v.id,
                "question": v.question,
                "subject": v.subject.value,
                "result": v.result.to_dict() if v.result else None,
                "actions": [
                    {"action": a.id, "what": a.what, "who": a.who}
                    for a in state.decisions.actions.values()
                    if a.vote_id == v.id
                ],
            }
            for v in state.decisions.votes.values()
            if v.result is not None
        ],
        "temperature": temperature_view(state),
        "points": [_point_view(state, p, moderation=True) for p in state.signals.ranked],
        "point": _shown_point(state),
    }
    return with_sections(view, "facilitator", state, Context(lambda: connected, join_url))


def stack_entries(state: MeetingState, stack: sk.StackState) -> list[dict[str, Any]]:
    """Every entry in speaking order with its reason, for whoever keeps the stack."""
    return [
        {
            "entry": p.entry.id,
            "participant": p.entry.participant_id,
            "name": name_of(state, p.entry.participant_id),
            "kind": p.entry.kind.value,
            "label": sk.LABELS[p.entry.kind],
            "reason": p.reason,
            "reason_key": p.reason_key,
            "reason_params": p.reason_params,
            "moved": p.entry.pinned is not None,
        }
        for p in stack.order
    ]


def me_view(state: MeetingState, participant_id: str | None) -> dict[str, Any]:
    """A phone's private view.  ``status`` is one of: guest, joined, removed."""
    p = state.participants.get(participant_id) if participant_id else None
    if p is None:
        return {"status": "guest", "participant": None}
    if p.removed:
        return {"status": "removed", "participant": None}
    stack = m.stack_in(state, m.room_of(state, p.id))  # the stack of the room they are in
    hand = None
    place = stack.place_of.get(p.id)
    if place is not None:
        entry = place.entry
        hand = {
            "entry": entry.id,
            "kind": entry.kind.value,
            "label": sk.LABELS[entry.kind],
            "position": place.position + 1,
            "reason": place.reason,  # in English; reason_key and its params for the phone's language
            "reason_key": place.reason_key,
            "reason_params": place.reason_params,
        }
    turn = stack.speaker
    speaking = turn is not None and turn.participant_id == p.id
    vote = state.decisions.latest_vote
    ballot = vote.ballots.get(p.id) if vote else None
    check = state.signals.last_check
    signal = state.signals.live.get(p.id)
    return {
        "status": "joined",
        "participant": {"id": p.id, "name": p.name},
        "hand": hand,
        "speaking": {"deadline": turn.deadline, "started_at": turn.started_at} if speaking and turn else None,
        "priority_opted": p.id in state.stack.opted,  # private: only this phone sees it
        "group": state.stack.declared.get(p.id, ""),  # private too
        "ballot": None
        if ballot is None or vote is None
        else {"vote": vote.id, "choices": list(ballot.choices), "reason": ballot.reason, "receipt": ballot.receipt},
        # A closed secret vote keeps no ballots: only whether you voted (the list of who voted is public).
        "voted": vote is not None and (p.id in vote.voters if vote.shredded else ballot is not None),
        "check_answer": check.answers.get(p.id) if check else None,
        "signal": None if signal is None else {"signal": signal[0], "at": signal[1]},
        "upvoted": [q.id for q in state.signals.ranked[:PHONE_POINTS] if p.id in q.upvoters],
        "points": state.signals.open_by_author.get(p.id, []),
        **{f.name: f.sections["me"](state, p.id) for f in registry.features() if "me" in f.sections},
    }
