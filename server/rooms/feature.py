"""Breakout rooms as a feature: messages, who may send them, decide, apply, views, minutes.

Registered by one line in ``server/features.py``.  The rooms also provide the meeting's
*scopes*: the room a participant is in, and each room's own speaking stack.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from server.core import meeting as m
from server.core import registry
from server.core.errors import Rejection
from server.core.event import Event
from server.core.inputs import Inputs
from server.core.registry import Field, Message
from server.core.text import clean_text
from server.rooms import core as rc
from server.rooms import views as rv
from server.rooms.minutes import markdown, minutes
from server.stack import core as sk

NAME = "rooms"
F, P = m.Role.FACILITATOR, m.Role.PHONE


def of(state: m.MeetingState) -> rc.RoomsState:
    return rv.rooms_of(state)


def _put(state: m.MeetingState, rooms: rc.RoomsState) -> m.MeetingState:
    return m.with_part(state, NAME, rooms)


def decide(state: m.MeetingState, command: Any, actor: m.Actor, inputs: Inputs) -> list[Event]:
    rooms = of(state)
    now = inputs.now
    match command:
        case rc.StartBreakouts():
            m.require(actor, F)
            present = [pid for pid in state.participants if pid in inputs.present and _member(state, pid)]
            return rc.start(rooms, command, present, state.stack.declared, inputs.key, inputs.seed, now)
        case rc.MoveToRoom(participant_id=pid, room=room):
            m.require(actor, F)
            m.existing(state, pid)
            return rc.move(rooms, pid, room, now)
        case rc.TakeRoom(room=room):
            me = m.joined(state, actor)
            return rc.take_room(rooms, me.id, room, state.stack.declared, now)
        case rc.BroadcastMessage(text=text):
            m.require(actor, F)
            rnd = rc.running_round(rooms)
            return [rc.Broadcast(at=now, round=rnd.id, text=clean_text(text, rc.BROADCAST_MAX, "message", "text"))]
        case rc.AddTime(seconds=seconds):
            m.require(actor, F)
            rnd = rc.running_round(rooms)
            lo, hi = rc.EXTEND_RANGE
            if not lo <= seconds <= hi or seconds == 0:
                raise Rejection("bad_field", "Add between 1 second and an hour (or take some away).", "seconds")
            return [rc.TimeAdded(at=now, round=rnd.id, seconds=seconds)]
        case rc.CloseRoom(room=room_id):
            m.require(actor, F)
            rnd = rc.running_round(rooms)
            room = rc.open_room(rooms, rnd, room_id)
            return [rc.RoomClosed(at=now, room=room.id)]
        case rc.CallBack(seconds=seconds):
            m.require(actor, F)
            rnd = rc.running_round(rooms)
            lo, hi = rc.RETURN_RANGE
            if not lo <= seconds <= hi:
                raise Rejection(
                    "bad_field", f"The return countdown lasts {lo} to {hi} seconds.", "seconds", {"low": lo, "high": hi}
                )
            if seconds == 0:
                return [rc.BreakoutsEnded(at=now, round=rnd.id)]
            return [rc.CalledBack(at=now, round=rnd.id, return_at=now + seconds)]
        case rc.EndBreakouts(round=number):
            m.require(actor, F, m.Role.SYSTEM)
            rnd = rc.running_round(rooms)
            if actor.role is m.Role.SYSTEM and (number != rnd.id or rnd.return_at is None or now < rnd.return_at):
                return []  # a timer from before a change of plan: nothing to do
            return [rc.BreakoutsEnded(at=now, round=rnd.id)]
        case rc.VolunteerRapporteur():
            me = m.joined(state, actor)
            return rc.volunteer(rooms, me.id, now)
        case rc.SetRapporteur(room=room_id, participant_id=pid):
            m.require(actor, F)
            if pid:
                m.existing(state, pid)
            return rc.set_rapporteur(rooms, room_id, pid, now)
        case rc.WriteReport(text=text):
            me = m.joined(state, actor)
            return rc.write_report(rooms, me.id, text, now)
        case rc.AddNote(text=text, room=room_id):
            me = m.joined(state, actor)
            room_id, notes = _notes_here(state, me.id, room_id)
            return rc.add_note(notes, room_id, me.id, text, rooms.next_note, now)
        case rc.EditNote(note=note, text=text, room=room_id):
            me = m.joined(state, actor)
            room_id, notes = _notes_here(state, me.id, room_id)
            return rc.edit_note(notes, room_id, me.id, note, text, now)
        case rc.RemoveNote(note=note, room=room_id):
            if actor.role is F:
                if not room_id:
                    raise Rejection("bad_field", "Say which room the note is in.", "room")
                return rc.remove_note(registry.notes_of(state, room_id), room_id, None, note, now)
            me = m.joined(state, actor)
            room_id, notes = _notes_here(state, me.id, room_id)
            return rc.remove_note(notes, room_id, me.id, note, now)
        case rc.ShowReport(room=room_id):
            m.require(actor, F)
            if room_id and room_id not in rooms.rooms:
                raise Rejection("unknown_room", "There is no such room.", "room")
            return [] if rooms.shown == room_id else [rc.ReportShown(at=now, room=room_id)]
        case rc.CallRapporteur(room=room_id):
            m.require(actor, F)
            room = rooms.rooms.get(room_id)
            if room is None:
                raise Rejection("unknown_room", "There is no such room.", "room")
            if room.rapporteur is None or not _member(state, room.rapporteur):
                raise Rejection("no_rapporteur", f"{room.name} has no rapporteur.", "room", {"room": room.name})
            if rooms.placed.get(room.rapporteur):
                raise Rejection("in_room", "The rapporteur is still in a breakout room.", "room")
            if state.stack.entry_of(room.rapporteur) is not None:
                raise Rejection("already_on_stack", "The rapporteur is already on the plenary stack.", "room")
            # Report-back: the rapporteur goes on the plenary stack as a new point (an explicit event).
            return [
                sk.HandRaised(
                    at=now, entry_id=state.stack.next_id, participant_id=room.rapporteur, kind=sk.Kind.NEW.value
                )
            ]
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def _member(state: m.MeetingState, pid: str) -> bool:
    p = state.participants.get(pid)
    return p is not None and not p.removed


def _notes_here(state: m.MeetingState, pid: str, named: str) -> tuple[str, tuple[rc.Note, ...]]:
    """The room whose notes a phone's note command is for (the room it is in: a breakout room or a topic
    circle; ``named``, if given, must be that one) and its notes.  The room's provider refuses a room that
    doesn't exist (``unknown_room``) or is closed (``room_closed``); then someone not in it gets ``not_in_room``."""
    here = m.room_of(state, pid)
    if named:
        notes = registry.notes_of(state, named)
        if here != named:
            raise Rejection("not_in_room", "You are not in that room.", "room")
        return named, notes
    if not here:
        raise Rejection("not_in_room", "You are not in a breakout room or a topic circle.")
    return here, registry.notes_of(state, here)


