"""The agenda as a feature: its messages, who may send them, decide and apply.

Starting an item also moves the plenary stack to it (``stack.moved_to_item``): a rule that
spans two features, decided here as an event of its own.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from server.agenda import core as ag
from server.core import meeting as m
from server.core import registry
from server.core.event import Event
from server.core.inputs import Inputs
from server.core.registry import Field, Message
from server.stack import core as sk

_ITEM = Field(str, max_length=64)
_TITLE = Field(str, max_length=200)
_DESCRIPTION = Field(str, required=False, max_length=500)
_MINUTES = Field(int, required=False)


def decide(state: m.MeetingState, command: Any, actor: m.Actor, inputs: Inputs) -> list[Event]:
    now = inputs.now
    if isinstance(command, ag.ProposeItem):
        me = m.joined(state, actor)
        return ag.decide_propose(state.agenda, command, me.id, now)
    m.require(actor, m.Role.FACILITATOR)
    evs = ag.decide_facilitator(state.agenda, command, now)
    started = [ev for ev in evs if isinstance(ev, ag.ItemStarted)]
    if started:  # the stack follows the agenda: a new item, a fresh (open) stack for it
        evs = [*evs, sk.StackMoved(at=now, item_id=started[-1].item_id)]
    return evs


def apply(state: m.MeetingState, ev: Event) -> m.MeetingState:
    if isinstance(ev, ag.ItemStarted) and not state.explicit_rules:
        # Logs written before the stack's move was an event of its own: the stack followed the item here.
        stack = dataclasses.replace(state.stack, item_id=ev.item_id, open=True)
        return dataclasses.replace(state, agenda=ag.apply(state.agenda, ev), stack=stack)
    return dataclasses.replace(state, agenda=ag.apply(state.agenda, ev))


F = ("facilitator",)
MESSAGES = {
    "add_item": Message(
        {"title": _TITLE, "description": _DESCRIPTION, "minutes": _MINUTES},
        lambda f: ag.AddItem(
            title=f["title"], description=f.get("description", ""), minutes=f.get("minutes", ag.MINUTES_DEFAULT)
        ),
        roles=F,
    ),
    "propose_item": Message(
        {"title": _TITLE, "description": _DESCRIPTION},
        lambda f: ag.ProposeItem(title=f["title"], description=f.get("description", "")),
    ),
    "edit_item": Message(
        {
            "item": _ITEM,
            "title": Field(str, required=False, max_length=200),
            "description": _DESCRIPTION,
            "minutes": _MINUTES,
        },
        lambda f: ag.EditItem(
            item_id=f["item"], title=f.get("title"), description=f.get("description"), minutes=f.get("minutes")
        ),
        roles=F,
    ),
    "accept_item": Message({"item": _ITEM}, lambda f: ag.AcceptItem(item_id=f["item"]), roles=F),
    "decline_item": Message({"item": _ITEM}, lambda f: ag.DeclineItem(item_id=f["item"]), roles=F),
    "move_item": Message(
        {"item": _ITEM, "position": Field(int)},
        lambda f: ag.MoveItem(item_id=f["item"], position=f["position"]),
        roles=F,
    ),
    "start_item": Message({"item": _ITEM}, lambda f: ag.StartItem(item_id=f["item"]), roles=F),
    "end_item": Message({}, lambda f: ag.EndItem(), roles=F),
}

FEATURE = registry.Feature(
    name="agenda",
    messages=MESSAGES,
    commands=(
        ag.ProposeItem,
        ag.AddItem,
        ag.EditItem,
        ag.AcceptItem,
        ag.DeclineItem,
        ag.MoveItem,
        ag.StartItem,
        ag.EndItem,
    ),
    decide=decide,
    events=ag.EVENTS,
    apply=apply,
)
