"""An Open Space's proceedings: the theme, the wall as it ran, every report with who took part, the
dot-vote's ranking and the adopted priorities with who adopted them.

Produced from the meeting's state, which is the fold of its log (like the minutes), as JSON and as
Markdown (in the reader's language: ``proceedings.md?lang=es``); served at
``/api/meetings/{id}/proceedings.json`` and ``.md`` and printed by the page ``clients/proceedings/``
(docs/api.md).  Names and texts are data: the Markdown escapes nothing because it is served as
``text/markdown``, and the page shows every field as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server import i18n
from server.core import meeting as m
from server.openspace import views as ov


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def proceedings(state: m.MeetingState) -> dict[str, Any]:
    os = ov.openspace_of(state)
    spaces = {s.id: s for s in os.spaces.values()}
    wall = []
    for slot in os.slots.values():
        topics = []
        for t in os.in_slot(slot.id):
            topic = os.topics[t]
            space = spaces.get(os.cells[t][1])
            topics.append(
                {
                    "topic": t,
                    "title": topic.title,
                    "description": topic.description,
                    "space": space.name if space else "",
                    "capacity": space.capacity if space else None,
                    "convener": ov._name(state, topic.convener),
                    "coconveners": [ov._name(state, p) for p in topic.coconveners],
                    "interest": len(os.interest.get(t, ())),
                    "came": len(os.came.get(t, ())),
                    "priority": topic.priority,
                }
            )
        wall.append(
            {
                "slot": slot.id,
                "start": _iso(slot.start),
                "end": _iso(slot.end),
                "started_at": _iso(slot.started_at),
                "ended_at": _iso(slot.ended_at),
                "topics": topics,
            }
        )
    reports = [{**r, "at": _iso(r["at"])} for r in ov.news(state, os)]
    convergence = ov.convergence(state, os)
    ranking = (convergence or {}).get("priorities", []) if convergence and not convergence["open"] else []
    return {
        "meeting": {
            "id": state.id,
            "title": state.title,
            "started_at": _iso(state.created_at),
            "ended_at": _iso(state.ended_at),
            "as_of": _iso(state.last_event_at),
        },
        "open_space": os is not ov.EMPTY,
        "theme": os.theme,
        "spaces": [{"space": s.id, "name": s.name, "capacity": s.capacity} for s in os.spaces.values()],
        "topics": len(os.active_topics()),
        "wall": wall,
        "reports": reports,
        "dots": None if os.dots is None else {"each": os.dots.budget, "open": os.dots.open},
        "ranking": ranking,
        "adopted": [p for p in ranking if p["adopted_by"]],
    }


def markdown(data: dict[str, Any], lang: str = "en") -> str:
    """The proceedings for people, in ``lang`` (one of :data:`server.i18n.LANGUAGES`; anything else is
    English), worded from the printable page's catalogue (``clients/i18n/proceedings/``, its
    ``proceedings.md.*`` keys being the Markdown's own).  The theme, titles, spaces, names and reports
    stay as written."""
    w = i18n.words(lang, "proceedings")
    meeting = data["meeting"]
    out = [f"# {w('proceedings.heading', title=meeting['title'])}", ""]
    if meeting["ended_at"]:
        out.append(w("proceedings.md.as_of_ended", when=meeting["as_of"], ended=meeting["ended_at"]))
    else:
        out.append(w("proceedings.md.as_of", when=meeting["as_of"]))
    out.append("")
    if not data["open_space"]:
        return "\n".join([*out, w("proceedings.no_open_space"), ""])
    if data["theme"]:
        out += [f"**{w('proceedings.md.theme')}** {data['theme']}", ""]
    out += [f"## {w('proceedings.wall')}", ""]
    placed = False
    for slot in data["wall"]:
        if not slot["topics"]:
            continue
        placed = True
        key = "proceedings.md.slot_ran" if slot["started_at"] else "proceedings.md.slot"
        out += [f"### {w(key, start=slot['start'], end=slot['end'])}", ""]
        for t in slot["topics"]:
            convener = t["convener"]
            if t["coconveners"]:
                convener = w("proceedings.with", convener=convener, names=", ".join(t["coconveners"]))
            people = w(
                "proceedings.md.people",
                interested=w("proceedings.md.interested", count=t["interest"]),
                came=w("proceedings.md.came", count=t["came"]),
            )
            topic = w("proceedings.md.topic", space=t["space"], convener=convener, people=people)
            out.append(f"- **{t['title']}** — {topic}")
        out.append("")
    if not placed:
        out += [w("proceedings.no_topic"), ""]
    out += [f"## {w('proceedings.reports')}", ""]
    if not data["reports"]:
        out += [w("proceedings.no_reports"), ""]
    for r in data["reports"]:
        out += [f"### {r['title']}", "", w("proceedings.md.reporter", name=r["reporter"])]
        out += [w("proceedings.md.took_part", names=", ".join(r["participants"]) or w("proceedings.nobody")), ""]
        for key in ("key_points", "proposals", "next_steps"):
            if r[key]:
                out += [w(f"proceedings.{key}"), "", *(f"> {line}" if line else ">" for line in r[key].split("\n")), ""]
    out += [f"## {w('proceedings.ranking')}", ""]
    if not data["ranking"]:
        out += [w("proceedings.dots_open" if data["dots"] else "proceedings.no_dots"), ""]
    for p in data["ranking"]:
        out.append(f"{p['rank']}. {w('proceedings.md.ranked', title=p['title'], count=p['dots'])}")
    if data["ranking"]:
        out.append("")
    out += [f"## {w('proceedings.adopted')}", ""]
    if not data["adopted"]:
        out += [w("proceedings.none_adopted"), ""]
    for p in data["adopted"]:
        out.append(f"- {p['title']}{w('proceedings.adopted_by', names=', '.join(p['adopted_by']))}")
    if data["adopted"]:
        out.append("")
    return "\n".join(out)
