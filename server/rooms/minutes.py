"""The breakout rooms' section of the minutes: per round, the question and every room
with who was in it, who spoke, its notes and its report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.core import meeting as m
from server.rooms import views as rv
from server.stack import core as sk


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _name(state: m.MeetingState, pid: str | None) -> str:
    p = state.participants.get(pid) if pid else None
    return p.name if p else ""


def minutes(state: m.MeetingState) -> list[dict[str, Any]]:
    rooms = rv.rooms_of(state)
    out = []
    for rnd in rooms.rounds:
        out.append(
            {
                "round": rnd.id,
                "question": rnd.question,
                "mode": rnd.mode.value,
                "started_at": _iso(rnd.started_at),
                "ended_at": _iso(rnd.ended_at),
                "rooms": [
                    {
                        "room": r.id,
                        "name": r.name,
                        "people": [_name(state, pid) for pid in r.members_ever],
                        "rapporteur": _name(state, r.rapporteur) or None,
                        "speakers": [
                            {
                                "name": _name(state, t.participant_id),
                                "kind": sk.LABELS[t.kind],
                                "started_at": _iso(t.started_at),
                                "seconds": round((t.ended_at or state.last_event_at) - t.started_at),
                            }
                            for t in r.stack.turns
                        ],
                        "notes": [{"text": n.text, "by": _name(state, n.participant_id)} for n in r.notes],
                        "report": r.report,
                    }
                    for r in rooms.rooms_of(rnd)
                ],
            }
        )
    return out


def markdown(rounds: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for rnd in rounds:
        out += ["", f"## Breakout round {rnd['round']}", ""]
        if rnd["question"]:
            out += [f"Question: {rnd['question']}", ""]
        for room in rnd["rooms"]:
            out += [f"### {room['name']}", ""]
            out.append(f"In the room: {', '.join(room['people']) or 'nobody'}")
            if room["rapporteur"]:
                out.append(f"Rapporteur: {room['rapporteur']}")
            out.append("")
            if room["speakers"]:
                out.append("Speakers:")
                out += [f"- {s['started_at'][11:16]} {s['name']} ({s['seconds']} s)" for s in room["speakers"]]
                out.append("")
            if room["notes"]:
                out.append("Notes:")
                out += [f"- {n['text']} ({n['by']})" for n in room["notes"]]
                out.append("")
            out += ["Report:", "", *(f"> {line}" if line else ">" for line in room["report"].split("\n"))]
            if not room["report"]:
                out[-1] = "(no report)"
            out.append("")
    return out
