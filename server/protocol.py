"""The wire protocol: codecs, and validation of every message a client sends.

Clients pick a codec when they connect (``/ws?format=json`` or
``/ws?format=msgpack``).  JSON travels in text frames, msgpack in binary
frames.  Every client message is a map with a ``type`` and, optionally, an
``id`` that the server echoes in the ``ack`` or ``error`` it answers with.

Validation here is about shape (types, sizes, required fields).  Each feature declares
its messages in its package (``server/<feature>/feature.py``); this module knows only
the meeting's own (hello, join, rename, …) and takes the rest from the registry.  Whether the
sender may do it, given their role and the meeting's state, is the core's
business.  See docs/protocol.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import msgpack

from server import features  # noqa: F401  (fills the registry: every feature's messages)
from server.core import meeting as m
from server.core import registry
from server.core.errors import Rejection
from server.core.registry import Field

# Larger frames get a too_large error (the transport closes at 64 KiB).  12 KiB: the longest text
# a client sends (a room's report, 2,000 characters) fits in any script, at up to 4 bytes a
# character in UTF-8 plus escaping; at 4 KiB a report in Arabic or Chinese could not be sent.
MAX_MESSAGE_BYTES = 12_288
MAX_ID_LENGTH = 64


class Codec:
    name: str
    binary: bool

    def encode(self, message: dict[str, Any]) -> bytes | str:
        raise NotImplementedError

    def decode(self, frame: bytes | str) -> Any:
        raise NotImplementedError


class JsonCodec(Codec):
    name = "json"
    binary = False

    def encode(self, message: dict[str, Any]) -> str:
        return json.dumps(message, ensure_ascii=False, separators=(",", ":"))

    def decode(self, frame: bytes | str) -> Any:
        if isinstance(frame, bytes):
            raise Rejection("bad_frame", "This connection speaks JSON: send text frames.")
        try:
            return json.loads(frame)
        except json.JSONDecodeError as exc:
            raise Rejection("bad_frame", f"That frame is not valid JSON ({exc.msg}).") from None
        except (ValueError, RecursionError):  # lone surrogates, nesting bombs ("[[[[...")
            raise Rejection("bad_frame", "That frame is not valid JSON.") from None


class MsgpackCodec(Codec):
    name = "msgpack"
    binary = True

    def encode(self, message: dict[str, Any]) -> bytes:
        return msgpack.packb(message)

    def decode(self, frame: bytes | str) -> Any:
        if isinstance(frame, str):
            raise Rejection("bad_frame", "This connection speaks msgpack: send binary frames.")
        try:
            # Limits keep a crafted frame from allocating much: it is already <= 12 KiB.
            return msgpack.unpackb(frame, raw=False, strict_map_key=True, max_bin_len=MAX_MESSAGE_BYTES)
        except Exception:  # msgpack raises several unrelated types for bad input
            raise Rejection("bad_frame", "That frame is not valid msgpack.") from None


CODECS: dict[str, Codec] = {"json": JsonCodec(), "msgpack": MsgpackCodec()}


_TEXT = Field(str, max_length=200)
_ID = Field(str, max_length=64)
_ROOM = Field(str, required=False, max_length=16)  # "" or absent: the plenary

# type -> fields: the meeting's own messages here, every feature's from the registry.  Keep in
# step with docs/protocol.md (tests/test_docs.py checks).
MESSAGES: dict[str, dict[str, Field]] = {
    "hello": {
        "role": Field(str, max_length=16),
        "meeting": Field(str, required=False, max_length=64),
        "code": Field(str, required=False, max_length=16),
        "token": Field(str, required=False, max_length=128),
        "key": Field(str, required=False, max_length=128),
        "room": Field(str, required=False, max_length=16),
        "channel": Field(str, required=False, max_length=16),
        "lang": Field(str, required=False, max_length=16),  # a translator's language (server/translations)
        "last_seq": Field(int, required=False),
    },
    "ping": {},
    "room_links": {},
    "table_links": {},
    # audio: signalling and listening choices (server/hub/media.py), passing traffic, never events
    "audio_offer": {"sdp": Field(str, max_length=12_000), "mic": Field(bool, required=False)},
    "audio_stop": {},
    "audio_listen": {"channel": Field(str, max_length=16)},
    "audio_source": {"source": Field(str, max_length=16)},
    "channel_links": {},
    "translator_links": {},  # each translation language's translator link, for a facilitator
    "join": {"name": _TEXT, "room": _ROOM},
    "rename": {"name": _TEXT},
    "rename_participant": {"participant": _ID, "name": _TEXT},
    "remove_participant": {"participant": _ID},
    "end_meeting": {},
}
MESSAGES.update({name: dict(spec.fields) for name, spec in registry.MESSAGES.items()})  # registered features


@dataclass(frozen=True)
class Message:
    type: str
    id: int | str | None
    fields: dict[str, Any]


# The only text a Python ``str`` can hold that UTF-8 can't encode: lone surrogates ("\ud800"), which
# JSON's "\ud800" escapes can carry.  No text with one gets past :func:`parse`: the core, the store
# (msgpack) and the replies (UTF-8 frames) could not encode it.
_UNENCODABLE = re.compile("[\ud800-\udfff]")


def encodable(text: str) -> bool:
    """True if ``text`` can be encoded as UTF-8 (has no lone surrogate)."""
    return _UNENCODABLE.search(text) is None


def message_id(raw: Any) -> int | str | None:
    """The ``id`` of a decoded frame if it is a valid one (echoed even when the rest is refused)."""
    msg_id = raw.get("id") if isinstance(raw, dict) else None
    if (isinstance(msg_id, int) and not isinstance(msg_id, bool) and abs(msg_id) < 2**53) or (
        isinstance(msg_id, str) and len(msg_id) <= MAX_ID_LENGTH and encodable(msg_id)
    ):
        return msg_id
    return None


def _shown(name: Any) -> str | None:
    """A client's field name as it may be echoed in an error (never text the reply could not encode)."""
    return name[:40] if isinstance(name, str) and encodable(name) else None


