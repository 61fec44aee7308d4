"""World Café as a feature: messages, who may send them, decide, apply, timers, scopes, views, minutes.

Registered by one line in ``server/features.py``; its tables are rooms through ``add_scopes``
(ids ``c<n>``).  State lives in ``state.parts["cafe"]``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from server.cafe import core as cc
from server.cafe import views as cv
from server.cafe.minutes import markdown, minutes
from server.core import meeting as m
from server.core import registry
from server.core.errors import Rejection
from server.core.event import Event
from server.core.inputs import Inputs
from server.core.registry import Field, Message
from server.stack import core as sk

NAME = "cafe"
F, P, SYSTEM = m.Role.FACILITATOR, m.Role.PHONE, m.Role.SYSTEM


def of(state: m.MeetingState) -> cc.CafeState:
    return cv.cafe_of(state)


def _put(state: m.MeetingState, cs: cc.CafeState) -> m.MeetingState:
    return m.with_part(state, NAME, cs)


# Commands only the facilitator may send (checked once, before the match below).
_FACILITATOR_ONLY = (
    cc.SetUpCafe,
    cc.SetQuestion,
    cc.AddTables,
    cc.NameTable,
    cc.RemoveTable,
    cc.AppointHost,
    cc.PickHosts,
    cc.SeatCafe,
    cc.MoveToTable,
    cc.ExtendRound,
    cc.PauseCafe,
    cc.OpenHarvest,
    cc.ShowTable,
    cc.CloseHarvest,
)


def _member(state: m.MeetingState, pid: str) -> bool:
    p = state.participants.get(pid)
    return p is not None and not p.removed


def _people(state: m.MeetingState, cs: cc.CafeState, present: frozenset[str]) -> list[str]:
    """Whom a plan seats: everyone here, and every host (a host's table waits for them)."""
    here = {pid for pid in state.participants if pid in present and _member(state, pid)}
    return sorted(here | {h for h in cs.hosts.values() if _member(state, h)})


def decide(state: m.MeetingState, command: Any, actor: m.Actor, inputs: Inputs) -> list[Event]:
    cs = of(state)
    now = inputs.now
    if isinstance(command, _FACILITATOR_ONLY):
        m.require(actor, F)
    match command:
        case cc.SetUpCafe():
            return cc.set_up(cs, command, now)
        case cc.SetQuestion(round=number, question=question):
            return cc.set_question(cs, number, question, now)
        case cc.AddTables(count=count, names=names):
            return cc.add_tables(cs, count, names, inputs.key, now)
        case cc.NameTable(table=table, name=name):
            return cc.name_table(cs, table, name, now)
        case cc.RemoveTable(table=table):
            return cc.remove_table(cs, table, now)
        case cc.AppointHost(participant_id=pid, table=table):
            if pid:
                m.existing(state, pid)
            return cc.appoint_host(cs, pid, table, now)
        case cc.VolunteerHost(on=on):
            me = m.joined(state, actor)
            return cc.volunteer(cs, me.id, on, now)
        case cc.PickHosts():
            return cc.pick_hosts(cs, _people(state, cs, inputs.present), inputs.seed, now)
        case cc.SeatCafe():
            return cc.seat(cs, _people(state, cs, inputs.present), inputs.seed, now)
        case cc.TakeSeat(table=table):
            me = m.joined(state, actor)
            return cc.take_seat(cs, me.id, table, "back", now)
        case cc.MoveToTable(participant_id=pid, table=table):
            m.existing(state, pid)
            return cc.move_to_table(cs, pid, table, now)
        case cc.LeaveCafe():
            me = m.joined(state, actor)
            return cc.leave(cs, me.id, "self", now)
        case cc.StartRound(round=number):
            m.require(actor, F, SYSTEM)
            people = _people(state, cs, inputs.present)
            return cc.start_round(cs, number, actor.role is SYSTEM, people, inputs.seed, now)
        case cc.ExtendRound(seconds=seconds):
            return cc.extend_round(cs, seconds, now)
        case cc.EndRound(round=number):
            m.require(actor, F, SYSTEM)
            return cc.end_round(cs, number, actor.role is SYSTEM, now)
        case cc.PauseCafe(paused=paused):
            return cc.pause(cs, paused, now)
        case cc.MarkNote(note=note, strong=strong, table=table):
            m.require(actor, F, P)
            marker = None if actor.role is F else m.joined(state, actor).id
            return cc.mark_note(cs, marker, note, strong, table, now)
        case cc.WriteSummary(text=text):
            me = m.joined(state, actor)
            return cc.write_summary(cs, me.id, text, now)
        case cc.OpenHarvest():
            return cc.open_harvest(cs, now)
        case cc.ShowTable(table=table):
            return cc.show_table(cs, table, now)
        case cc.StarNote(note=note, on=on):
            me = m.joined(state, actor)
            return cc.star(cs, me.id, note, on, now)
        case cc.CloseHarvest():
            return cc.close_harvest(cs, now)
    raise Rejection("unknown_type", f"Unknown command {type(command).__name__}.")


def apply(state: m.MeetingState, ev: Event) -> m.MeetingState:
    return _put(state, cc.apply(of(state), ev))


def joined(state: m.MeetingState, pid: str, command: m.Join, inputs: Inputs) -> list[Event]:
    """A late arrival gets a seat while the café seats people: at the table whose card they scanned
    (``/j/CODE?room=c7``) if it has room, else by the rule (the smallest table where they add the fewest
    repeats), and in every later round."""
    cs = of(state)
    if cs.current == 0:
        return []
    hint = command.room if command.room in cs.tables else ""
    try:
        return cc.take_seat(cs, pid, hint, "card" if hint else "late", inputs.now)
    except Rejection:
        return []


def forget(state: m.MeetingState, pid: str) -> m.MeetingState:
    cs = of(state)
    if cs is cv.EMPTY:
        return state
    table = cs.seat_of(pid)
    if table:  # their hand at the table comes down
        t = cs.tables[table]
        cs = dataclasses.replace(
            cs, tables={**cs.tables, table: dataclasses.replace(t, stack=sk.without_participant(t.stack, pid))}
        )
    return _put(state, cc.forget(cs, pid))


def timers(state: m.MeetingState) -> list[tuple[float, Any]]:
    """A running round ends at its deadline; after the pause to change tables, the next one starts."""
    cs = of(state)
    running = cs.running
    if running is not None:
        return [(running.ends_at, cc.EndRound(running.number))]
    if cs.next_at is not None and not cs.harvest:
        return [(cs.next_at, cc.StartRound(len(cs.rounds) + 1))]
    return []


# --- scopes: a café table is a room while the café seats people ------------------------------


def is_table(room_id: str) -> bool:
    return room_id.startswith("c")


def room_of(state: m.MeetingState, pid: str) -> str:
    """The table a phone sits at (or is going to, between rounds), or ""."""
    return of(state).seat_of(pid)


def stack_of(state: m.MeetingState, room_id: str, closed: bool = False) -> sk.StackState:
    cs = of(state)
    table = cs.tables.get(room_id)
    if table is None:
        raise Rejection("unknown_room", "There is no such room.", "room")
    if not closed and not cs.table_open(room_id):
        raise Rejection("room_closed", f"{table.title} isn't seating anyone now.", "room")
    return table.stack


def with_stack(state: m.MeetingState, room_id: str, stack: sk.StackState) -> m.MeetingState:
    cs = of(state)
    return _put(state, cc._table(cs, room_id, stack=stack))


def notes_of(state: m.MeetingState, room_id: str, closed: bool = False) -> Any:
    stack_of(state, room_id, closed)  # the same refusals: unknown_room, room_closed
    return of(state).tables[room_id].notes


def with_notes(state: m.MeetingState, room_id: str, notes: Any) -> m.MeetingState:
    return _put(state, cc._table(of(state), room_id, notes=tuple(notes)))


def key_digest(state: m.MeetingState, device: str) -> str | None:
    """A table's device: the digest of its key; None: no such table."""
    table = of(state).tables.get(device)
    return None if table is None else table.key_digest


SCOPES = registry.Scopes(
    room_of=room_of,
    stack_of=stack_of,
    with_stack=with_stack,
    knows=is_table,
    notes_of=notes_of,
    with_notes=with_notes,
    key_digest=key_digest,
)


# --- messages ------------------------------------------------------------------------------

_TABLE = Field(str, max_length=16)
_PID = Field(str, max_length=64)


def _set_up(f: dict[str, Any]) -> cc.SetUpCafe:
    return cc.SetUpCafe(
        table_size=f.get("table_size"),
        rounds=f.get("rounds"),
        minutes=f.get("minutes"),
        changeover=f.get("changeover"),
        question=f.get("question"),
    )


MESSAGES = {
    "cafe_setup": Message(
        {
            "table_size": Field(int, required=False),
            "rounds": Field(int, required=False),
            "minutes": Field(int, required=False),
            "changeover": Field(int, required=False),
            "question": Field(str, required=False, max_length=cc.QUESTION_MAX * 2),
        },
        _set_up,
        roles=("facilitator",),
    ),
    "cafe_question": Message(
        {"round": Field(int), "question": Field(str, max_length=cc.QUESTION_MAX * 2)},
        lambda f: cc.SetQuestion(f["round"], f["question"]),
        roles=("facilitator",),
    ),
    "add_tables": Message(
        {
            "count": Field(int),
            "names": Field(list, required=False, max_length=cc.TABLES_MAX, item_length=cc.NAME_MAX * 2),
        },
        lambda f: cc.AddTables(f["count"], tuple(f.get("names", ()))),
        roles=("facilitator",),
        needs=frozenset({"key"}),
    ),
    "name_table": Message(
        {"table": _TABLE, "name": Field(str, max_length=cc.NAME_MAX * 2)},
        lambda f: cc.NameTable(f["table"], f["name"]),
        roles=("facilitator",),
    ),
    "remove_table": Message({"table": _TABLE}, lambda f: cc.RemoveTable(f["table"]), roles=("facilitator",)),
    "appoint_host": Message(
        {"participant": _PID, "table": Field(str, required=False, max_length=16)},
        lambda f: cc.AppointHost(f["participant"], f.get("table", "")),
        roles=("facilitator",),
    ),
    "volunteer_host": Message({"on": Field(bool, required=False)}, lambda f: cc.VolunteerHost(f.get("on", True))),
    "pick_hosts": Message({}, lambda f: cc.PickHosts(), roles=("facilitator",), needs=frozenset({"present"})),
    "seat_cafe": Message({}, lambda f: cc.SeatCafe(), roles=("facilitator",), needs=frozenset({"present"})),
    "take_seat": Message(
        {"table": Field(str, required=False, max_length=16)}, lambda f: cc.TakeSeat(f.get("table", ""))
    ),
    "move_to_table": Message(
        {"participant": _PID, "table": Field(str, max_length=16)},
        lambda f: cc.MoveToTable(f["participant"], f["table"]),
        roles=("facilitator",),
    ),
    "leave_cafe": Message({}, lambda f: cc.LeaveCafe()),
    "start_round": Message({}, lambda f: cc.StartRound(), roles=("facilitator",), needs=frozenset({"present"})),
    "extend_round": Message({"seconds": Field(int)}, lambda f: cc.ExtendRound(f["seconds"]), roles=("facilitator",)),
    "end_round": Message({}, lambda f: cc.EndRound(), roles=("facilitator",)),
    "pause_cafe": Message(
        {"paused": Field(bool, required=False)}, lambda f: cc.PauseCafe(f.get("paused", True)), roles=("facilitator",)
    ),
    "mark_note": Message(
        {"note": Field(int), "strong": Field(bool, required=False), "table": Field(str, required=False, max_length=16)},
        lambda f: cc.MarkNote(f["note"], f.get("strong", True), f.get("table", "")),
        roles=("phone", "facilitator"),
    ),
    "host_summary": Message(
        {"text": Field(str, max_length=cc.SUMMARY_MAX + 200)}, lambda f: cc.WriteSummary(f["text"])
    ),
    "open_harvest": Message({}, lambda f: cc.OpenHarvest(), roles=("facilitator",)),
    "show_table": Message(
        {"table": Field(str, required=False, max_length=16)},
        lambda f: cc.ShowTable(f.get("table", "")),
        roles=("facilitator",),
    ),
    "star_note": Message(
        {"note": Field(int), "on": Field(bool, required=False)}, lambda f: cc.StarNote(f["note"], f.get("on", True))
    ),
    "close_harvest": Message({}, lambda f: cc.CloseHarvest(), roles=("facilitator",)),
}


FEATURE = registry.Feature(
    name=NAME,
    messages=MESSAGES,
    commands=cc.COMMANDS,
    decide=decide,
    events=cc.EVENTS,
    apply=apply,
    joined=joined,
    forget=forget,
    timers=timers,
    sections={
        "screen": lambda state, ctx: cv.screen_section(state, ctx.connected()),
        "phone": lambda state, ctx: cv.phone_section(state),
        "facilitator": lambda state, ctx: cv.facilitator_section(state, ctx.connected()),
        "me": lambda state, pid: cv.me_section(state, pid),
    },
    touched=cv.touched,
    audience="room",  # a table's view is room:c7, as a breakout room's is room:b1-2
    owns=is_table,
    views=lambda state, key, ctx: cv.table_view(state, key, ctx.connected(), ctx.join_url),
    view_deps=cv.table_deps,
    minutes=minutes,
    markdown=markdown,
    words=("minutes-cafe",),
)
