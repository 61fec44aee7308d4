"""Open Space's section of the minutes (the proceedings' content): the theme, the wall as it ran,
every report with who took part, the dot-vote's ranking and who adopted each priority."""

from __future__ import annotations

from typing import Any

from server import i18n
from server.core import meeting as m
from server.openspace import views as ov


def minutes(state: m.MeetingState) -> dict[str, Any] | None:
    os = ov.openspace_of(state)
    if os is ov.EMPTY:
        return None
    spaces = {s.id: s.name for s in os.spaces.values()}
    wall = [
        {
            "slot": slot.id,
            "start": slot.start,
            "end": slot.end,
            "started_at": slot.started_at,
            "ended_at": slot.ended_at,
            "topics": [
                {
                    "topic": t,
                    "title": os.topics[t].title,
                    "space": spaces.get(os.cells[t][1], ""),
                    "convener": ov._name(state, os.topics[t].convener),
                    "came": len(os.came.get(t, ())),
                }
                for t in os.in_slot(slot.id)
            ],
        }
        for slot in os.slots.values()
    ]
    return {
        "theme": os.theme,
        "topics": len(os.active_topics()),
        "wall": wall,
        "reports": ov.news(state, os),
        "priorities": (ov.convergence(state, os) or {}).get("priorities", []),
    }


def markdown(data: dict[str, Any], w: i18n.Words) -> list[str]:
    """The section in Markdown, worded by ``w`` (``clients/i18n/minutes-openspace/``); the theme, topics,
    spaces, names and reports as written."""
    out = ["", f"## {w('minutes.openspace.heading')}", ""]
    if data["theme"]:
        out += [w("minutes.openspace.theme", theme=data["theme"]), ""]
    for slot in data["wall"]:
        if not slot["topics"]:
            continue
        out += [f"### {w('minutes.openspace.slot', slot=slot['slot'])}", ""]
        out += [
            "- "
            + w(
                "minutes.openspace.topic",
                title=t["title"],
                space=t["space"],
                name=t["convener"],
                came=w("minutes.openspace.came", count=t["came"]),
            )
            for t in slot["topics"]
        ]
        out.append("")
    for r in data["reports"]:
        out += [f"### {w('minutes.openspace.report', title=r['title'])}", ""]
        out.append(w("minutes.openspace.reporter", name=r["reporter"]))
        names = ", ".join(r["participants"]) or w("minutes.openspace.nobody")
        out += [w("minutes.openspace.took_part", names=names), ""]
        for key in ("key_points", "proposals", "next_steps"):
            if r[key]:
                label = w(f"minutes.openspace.{key}")
                out += [label, "", *(f"> {line}" if line else ">" for line in r[key].split("\n")), ""]
    if data["priorities"]:
        out += [f"### {w('minutes.openspace.priorities')}", ""]
        for p in data["priorities"]:
            who = (
                w("minutes.openspace.adopted_by", names=", ".join(p["adopted_by"]))
                if p["adopted_by"]
                else w("minutes.openspace.not_adopted")
            )
            dots = w("minutes.openspace.dots", count=p["dots"])
            out.append(w("minutes.openspace.priority", rank=p["rank"], title=p["title"], dots=dots, adopted=who))
        out.append("")
    return out