def parse(raw: Any) -> Message:
    """Check a decoded frame's shape; raise :class:`Rejection` with a code if it's wrong."""
    if not isinstance(raw, dict):
        raise Rejection("bad_message", "A message must be a map with a 'type'.")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise Rejection("bad_message", "A message must have a 'type' string.", "type")
    spec = MESSAGES.get(kind)
    if spec is None:
        raise Rejection("unknown_type", f"Unknown message type {kind[:40]!r}.", "type")
    msg_id = raw.get("id")
    if msg_id is not None and message_id(raw) is None:
        raise Rejection("bad_field", "'id' must be an integer or a short string.", "id")
    fields: dict[str, Any] = {}
    for name, rule in spec.items():
        value = raw.get(name)
        if value is None:
            if rule.required:
                raise Rejection("bad_field", f"'{name}' is required.", name)
            continue
        kinds = rule.kind if isinstance(rule.kind, tuple) else (rule.kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise Rejection("bad_field", f"'{name}' has the wrong type.", name)
        if rule.max_length is not None and isinstance(value, str | list) and len(value) > rule.max_length:
            raise Rejection("bad_field", f"'{name}' is too long.", name)
        if isinstance(value, str) and not encodable(value):
            raise Rejection("bad_field", f"'{name}' is not valid text (it has a lone surrogate).", name)
        if isinstance(value, list):
            if not all(isinstance(item, str) and len(item) <= rule.item_length for item in value):
                raise Rejection("bad_field", f"'{name}' must be a list of short strings.", name)
            if not all(encodable(item) for item in value):
                raise Rejection("bad_field", f"'{name}' is not valid text (it has a lone surrogate).", name)
            value = tuple(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and not abs(value) < 2**31:
            raise Rejection("bad_field", f"'{name}' is out of range.", name)  # also NaN and infinities
        fields[name] = value
    unknown = [name for name in raw if name not in spec and name not in ("type", "id")]
    if unknown:
        # msgpack maps may have binary keys, and JSON's may hold lone surrogates: echo only clean text.
        shown = sorted(n for n in map(_shown, unknown) if n is not None)
        if shown:
            raise Rejection("bad_field", f"Unexpected field {shown[0]!r}.", shown[0])
        raise Rejection("bad_field", "Unexpected field (its name is not valid text).")
    return Message(kind, msg_id, fields)


def to_command(msg: Message) -> m.Command:
    """Turn a validated message into a core command (``join`` is built by the socket, which draws its token)."""
    f = msg.fields
    match msg.type:
        case "rename":
            return m.Rename(name=f["name"])
        case "rename_participant":
            return m.RenameParticipant(participant_id=f["participant"], name=f["name"])
        case "remove_participant":
            return m.RemoveParticipant(participant_id=f["participant"])
        case "end_meeting":
            return m.EndMeeting()
    spec = registry.MESSAGES.get(msg.type)
    if spec is not None:
        return spec.build(f)
    raise Rejection("unknown_type", f"{msg.type!r} is not a command.", "type")
