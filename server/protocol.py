"""The wire protocol: codecs, and validation of every message a client sends.

Clients pick a codec when they connect (``/ws?format=json`` or
``/ws?format=msgpack``).  JSON travels in text frames, msgpack in binary
frames.  Every client message is a map with a ``type`` and, optionally, an
``id`` that the server echoes in the ``ack`` or ``error`` it answers with.

Validation here is about shape (types, sizes, required fields).  Whether the
sender may do it, given their role and the meeting's state, is the core's
business.  See docs/protocol.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import msgpack

from server import features  # noqa: F401  (fills the registry: every feature's messages)
from server.agenda import core as ag
from server.core import meeting as m
from server.core import registry
from server.core.errors import Rejection
from server.core.registry import Field
from server.decisions import core as dc
from server.signals import core as sg
from server.stack import core as sk

MAX_MESSAGE_BYTES = 4096  # larger frames get a too_large error (the transport closes at 64 KiB)
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
            # Limits keep a crafted frame from allocating much: it is already <= 4 KiB.
            return msgpack.unpackb(frame, raw=False, strict_map_key=True, max_bin_len=MAX_MESSAGE_BYTES)
        except Exception:  # msgpack raises several unrelated types for bad input
            raise Rejection("bad_frame", "That frame is not valid msgpack.") from None


CODECS: dict[str, Codec] = {"json": JsonCodec(), "msgpack": MsgpackCodec()}


_TEXT = Field(str, max_length=200)
_ID = Field(str, max_length=64)
_BOOL = Field(bool)
_ENTRY = Field(int)
_NUMBER = Field((int, float))
_INT = Field(int)
_LONG = Field(str, max_length=dc.PROPOSAL_MAX)
_OPT_TEXT = Field(str, required=False, max_length=500)
_OPT_INT = Field(int, required=False)
_OPT_BOOL = Field(bool, required=False)
_ROOM = Field(str, required=False, max_length=16)  # "" or absent: the plenary

# type -> fields.  Keep in step with docs/protocol.md (tests/test_docs.py checks).
MESSAGES: dict[str, dict[str, Field]] = {
    "hello": {
        "role": Field(str, max_length=16),
        "meeting": Field(str, required=False, max_length=64),
        "code": Field(str, required=False, max_length=16),
        "token": Field(str, required=False, max_length=128),
        "key": Field(str, required=False, max_length=128),
        "room": Field(str, required=False, max_length=16),
        "last_seq": Field(int, required=False),
    },
    "ping": {},
    "room_links": {},
    "join": {"name": _TEXT, "room": _ROOM},
    "rename": {"name": _TEXT},
    "rename_participant": {"participant": _ID, "name": _TEXT},
    "remove_participant": {"participant": _ID},
    "end_meeting": {},
    # the speaking stack
    "raise_hand": {"kind": Field(str, required=False, max_length=16)},
    "lower_hand": {},
    "opt_priority": {"opted": _BOOL},
    "next_speaker": {"room": _ROOM},
    "end_turn": {"room": _ROOM},
    "skip_entry": {"entry": _ENTRY, "room": _ROOM},
    "remove_entry": {"entry": _ENTRY, "room": _ROOM},
    "move_entry": {"entry": _ENTRY, "position": Field(int), "room": _ROOM},
    "extend_time": {"seconds": _NUMBER, "room": _ROOM},
    "set_stack_open": {"open": _BOOL, "room": _ROOM},
    "set_stack_settings": {
        "progressive": Field(bool, required=False),
        "priority_counts": Field(bool, required=False),
        "time_limit": Field((int, float), required=False),
        "room": _ROOM,
    },
    "set_groups": {"groups": Field(list, max_length=sk.GROUPS_MAX, item_length=sk.GROUP_MAX)},
    "declare_group": {"group": Field(str, max_length=sk.GROUP_MAX)},
    # the agenda
    "add_item": {"title": _TEXT, "description": _OPT_TEXT, "minutes": _OPT_INT},
    "propose_item": {"title": _TEXT, "description": _OPT_TEXT},
    "edit_item": {
        "item": _ID,
        "title": Field(str, required=False, max_length=200),
        "description": _OPT_TEXT,
        "minutes": _OPT_INT,
    },
    "accept_item": {"item": _ID},
    "decline_item": {"item": _ID},
    "move_item": {"item": _ID, "position": _INT},
    "start_item": {"item": _ID},
    "end_item": {},
    # signals, temperature checks, written points
    "signal": {"signal": Field(str, max_length=16)},
    "start_check": {"question": _TEXT, "seconds": _OPT_INT},
    "answer_check": {"check": _INT, "signal": Field(str, max_length=16)},
    "post_point": {"text": Field(str, max_length=sg.POINT_MAX), "anonymous": _OPT_BOOL},
    "upvote_point": {"point": _INT, "up": _OPT_BOOL},
    "withdraw_point": {"point": _INT},
    "show_point": {"point": _OPT_INT},
    "dismiss_point": {"point": _INT},
    "read_point": {"point": _INT},
    # proposals, votes, decisions
    "propose": {"text": _LONG},
    "add_proposal": {"text": _LONG, "proposer": Field(str, required=False, max_length=80)},
    "withdraw_proposal": {"proposal": _INT},
    "amend": {"proposal": _INT, "text": _LONG},
    "accept_amendment": {"amendment": _INT},
    "withdraw_amendment": {"amendment": _INT},
    "open_vote": {
        "subject": Field(str, max_length=16),
        "ballot": Field(str, max_length=16),
        "rule": Field(str, max_length=24),
        "target": _OPT_INT,
        "question": Field(str, required=False, max_length=dc.QUESTION_MAX),
        "options": Field(list, required=False, max_length=dc.OPTIONS_MAX, item_length=dc.OPTION_MAX),
        "multi": _OPT_BOOL,
        "fraction": Field(str, required=False, max_length=12),
        "threshold": _OPT_INT,
        "stand_aside_limit": _OPT_INT,
        "quorum_share": _OPT_INT,
        "quorum_count": _OPT_INT,
        "secret": _OPT_BOOL,
        "hidden": _OPT_BOOL,
    },
    "cast_ballot": {
        "vote": _INT,
        "choice": Field(str, required=False, max_length=dc.OPTION_MAX),
        "choices": Field(list, required=False, max_length=dc.OPTIONS_MAX, item_length=dc.OPTION_MAX),
        "reason": Field(str, required=False, max_length=dc.REASON_MAX),
    },
    "close_vote": {"vote": _INT},
    "cancel_vote": {"vote": _INT},
    "dismiss_vote": {"vote": _INT},
    "add_action": {
        "vote": _INT,
        "what": Field(str, max_length=dc.ACTION_MAX),
        "who": Field(str, max_length=dc.WHO_MAX),
    },
    "remove_action": {"action": _INT},
}
MESSAGES.update({name: dict(spec.fields) for name, spec in registry.MESSAGES.items()})  # registered features


@dataclass(frozen=True)
class Message:
    type: str
    id: int | str | None
    fields: dict[str, Any]


def message_id(raw: Any) -> int | str | None:
    """The ``id`` of a decoded frame if it is a valid one (echoed even when the rest is refused)."""
    msg_id = raw.get("id") if isinstance(raw, dict) else None
    if (isinstance(msg_id, int) and not isinstance(msg_id, bool) and abs(msg_id) < 2**53) or (
        isinstance(msg_id, str) and len(msg_id) <= MAX_ID_LENGTH
    ):
        return msg_id
    return None


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
        if isinstance(value, list):
            if not all(isinstance(item, str) and len(item) <= rule.item_length for item in value):
                raise Rejection("bad_field", f"'{name}' must be a list of short strings.", name)
            value = tuple(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and not abs(value) < 2**31:
            raise Rejection("bad_field", f"'{name}' is out of range.", name)  # also NaN and infinities
        fields[name] = value
    unknown = set(raw) - set(spec) - {"type", "id"}
    if unknown:
        raise Rejection("bad_field", f"Unexpected field {sorted(unknown)[0][:40]!r}.", sorted(unknown)[0][:40])
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
        case "raise_hand":
            return sk.RaiseHand(kind=f.get("kind", sk.Kind.NEW.value))
        case "lower_hand":
            return sk.LowerHand()
        case "opt_priority":
            return sk.OptPriority(opted=f["opted"])
        case "next_speaker":
            return sk.NextSpeaker(room=f.get("room", ""))
        case "end_turn":
            return sk.EndTurn(room=f.get("room", ""))
        case "skip_entry":
            return sk.SkipEntry(entry_id=f["entry"], room=f.get("room", ""))
        case "remove_entry":
            return sk.RemoveEntry(entry_id=f["entry"], room=f.get("room", ""))
        case "move_entry":
            return sk.MoveEntry(entry_id=f["entry"], position=f["position"], room=f.get("room", ""))
        case "extend_time":
            return sk.ExtendTime(seconds=float(f["seconds"]), room=f.get("room", ""))
        case "set_stack_open":
            return sk.SetStackOpen(open=f["open"], room=f.get("room", ""))
        case "set_stack_settings":
            limit = f.get("time_limit")
            return sk.SetStackSettings(
                progressive=f.get("progressive"),
                priority_counts=f.get("priority_counts"),
                time_limit=None if limit is None else float(limit),
                room=f.get("room", ""),
            )
        case "set_groups":
            return sk.SetGroups(groups=f["groups"])
        case "declare_group":
            return sk.DeclareGroup(group=f["group"])
        case "add_item":
            return ag.AddItem(
                title=f["title"], description=f.get("description", ""), minutes=f.get("minutes", ag.MINUTES_DEFAULT)
            )
        case "propose_item":
            return ag.ProposeItem(title=f["title"], description=f.get("description", ""))
        case "edit_item":
            return ag.EditItem(
                item_id=f["item"], title=f.get("title"), description=f.get("description"), minutes=f.get("minutes")
            )
        case "accept_item":
            return ag.AcceptItem(item_id=f["item"])
        case "decline_item":
            return ag.DeclineItem(item_id=f["item"])
        case "move_item":
            return ag.MoveItem(item_id=f["item"], position=f["position"])
        case "start_item":
            return ag.StartItem(item_id=f["item"])
        case "end_item":
            return ag.EndItem()
        case "signal":
            return sg.ShowSignal(signal=f["signal"])
        case "start_check":
            return sg.StartCheck(question=f["question"], seconds=f.get("seconds", 30))
        case "answer_check":
            return sg.AnswerCheck(check_id=f["check"], signal=f["signal"])
        case "post_point":
            return sg.PostPoint(text=f["text"], anonymous=f.get("anonymous", False))
        case "upvote_point":
            return sg.UpvotePoint(point_id=f["point"], up=f.get("up", True))
        case "withdraw_point":
            return sg.WithdrawPoint(point_id=f["point"])
        case "show_point":
            return sg.ShowPoint(point_id=f.get("point"))
        case "dismiss_point":
            return sg.DismissPoint(point_id=f["point"])
        case "read_point":
            return m.ReadPoint(point_id=f["point"])
        case "propose":
            return dc.Propose(text=f["text"])
        case "add_proposal":
            return dc.AddProposal(text=f["text"], proposer=f.get("proposer", ""))
        case "withdraw_proposal":
            return dc.WithdrawProposal(proposal_id=f["proposal"])
        case "amend":
            return dc.Amend(proposal_id=f["proposal"], text=f["text"])
        case "accept_amendment":
            return dc.AcceptAmendment(amendment_id=f["amendment"])
        case "withdraw_amendment":
            return dc.WithdrawAmendment(amendment_id=f["amendment"])
        case "open_vote":
            return dc.OpenVote(
                subject=f["subject"],
                ballot=f["ballot"],
                rule=f["rule"],
                target=f.get("target"),
                question=f.get("question"),
                options=f.get("options", ()),
                multi=f.get("multi", False),
                fraction=f.get("fraction"),
                threshold=f.get("threshold"),
                stand_aside_limit=f.get("stand_aside_limit"),
                quorum_share=f.get("quorum_share"),
                quorum_count=f.get("quorum_count"),
                secret=f.get("secret", False),
                hidden=f.get("hidden", False),
            )
        case "cast_ballot":
            if ("choice" in f) == ("choices" in f):
                raise Rejection("bad_field", "Give either 'choice' or 'choices'.", "choice")
            choices = (f["choice"],) if "choice" in f else f["choices"]
            return dc.CastBallot(vote_id=f["vote"], choices=choices, reason=f.get("reason", ""))
        case "close_vote":
            return dc.CloseVote(vote_id=f["vote"])
        case "cancel_vote":
            return dc.CancelVote(vote_id=f["vote"])
        case "dismiss_vote":
            return dc.DismissVote(vote_id=f["vote"])
        case "add_action":
            return dc.AddAction(vote_id=f["vote"], what=f["what"], who=f["who"])
        case "remove_action":
            return dc.RemoveAction(action_id=f["action"])
    spec = registry.MESSAGES.get(msg.type)
    if spec is not None:
        return spec.build(f)
    raise Rejection("unknown_type", f"{msg.type!r} is not a command.", "type")
