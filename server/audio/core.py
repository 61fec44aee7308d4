"""Interpretation (pure; no I/O, no clock, no randomness): language channels, booths, captions.

The facilitator adds **language channels** ("Español", ``es``), each in the plenary or in a
room (an interpreter can be sent to a breakout room).  Each channel has two capability links,
derived from the facilitator's secret (only their digests are kept): the **interpreter**
link, shared by the **booth partners** of that channel, and the **captioner** link.

An interpreter opening the link names themself in the booth (``booth_join``).  One of them
**goes live**; their voice is the channel's.  A channel never has two live voices: a partner
who presses "Go live" while another is live is refused (``channel_live``) and both pages are
warned (a **clash**, recorded, shown for a few seconds).  The live one **offers a handover**,
the partner **takes over**: one click each, and the live voice changes in one event, so the
channel neither has two voices nor falls silent.  **Retour**: while the floor speaks the
channel's language, the channel's listeners hear the floor itself and the interpreter turns
around (the interpreter console says so; other booths may relay from this channel).

**Captions**: typed lines on a channel (from the captioner or an interpreter), the last
``CAPTIONS_KEPT`` kept for the views; every line is in the log.  The big screen can show one
channel's captions as a subtitle bar (``screen_captions``).

Who hears what and who may send where (the media routing) is projected from this state by
:mod:`server.hub.media`; the signalling itself is passing traffic, never events.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from server.core.errors import Rejection
from server.core.event import Event, event
from server.core.keys import derived_key, digest
from server.core.text import clean_text

NAME_MAX = 40
LANGUAGE_MAX = 12
CAPTION_MAX = 300
CAPTIONS_KEPT = 20
CHANNELS_MAX = 40
INTERPRETERS_MAX = 8  # names in one booth
CLASH_SHOWN = 10.0  # seconds a clash stays on both interpreters' pages
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # a BCP 47 tag, loosely: es, pt-BR, zh-Hant


def link_key(facilitator_secret: str, channel: str, kind: str) -> str:
    """A channel's interpreter or captioner key, derived from the facilitator's secret."""
    return derived_key(facilitator_secret, kind, channel)


# --- events ----------------------------------------------------------------------------


@event("audio.channel_added")
@dataclass(frozen=True)
class ChannelAdded(Event):
    channel: str
    name: str
    language: str
    room: str
    interpreter_digest: str
    captioner_digest: str


@event("audio.channel_edited")
@dataclass(frozen=True)
class ChannelEdited(Event):
    channel: str
    name: str
    language: str
    room: str


@event("audio.channel_removed")
@dataclass(frozen=True)
class ChannelRemoved(Event):
    channel: str


@event("audio.interpreter_joined")
@dataclass(frozen=True)
class InterpreterJoined(Event):
    channel: str
    name: str


@event("audio.live")
@dataclass(frozen=True)
class Live(Event):
    """The channel's live voice changes: ``how`` is ``live`` (from silence), ``handover`` or ``off``."""

    channel: str
    name: str  # "" when the channel goes silent
    how: str
    previous: str = ""


@event("audio.handover_offered")
@dataclass(frozen=True)
class HandoverOffered(Event):
    channel: str
    name: str
    on: bool


@event("audio.clash")
@dataclass(frozen=True)
class Clash(Event):
    """Someone pressed "Go live" while another interpreter was live (refused; both are warned)."""

    channel: str
    by: str


@event("audio.retour")
@dataclass(frozen=True)
class RetourSet(Event):
    channel: str
    on: bool
    by: str


@event("audio.caption")
@dataclass(frozen=True)
class CaptionAdded(Event):
    channel: str
    text: str
    by: str  # "captioner" or the interpreter's name


@event("audio.screen_captions")
@dataclass(frozen=True)
class ScreenCaptions(Event):
    channel: str  # "": none


EVENTS: tuple[type[Event], ...] = (
    ChannelAdded,
    ChannelEdited,
    ChannelRemoved,
    InterpreterJoined,
    Live,
    HandoverOffered,
    Clash,
    RetourSet,
    CaptionAdded,
    ScreenCaptions,
)


# --- commands --------------------------------------------------------------------------


@dataclass(frozen=True)
class AddChannel:
    name: str
    language: str
    room: str = ""


@dataclass(frozen=True)
class EditChannel:
    channel: str
    name: str | None = None
    language: str | None = None
    room: str | None = None


@dataclass(frozen=True)
class RemoveChannel:
    channel: str


@dataclass(frozen=True)
class SetScreenCaptions:
    channel: str


@dataclass(frozen=True)
class BoothJoin:
    name: str


@dataclass(frozen=True)
class GoLive:
    pass


@dataclass(frozen=True)
class OfferHandover:
    on: bool = True


@dataclass(frozen=True)
class TakeOver:
    pass


@dataclass(frozen=True)
class GoOff:
    pass


@dataclass(frozen=True)
class Retour:
    on: bool


