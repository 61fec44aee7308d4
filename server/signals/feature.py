"""Live signals, temperature checks and written points as a feature: messages, decide, apply.

Reading a written point into the stack settles the point and raises a hand for it on the
plenary stack: a rule that spans two features, decided here as two events.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from server.core import meeting as m
from server.core import registry
from server.core.event import Event
from server.core.inputs import Inputs
from server.core.registry import Field, Message
from server.signals import core as sg
from server.stack import core as sk

_INT = Field(int)
_PARTICIPANT = (sg.ShowSignal, sg.AnswerCheck, sg.PostPoint, sg.UpvotePoint, sg.WithdrawPoint)


def decide(state: m.MeetingState, command: Any, actor: m.Actor, inputs: Inputs) -> list[Event]:
    now = inputs.now
    if isinstance(command, _PARTICIPANT):
        me = m.joined(state, actor)
        return sg.decide_participant(state.signals, command, me.id, state.agenda.current, now)
    m.require(actor, m.Role.FACILITATOR)
    if isinstance(command, sg.ReadPoint):
        sg.open_point(state.signals, command.point_id)
        return [
            sg.PointSettled(at=now, point_id=command.point_id, status="read"),
            sk.HandRaised(
                at=now,
                entry_id=state.stack.next_id,
                participant_id=sk.written_entry(command.point_id),
                kind=sk.Kind.NEW.value,
            ),
        ]
    return sg.decide_facilitator(state.signals, command, now)


def apply(state: m.MeetingState, ev: Event) -> m.MeetingState:
    return dataclasses.replace(state, signals=sg.apply(state.signals, ev))


def forget(state: m.MeetingState, pid: str) -> m.MeetingState:
    return dataclasses.replace(state, signals=sg.without_participant(state.signals, pid))


FAC = ("facilitator",)
MESSAGES = {
    "signal": Message({"signal": Field(str, max_length=16)}, lambda f: sg.ShowSignal(signal=f["signal"])),
    "start_check": Message(
        {"question": Field(str, max_length=200), "seconds": Field(int, required=False)},
        lambda f: sg.StartCheck(question=f["question"], seconds=f.get("seconds", 30)),
        roles=FAC,
    ),
    "answer_check": Message(
        {"check": _INT, "signal": Field(str, max_length=16)},
        lambda f: sg.AnswerCheck(check_id=f["check"], signal=f["signal"]),
    ),
    "post_point": Message(
        {"text": Field(str, max_length=sg.POINT_MAX), "anonymous": Field(bool, required=False)},
        lambda f: sg.PostPoint(text=f["text"], anonymous=f.get("anonymous", False)),
    ),
    "upvote_point": Message(
        {"point": _INT, "up": Field(bool, required=False)},
        lambda f: sg.UpvotePoint(point_id=f["point"], up=f.get("up", True)),
    ),
    "withdraw_point": Message({"point": _INT}, lambda f: sg.WithdrawPoint(point_id=f["point"])),
    "show_point": Message(
        {"point": Field(int, required=False)}, lambda f: sg.ShowPoint(point_id=f.get("point")), roles=FAC
    ),
    "dismiss_point": Message({"point": _INT}, lambda f: sg.DismissPoint(point_id=f["point"]), roles=FAC),
    "read_point": Message({"point": _INT}, lambda f: sg.ReadPoint(point_id=f["point"]), roles=FAC),
}

FEATURE = registry.Feature(
    name="signals",
    messages=MESSAGES,
    commands=(*_PARTICIPANT, sg.StartCheck, sg.ShowPoint, sg.DismissPoint, sg.ReadPoint),
    decide=decide,
    events=sg.EVENTS,
    apply=apply,
    forget=forget,
)
