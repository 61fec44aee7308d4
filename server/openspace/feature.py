"""Open Space as a feature: messages, who may send them, decide, apply, timers, views, minutes.

Registered by one line in ``server/features.py``.  State lives in ``state.parts["openspace"]``.
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
from server.openspace import core as oc
from server.openspace import views as ov
from server.openspace.minutes import markdown, minutes
from server.rooms.core import room_key

NAME = "openspace"
F, P, SYSTEM = m.Role.FACILITATOR, m.Role.PHONE, m.Role.SYSTEM


def of(state: m.MeetingState) -> oc.OpenSpaceState:
    return ov.openspace_of(state)


def _by(state: m.MeetingState, actor: m.Actor) -> str | None:
    """None for the facilitator, else the phone's participant id (a convener acting on their topic)."""
    if actor.role is F:
        return None
    return m.joined(state, actor).id


# Commands only the facilitator may send (checked once, before the match below).
_FACILITATOR_ONLY = (
    oc.SetPart,
    oc.SetTheme,
    oc.SetTopicLimit,
    oc.AddSpace,
    oc.EditSpace,
    oc.RemoveSpace,
    oc.AddSlot,
    oc.EditSlot,
    oc.RemoveSlot,
    oc.MakeSchedule,
    oc.LockCell,
    oc.OpenDots,
    oc.CloseDots,
    oc.PlanActions,
    oc.CircleLinks,
)


def decide(state: m.MeetingState, command: Any, actor: m.Actor, inputs: Inputs) -> list[Event]:
    os = of(state)
    now = inputs.now
    if isinstance(command, _FACILITATOR_ONLY):
        m.require(actor, F)
    match command:
        case oc.SetPart(part=part):
            return oc.set_part(os, part, now)
        case oc.SetTheme(theme=theme):
            return oc.set_theme(os, theme, now)
        case oc.SetTopicLimit(limit=limit):
            return oc.set_topic_limit(os, limit, now)
        case oc.AddSpace(name=name, capacity=capacity):
            return oc.add_space(os, name, capacity, now)
        case oc.EditSpace():
            return oc.edit_space(os, command, now)
        case oc.RemoveSpace(space=space):
            return oc.remove_space(os, space, now)
        case oc.AddSlot(start=start, end=end):
            return oc.add_slot(os, start, end, now)
        case oc.EditSlot():
            return oc.edit_slot(os, command, now)
        case oc.RemoveSlot(slot=slot):
            return oc.remove_slot(os, slot, now)
        case oc.PostTopic():
            me = m.joined(state, actor)
            return oc.post_topic(os, me.id, command, now)
        case oc.CoConvene():
            me = m.joined(state, actor)
            return oc.co_convene(os, me.id, command, now)
        case oc.MarkInterest():
            me = m.joined(state, actor)
            return oc.mark(os, me.id, command, now)
        case oc.SetUnavailable(slots=slots):
            me = m.joined(state, actor)
            return oc.set_unavailable(os, me.id, slots, now)
        case oc.WithdrawTopic(topic=topic):
            m.require(actor, F, P)
            return oc.withdraw(os, _by(state, actor), topic, now)
        case oc.MergeTopics():
            me = m.joined(state, actor)
            return oc.merge(os, me.id, command, now)
        case oc.MakeSchedule():
            return oc.make_schedule(os, inputs.seed, now, precomputed=inputs.schedule)
        case oc.MoveTopic():
            m.require(actor, F, P)
            return oc.move_topic(os, _by(state, actor), command, now)
        case oc.LockCell():
            return oc.lock_cell(os, command, now)
        case oc.StartSlot(slot=slot):
            m.require(actor, F, SYSTEM)
            return oc.start_slot(os, slot, actor.role is SYSTEM, now)
        case oc.EndSlot(slot=slot):
            m.require(actor, F, SYSTEM)
            return oc.end_slot(os, slot, actor.role is SYSTEM, now)
        case oc.CheckIn(topic=topic):
            me = m.joined(state, actor)
            room = m.room_of(state, me.id)
            if topic and room and not is_circle(room):  # a breakout room is the phone's room first
                raise Rejection("in_a_room", "You are in a breakout room; come back to the plenary first.")
            return oc.check_in(os, me.id, topic, now)
        case oc.SetReporter(topic=topic, participant_id=pid):
            m.require(actor, F, P)
            by = _by(state, actor)
            m.existing(state, pid)
            return oc.set_reporter(os, by, topic, pid, now)
        case oc.WriteHarvest():
            me = m.joined(state, actor)
            names = {p.id: p.name for p in state.participants.values() if not p.removed}
            return oc.write_harvest(os, me.id, command, names, now)
        case oc.OpenDots(dots=dots):
            return oc.open_dots(os, dots, now)
        case oc.CloseDots():
            return oc.close_dots(os, now)
        case oc.PlaceDots():
            me = m.joined(state, actor)
            return oc.place_dots(os, me.id, command, now)
        case oc.AdoptPriority():
            me = m.joined(state, actor)
            return oc.adopt(os, me.id, command, now)
        case oc.PlanActions(slot=slot):
            return oc.plan_actions(os, slot, now)
        case oc.CircleLinks():
            if not inputs.key:
                raise Rejection("bad_key", "The spaces' device links derive from the facilitator's key.", "key")
            digests = {sp: m.digest(room_key(inputs.key, sp)) for sp in os.spaces if sp not in os.device_keys}
            return oc.device_keys(os, digests, now)
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def apply(state: m.MeetingState, ev: Event) -> m.MeetingState:
    return m.with_part(state, NAME, oc.apply(of(state), ev))


