"""Features plug in here: their messages, commands, events, apply, views and minutes.

A feature package (``server/rooms/`` is the first) declares one :class:`Feature` and
``server/features.py`` registers it with one line.  The core, the protocol, the views,
the minutes and the socket then know its messages and events from this registry and
never name the feature.  See docs/architecture.md, "Adding a feature".

Pure: no I/O.  The registry is filled at import time of ``server.features``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from server.core.errors import Rejection
from server.core.event import Event


@dataclass(frozen=True)
class Field:
    """The shape of one field of a client message (checked before the core sees it)."""

    kind: type | tuple[type, ...]
    required: bool = True
    max_length: int | None = None  # strings: characters; lists: items (each a string of <= item_length)
    item_length: int = 80


@dataclass(frozen=True)
class Message:
    """A client message type: its fields, who may send it, and how it becomes a command.

    ``roles``: the roles that may send it (checked by the core again: the protocol only
    documents it).  ``needs``: inputs the hub must draw for it beyond the clock and a seed
    (``"present"``: who is connected; ``"key"``: the sender's capability secret).
    """

    fields: Mapping[str, Field]
    build: Callable[[dict[str, Any]], Any]
    roles: tuple[str, ...] = ("phone",)
    needs: frozenset[str] = frozenset()


Section = Callable[..., Any]


@dataclass(frozen=True)
class Feature:
    """One feature package, as the rest of Plaza sees it.

    - ``decide(state, command, actor, inputs) -> events`` for the commands in ``commands``;
    - ``apply(state, event) -> state`` for the events in ``events`` (the feature keeps its own
      state in ``state.parts[name]``);
    - ``joined(state, participant_id, inputs) -> events``: what a new participant brings about
      (a late arrival placed in a room), decided with the join;
    - ``forget(state, participant_id) -> state``: a removed participant's traces (a place in a room);
    - ``timers(state) -> [(at, command)]``: commands the hub submits when their time comes
      (a return countdown that reaches zero), as the ``system`` actor;
    - ``sections``: view name -> ``fn(state, ctx) -> data``, added to a shared view under the
      feature's name (``screen``, ``facilitator``, ``phone``) or to ``me`` per participant;
    - ``views(state, key, ctx) -> data``: the view of one of the feature's own audiences
      (``audience`` is their prefix: key ``b1-2`` of audience ``room`` is view ``room:b1-2``),
      sent only to connections subscribed to it;
    - ``minutes(state) -> data`` and ``markdown(data, w) -> lines``: the feature's section of the minutes,
      JSON (language-free) and Markdown in the reader's language: ``w`` is an :class:`server.i18n.Words`
      in that language over the feature's ``words`` namespaces, then ``minutes`` and ``server``
      (``minutes.md?lang=es``).  What people wrote (names, topics, notes, reports) stays as written;
    - ``words``: the catalogue namespaces of the feature's words in the minutes
      (``clients/i18n/<namespace>/<lang>.json``, e.g. ``minutes-rooms``), in every language.
    """

    name: str
    messages: Mapping[str, Message]
    commands: tuple[type, ...]
    decide: Callable[..., list[Event]]
    events: tuple[type[Event], ...]
    apply: Callable[..., Any]
    joined: Callable[..., list[Event]] | None = None
    forget: Callable[..., Any] | None = None  # (state, participant_id) -> state, when someone is removed
    timers: Callable[..., list[tuple[float, Any]]] | None = None
    sections: Mapping[str, Section] = field(default_factory=dict)
    views: Callable[..., dict[str, Any] | None] | None = None
    audience: str = ""  # the prefix of the feature's own view keys ("room" for "room:b1-2")
    # (state, key) -> the immutable objects a view of the feature's audience is projected from:
    # while they are the same objects (and who is connected is unchanged) the hub reuses the view.
    view_deps: Callable[..., tuple[Any, ...]] | None = None
    # (part before, part after) -> the participants whose ``me`` section or audience view may differ
    # (None: anyone).  Without it, any change to the feature's part means anyone.
    touched: Callable[[Any, Any], frozenset[str] | None] | None = None
    minutes: Callable[..., Any] | None = None
    markdown: Callable[[Any, Any], list[str]] | None = None  # (data, w: i18n.Words) -> lines
    words: tuple[str, ...] = ()  # the namespaces of its minutes' words (clients/i18n/<namespace>/)
    # (key) -> whether a key of ``audience`` is this feature's, when several features share the
    # audience ("room": b1-2 is a breakout room, o7 an Open Space circle). None: any the others don't own.
    owns: Callable[[str], bool] | None = None


FEATURES: dict[str, Feature] = {}
_BY_COMMAND: dict[type, Feature] = {}
_BY_EVENT: dict[type, Feature] = {}
MESSAGES: dict[str, Message] = {}


def register(feature: Feature) -> Feature:
    if feature.name in FEATURES:
        raise ValueError(f"feature {feature.name!r} registered twice")
    clash = set(feature.messages) & set(MESSAGES)
    if clash:
        raise ValueError(f"message types registered twice: {sorted(clash)}")
    FEATURES[feature.name] = feature
    for cls in feature.commands:
        _BY_COMMAND[cls] = feature
    for cls in feature.events:
        _BY_EVENT[cls] = feature
    MESSAGES.update(feature.messages)
    return feature


def for_command(command: object) -> Feature | None:
    return _BY_COMMAND.get(type(command))


def for_event(ev: Event) -> Feature | None:
    return _BY_EVENT.get(type(ev))


def features() -> tuple[Feature, ...]:
    return tuple(FEATURES.values())


def for_audience(prefix: str, key: str = "") -> Feature | None:
    """The feature whose audience ``prefix`` holds ``key``: one that ``owns`` it, else one that owns no
    particular keys."""
    fallback = None
    for feature in FEATURES.values():
        if feature.audience != prefix:
            continue
        if feature.owns is None:
            fallback = fallback or feature
        elif feature.owns(key):
            return feature
    return fallback


@dataclass(frozen=True)
class Scopes:
    """Where room-scoped state lives (the rooms feature provides it; the plenary is room ``""``).

    - ``room_of(state, participant_id) -> room``: the room a participant is in now (``""``: the plenary);
    - ``stack_of(state, room, closed=False) -> StackState``: a room's speaking stack (refused with
      ``unknown_room`` or, unless ``closed``, ``room_closed``);
    - ``with_stack(state, room, stack) -> state``;
    - ``notes_of(state, room, closed=False) -> tuple[Note, ...]`` and ``with_notes(state, room, notes) -> state``:
      a room's notes (refused as ``stack_of`` refuses), which the rooms' note commands decide on for any room;
    - ``key_digest(state, device) -> str | None``: the digest of a room device's key (``""``: no link made
      yet), or None when there is no such device to open (``socket.hello`` for role ``room``, the QR).
    """

    room_of: Callable[..., str]
    stack_of: Callable[..., Any]
    with_stack: Callable[..., Any]
    knows: Callable[[str], bool] | None = None  # the room ids it holds (None: any the others don't claim)
    notes_of: Callable[..., Any] | None = None
    with_notes: Callable[..., Any] | None = None
    key_digest: Callable[..., str | None] | None = None


SCOPES: list[Scopes] = []  # one entry: the provider, or a dispatcher over several (add_scopes)
PROVIDERS: list[Scopes] = []  # in registration order: a participant's room is the first one's that has one


def set_scopes(scopes: Scopes) -> None:
    """The meeting's scope provider (the rooms), as the only one; ``add_scopes`` adds more."""
    PROVIDERS[:] = [scopes]
    SCOPES[:] = [scopes]