def apply(state: m.MeetingState, ev: Event) -> m.MeetingState:
    if isinstance(ev, rc.NOTE_EVENTS):  # any room's notes: a breakout room's or a topic circle's
        notes = registry.notes_of(state, ev.room, closed=True)
        state = registry.with_notes(state, ev.room, rc.apply_note(notes, ev))
        if isinstance(ev, rc.NoteAdded):  # note ids are the meeting's: one counter for every room
            state = _put(state, dataclasses.replace(of(state), next_note=ev.note_id + 1))
        return state
    return _put(state, rc.apply(of(state), ev))


def joined(state: m.MeetingState, pid: str, command: m.Join, inputs: Inputs) -> list[Event]:
    """A late arrival goes to the room whose QR they scanned (if they may), or by the round's rule."""
    rooms = of(state)
    rnd = rooms.current
    if rnd is None:
        return []
    hint = rooms.rooms.get(command.room) if command.room else None
    if hint is not None and hint.round == rnd.id and hint.open:
        if not hint.capacity or rooms.counts[hint.id] < hint.capacity:
            return [rc.Placed(at=inputs.now, round=rnd.id, moves={pid: hint.id}, by="late")]
    if rnd.mode is not rc.Mode.RANDOM:
        return []
    target = rc.late_room(rooms, rnd, pid, state.stack.declared)
    return [] if target is None else [rc.Placed(at=inputs.now, round=rnd.id, moves={pid: target}, by="late")]


