"""Interpretation as a feature: messages, who may send them, decide, apply, views, minutes.

Registered by one line in ``server/features.py``.  State lives in ``state.parts["audio"]``.
A channel's booth (its interpreters and captioner) sees the view ``booth:<channel>``; the
phones, the big screen and the console get an ``audio`` section.  The media routing and the
signalling (offers, answers, who hears what) are in :mod:`server.hub.media`, not here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server import i18n
from server.audio import core as ac
from server.core import meeting as m
from server.core import registry
from server.core.errors import Rejection
from server.core.event import Event
from server.core.inputs import Inputs
from server.core.registry import Field, Message

NAME = "audio"
F, INT, C = m.Role.FACILITATOR, m.Role.INTERPRETER, m.Role.CAPTIONER
CAPTIONS_ON_PHONES = 3
CAPTIONS_IN_BOOTH = 10


def of(state: m.MeetingState) -> ac.AudioState:
    return m.part(state, NAME, ac.EMPTY)  # type: ignore[no-any-return]


def _room_ok(state: m.MeetingState, room: str | None) -> bool:
    """A channel is in the plenary ("") or in a room that exists and is open."""
    if not room:
        return True
    try:
        registry.scopes_for(room).stack_of(state, room)
    except Rejection:
        return False
    return True


def decide(state: m.MeetingState, command: Any, actor: m.Actor, inputs: Inputs) -> list[Event]:
    au = of(state)
    now = inputs.now
    match command:
        case ac.AddChannel():
            m.require(actor, F)
            return ac.add_channel(au, command, _room_ok(state, command.room), inputs.key, now)
        case ac.EditChannel():
            m.require(actor, F)
            return ac.edit_channel(au, command, _room_ok(state, command.room), now)
        case ac.RemoveChannel(channel=channel):
            m.require(actor, F)
            return ac.remove_channel(au, channel, now)
        case ac.SetScreenCaptions(channel=channel):
            m.require(actor, F)
            return ac.screen_captions(au, channel, now)
        case ac.Caption(text=text):
            m.require(actor, INT, C)
            by = "captioner" if actor.role is C else actor.name
            if actor.role is INT:
                ac._in_booth(ac.channel_of(au, actor.channel), actor.name)
            return ac.caption(au, actor.channel, by, text, now)
    m.require(actor, INT)
    match command:
        case ac.BoothJoin(name=name):
            return ac.booth_join(au, actor.channel, name, now)[1]
        case ac.GoLive():
            return ac.go_live(au, actor.channel, actor.name, now)
        case ac.OfferHandover(on=on):
            return ac.offer_handover(au, actor.channel, actor.name, on, now)
        case ac.TakeOver():
            return ac.take_over(au, actor.channel, actor.name, now)
        case ac.GoOff():
            return ac.go_off(au, actor.channel, actor.name, now)
        case ac.Retour(on=on):
            return ac.retour(au, actor.channel, actor.name, on, now)
    raise Rejection("unknown_type", "Not an interpretation command.")


def apply(state: m.MeetingState, ev: Event) -> m.MeetingState:
    return m.with_part(state, NAME, ac.apply(of(state), ev))


def touched(before: Any, after: Any) -> frozenset[str]:
    """No participant's own view (``me``, their room's) shows interpretation: the shared views do."""
    return frozenset()


# --- views -----------------------------------------------------------------------------


def _lines(channel: ac.Channel, n: int) -> list[dict[str, Any]]:
    return [{"text": line.text, "at": line.at} for line in channel.captions[-n:]]


def _clash(channel: ac.Channel, now: float | None) -> dict[str, Any] | None:
    """A clash is shown for ``CLASH_SHOWN`` seconds; the page times it out from ``at``."""
    if channel.clash is None:
        return None
    by, at = channel.clash
    return {"by": by, "at": at}


def phone_section(state: m.MeetingState) -> dict[str, Any]:
    return {
        "channels": [
            {"id": c.id, "name": c.name, "language": c.language, "room": c.room, "live": bool(c.live or c.retour)}
            for c in of(state).open_channels()
        ]
    }


def live_section(state: m.MeetingState) -> dict[str, Any]:
    """The last captions of each channel, in the phones' ``live`` view (it moves often)."""
    return {"captions": {c.id: _lines(c, CAPTIONS_ON_PHONES) for c in of(state).open_channels() if c.captions}}


def screen_section(state: m.MeetingState) -> dict[str, Any]:
    au = of(state)
    channel = au.channels.get(au.screen_captions) if au.screen_captions else None
    if channel is None or channel.removed:
        return {"captions": None}
    return {
        "captions": {
            "channel": channel.id,
            "name": channel.name,
            "language": channel.language,
            "lines": _lines(channel, 2),
        }
    }


def facilitator_section(state: m.MeetingState) -> dict[str, Any]:
    au = of(state)
    return {
        "channels": [
            {
                "id": c.id,
                "name": c.name,
                "language": c.language,
                "room": c.room,
                "live": c.live or None,
                "offer": c.offer or None,
                "interpreters": list(c.interpreters),
                "since": c.since,
                "handovers": sum(1 for t in c.turns if t.how == "handover"),
                "retour": c.retour,
                "captions": _lines(c, 1),
            }
            for c in au.open_channels()
        ],
        "screen_captions": au.screen_captions,
    }


