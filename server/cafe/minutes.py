"""A World Café's record: its section of the minutes, and the harvest on its own.

Both come from the folded state (the log): the questions, every round's seating (who sat at which
table, the host first), each table's notes with the strongest marked and their stars, the hosts'
summaries, the seating's figures and the harvest's ranking.  The harvest is served at
``/api/meetings/{id}/harvest.json`` and ``.md`` (docs/api.md).  Names and texts are data: the
Markdown escapes nothing because it is served as ``text/markdown``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server import i18n
from server.cafe import views as cv
from server.core import meeting as m


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _name(state: m.MeetingState, pid: str | None) -> str:
    p = state.participants.get(pid) if pid else None
    return p.name if p else ""


def minutes(state: m.MeetingState) -> dict[str, Any] | None:
    cs = cv.cafe_of(state)
    if cs is cv.EMPTY:
        return None
    figures = cs.figures
    rounds = []
    for rnd, sat in zip(cs.rounds, cs.sat, strict=True):
        rounds.append(
            {
                "round": rnd.number,
                "question": rnd.question,
                "started_at": _iso(rnd.started_at),
                "ended_at": _iso(rnd.ended_at),
                "tables": [
                    {
                        "table": t,
                        "number": cs.tables[t].number if t in cs.tables else None,
                        "name": cs.tables[t].name if t in cs.tables else "",
                        "label": cs.tables[t].label if t in cs.tables else t,
                        "title": cs.tables[t].title if t in cs.tables else t,
                        "people": [_name(state, p) for p in people],
                    }
                    for t, people in sat.items()
                ],
            }
        )
    tables = []
    for t in cs.tables.values():
        if not t.notes and not t.summary and not any(t.id in sat for sat in cs.sat):
            continue
        notes = cv._notes(state, cs, t, stars=True)
        tables.append(
            {
                "table": t.id,
                "number": t.number,
                "name": t.name,
                "label": t.label,
                "title": t.title,
                "host": _name(state, cs.hosts.get(t.id)) or None,
                "summary": t.summary,
                "notes": notes,
            }
        )
    return {
        "questions": list(cs.questions),
        "table_size": cs.table_size,
        "rounds_planned": cs.rounds_total,
        "minutes": cs.minutes,
        "seating": None
        if figures is None
        else {
            "repeats": cv.repeats_now(state, cs) if cs.plan else figures.repeats,
            "planned_repeats": figures.repeats,
            "random_mean": figures.random_mean,
            "shuffles": figures.shuffles,
            "lower_bound": figures.lower_bound,
        },
        "rounds": rounds,
        "tables": tables,
        "harvest": {"closed": cs.harvest == "closed", "ranking": cv.ranking(state, cs)} if cs.harvest else None,
    }


def _table(w: i18n.Words, table: dict[str, Any], label: bool = False) -> str:
    """A table as a heading names it ("Table 7 — Oak"), or a sentence (``label``: "table 7 — Oak"),
    in ``w``'s language; the name as written.  A record without its number and name keeps its words."""
    if table.get("number") is None or "name" not in table:
        return str(table["label"] if label else table["title"])
    key = "minutes.cafe.table_label" if label else "minutes.cafe.table"
    if table.get("name"):
        return w(f"{key}_named", number=table["number"], name=table["name"])
    return w(key, number=table["number"])


def markdown(data: dict[str, Any], w: i18n.Words) -> list[str]:
    """The section in Markdown, worded by ``w`` (``clients/i18n/minutes-cafe/``); questions, table names,
    names, notes and summaries as written."""
    out = ["", f"## {w('minutes.cafe.heading')}", ""]
    seating_ = data["seating"]
    if seating_:
        mean, bound = f"{seating_['random_mean']:g}", seating_["lower_bound"]
        out += [w("minutes.cafe.seating", count=seating_["repeats"], mean=mean, bound=bound), ""]
    names = {t["table"]: t.get("name", "") for t in data["tables"]}
    for rnd in data["rounds"]:
        out += [f"### {w('minutes.cafe.round', number=rnd['round'])}", ""]
        if rnd["question"]:
            out += [w("minutes.cafe.question", question=rnd["question"]), ""]
        for table in rnd["tables"]:
            title = _table(w, table)
            out.append(f"- {title}: {', '.join(table['people']) or w('minutes.cafe.nobody')}")
        out.append("")
    for table in data["tables"]:
        out += [f"### {_table(w, table)}", ""]
        if table["host"]:
            out += [w("minutes.cafe.host", name=table["host"]), ""]
        if table["notes"]:
            out.append(w("minutes.cafe.key_ideas"))
            for n in table["notes"]:
                mark = "★ " if n["strong"] else ""
                if n["stars"]:
                    stars = w("minutes.cafe.stars", count=n["stars"])
                    idea = w("minutes.cafe.idea_stars", text=n["text"], round=n["round"], name=n["by"], stars=stars)
                else:
                    idea = w("minutes.cafe.idea", text=n["text"], round=n["round"], name=n["by"])
                out.append(f"- {mark}{idea}")
            out.append("")
        if table["summary"]:
            out += [
                w("minutes.cafe.summary"),
                "",
                *(f"> {line}" if line else ">" for line in table["summary"].split("\n")),
                "",
            ]
    harvest_ = data["harvest"]
    if harvest_ and harvest_["ranking"]:
        out += [f"### {w('minutes.cafe.harvest')}", ""]
        for i, idea in enumerate(harvest_["ranking"], 1):
            named = {**idea, "name": names[idea["table"]]} if idea.get("table") in names else idea
            table = _table(w, named, label=True)
            stars = w("minutes.cafe.stars", count=idea["stars"])
            out.append(w("minutes.cafe.ranked", rank=i, text=idea["text"], table=table, stars=stars))
        out.append("")
    return out


def harvest(state: m.MeetingState) -> dict[str, Any]:
    """The harvest on its own: the meeting, and the café's record (``null`` if there was no café)."""
    return {"meeting": state.id, "title": state.title, "cafe": minutes(state)}


def harvest_markdown(data: dict[str, Any], lang: str = "en") -> str:
    """The harvest in Markdown, in ``lang`` (``harvest.md?lang=es``; anything unknown is English)."""
    w = i18n.words(lang, "minutes-cafe", "minutes", "server")
    lines = [f"# {w('minutes.cafe.harvest_of', title=data['title'])}"]
    if data["cafe"] is None:
        lines += ["", w("minutes.cafe.no_cafe")]
    else:
        lines += ["", *markdown(data["cafe"], w)[3:]]  # without the minutes' "## World Café" heading
    return "\n".join(lines).rstrip() + "\n"
