"""The breakout rooms' section of the minutes: per round, the question and every room
with who was in it, who spoke, its notes and its report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server import i18n
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


def markdown(rounds: list[dict[str, Any]], w: i18n.Words) -> list[str]:
    """The rounds in Markdown, worded by ``w`` (``clients/i18n/minutes-rooms/``); names, questions,
    notes and reports as written."""
    out: list[str] = []
    for rnd in rounds:
        out += ["", f"## {w('minutes.rooms.round', number=rnd['round'])}", ""]
        if rnd["question"]:
            out += [w("minutes.rooms.question", question=rnd["question"]), ""]
        for room in rnd["rooms"]:
            out += [f"### {room['name']}", ""]
            out.append(w("minutes.rooms.people", names=", ".join(room["people"]) or w("minutes.rooms.nobody")))
            if room["rapporteur"]:
                out.append(w("minutes.rooms.rapporteur", name=room["rapporteur"]))
            out.append("")
            if room["speakers"]:
                out.append(w("minutes.rooms.speakers"))
                out += [
                    "- " + w("minutes.rooms.speaker", time=s["started_at"][11:16], name=s["name"], seconds=s["seconds"])
                    for s in room["speakers"]
                ]
                out.append("")
            if room["notes"]:
                out.append(w("minutes.rooms.notes"))
                out += ["- " + w("minutes.rooms.note", text=n["text"], name=n["by"]) for n in room["notes"]]
                out.append("")
            out += [
                w("minutes.rooms.report"),
                "",
                *(f"> {line}" if line else ">" for line in room["report"].split("\n")),
            ]
            if not room["report"]:
                out[-1] = w("minutes.rooms.no_report")
            out.append("")
    return out