def add_scopes(scopes: Scopes) -> None:
    """Another scope provider (Open Space's circles): ``SCOPES[0]`` then dispatches by room id, so
    ``meeting.room_of``, ``meeting.stack_in`` and the stack's ``apply`` need not know there are several."""
    if scopes not in PROVIDERS:
        PROVIDERS.append(scopes)
    SCOPES[:] = [PROVIDERS[0] if len(PROVIDERS) == 1 else _DISPATCH]


def scopes_for(room: str) -> Scopes:
    """The provider that holds room ``room``: the one whose ``knows`` claims it, else one claiming none."""
    fallback = None
    for scopes in PROVIDERS:
        if scopes.knows is None:
            fallback = fallback or scopes
        elif scopes.knows(room):
            return scopes
    if fallback is None:
        raise Rejection("unknown_room", "There is no such room.", "room")
    return fallback


def _room_of(state: Any, participant_id: str) -> str:
    for scopes in PROVIDERS:
        room = scopes.room_of(state, participant_id)
        if room:
            return room  # type: ignore[no-any-return]
    return ""


def notes_of(state: Any, room: str, closed: bool = False) -> Any:
    """Room ``room``'s notes, from whichever provider holds it (refused like ``stack_of``)."""
    scopes = scopes_for(room)
    if scopes.notes_of is None:
        raise Rejection("unknown_room", "There is no such room.", "room")
    return scopes.notes_of(state, room, closed=closed)


def with_notes(state: Any, room: str, notes: Any) -> Any:
    scopes = scopes_for(room)
    assert scopes.with_notes is not None, room
    return scopes.with_notes(state, room, notes)


def key_digest(state: Any, device: str) -> str | None:
    """The digest of room device ``device``'s key (``""``: none yet), or None: no such device."""
    try:
        scopes = scopes_for(device)
    except Rejection:
        return None
    return None if scopes.key_digest is None else scopes.key_digest(state, device)


_DISPATCH = Scopes(
    room_of=_room_of,
    stack_of=lambda state, room, closed=False: scopes_for(room).stack_of(state, room, closed=closed),
    with_stack=lambda state, room, stack: scopes_for(room).with_stack(state, room, stack),
    notes_of=notes_of,
    with_notes=with_notes,
    key_digest=key_digest,
)