def joined(state: m.MeetingState, pid: str, command: m.Join, inputs: Inputs) -> list[Event]:
    """A phone that joined from a circle's QR (``/j/CODE?room=o7``, on the device in its space) is checked in
    to that circle, if it meets now and the breakout rooms don't place the phone elsewhere."""
    topic = command.room
    if not is_circle(topic) or m.room_of(state, pid):
        return []
    try:
        return oc.check_in(of(state), pid, topic, inputs.now)
    except Rejection:
        return []  # a circle that ended meanwhile: the phone just joins


def forget(state: m.MeetingState, pid: str) -> m.MeetingState:
    os = of(state)
    if pid not in os.marks and pid not in os.checkins and (os.dots is None or pid not in os.dots.placed):
        return state
    return m.with_part(state, NAME, oc.forget(os, pid))


def timers(state: m.MeetingState) -> list[tuple[float, Any]]:
    """A running slot ends at its end; the next slot starts at its start (the facilitator may go early)."""
    os = of(state)
    out: list[tuple[float, Any]] = []
    running = os.running
    if running is not None:
        out.append((float(running.end), oc.EndSlot(running.id)))
    upcoming = [s for s in os.slots.values() if not s.started]
    if upcoming:
        nxt = upcoming[0]
        out.append((float(nxt.start), oc.StartSlot(nxt.id)))
    return out


# --- messages ------------------------------------------------------------------------------

_TOPIC = Field(str, max_length=8)
_SLOT = Field(str, max_length=8)
_SPACE = Field(str, max_length=8)
_TEXT = Field(str, required=False, max_length=oc.HARVEST_MAX + 200)

