"""Views: what each audience sees, projected from the state and who is present.

Pure functions returning plain dicts (msgpack/JSON ready).  Audiences:

- ``screen``: the big screen; public, shared by every screen.
- ``facilitator``: the console; shared by every facilitator connection.
- ``phone``: what every phone sees alike (encoded once for all phones).
- ``me``: what only one participant sees (their own name, their status).

Presence is not in the log (a Wi-Fi drop is not an event of the meeting);
the hub passes the set of present participant ids in.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from server.core.meeting import MeetingState


def present_ids(state: MeetingState, connected: Set[str]) -> list[str]:
    """Participants connected right now, excluding removed ones, in joining order."""
    return [p.id for p in state.participants.values() if p.id in connected and not p.removed]


def screen_view(state: MeetingState, connected: Set[str], join_url: str) -> dict[str, Any]:
    return {
        "title": state.title,
        "code": state.code,
        "join_url": join_url,
        "present": len(present_ids(state, connected)),
        "ended": state.ended,
    }


def phone_view(state: MeetingState, connected: Set[str]) -> dict[str, Any]:
    return {"title": state.title, "present": len(present_ids(state, connected)), "ended": state.ended}


def facilitator_view(state: MeetingState, connected: Set[str], join_url: str) -> dict[str, Any]:
    people = [
        {"id": p.id, "name": p.name, "present": p.id in connected, "joined_at": p.joined_at}
        for p in state.participants.values()
        if not p.removed
    ]
    # Present people first (the facilitator acts on them), each group by name.
    people.sort(key=lambda p: (not p["present"], str(p["name"]).casefold()))
    return {
        "title": state.title,
        "code": state.code,
        "join_url": join_url,
        "ended": state.ended,
        "present": sum(1 for p in people if p["present"]),
        "participants": people,
    }


def me_view(state: MeetingState, participant_id: str | None) -> dict[str, Any]:
    """A phone's private view.  ``status`` is one of: guest, joined, removed."""
    p = state.participants.get(participant_id) if participant_id else None
    if p is None:
        return {"status": "guest", "participant": None}
    if p.removed:
        return {"status": "removed", "participant": None}
    return {"status": "joined", "participant": {"id": p.id, "name": p.name}}
