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
from server.stack import core as sk

SCREEN_NEXT = 8  # entries after the speaker shown on the big screen
PHONE_NEXT = 5


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
        "stack": stack_summary(state, SCREEN_NEXT),
    }


def _name(state: MeetingState, participant_id: str) -> str:
    p = state.participants.get(participant_id)
    return p.name if p else ""


def stack_summary(state: MeetingState, upcoming: int) -> dict[str, Any]:
    """The current speaker with their deadline, and who is next (names and kinds: public in the room)."""
    stack = state.stack
    turn = stack.speaker
    places = state.stack.order
    return {
        "open": stack.open,
        "progressive": stack.progressive,
        "time_limit": stack.time_limit,
        "speaker": None
        if turn is None
        else {
            "name": _name(state, turn.participant_id),
            "kind": turn.kind.value,
            "label": sk.LABELS[turn.kind],
            "started_at": turn.started_at,
            "deadline": turn.deadline,
        },
        "next": [
            {"name": _name(state, p.entry.participant_id), "kind": p.entry.kind.value, "label": sk.LABELS[p.entry.kind]}
            for p in places[:upcoming]
        ],
        "waiting": len(places),
    }


def phone_view(state: MeetingState, connected: Set[str]) -> dict[str, Any]:
    return {
        "title": state.title,
        "present": len(present_ids(state, connected)),
        "ended": state.ended,
        "stack": stack_summary(state, PHONE_NEXT),
    }


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
        "stack": {
            **stack_summary(state, 0),
            "priority_counts": state.stack.priority_counts,
            "entries": [
                {
                    "entry": p.entry.id,
                    "participant": p.entry.participant_id,
                    "name": _name(state, p.entry.participant_id),
                    "kind": p.entry.kind.value,
                    "label": sk.LABELS[p.entry.kind],
                    "reason": p.reason,
                    "moved": p.entry.pinned is not None,
                }
                for p in state.stack.order
            ],
            "statistics": sk.statistics(
                state.stack, {pid: p.name for pid, p in state.participants.items()}, state.last_event_at
            ),
        },
    }


def me_view(state: MeetingState, participant_id: str | None) -> dict[str, Any]:
    """A phone's private view.  ``status`` is one of: guest, joined, removed."""
    p = state.participants.get(participant_id) if participant_id else None
    if p is None:
        return {"status": "guest", "participant": None}
    if p.removed:
        return {"status": "removed", "participant": None}
    stack = state.stack
    hand = None
    place = stack.place_of.get(p.id)
    if place is not None:
        entry = place.entry
        hand = {
            "entry": entry.id,
            "kind": entry.kind.value,
            "label": sk.LABELS[entry.kind],
            "position": place.position + 1,
            "reason": place.reason,
        }
    turn = stack.speaker
    speaking = turn is not None and turn.participant_id == p.id
    return {
        "status": "joined",
        "participant": {"id": p.id, "name": p.name},
        "hand": hand,
        "speaking": {"deadline": turn.deadline, "started_at": turn.started_at} if speaking and turn else None,
        "priority_opted": p.id in stack.opted,  # private: only this phone sees it
    }
