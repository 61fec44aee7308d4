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

from server.cafe import views as cv
from server.core import meeting as m


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _name(state: m.MeetingState, pid: str | None) -> str:
    p = state.participants.get(pid) if pid else None
    return p.name if p else ""


def _stars(n: int) -> str:
    return "1 star" if n == 1 else f"{n} stars"


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


def markdown(data: dict[str, Any]) -> list[str]:
    out = ["", "## World Café", ""]
    seating_ = data["seating"]
    if seating_:
        out += [
            f"Seating: {seating_['repeats']} repeated pairs (a random shuffle gives {seating_['random_mean']:g} "
            f"on average; no plan can have fewer than {seating_['lower_bound']}).",
            "",
        ]
    for rnd in data["rounds"]:
        out += [f"### Round {rnd['round']}", ""]
        if rnd["question"]:
            out += [f"Question: {rnd['question']}", ""]
        for table in rnd["tables"]:
            out.append(f"- {table['title']}: {', '.join(table['people']) or 'nobody'}")
        out.append("")
    for table in data["tables"]:
        out += [f"### {table['title']}", ""]
        if table["host"]:
            out += [f"Host: {table['host']}", ""]
        if table["notes"]:
            out.append("Key ideas (★ the strongest):")
            for n in table["notes"]:
                mark = "★ " if n["strong"] else ""
                stars = f", {_stars(n['stars'])}" if n["stars"] else ""
                out.append(f"- {mark}{n['text']} (round {n['round']}, {n['by']}{stars})")
            out.append("")
        if table["summary"]:
            out += ["Host's summary:", "", *(f"> {line}" if line else ">" for line in table["summary"].split("\n")), ""]
    harvest_ = data["harvest"]
    if harvest_ and harvest_["ranking"]:
        out += ["### The harvest: the most starred ideas", ""]
        for i, idea in enumerate(harvest_["ranking"], 1):
            out.append(f"{i}. {idea['text']} ({idea['label']}; {_stars(idea['stars'])})")
        out.append("")
    return out


def harvest(state: m.MeetingState) -> dict[str, Any]:
    """The harvest on its own: the meeting, and the café's record (``null`` if there was no café)."""
    return {"meeting": state.id, "title": state.title, "cafe": minutes(state)}


def harvest_markdown(data: dict[str, Any]) -> str:
    lines = [f"# {data['title']}: World Café harvest"]
    if data["cafe"] is None:
        lines += ["", "No World Café was held in this meeting."]
    else:
        lines += ["", *markdown(data["cafe"])[3:]]  # without the minutes' "## World Café" heading
    return "\n".join(lines).rstrip() + "\n"