@dataclass(frozen=True)
class Caption:
    text: str


COMMANDS: tuple[type, ...] = (
    AddChannel,
    EditChannel,
    RemoveChannel,
    SetScreenCaptions,
    BoothJoin,
    GoLive,
    OfferHandover,
    TakeOver,
    GoOff,
    Retour,
    Caption,
)


# --- state -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    at: float
    by: str


@dataclass(frozen=True)
class Turn:
    """A change of a channel's live voice, for the minutes."""

    at: float
    name: str  # "": silent from here
    how: str
    previous: str


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    language: str
    room: str
    interpreter_digest: str
    captioner_digest: str
    interpreters: tuple[str, ...] = ()
    live: str = ""  # the live interpreter's name ("": silent)
    offer: str = ""  # the live interpreter offered a handover
    since: float | None = None  # when the live voice last changed
    retour: bool = False
    clash: tuple[str, float] | None = None  # (who pressed Go live, when)
    captions: tuple[Line, ...] = ()
    turns: tuple[Turn, ...] = ()
    removed: bool = False


@dataclass(frozen=True)
class AudioState:
    channels: Mapping[str, Channel] = field(default_factory=dict)
    next_channel: int = 1
    screen_captions: str = ""

    def open_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if not c.removed]


EMPTY = AudioState()


def channel_of(state: AudioState, channel_id: str) -> Channel:
    channel = state.channels.get(channel_id)
    if channel is None or channel.removed:
        raise Rejection("unknown_channel", "There is no such language channel.", "channel")
    return channel


def _language(value: str) -> str:
    text = value.strip()
    if not LANGUAGE.match(text) or len(text) > LANGUAGE_MAX:
        raise Rejection("bad_field", "The language is a code like es, fr or pt-BR.", "language")
    return text


def _name(state: AudioState, value: str, channel_id: str) -> str:
    name = clean_text(value, NAME_MAX, "channel's name", "name")
    for c in state.open_channels():
        if c.id != channel_id and c.name.casefold() == name.casefold():
            raise Rejection("name_taken", f"There is already a channel called {c.name}.", "name")
    return name


# --- decide ----------------------------------------------------------------------------


def add_channel(state: AudioState, cmd: AddChannel, room_ok: bool, key: str, now: float) -> list[Event]:
    if len(state.open_channels()) >= CHANNELS_MAX:
        raise Rejection("too_many", f"A meeting has at most {CHANNELS_MAX} language channels.")
    if not room_ok:
        raise Rejection("unknown_room", "There is no such room.", "room")
    if not key:
        raise Rejection("bad_key", "Interpreter links derive from the facilitator's key.", "key")
    channel_id = f"ch{state.next_channel}"
    return [
        ChannelAdded(
            at=now,
            channel=channel_id,
            name=_name(state, cmd.name, ""),
            language=_language(cmd.language),
            room=cmd.room,
            interpreter_digest=digest(link_key(key, channel_id, "interpreter")),
            captioner_digest=digest(link_key(key, channel_id, "captioner")),
        )
    ]


def edit_channel(state: AudioState, cmd: EditChannel, room_ok: bool, now: float) -> list[Event]:
    channel = channel_of(state, cmd.channel)
    if cmd.room is not None and not room_ok:
        raise Rejection("unknown_room", "There is no such room.", "room")
    name = channel.name if cmd.name is None else _name(state, cmd.name, channel.id)
    language = channel.language if cmd.language is None else _language(cmd.language)
    room = channel.room if cmd.room is None else cmd.room
    if (name, language, room) == (channel.name, channel.language, channel.room):
        return []
    return [ChannelEdited(at=now, channel=channel.id, name=name, language=language, room=room)]


def remove_channel(state: AudioState, channel_id: str, now: float) -> list[Event]:
    channel = channel_of(state, channel_id)
    return [ChannelRemoved(at=now, channel=channel.id)]


def screen_captions(state: AudioState, channel_id: str, now: float) -> list[Event]:
    if channel_id:
        channel_of(state, channel_id)
    return [] if channel_id == state.screen_captions else [ScreenCaptions(at=now, channel=channel_id)]


def _in_booth(channel: Channel, name: str) -> None:
    if not name or name not in channel.interpreters:
        raise Rejection("booth_join_first", "Say your name in the booth first.")


def booth_join(state: AudioState, channel_id: str, name: str, now: float) -> tuple[str, list[Event]]:
    """The interpreter's name in the booth (cleaned); the same name again resumes as that interpreter."""
    channel = channel_of(state, channel_id)
    text = clean_text(name, NAME_MAX, "name", "name")
    for known in channel.interpreters:
        if known.casefold() == text.casefold():
            return known, []
    if len(channel.interpreters) >= INTERPRETERS_MAX:
        raise Rejection("too_many", f"A booth has at most {INTERPRETERS_MAX} interpreters.", "name")
    return text, [InterpreterJoined(at=now, channel=channel.id, name=text)]