def forget(state: m.MeetingState, pid: str) -> m.MeetingState:
    rooms = of(state)
    return state if pid not in rooms.placed else _put(state, rc.forget(rooms, pid))


def timers(state: m.MeetingState) -> list[tuple[float, Any]]:
    rnd = of(state).current
    if rnd is None or rnd.return_at is None:
        return []
    return [(rnd.return_at, rc.EndBreakouts(round=rnd.id))]


# --- scopes: where a participant is, and each room's stack ---------------------------------


def room_of(state: m.MeetingState, pid: str) -> str:
    return of(state).placed.get(pid, rc.PLENARY)


def stack_of(state: m.MeetingState, room_id: str, closed: bool = False) -> sk.StackState:
    """A room's stack; refused for a room that doesn't exist or (unless ``closed``) is closed."""
    room = of(state).rooms.get(room_id)
    if room is None:
        raise Rejection("unknown_room", "There is no such room.", "room")
    if not closed and not room.open:
        raise Rejection("room_closed", f"{room.name} is closed.", "room", {"room": room.name})
    return room.stack


def with_stack(state: m.MeetingState, room_id: str, stack: sk.StackState) -> m.MeetingState:
    rooms = of(state)
    room = dataclasses.replace(rooms.rooms[room_id], stack=stack)
    return _put(state, dataclasses.replace(rooms, rooms={**rooms.rooms, room_id: room}))


def notes_of(state: m.MeetingState, room_id: str, closed: bool = False) -> tuple[rc.Note, ...]:
    stack_of(state, room_id, closed)  # the same refusals: unknown_room, room_closed
    return of(state).rooms[room_id].notes


def with_notes(state: m.MeetingState, room_id: str, notes: tuple[rc.Note, ...]) -> m.MeetingState:
    rooms = of(state)
    room = dataclasses.replace(rooms.rooms[room_id], notes=notes)
    return _put(state, dataclasses.replace(rooms, rooms={**rooms.rooms, room_id: room}))


def key_digest(state: m.MeetingState, room_id: str) -> str | None:
    room = of(state).rooms.get(room_id)
    return None if room is None else room.key_digest


# --- messages ------------------------------------------------------------------------------

_ROOM = Field(str, max_length=16)
_PID = Field(str, max_length=64)


def _start(f: dict[str, Any]) -> rc.StartBreakouts:
    return rc.StartBreakouts(
        rooms=f.get("rooms"),
        per_room=f.get("per_room"),
        names=f.get("names", ()),
        question=f.get("question", ""),
        minutes=f.get("minutes", 10),
        mode=f.get("mode", rc.Mode.RANDOM.value),
        capacity=f.get("capacity", 0),
        mix_groups=f.get("mix_groups", False),
    )