def booth_view(state: m.MeetingState, channel_id: str) -> dict[str, Any] | None:
    au = of(state)
    channel = au.channels.get(channel_id)
    if channel is None:
        return None
    return {
        "channel": {
            "id": channel.id,
            "name": channel.name,
            "language": channel.language,
            "room": channel.room,
            "removed": channel.removed,
        },
        "interpreters": list(channel.interpreters),
        "live": channel.live or None,
        "offer": channel.offer or None,
        "since": channel.since,
        "clash": _clash(channel, None),
        "clash_shown": ac.CLASH_SHOWN,
        "retour": channel.retour,
        "captions": _lines(channel, CAPTIONS_IN_BOOTH),
        "channels": [
            {"id": c.id, "name": c.name, "language": c.language, "live": bool(c.live)}
            for c in au.open_channels()
            if c.id != channel.id
        ],
    }


def booth_deps(state: m.MeetingState, channel_id: str) -> tuple[Any, ...]:
    return (of(state).channels,)


def is_channel(key: str) -> bool:
    return key.startswith("ch")


# --- minutes ---------------------------------------------------------------------------


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def minutes(state: m.MeetingState) -> list[dict[str, Any]]:
    """Each language channel: who interpreted, and when the live voice changed (handovers)."""
    return [
        {
            "channel": c.id,
            "name": c.name,
            "language": c.language,
            "room": c.room or None,
            "removed": c.removed,
            "interpreters": list(c.interpreters),
            "turns": [
                {"at": _iso(t.at), "name": t.name or None, "how": t.how, "previous": t.previous or None}
                for t in c.turns
            ],
            "handovers": sum(1 for t in c.turns if t.how == "handover"),
            "captions": len(c.captions),
        }
        for c in of(state).channels.values()
    ]


def markdown(channels: list[dict[str, Any]], w: i18n.Words) -> list[str]:
    """The channels in Markdown, worded by ``w`` (``clients/i18n/minutes-audio/``); channel and
    interpreters' names as written, the language as its code."""
    if not channels:
        return []
    out = ["", f"## {w('minutes.audio.heading')}", ""]
    for c in channels:
        if c["room"]:
            heading = w("minutes.audio.channel_in_room", name=c["name"], language=c["language"], room=c["room"])
        else:
            heading = w("minutes.audio.channel", name=c["name"], language=c["language"])
        if c["removed"]:
            heading = w("minutes.audio.removed", channel=heading)
        out.append(f"### {heading}")
        out.append("")
        out.append(w("minutes.audio.interpreters", names=", ".join(c["interpreters"]) or w("minutes.audio.none")))
        if c["turns"]:
            out += ["", w("minutes.audio.live_voice")]
            for t in c["turns"]:
                when = (t["at"] or "")[11:16]
                if t["how"] == "handover":
                    out.append("- " + w("minutes.audio.handover", time=when, previous=t["previous"], name=t["name"]))
                elif t["how"] == "off":
                    out.append("- " + w("minutes.audio.off", time=when, name=t["previous"]))
                else:
                    out.append("- " + w("minutes.audio.live", time=when, name=t["name"]))
        out.append("")
    return out


# --- messages ------------------------------------------------------------------------------

_CH = Field(str, max_length=16)
_NAME = Field(str, max_length=ac.NAME_MAX + 40)

MESSAGES: dict[str, Message] = {
    "add_channel": Message(
        {
            "name": _NAME,
            "language": Field(str, max_length=ac.LANGUAGE_MAX),
            "room": Field(str, required=False, max_length=16),
        },
        lambda f: ac.AddChannel(f["name"], f["language"], f.get("room", "")),
        roles=("facilitator",),
        needs=frozenset({"key"}),
    ),
    "edit_channel": Message(
        {
            "channel": _CH,
            "name": Field(str, required=False, max_length=ac.NAME_MAX + 40),
            "language": Field(str, required=False, max_length=ac.LANGUAGE_MAX),
            "room": Field(str, required=False, max_length=16),
        },
        lambda f: ac.EditChannel(f["channel"], f.get("name"), f.get("language"), f.get("room")),
        roles=("facilitator",),
    ),
    "remove_channel": Message({"channel": _CH}, lambda f: ac.RemoveChannel(f["channel"]), roles=("facilitator",)),
    "screen_captions": Message(
        {"channel": Field(str, max_length=16)}, lambda f: ac.SetScreenCaptions(f["channel"]), roles=("facilitator",)
    ),
    "booth_join": Message({"name": _NAME}, lambda f: ac.BoothJoin(f["name"]), roles=("interpreter",)),
    "go_live": Message({}, lambda f: ac.GoLive(), roles=("interpreter",)),
    "offer_handover": Message(
        {"on": Field(bool, required=False)}, lambda f: ac.OfferHandover(f.get("on", True)), roles=("interpreter",)
    ),
    "take_over": Message({}, lambda f: ac.TakeOver(), roles=("interpreter",)),
    "go_off": Message({}, lambda f: ac.GoOff(), roles=("interpreter",)),
    "retour": Message({"on": Field(bool)}, lambda f: ac.Retour(f["on"]), roles=("interpreter",)),
    "caption": Message(
        {"text": Field(str, max_length=ac.CAPTION_MAX + 100)},
        lambda f: ac.Caption(f["text"]),
        roles=("interpreter", "captioner"),
    ),
}


FEATURE = registry.Feature(
    name=NAME,
    messages=MESSAGES,
    commands=ac.COMMANDS,
    decide=decide,
    events=ac.EVENTS,
    apply=apply,
    sections={
        "phone": lambda state, ctx: phone_section(state),
        "live": lambda state, ctx: live_section(state),
        "screen": lambda state, ctx: screen_section(state),
        "facilitator": lambda state, ctx: facilitator_section(state),
    },
    touched=touched,
    audience="booth",
    owns=is_channel,
    views=lambda state, key, ctx: booth_view(state, key),
    view_deps=booth_deps,
    minutes=minutes,
    markdown=markdown,
    words=("minutes-audio",),
)
