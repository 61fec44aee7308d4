"""Minutes, produced from the log (via the folded state), never typed twice.

``minutes(state)`` gives a JSON-ready record: the agenda as approved, for each item
the speakers in order with their times, proposals with their full text and
amendments, ballots' results, decisions and action points, temperature checks, and
who spoke (per person, and shares per self-declared group).  ``markdown(data)``
renders it for people, in any language of the catalogues (``minutes.md?lang=es``: headings and
fixed words from ``clients/i18n/minutes/``, rules, outcomes and kinds of entry from
``clients/i18n/server/``, plurals by Babel's CLDR rules).  Served at
``/api/meetings/{id}/minutes.json`` (language-free) and ``.md``.  What people wrote (names,
proposals, reasons) is never translated.  Each feature's section (breakout rooms, Open Space, World
Café, interpretation) is worded by its ``markdown(data, w)`` in the same language, from its own
catalogues (``clients/i18n/minutes-<feature>/``, see ``Feature.words``).

Secret ballots stay secret here: counts, the list of who voted, and the receipts
(sorted by receipt) — never who chose what.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server import i18n
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
    rule_key, rule_params = v.rule.words_key()
    data: dict[str, Any] = {
        "vote": v.id,
        "subject": v.subject.value,
        "question": v.question,
        "ballot": v.ballot.value,
        "rule": v.rule.describe(),
        "rule_key": rule_key,  # the rule as a message key with params (clients/i18n/server/)
        "rule_params": rule_params,
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

_KINDS = {label: kind.value for kind, label in sk.LABELS.items()}  # the record keeps a kind's English label
OTHERS = "Others / not declared"  # the group sk.group_shares folds small groups into


def _hm(iso: str | None) -> str:
    return iso[11:16] if iso else ""


def markdown(data: dict[str, Any], lang: str = "en") -> str:
    """The minutes for people, in ``lang`` (one of :data:`server.i18n.LANGUAGES`; anything else is English)."""
    w = i18n.words(lang, "minutes", "server")
    meeting = data["meeting"]
    out = [f"# {w('minutes.title', title=meeting['title'])}", ""]
    out.append(w("minutes.started", at=meeting["started_at"]))
    out.append(
        w("minutes.ended", at=meeting["ended_at"])
        if meeting["ended_at"]
        else w("minutes.in_progress", at=meeting["as_of"])
    )
    out += [w("minutes.participants", count=meeting["participants"]), "", f"## {w('minutes.agenda')}", ""]
    agenda = data["agenda"]

    def item_line(n: int, title: str, length: int) -> str:
        return w("minutes.agenda.item", number=n, title=title, length=w("minutes.duration", count=length))

    if agenda["approved_at"]:
        out.append(w("minutes.agenda.approved", time=_hm(agenda["approved_at"])))
        out += [item_line(n, a["title"], a["minutes"]) for n, a in enumerate(agenda["approved"], 1)]
    else:
        out.append(w("minutes.agenda.not_approved"))
        out += [item_line(n, i["title"], i["minutes"]) for n, i in enumerate(agenda["items"], 1)]
    for section in data["items"]:
        title = w("minutes.before_agenda") if section["item"] is None else section["title"]
        out += ["", f"## {title}", ""]
        if section["speakers"]:
            out.append(w("minutes.speakers"))
            out += [
                "- "
                + w(
                    "minutes.speaker",
                    time=_hm(s["started_at"]),
                    name=s["name"],
                    kind=_kind(w, s["kind"]),
                    seconds=s["seconds"],
                )
                for s in section["speakers"]
            ]
            out.append("")
        for check in section["checks"]:
            counts = ", ".join(
                w("minutes.count", choice=_word(w, "minutes.signal", k), count=n) for k, n in check["counts"].items()
            )
            out += [w("minutes.check", time=_hm(check["at"]), question=check["question"], counts=counts), ""]
        for p in section["proposals"]:
            status = _word(w, "minutes.status", p["status"], p["status"].replace("_", " "))
            out += [
                f"### {w('minutes.proposal', number=p['number'], name=p['proposer'], status=status)}",
                "",
                p["text"],
                "",
            ]
            if p["original"] != p["text"]:
                out += [w("minutes.original"), "", f"> {p['original']}", ""]
            for a in p["amendments"]:
                by = a["by"] or w("minutes.the_facilitator")
                status = _word(w, "minutes.status", a["status"])
                out.append("- " + w("minutes.amendment", name=by, status=status, text=a["text"]))
            if p["amendments"]:
                out.append("")
        for v in section["votes"]:
            out += _vote_md(w, v)
    out += ["", f"## {w('minutes.decisions')}", ""]
    for d in data["decisions"]:
        out.append(f"- **{_word(w, 'server.outcome', d['outcome'], d['label'])}**: {d['question']}")
        out += ["  - " + w("minutes.action", what=a["what"], who=a["who"]) for a in d["actions"]]
    if not data["decisions"]:
        out.append(w("minutes.none"))
    for feature in registry.features():  # each feature words its own section, in the same language
        if feature.markdown is not None and data.get(feature.name):
            out += feature.markdown(data[feature.name], i18n.words(lang, *feature.words, "minutes", "server"))
    out += ["", f"## {w('minutes.who_spoke')}", ""]
    out += [
        "- "
        + w("minutes.spoke", name=s["name"], turns=w("minutes.turns", count=s["turns"]), seconds=round(s["seconds"]))
        for s in data["statistics"]["speakers"]
    ]
    if data["statistics"]["groups"]:
        header = [w(f"minutes.groups.{k}") for k in ("group", "present_share", "turn_share", "time_share")]
        out += ["", f"| {' | '.join(header)} |", "|---|---|---|---|"]
        for g in data["statistics"]["groups"]:
            cells = [f"{g[k]}%" if g[k] is not None else "–" for k in ("present_share", "turn_share", "time_share")]
            group = w("minutes.groups.others") if g["group"] == OTHERS else g["group"]
            out.append(f"| {group} | {' | '.join(cells)} |")
    return "\n".join(out) + "\n"


def _word(w: i18n.Words, prefix: str, code: str, fallback: str | None = None) -> str:
    """A code's words (``prefix.code``); codes the catalogues don't know stay as they are (or ``fallback``)."""
    key = f"{prefix}.{code}"
    return w(key) if w.has(key) else (fallback if fallback is not None else code)


def _kind(w: i18n.Words, label: str) -> str:
    kind = _KINDS.get(label)
    return w(f"minutes.kind.{kind}") if kind else label.lower()


def _choice(w: i18n.Words, choice: str) -> str:
    """A ballot's choice: yes, block… in words; a question's own options as they were written."""
    return _word(w, "server.choice", choice, rules.CHOICE_LABELS.get(choice, choice))


def _vote_md(w: i18n.Words, v: dict[str, Any]) -> list[str]:
    heading = w(
        f"minutes.vote.{'secret' if v['secret'] else 'open'}.{v['subject']}", number=v["vote"], question=v["question"]
    )
    rule = w(v["rule_key"], v["rule_params"]) if v.get("rule_key") else v["rule"]
    out = [f"#### {heading}", "", w("minutes.rule", rule=rule), ""]
    if v["result"] is None:
        return [*out, w("minutes.not_closed"), ""]
    result = v["result"]
    label = _word(w, "server.outcome", result["outcome"], result["label"])
    why = w(result["words_key"], result.get("words_params") or {}) if result.get("words_key") else result["words"]
    counts = ", ".join(w("minutes.count", choice=_choice(w, k), count=n) for k, n in (v["counts"] or {}).items())
    line = w("minutes.result", words=why, counts=counts, present=v["present"], turnout=v["turnout"])
    out += [f"**{label}** {line}", ""]
    for r in v["reasons"]:
        name = r["name"] or w("minutes.anonymous")
        out.append("- " + w("minutes.reason", choice=_choice(w, r["choice"]), reason=r["reason"], name=name))
    if v["secret"]:
        out += ["", w("minutes.voted", names=", ".join(v["voters"])), "", w("minutes.receipts")]
        out += [f"- `{r['receipt']}` {', '.join(_choice(w, c) for c in r['choices'])}" for r in v["receipts"]]
    else:
        for choice, names in v["roll_call"].items():
            out.append("- " + w("minutes.roll_call", choice=_choice(w, choice), names=", ".join(names) or "—"))
    return [*out, ""]