MESSAGES = {
    "set_part": Message({"part": Field(str, max_length=16)}, lambda f: oc.SetPart(f["part"]), roles=("facilitator",)),
    "set_theme": Message(
        {"theme": Field(str, max_length=oc.THEME_MAX * 2)}, lambda f: oc.SetTheme(f["theme"]), roles=("facilitator",)
    ),
    "set_topic_limit": Message({"limit": Field(int)}, lambda f: oc.SetTopicLimit(f["limit"]), roles=("facilitator",)),
    "add_space": Message(
        {"name": Field(str, max_length=oc.SPACE_NAME_MAX * 2), "capacity": Field(int)},
        lambda f: oc.AddSpace(f["name"], f["capacity"]),
        roles=("facilitator",),
    ),
    "edit_space": Message(
        {
            "space": _SPACE,
            "name": Field(str, required=False, max_length=oc.SPACE_NAME_MAX * 2),
            "capacity": Field(int, required=False),
        },
        lambda f: oc.EditSpace(f["space"], f.get("name"), f.get("capacity")),
        roles=("facilitator",),
    ),
    "remove_space": Message({"space": _SPACE}, lambda f: oc.RemoveSpace(f["space"]), roles=("facilitator",)),
    "add_slot": Message(
        {"start": Field(int), "end": Field(int)}, lambda f: oc.AddSlot(f["start"], f["end"]), roles=("facilitator",)
    ),
    "edit_slot": Message(
        {"slot": _SLOT, "start": Field(int, required=False), "end": Field(int, required=False)},
        lambda f: oc.EditSlot(f["slot"], f.get("start"), f.get("end")),
        roles=("facilitator",),
    ),
    "remove_slot": Message({"slot": _SLOT}, lambda f: oc.RemoveSlot(f["slot"]), roles=("facilitator",)),
    "post_topic": Message(
        {
            "title": Field(str, max_length=oc.TITLE_MAX * 2),
            "description": Field(str, required=False, max_length=oc.DESCRIPTION_MAX * 2),
        },
        lambda f: oc.PostTopic(f["title"], f.get("description", "")),
    ),
    "co_convene": Message(
        {"topic": _TOPIC, "join": Field(bool, required=False)},
        lambda f: oc.CoConvene(f["topic"], f.get("join", True)),
    ),
    "mark_interest": Message(
        {"topic": _TOPIC, "interested": Field(bool, required=False)},
        lambda f: oc.MarkInterest(f["topic"], f.get("interested", True)),
    ),
    "set_unavailable": Message(
        {"slots": Field(list, max_length=oc.SLOTS_MAX, item_length=8)},
        lambda f: oc.SetUnavailable(tuple(f["slots"])),
    ),
    "withdraw_topic": Message(
        {"topic": _TOPIC}, lambda f: oc.WithdrawTopic(f["topic"]), roles=("phone", "facilitator")
    ),
    "merge_topics": Message(
        {"topic": _TOPIC, "into": Field(str, max_length=8)}, lambda f: oc.MergeTopics(f["topic"], f["into"])
    ),
    "make_schedule": Message(
        {}, lambda f: oc.MakeSchedule(), roles=("facilitator",), needs=frozenset({"schedule"})
    ),  # the hub makes the wall in a worker thread (server/hub/socket.py) and decide checks it still fits
    "move_topic": Message(
        {"topic": _TOPIC, "slot": Field(str, max_length=8), "space": Field(str, required=False, max_length=8)},
        lambda f: oc.MoveTopic(f["topic"], f["slot"], f.get("space", "")),
        roles=("phone", "facilitator"),
    ),
    "lock_cell": Message(
        {"slot": _SLOT, "space": _SPACE, "locked": Field(bool, required=False)},
        lambda f: oc.LockCell(f["slot"], f["space"], f.get("locked", True)),
        roles=("facilitator",),
    ),
    "start_slot": Message({"slot": _SLOT}, lambda f: oc.StartSlot(f["slot"]), roles=("facilitator",)),
    "end_slot": Message({"slot": _SLOT}, lambda f: oc.EndSlot(f["slot"]), roles=("facilitator",)),
    "check_in": Message({"topic": Field(str, max_length=8)}, lambda f: oc.CheckIn(f["topic"])),
    "set_reporter": Message(
        {"topic": _TOPIC, "participant": Field(str, max_length=64)},
        lambda f: oc.SetReporter(f["topic"], f["participant"]),
        roles=("phone", "facilitator"),
    ),
    "write_harvest": Message(
        {
            "topic": _TOPIC,
            "key_points": _TEXT,
            "proposals": _TEXT,
            "next_steps": _TEXT,
            "participants": Field(list, required=False, max_length=oc.PARTICIPANTS_MAX, item_length=oc.NAME_MAX * 2),
        },
        lambda f: oc.WriteHarvest(
            f["topic"],
            f.get("key_points", ""),
            f.get("proposals", ""),
            f.get("next_steps", ""),
            tuple(f["participants"]) if "participants" in f else None,
        ),
    ),
    "open_dots": Message(
        {"dots": Field(int, required=False)},
        lambda f: oc.OpenDots(f.get("dots", oc.DOTS_DEFAULT)),
        roles=("facilitator",),
    ),
    "close_dots": Message({}, lambda f: oc.CloseDots(), roles=("facilitator",)),
    "place_dots": Message({"topic": _TOPIC, "dots": Field(int)}, lambda f: oc.PlaceDots(f["topic"], f["dots"])),
    "adopt_priority": Message(
        {"topic": _TOPIC, "adopt": Field(bool, required=False)},
        lambda f: oc.AdoptPriority(f["topic"], f.get("adopt", True)),
    ),
    "plan_actions": Message({"slot": _SLOT}, lambda f: oc.PlanActions(f["slot"]), roles=("facilitator",)),
    # answered with the links by the socket (server/hub/socket.py), once the digests are recorded
    "circle_links": Message({}, lambda f: oc.CircleLinks(), roles=("facilitator",), needs=frozenset({"key"})),
}