MESSAGES = {
    "start_breakouts": Message(
        {
            "rooms": Field(int, required=False),
            "per_room": Field(int, required=False),
            "names": Field(list, required=False, max_length=rc.ROOMS_MAX, item_length=rc.NAME_MAX),
            "question": Field(str, required=False, max_length=rc.QUESTION_MAX),
            "minutes": Field(int, required=False),
            "mode": Field(str, required=False, max_length=8),
            "capacity": Field(int, required=False),
            "mix_groups": Field(bool, required=False),
        },
        _start,
        roles=("facilitator",),
        needs=frozenset({"present", "key"}),
    ),
    "move_to_room": Message(
        {"participant": _PID, "room": Field(str, max_length=16)},
        lambda f: rc.MoveToRoom(participant_id=f["participant"], room=f["room"]),
        roles=("facilitator",),
    ),
    "take_room": Message(
        {"room": Field(str, required=False, max_length=16)}, lambda f: rc.TakeRoom(room=f.get("room", ""))
    ),
    "broadcast": Message(
        {"text": Field(str, max_length=rc.BROADCAST_MAX * 2)},
        lambda f: rc.BroadcastMessage(text=f["text"]),
        roles=("facilitator",),
    ),
    "add_room_time": Message(
        {"seconds": Field(int)}, lambda f: rc.AddTime(seconds=f["seconds"]), roles=("facilitator",)
    ),
    "close_room": Message({"room": _ROOM}, lambda f: rc.CloseRoom(room=f["room"]), roles=("facilitator",)),
    "call_back": Message(
        {"seconds": Field(int, required=False)},
        lambda f: rc.CallBack(seconds=f.get("seconds", rc.RETURN_DEFAULT)),
        roles=("facilitator",),
    ),
    "end_breakouts": Message({}, lambda f: rc.EndBreakouts(), roles=("facilitator",)),
    "volunteer_rapporteur": Message({}, lambda f: rc.VolunteerRapporteur()),
    "set_rapporteur": Message(
        {"room": _ROOM, "participant": Field(str, max_length=64)},
        lambda f: rc.SetRapporteur(room=f["room"], participant_id=f["participant"]),
        roles=("facilitator",),
    ),
    "write_report": Message({"text": Field(str, max_length=rc.REPORT_MAX + 200)}, lambda f: rc.WriteReport(f["text"])),
    "add_note": Message(
        {"text": Field(str, max_length=rc.NOTE_MAX * 2), "room": Field(str, required=False, max_length=16)},
        lambda f: rc.AddNote(f["text"], f.get("room", "")),
    ),
    "edit_note": Message(
        {
            "note": Field(int),
            "text": Field(str, max_length=rc.NOTE_MAX * 2),
            "room": Field(str, required=False, max_length=16),
        },
        lambda f: rc.EditNote(f["note"], f["text"], f.get("room", "")),
    ),
    "remove_note": Message(
        {"note": Field(int), "room": Field(str, required=False, max_length=16)},
        lambda f: rc.RemoveNote(f["note"], f.get("room", "")),
        roles=("phone", "facilitator"),
    ),
    "show_report": Message(
        {"room": Field(str, required=False, max_length=16)},
        lambda f: rc.ShowReport(room=f.get("room", "")),
        roles=("facilitator",),
    ),
    "call_rapporteur": Message({"room": _ROOM}, lambda f: rc.CallRapporteur(room=f["room"]), roles=("facilitator",)),
}


FEATURE = registry.Feature(
    name=NAME,
    messages=MESSAGES,
    commands=rc.COMMANDS,
    decide=decide,
    events=rc.EVENTS,
    apply=apply,
    joined=joined,
    forget=forget,
    timers=timers,
    sections={
        "screen": lambda state, ctx: rv.screen_section(state, ctx.connected()),
        "phone": lambda state, ctx: rv.phone_section(state, ctx.connected()),
        "facilitator": lambda state, ctx: rv.facilitator_section(state, ctx.connected()),
        "me": lambda state, pid: rv.me_section(state, pid),
    },
    views=lambda state, key, ctx: rv.room_view(state, key, ctx.connected(), ctx.join_url),
    audience="room",
    touched=lambda before, after: rv.touched(before, after),
    view_deps=lambda state, key: (of(state).rooms.get(key), of(state).rounds, of(state).placed, state.participants),
    minutes=minutes,
    markdown=markdown,
    words=("minutes-rooms",),
)
SCOPES = registry.Scopes(
    room_of=room_of,
    stack_of=stack_of,
    with_stack=with_stack,
    notes_of=notes_of,
    with_notes=with_notes,
    key_digest=key_digest,
)
