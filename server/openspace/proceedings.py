"""An Open Space's proceedings: the theme, the wall as it ran, every report with who took part, the
dot-vote's ranking and the adopted priorities with who adopted them.

Produced from the meeting's state, which is the fold of its log (like the minutes), as JSON and as
Markdown; served at ``/api/meetings/{id}/proceedings.json`` and ``.md`` and printed by the page
``clients/proceedings/`` (docs/api.md).  Names and texts are data: the Markdown escapes nothing
because it is served as ``text/markdown``, and the page shows every field as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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


def markdown(data: dict[str, Any]) -> str:
    meeting = data["meeting"]
    out = [f"# Proceedings: {meeting['title']}", ""]
    out.append(f"As of {meeting['as_of']}" + (f" (ended {meeting['ended_at']})" if meeting["ended_at"] else ""))
    out.append("")
    if not data["open_space"]:
        return "\n".join([*out, "This meeting has no Open Space.", ""])
    if data["theme"]:
        out += [f"**Theme:** {data['theme']}", ""]
    out += ["## The wall", ""]
    placed = False
    for slot in data["wall"]:
        if not slot["topics"]:
            continue
        placed = True
        ran = " (ran)" if slot["started_at"] else ""
        out += [f"### {slot['start']} – {slot['end']}{ran}", ""]
        for t in slot["topics"]:
            co = f" with {', '.join(t['coconveners'])}" if t["coconveners"] else ""
            out.append(
                f"- **{t['title']}** — {t['space']}; convened by {t['convener']}{co}; "
                f"{t['interest']} interested, {t['came']} came"
            )
        out.append("")
    if not placed:
        out += ["No topic was placed on the wall.", ""]
    out += ["## Reports", ""]
    if not data["reports"]:
        out += ["No reports were written.", ""]
    for r in data["reports"]:
        out += [f"### {r['title']}", "", f"Reporter: {r['reporter']}"]
        out += [f"Took part: {', '.join(r['participants']) or 'nobody recorded'}", ""]
        for key, label in (("key_points", "Key points"), ("proposals", "Proposals"), ("next_steps", "Next steps")):
            if r[key]:
                out += [f"{label}:", "", *(f"> {line}" if line else ">" for line in r[key].split("\n")), ""]
    out += ["## Dot-vote ranking", ""]
    if not data["ranking"]:
        out += ["Dot-voting has not closed." if data["dots"] else "There was no dot-voting.", ""]
    for p in data["ranking"]:
        out.append(f"{p['rank']}. {p['title']} ({p['dots']} dots)")
    if data["ranking"]:
        out.append("")
    out += ["## Adopted priorities", ""]
    if not data["adopted"]:
        out += ["No priority has been adopted.", ""]
    for p in data["adopted"]:
        out.append(f"- {p['title']}: adopted by {', '.join(p['adopted_by'])}")
    if data["adopted"]:
        out.append("")
    return "\n".join(out)
