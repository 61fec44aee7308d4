"""Open Space's section of the minutes (the proceedings' content): the theme, the wall as it ran,
every report with who took part, the dot-vote's ranking and who adopted each priority."""

from __future__ import annotations

from typing import Any

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


def markdown(data: dict[str, Any]) -> list[str]:
    out = ["", "## Open Space", ""]
    if data["theme"]:
        out += [f"Theme: {data['theme']}", ""]
    for slot in data["wall"]:
        if not slot["topics"]:
            continue
        out += [f"### Slot {slot['slot']}", ""]
        out += [f"- {t['title']} ({t['space']}; convener {t['convener']}; {t['came']} came)" for t in slot["topics"]]
        out.append("")
    for r in data["reports"]:
        out += [f"### Report: {r['title']}", "", f"Reporter: {r['reporter']}"]
        out.append(f"Took part: {', '.join(r['participants']) or 'nobody recorded'}")
        out.append("")
        for key, label in (("key_points", "Key points"), ("proposals", "Proposals"), ("next_steps", "Next steps")):
            if r[key]:
                out += [f"{label}:", "", *(f"> {line}" if line else ">" for line in r[key].split("\n")), ""]
    if data["priorities"]:
        out += ["### Priorities", ""]
        for p in data["priorities"]:
            who = f"adopted by {', '.join(p['adopted_by'])}" if p["adopted_by"] else "not adopted yet"
            out.append(f"{p['rank']}. {p['title']} ({p['dots']} dots; {who})")
        out.append("")
    return out
