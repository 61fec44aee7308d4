"""Minutes, produced from the log (via the folded state), never typed twice.

``minutes(state)`` gives a JSON-ready record: the agenda as approved, for each item
the speakers in order with their times, proposals with their full text and
amendments, ballots' results, decisions and action points, temperature checks, and
who spoke (per person, and shares per self-declared group).  ``markdown(data)``
renders it for people.  Served at ``/api/meetings/{id}/minutes.json`` and ``.md``.

Secret ballots stay secret here: counts, the list of who voted, and the receipts
(sorted by receipt) — never who chose what.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.core import registry, views
from server.core.meeting import MeetingState
from server.decisions import core as dc
from server.decisions import rules
from server.stack import core as sk


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def minutes(state: MeetingState) -> dict[str, Any]:
    data = _assembly(state)
    for feature in registry.features():  # each feature's section, under its name
        if feature.minutes is not None:
            data[feature.name] = feature.minutes(state)
    return data


def _assembly(state: MeetingState) -> dict[str, Any]:
    agenda = state.agenda
    now = state.last_event_at
    items = [
        {
            "item": i.id,
            "title": i.title,
            "description": i.description,
            "minutes": i.minutes,
            "status": i.status,
            "proposed_by": views.name_of(state, i.proposed_by) if i.proposed_by else None,
            "started_at": _iso(i.started_at),
            "ended_at": _iso(i.ended_at),
        }
        for i in agenda.items
        if i.status != "proposed"
    ]
    sections = []
    for item_id, title in [(None, "Before the agenda"), *((i.id, i.title) for i in agenda.accepted)]:
        section = _section(state, item_id, title)
        if item_id is not None or any(section[k] for k in ("speakers", "proposals", "votes", "checks")):
            sections.append(section)
    participants = [p for p in state.participants.values() if not p.removed]
    return {
        "meeting": {
            "id": state.id,
            "title": state.title,
            "started_at": _iso(state.created_at),
            "ended_at": _iso(state.ended_at),
            "as_of": _iso(now),
            "participants": len(participants),
        },
        "agenda": {
            "approved_at": _iso(agenda.approved_at),
            "approved": [{"title": a.title, "minutes": a.minutes} for a in agenda.approved],
            "items": items,
        },
        "items": sections,
        "decisions": [
            {
                "vote": v.id,
                "question": v.question,
                "outcome": v.result.outcome.value,
                "label": rules.OUTCOME_WORDS[v.result.outcome],
                "actions": [
                    {"what": a.what, "who": a.who} for a in state.decisions.actions.values() if a.vote_id == v.id
                ],
            }
            for v in state.decisions.votes.values()
            if v.result is not None and v.subject is not dc.Subject.AMENDMENT
        ],
        "statistics": {
            "speakers": [
                {k: row[k] for k in ("name", "turns", "seconds")}
                for row in sk.statistics(state.stack, {p.id: p.name for p in state.participants.values()}, now)
            ],
            # Shares against everyone who took part (presence is not in the log).
            "groups": sk.group_shares(state.stack, [p.id for p in participants], now),
        },
    }


def _section(state: MeetingState, item_id: str | None, title: str) -> dict[str, Any]:
    turns = [t for t in state.stack.turns if t.item_id == item_id]
    votes = [v for v in state.decisions.votes.values() if v.item_id == item_id and not v.cancelled]
    return {
        "item": item_id,
        "title": title,
        "speakers": [
            {
                "name": views.name_of(state, t.participant_id),
                "kind": sk.LABELS[t.kind],
                "started_at": _iso(t.started_at),
                "seconds": round((t.ended_at or state.last_event_at) - t.started_at),
            }
            for t in turns
        ],
        "proposals": [_proposal(state, p) for p in state.decisions.proposals.values() if p.item_id == item_id],
        "votes": [_vote(state, v) for v in votes],
        "checks": [
            {"question": c.question, "at": _iso(c.started_at), "counts": c.counts()}
            for c in state.signals.checks.values()
            if _item_at(state, c.started_at) == item_id
        ],
    }


def _item_at(state: MeetingState, ts: float) -> str | None:
    """The item under way at ``ts`` (checks don't carry one)."""
    for i in state.agenda.items:
        if i.started_at is not None and i.started_at <= ts and (i.ended_at is None or ts < i.ended_at):
            return i.id
    return None


def _proposal(state: MeetingState, p: dc.Proposal) -> dict[str, Any]:
    return {
        "proposal": p.id,
        "number": p.number,
        "text": p.text,
        "original": p.original,
        "proposer": p.proposer_name,
        "status": p.status,
        "made_at": _iso(p.made_at),
        "amendments": [
            {
                "text": a.text,
                "by": views.name_of(state, a.by_id) if a.by_id else "",
                "status": a.status,
                "settled_by": a.settled_by,
                "at": _iso(a.at),
            }
            for a in state.decisions.amendments.values()
            if a.proposal_id == p.id
        ],
    }


def _vote(state: MeetingState, v: dc.Vote) -> dict[str, Any]:
    public = views.vote_view(state, v, None) or {}
    data: dict[str, Any] = {
        "vote": v.id,
        "subject": v.subject.value,
        "question": v.question,
        "ballot": v.ballot.value,
        "rule": v.rule.describe(),
        "secret": v.secret,
        "opened_at": _iso(v.opened_at),
        "closed_at": _iso(v.closed_at),
        "present": v.present if v.result else None,
        "turnout": v.turnout,
        "counts": public.get("counts") if v.result else None,
        "result": v.result.to_dict() if v.result else None,
        "reasons": views.vote_reasons(state, v) if v.result else [],  # all of them (views send 20)
    }
    if v.result is None:
        return data
    if v.secret:
        data["voters"] = views.who_voted(state, v)
        data["receipts"] = views.receipts(v)
    else:
        names = public.get("names") or {}
        data["roll_call"] = {c: entry["names"] for c, entry in names.items()}
    return data


# --- Markdown ------------------------------------------------------------------------------


def _hm(iso: str | None) -> str:
    return iso[11:16] if iso else ""


def markdown(data: dict[str, Any]) -> str:
    meeting = data["meeting"]
    out = [f"# Minutes: {meeting['title']}", ""]
    out.append(f"Started {meeting['started_at']} (times are UTC)")
    out.append(f"Ended {meeting['ended_at']}" if meeting["ended_at"] else f"In progress; as of {meeting['as_of']}")
    out += [f"Participants: {meeting['participants']}", "", "## Agenda", ""]
    agenda = data["agenda"]
    if agenda["approved_at"]:
        out.append(f"Approved by the assembly at {_hm(agenda['approved_at'])}:")
        out += [f"{n}. {a['title']} ({a['minutes']} min)" for n, a in enumerate(agenda["approved"], 1)]
    else:
        out.append("Not approved.")
        out += [f"{n}. {i['title']} ({i['minutes']} min)" for n, i in enumerate(agenda["items"], 1)]
    for section in data["items"]:
        out += ["", f"## {section['title']}", ""]
        if section["speakers"]:
            out.append("Speakers:")
            out += [
                f"- {_hm(s['started_at'])} {s['name']} ({s['kind'].lower()}, {s['seconds']} s)"
                for s in section["speakers"]
            ]
            out.append("")
        for check in section["checks"]:
            counts = ", ".join(f"{k} {n}" for k, n in check["counts"].items())
            out += [f"Temperature check at {_hm(check['at'])}: {check['question']}: {counts}", ""]
        for p in section["proposals"]:
            out += [
                f"### Proposal {p['number']} by {p['proposer']} ({p['status'].replace('_', ' ')})",
                "",
                p["text"],
                "",
            ]
            if p["original"] != p["text"]:
                out += ["Original wording:", "", f"> {p['original']}", ""]
            for a in p["amendments"]:
                out.append(f"- Amendment by {a['by'] or 'the facilitator'} ({a['status']}): {a['text']}")
            if p["amendments"]:
                out.append("")
        for v in section["votes"]:
            out += _vote_md(v)
    out += ["", "## Decisions", ""]
    for d in data["decisions"]:
        out.append(f"- **{d['label']}**: {d['question']}")
        out += [f"  - Action: {a['what']} (who: {a['who']})" for a in d["actions"]]
    if not data["decisions"]:
        out.append("None.")
    for feature in registry.features():
        if feature.markdown is not None and data.get(feature.name):
            out += feature.markdown(data[feature.name])
    out += ["", "## Who spoke", ""]
    out += [
        f"- {s['name']}: {s['turns']} {'turn' if s['turns'] == 1 else 'turns'}, {round(s['seconds'])} s"
        for s in data["statistics"]["speakers"]
    ]
    if data["statistics"]["groups"]:
        out += ["", "| group | share of participants | share of turns | share of speaking time |", "|---|---|---|---|"]
        for g in data["statistics"]["groups"]:
            cells = [f"{g[k]}%" if g[k] is not None else "–" for k in ("present_share", "turn_share", "time_share")]
            out.append(f"| {g['group']} | {' | '.join(cells)} |")
    return "\n".join(out) + "\n"


def _vote_md(v: dict[str, Any]) -> list[str]:
    kind = "Secret vote" if v["secret"] else "Open vote"
    out = [f"#### {kind} {v['vote']} on the {v['subject']}: {v['question']}", "", f"Rule: {v['rule']}.", ""]
    if v["result"] is None:
        return [*out, "Not closed.", ""]
    result = v["result"]
    counts = ", ".join(f"{rules.CHOICE_LABELS.get(k, k)} {n}" for k, n in (v["counts"] or {}).items())
    out += [f"**{result['label']}** ({result['words']}) {counts}. Present {v['present']}, ballots {v['turnout']}.", ""]
    for r in v["reasons"]:
        out.append(f"- {rules.CHOICE_LABELS.get(r['choice'], r['choice'])}: {r['reason']} ({r['name'] or 'anonymous'})")
    if v["secret"]:
        out += ["", f"Voted: {', '.join(v['voters'])}", "", "Receipts:"]
        out += [
            f"- `{r['receipt']}` {', '.join(rules.CHOICE_LABELS.get(c, c) for c in r['choices'])}"
            for r in v["receipts"]
        ]
    else:
        for choice, names in v["roll_call"].items():
            out.append(f"- {rules.CHOICE_LABELS.get(choice, choice)}: {', '.join(names) or '—'}")
    return [*out, ""]
