"""What each audience sees of breakout rooms (pure).

- ``room:<id>``: one room's view, for the phones in it and its device (encoded once per room):
  its people, question, countdowns, who speaks and who is next, the broadcast, notes and report.
- sections of the shared views: the big screen's grid of rooms and the report on show,
  the console's every room in full, the phones' list of rooms (self-select, the broadcast),
  and in ``me`` the room a phone is in.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from server.core import meeting as m
from server.core import views
from server.core.memo import Memos
from server.rooms import core as rc
from server.stack import core as sk

ROOM_NEXT = 6  # who is next, on a room's view


def rooms_of(state: m.MeetingState) -> rc.RoomsState:
    return m.part(state, "rooms", EMPTY)


EMPTY = rc.RoomsState()


def _name(state: m.MeetingState, pid: str | None) -> str:
    if pid is None:
        return ""
    p = state.participants.get(pid)
    return p.name if p else ""


def _person(state: m.MeetingState, pid: str | None) -> dict[str, str] | None:
    return None if pid is None else {"id": pid, "name": _name(state, pid)}


def _round(rnd: rc.Round) -> dict[str, Any]:
    return {
        "round": rnd.id,
        "question": rnd.question,
        "mode": rnd.mode.value,
        "mode_words": rc.MODE_WORDS[rnd.mode],
        "started_at": rnd.started_at,
        "ends_at": rnd.ends_at,
        "return_at": rnd.return_at,
        "broadcast": rnd.broadcast or None,
        "broadcast_at": rnd.broadcast_at,
        "ended": not rnd.running,
    }


def stack_view(state: m.MeetingState, stack: sk.StackState, upcoming: int) -> dict[str, Any]:
    """A room's stack as the room sees it: who speaks until when, who is next."""
    return views.stack_summary(state, upcoming, stack)


def room_view(state: m.MeetingState, room_id: str, connected: Set[str], join_url: str) -> dict[str, Any] | None:
    """One room, for its phones and its device."""
    rooms = rooms_of(state)
    room = rooms.rooms.get(room_id)
    if room is None:
        return None
    rnd = rooms.rounds[room.round - 1]
    people = [pid for pid in room.members_ever if rooms.placed.get(pid) == room_id]
    return {
        "room": room.id,
        "name": room.name,
        "number": room.number,
        **_round(rnd),
        "closed": not room.open,
        "join_url": f"{join_url}?room={room.id}",
        "people": [
            {"id": pid, "name": _name(state, pid), "present": pid in connected, "rapporteur": pid == room.rapporteur}
            for pid in people
        ],
        "rapporteur": _person(state, room.rapporteur),
        "report": room.report,
        "report_at": room.report_at,
        "notes": [{"note": n.id, "text": n.text, "by": _name(state, n.participant_id)} for n in room.notes],
        "stack": stack_view(state, room.stack, ROOM_NEXT),
    }


def touched(before: rc.RoomsState | None, after: rc.RoomsState | None) -> frozenset[str] | None:
    """Only some rooms changed (a hand, a note, a report): their members; else None (anyone)."""
    before = EMPTY if before is None else before  # (a topic circle's first note makes the part: no room changed)
    if (
        after is None
        or before.rounds is not after.rounds
        or before.placed is not after.placed
        or before.shown != after.shown
        or before.rooms.keys() != after.rooms.keys()
    ):
        return None
    changed = {rid for rid, room in after.rooms.items() if before.rooms[rid] is not room}
    return frozenset(pid for pid, rid in after.placed.items() if rid in changed)


_SUMMARIES = Memos()  # (meeting id, room id) -> its summary (the screen's grid, the console)
_CONSOLE_ROOMS = Memos()  # (meeting id, room id) -> the console's full entry for it
_IN_PLENARY = Memos()  # meeting id -> who is in the plenary
_UNPLACED = Memos()


def _room_summary(state: m.MeetingState, rooms: rc.RoomsState, room: rc.Room, connected: Set[str]) -> dict[str, Any]:
    return _SUMMARIES[(state.id, room.id)](  # type: ignore[no-any-return]
        (room, rooms.placed, state.participants, connected), lambda: _summary(state, rooms, room, connected)
    )


def _summary(state: m.MeetingState, rooms: rc.RoomsState, room: rc.Room, connected: Set[str]) -> dict[str, Any]:
    members = [pid for pid in room.members_ever if rooms.placed.get(pid) == room.id]
    return {
        "room": room.id,
        "name": room.name,
        "number": room.number,
        "capacity": room.capacity,
        "people": len(members),
        "present": sum(1 for pid in members if pid in connected),
        "rapporteur": _name(state, room.rapporteur) or None,
        "closed": not room.open,
        "has_report": bool(room.report),
    }


