"""The speaking stack as a feature: its messages, who may send them, decide and apply.

Stack commands act on a room's stack: a phone's on the room it is in, a facilitator's on the
room it names (``room``; absent: the plenary).  The plenary stack is ``state.stack``; a
breakout room's lives in its room (see the meeting's scopes).
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
from server.stack import core as sk

F, P = m.Role.FACILITATOR, m.Role.PHONE
_ROOM = Field(str, required=False, max_length=16)  # "" or absent: the plenary
_ENTRY = Field(int)


def decide(state: m.MeetingState, command: Any, actor: m.Actor, inputs: Inputs) -> list[Event]:
    now = inputs.now
    match command:
        case sk.RaiseHand() | sk.LowerHand():
            me = m.joined(state, actor)
            room = m.room_of(state, me.id)  # a hand goes up in the room the person is in
            return _in_room(room, sk.decide_participant(m.stack_in(state, room), command, me.id, now))
        case sk.OptPriority() | sk.DeclareGroup():
            me = m.joined(state, actor)
            return sk.decide_participant(state.stack, command, me.id, now)
        case sk.SetGroups():
            m.require(actor, F)
            return sk.decide_facilitator(state.stack, command, now)
    room = command.room
    if actor.role is P and isinstance(command, sk.NextSpeaker | sk.EndTurn):
        # A breakout room keeps its own stack: anyone in it may call the next speaker.
        me = m.joined(state, actor)
        room = m.room_of(state, me.id)
        if not room:
            raise Rejection("not_allowed", "Only the facilitator can do that.")
    else:
        m.require(actor, F)
    return _in_room(room, sk.decide_facilitator(m.stack_in(state, room), command, now))


def _in_room(room: str, evs: list[Event]) -> list[Event]:
    return [dataclasses.replace(ev, room=room) for ev in evs] if room else evs


def apply(state: m.MeetingState, ev: Event) -> m.MeetingState:
    room = getattr(ev, "room", "")
    if room and registry.SCOPES:
        scopes = registry.SCOPES[0]
        return scopes.with_stack(state, room, sk.apply(scopes.stack_of(state, room, closed=True), ev))
    return dataclasses.replace(state, stack=sk.apply(state.stack, ev))


def forget(state: m.MeetingState, pid: str) -> m.MeetingState:
    return dataclasses.replace(state, stack=sk.without_participant(state.stack, pid))


def _settings(f: dict[str, Any]) -> sk.SetStackSettings:
    limit = f.get("time_limit")
    return sk.SetStackSettings(
        progressive=f.get("progressive"),
        priority_counts=f.get("priority_counts"),
        time_limit=None if limit is None else float(limit),
        room=f.get("room", ""),
    )


MESSAGES = {
    "raise_hand": Message(
        {"kind": Field(str, required=False, max_length=16)},
        lambda f: sk.RaiseHand(kind=f.get("kind", sk.Kind.NEW.value)),
    ),
    "lower_hand": Message({}, lambda f: sk.LowerHand()),
    "opt_priority": Message({"opted": Field(bool)}, lambda f: sk.OptPriority(opted=f["opted"])),
    "next_speaker": Message({"room": _ROOM}, lambda f: sk.NextSpeaker(room=f.get("room", "")), roles=("facilitator",)),
    "end_turn": Message({"room": _ROOM}, lambda f: sk.EndTurn(room=f.get("room", "")), roles=("facilitator",)),
    "skip_entry": Message(
        {"entry": _ENTRY, "room": _ROOM},
        lambda f: sk.SkipEntry(entry_id=f["entry"], room=f.get("room", "")),
        roles=("facilitator",),
    ),
    "remove_entry": Message(
        {"entry": _ENTRY, "room": _ROOM},
        lambda f: sk.RemoveEntry(entry_id=f["entry"], room=f.get("room", "")),
        roles=("facilitator",),
    ),
    "move_entry": Message(
        {"entry": _ENTRY, "position": Field(int), "room": _ROOM},
        lambda f: sk.MoveEntry(entry_id=f["entry"], position=f["position"], room=f.get("room", "")),
        roles=("facilitator",),
    ),
    "extend_time": Message(
        {"seconds": Field((int, float)), "room": _ROOM},
        lambda f: sk.ExtendTime(seconds=float(f["seconds"]), room=f.get("room", "")),
        roles=("facilitator",),
    ),
    "set_stack_open": Message(
        {"open": Field(bool), "room": _ROOM},
        lambda f: sk.SetStackOpen(open=f["open"], room=f.get("room", "")),
        roles=("facilitator",),
    ),
    "set_stack_settings": Message(
        {
            "progressive": Field(bool, required=False),
            "priority_counts": Field(bool, required=False),
            "time_limit": Field((int, float), required=False),
            "room": _ROOM,
        },
        _settings,
        roles=("facilitator",),
    ),
    "set_groups": Message(
        {"groups": Field(list, max_length=sk.GROUPS_MAX, item_length=sk.GROUP_MAX)},
        lambda f: sk.SetGroups(groups=f["groups"]),
        roles=("facilitator",),
    ),
    "declare_group": Message(
        {"group": Field(str, max_length=sk.GROUP_MAX)}, lambda f: sk.DeclareGroup(group=f["group"])
    ),
}

FEATURE = registry.Feature(
    name="stack",
    messages=MESSAGES,
    commands=(
        sk.RaiseHand,
        sk.LowerHand,
        sk.OptPriority,
        sk.DeclareGroup,
        sk.NextSpeaker,
        sk.EndTurn,
        sk.SkipEntry,
        sk.RemoveEntry,
        sk.MoveEntry,
        sk.ExtendTime,
        sk.SetStackOpen,
        sk.SetStackSettings,
        sk.SetGroups,
    ),
    decide=decide,
    events=sk.STACK_EVENTS,
    apply=apply,
    forget=forget,
)