def go_live(state: AudioState, channel_id: str, name: str, now: float) -> list[Event]:
    channel = channel_of(state, channel_id)
    _in_booth(channel, name)
    if channel.live == name:
        raise Rejection("already_live", "You are live already.")
    if channel.live:
        # Never two live voices: the attempt is only recorded as a clash, which warns both pages;
        # the sender is answered ``channel_live`` (server/hub/media.py, after the clash is durable).
        # Pressing again while your clash is still shown records nothing more (a held button is not
        # a thousand clashes in the log).
        if channel.clash is not None and channel.clash[0] == name and now - channel.clash[1] < CLASH_SHOWN:
            return []
        return [Clash(at=now, channel=channel.id, by=name)]
    return [Live(at=now, channel=channel.id, name=name, how="live")]


def offer_handover(state: AudioState, channel_id: str, name: str, on: bool, now: float) -> list[Event]:
    channel = channel_of(state, channel_id)
    _in_booth(channel, name)
    if channel.live != name:
        raise Rejection("not_live", "Only the live interpreter can offer a handover.")
    if bool(channel.offer) == on:
        return []
    return [HandoverOffered(at=now, channel=channel.id, name=name, on=on)]


def take_over(state: AudioState, channel_id: str, name: str, now: float) -> list[Event]:
    channel = channel_of(state, channel_id)
    _in_booth(channel, name)
    if channel.live == name:
        raise Rejection("already_live", "You are live already.")
    if not channel.live:
        return [Live(at=now, channel=channel.id, name=name, how="live")]  # a silent channel: just go live
    if not channel.offer:
        raise Rejection("no_handover_offered", f"{channel.live} has not offered a handover yet.")
    return [Live(at=now, channel=channel.id, name=name, how="handover", previous=channel.live)]


def go_off(state: AudioState, channel_id: str, name: str, now: float) -> list[Event]:
    channel = channel_of(state, channel_id)
    _in_booth(channel, name)
    if channel.live != name:
        raise Rejection("not_live", "You are not live.")
    return [Live(at=now, channel=channel.id, name="", how="off", previous=name)]


def retour(state: AudioState, channel_id: str, name: str, on: bool, now: float) -> list[Event]:
    channel = channel_of(state, channel_id)
    _in_booth(channel, name)
    return [] if channel.retour == on else [RetourSet(at=now, channel=channel.id, on=on, by=name)]


def caption(state: AudioState, channel_id: str, by: str, text: str, now: float) -> list[Event]:
    channel = channel_of(state, channel_id)
    line = clean_text(text, CAPTION_MAX, "caption", "text")
    return [CaptionAdded(at=now, channel=channel.id, text=line, by=by)]


# --- apply -----------------------------------------------------------------------------


def _with(state: AudioState, channel: Channel) -> AudioState:
    return replace(state, channels={**state.channels, channel.id: channel})


def apply(state: AudioState, ev: Event) -> AudioState:
    match ev:
        case ChannelAdded():
            channel = Channel(
                id=ev.channel,
                name=ev.name,
                language=ev.language,
                room=ev.room,
                interpreter_digest=ev.interpreter_digest,
                captioner_digest=ev.captioner_digest,
            )
            number = int(ev.channel[2:]) if ev.channel[2:].isdigit() else state.next_channel
            return replace(_with(state, channel), next_channel=max(state.next_channel, number + 1))
        case ChannelEdited():
            c = state.channels[ev.channel]
            return _with(state, replace(c, name=ev.name, language=ev.language, room=ev.room))
        case ChannelRemoved():
            c = state.channels[ev.channel]
            gone = replace(c, removed=True, live="", offer="")
            shown = "" if state.screen_captions == ev.channel else state.screen_captions
            return replace(_with(state, gone), screen_captions=shown)
        case InterpreterJoined():
            c = state.channels[ev.channel]
            return _with(state, replace(c, interpreters=(*c.interpreters, ev.name)))
        case Live():
            c = state.channels[ev.channel]
            turn = Turn(at=ev.at, name=ev.name, how=ev.how, previous=ev.previous)
            return _with(state, replace(c, live=ev.name, offer="", since=ev.at, clash=None, turns=(*c.turns, turn)))
        case HandoverOffered():
            c = state.channels[ev.channel]
            return _with(state, replace(c, offer=ev.name if ev.on else ""))
        case Clash():
            c = state.channels[ev.channel]
            return _with(state, replace(c, clash=(ev.by, ev.at)))
        case RetourSet():
            c = state.channels[ev.channel]
            return _with(state, replace(c, retour=ev.on))
        case CaptionAdded():
            c = state.channels[ev.channel]
            lines = (*c.captions, Line(text=ev.text, at=ev.at, by=ev.by))[-CAPTIONS_KEPT:]
            return _with(state, replace(c, captions=lines))
        case ScreenCaptions():
            return replace(state, screen_captions=ev.channel)
    return state