def screen_section(state: m.MeetingState, connected: Set[str]) -> dict[str, Any] | None:
    rooms = rooms_of(state)
    rnd = rooms.last  # the running round, or the last one (its reports may still be shown)
    if rnd is None:
        return None
    shown = rooms.rooms.get(rooms.shown) if rooms.shown else None
    return {
        **_round(rnd),
        "rooms": [_room_summary(state, rooms, r, connected) for r in rooms.rooms_of(rnd)] if rnd.running else [],
        "in_plenary": _IN_PLENARY[state.id](
            (rooms.placed, state.participants, connected),
            lambda: sum(1 for pid in connected if pid not in rooms.placed and _member(state, pid)),
        )
        if rnd.running
        else None,
        "report": None
        if shown is None
        else {
            "room": shown.id,
            "name": shown.name,
            "rapporteur": _name(state, shown.rapporteur) or None,
            "text": shown.report,
        },
    }


def _member(state: m.MeetingState, pid: str) -> bool:
    p = state.participants.get(pid)
    return p is not None and not p.removed


def phone_section(state: m.MeetingState, connected: Set[str]) -> dict[str, Any] | None:
    rooms = rooms_of(state)
    rnd = rooms.last  # the running round, or the last one (its reports may still be shown)
    if rnd is None:
        return None
    counts = rooms.counts
    return {
        **_round(rnd),
        "rooms": [
            {
                "room": r.id,
                "name": r.name,
                "number": r.number,
                "capacity": r.capacity,
                "people": counts[r.id],
                "full": bool(r.capacity) and counts[r.id] >= r.capacity,
                "closed": not r.open,
            }
            for r in rooms.rooms_of(rnd)
        ]
        if rnd.running and rnd.mode is rc.Mode.SELF  # phones pick from the list only when they choose
        else [],
        "report": screen_report(state),
    }


def screen_report(state: m.MeetingState) -> dict[str, Any] | None:
    rooms = rooms_of(state)
    shown = rooms.rooms.get(rooms.shown) if rooms.shown else None
    if shown is None:
        return None
    return {
        "room": shown.id,
        "name": shown.name,
        "rapporteur": _name(state, shown.rapporteur) or None,
        "text": shown.report,
    }


def facilitator_section(state: m.MeetingState, connected: Set[str]) -> dict[str, Any]:
    """Every room in full for the console, and every round so far (for report-back)."""
    rooms = rooms_of(state)
    rnd = rooms.last  # the running round, or the last one (its reports may still be shown)
    return {
        "current": None
        if rnd is None
        else {
            **_round(rnd),
            "rooms": [
                _CONSOLE_ROOMS[(state.id, r.id)](
                    (r, rooms.placed, state.participants, connected),
                    lambda r=r: _console_room(state, rooms, r, connected),
                )
                for r in rooms.rooms_of(rnd)
            ],
            "unplaced": _UNPLACED[state.id](
                (rooms.placed, state.participants, connected),
                lambda: [
                    {"id": pid, "name": p.name}
                    for pid, p in state.participants.items()
                    if not p.removed and pid in connected and pid not in rooms.placed
                ],
            )
            if rnd.running
            else [],
        },
        "shown": rooms.shown or None,
        "rounds": len(rooms.rounds),
        "rooms_max": rc.ROOMS_MAX,
    }


def _console_room(state: m.MeetingState, rooms: rc.RoomsState, r: rc.Room, connected: Set[str]) -> dict[str, Any]:
    return {
        **_room_summary(state, rooms, r, connected),
        "members": [
            {"id": pid, "name": _name(state, pid), "present": pid in connected}
            for pid in r.members_ever
            if rooms.placed.get(pid) == r.id
        ],
        "rapporteur_id": r.rapporteur,
        "stack": {
            **stack_view(state, r.stack, ROOM_NEXT),
            "entries": views.stack_entries(state, r.stack),
        },
        "report": r.report,
        "notes": len(r.notes),
    }


def me_section(state: m.MeetingState, pid: str) -> dict[str, Any] | None:
    """The room this phone is in (None: the plenary), and whether it writes the report."""
    rooms = rooms_of(state)
    room_id = rooms.placed.get(pid)
    if room_id is None:
        return None
    room = rooms.rooms[room_id]
    return {"room": room.id, "name": room.name, "rapporteur": room.rapporteur == pid}