# --- scopes: a topic circle is a room while its slot runs (docs/architecture.md, "Open Space") ---


def room_of(state: m.MeetingState, pid: str) -> str:
    """The circle a phone checked in to (its room), or "" (rooms are asked first: registry.add_scopes)."""
    return of(state).checkins.get(pid, "")


def stack_of(state: m.MeetingState, room_id: str, closed: bool = False) -> Any:
    circle = of(state).circles.get(room_id)
    if circle is None:
        raise Rejection("unknown_room", "There is no such room.", "room")
    if not closed and not circle.open:
        raise Rejection("room_closed", "That topic circle has ended.", "room")
    return circle.stack


def with_stack(state: m.MeetingState, room_id: str, stack: Any) -> m.MeetingState:
    os = of(state)
    circle = dataclasses.replace(os.circles[room_id], stack=stack)
    return m.with_part(state, NAME, dataclasses.replace(os, circles={**os.circles, room_id: circle}))


def notes_of(state: m.MeetingState, room_id: str, closed: bool = False) -> Any:
    stack_of(state, room_id, closed)  # the same refusals: unknown_room, room_closed
    return of(state).circles[room_id].notes


def with_notes(state: m.MeetingState, room_id: str, notes: Any) -> m.MeetingState:
    os = of(state)
    circle = dataclasses.replace(os.circles[room_id], notes=notes)
    return m.with_part(state, NAME, dataclasses.replace(os, circles={**os.circles, room_id: circle}))


def key_digest(state: m.MeetingState, device: str) -> str | None:
    """A space's device (``s2``: it shows the circle meeting there): the digest of its key, "" before the
    console first asked for the links; None for anything else (circles have no device of their own)."""
    os = of(state)
    return os.device_keys.get(device, "") if device in os.spaces else None


def is_circle(room_id: str) -> bool:
    return room_id.startswith("o")


def _ours(room_id: str) -> bool:
    """Circles (``o7``) and the spaces' devices (``s2``)."""
    return room_id.startswith(("o", "s"))


SCOPES = registry.Scopes(
    room_of=room_of,
    stack_of=stack_of,
    with_stack=with_stack,
    knows=_ours,
    notes_of=notes_of,
    with_notes=with_notes,
    key_digest=key_digest,
)


FEATURE = registry.Feature(
    name=NAME,
    messages=MESSAGES,
    commands=oc.COMMANDS,
    decide=decide,
    events=oc.EVENTS,
    apply=apply,
    joined=joined,
    forget=forget,
    timers=timers,
    sections={
        "screen": lambda state, ctx: ov.screen_section(state),
        "phone": lambda state, ctx: ov.phone_section(state),
        "facilitator": lambda state, ctx: ov.facilitator_section(state),
        "me": lambda state, pid: ov.me_section(state, pid),
    },
    touched=ov.touched,
    # A circle's view is room:o7 (its phones), as a breakout room's is room:b1-2; a space's device shows
    # the circle meeting there now, room:s2, with who is in it.
    audience="room",
    owns=_ours,
    views=lambda state, key, ctx: (
        ov.circle_view(state, key, ctx.join_url)
        if is_circle(key)
        else ov.space_view(state, key, ctx.connected(), ctx.join_url)
    ),
    view_deps=lambda state, key: ov.circle_deps(state, key) if is_circle(key) else ov.space_deps(state, key),
    minutes=minutes,
    markdown=markdown,
    words=("minutes-openspace",),
)
