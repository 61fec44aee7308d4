"""The websocket endpoint: one socket per client, raw ASGI on the hot path.

A client connects to ``/ws?format=json|msgpack``, says ``hello`` (which
meeting, which role, its credential), then sends commands.  Every frame is
checked here for rate, size and shape before anything else sees it; a bad one
gets an ``error`` with a code and changes nothing.  See docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

from server.audio.feature import of as audio_of
from server.core import meeting as m
from server.core import registry
from server.core.errors import Rejection
from server.core.inputs import Inputs
from server.http import PREPARED
from server.hub.connection import Connection
from server.hub.hub import Hub, screen_key_for
from server.hub.live import BOOTHS
from server.hub.media import booth_command
from server.logs import noise
from server.openspace import core as oc
from server.openspace import views as ov
from server.protocol import CODECS, MAX_MESSAGE_BYTES, Message, message_id, parse, to_command
from server.rooms import views as rv
from server.store import StoreError
from server.translations.feature import of as translations_of

log = logging.getLogger("plaza.socket")

PROTOCOL_VERSION = 1
# A socket must say hello within this many seconds of opening (a stranger's idle sockets hold
# memory and file descriptors; a phone says hello at once).
HELLO_WITHIN = float(os.environ.get("PLAZA_HELLO_WITHIN", "30"))


class SocketEndpoint:
    """ASGI app for ``/ws``.  Starlette calls it with the raw scope/receive/send."""

    def __init__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scope, self.receive, self.send = scope, receive, send

    def __await__(self):  # type: ignore[no-untyped-def]
        return self.run().__await__()

    async def run(self) -> None:
        hub: Hub = self.scope["app"].state.hub
        first = await self.receive()
        if first["type"] != "websocket.connect":
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        codec = CODECS.get(query.get("format", ["json"])[0])
        if codec is None:
            await self.send({"type": "websocket.close", "code": 1003, "reason": "format must be json or msgpack"})
            return
        await self.send({"type": "websocket.accept"})
        client = self.scope.get("client") or ("?", 0)
        prepared = self.scope.get("extensions", {}).get(PREPARED) or {}
        conn = Connection(self.send, codec, f"{client[0]}:{client[1]}", prepared.get("write"))
        conn.start()
        hello_by = asyncio.get_running_loop().time() + HELLO_WITHIN
        try:
            while True:
                if conn.meeting is None:  # a socket that never says hello is closed, not kept for ever
                    try:
                        message = await asyncio.wait_for(
                            self.receive(), max(0.0, hello_by - asyncio.get_running_loop().time())
                        )
                    except TimeoutError:
                        noise.count("no_hello", conn.peer)
                        # 4008, not 1008: a client may try again (pages stop for good on 1008)
                        conn.close(4008, f"say hello within {HELLO_WITHIN:g} s")
                        break
                else:
                    message = await self.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes")
                if data is None:
                    data = message.get("text", "")
                await handle_frame(hub, conn, data)
                if conn.closed:
                    break
        finally:
            hub.audio.forget(conn)  # its audio stops with it
            if conn.meeting is not None:
                conn.meeting.detach(conn)
            hub.collector.connection_closed()
            await conn.stop()


async def handle_frame(hub: Hub, conn: Connection, data: bytes | str) -> None:
    """Everything one client frame can do, with every failure answered by an error."""
    if not conn.allow():
        if conn.flooding:
            log.debug("closing flooding client", extra={"peer": conn.peer})
            noise.count("flood_closed", conn.peer)  # per-client: in the minute's summary, not a line each
            conn.close(1008, "flood: too many messages")
        elif not conn.warned:  # one warning per episode, not one per dropped message
            conn.warned = True
            conn.reply(
                _with_id(
                    {
                        "type": "error",
                        "code": "rate_limited",
                        "message": "You are sending too fast; messages are being dropped.",
                    },
                    conn,
                    data,
                )
            )
        return
    size = len(data.encode()) if isinstance(data, str) else len(data)
    if size > MAX_MESSAGE_BYTES:
        noise.count("too_large", conn.peer)
        conn.reply(
            _with_id(
                {"type": "error", "code": "too_large", "message": f"Messages are limited to {MAX_MESSAGE_BYTES} B."},
                conn,
                data,
            )
        )
        return
    raw: Any = None
    try:
        try:
            raw = conn.codec.decode(data)
            msg = parse(raw)
        except Rejection:
            noise.count("bad_frame", conn.peer)  # a client's malformed frame: counted, not logged
            raise
        reply = await dispatch(hub, conn, msg)
    except Rejection as r:
        reply = r.as_message()
    except StoreError:
        reply = Rejection(
            "store_unavailable", "The meeting's records can't be reached right now; try again soon."
        ).as_message()
    except Exception:
        internal_failure(conn)
        reply = Rejection("internal", "The server failed to handle that message.").as_message()
    if reply is None:
        return
    msg_id = message_id(raw)  # a refused message is answered with its id too, so the sender can tell
    if msg_id is not None:
        reply["id"] = msg_id
    conn.reply(reply)


def _with_id(reply: dict[str, Any], conn: Connection, data: bytes | str) -> dict[str, Any]:
    """A refusal made before the frame was read, with the frame's ``id`` when it can be read, so a
    client can tell which request it answers (the frame is at most 64 KiB: the transport's limit)."""
    try:
        msg_id = message_id(conn.codec.decode(data))
    except Rejection:
        return reply
    return reply if msg_id is None else {**reply, "id": msg_id}


_last_traceback = 0.0


def internal_failure(conn: Connection) -> None:
    """A bug: its traceback in the log, but at most once per summary interval (a client may repeat it)."""
    global _last_traceback
    now = time.monotonic()
    if now - _last_traceback >= noise.interval:
        _last_traceback = now
        log.exception("unexpected failure handling a message (more are counted in the summary)")
    else:
        noise.count("internal", conn.peer)


async def dispatch(hub: Hub, conn: Connection, msg: Message) -> dict[str, Any] | None:
    if msg.type == "ping":
        return {"type": "pong", "server_time": hub.clock()}
    if msg.type == "hello":
        await hello(hub, conn, msg)
        return None
    live = conn.meeting
    if live is None:
        raise Rejection("hello_first", "Say hello (which meeting, which role) before anything else.")
    if not hub.writable:
        raise Rejection("read_only", "The meeting is read-only for the moment: changes can't be saved. Try again soon.")
    actor = m.Actor(role=conn.role or m.Role.PHONE, participant_id=conn.participant_id)
    if conn.role in BOOTHS:  # an interpreter or captioner: their channel, and the name given in the booth
        actor = dataclasses.replace(actor, channel=conn.room, name=conn.booth_name)
    elif conn.role is m.Role.TRANSLATOR:  # a translator: their language (conn.room holds it, as a booth's channel)
        actor = dataclasses.replace(actor, channel=conn.room)
    if msg.type in AUDIO_SIGNALLING:
        return await audio_message(hub, conn, msg)
    if msg.type == "room_links":
        return room_links(hub, conn, msg)
    if msg.type == "circle_links":
        return await circle_links(hub, conn, msg, actor)
    if msg.type == "table_links":
        return table_links(hub, conn)
    if msg.type == "translator_links":
        return translator_links(hub, conn)
    # The core is deterministic: what it may not draw itself is drawn here, in one envelope, and
    # recorded in the events it decides.
    inputs = Inputs(now=0.0, seed=secrets.randbits(63))
    if msg.type == "join":
        participant_id, token = secrets.token_hex(5), secrets.token_urlsafe(24)
        join = m.Join(name=msg.fields["name"], room=msg.fields.get("room", ""))
        inputs = dataclasses.replace(inputs, participant_id=participant_id, token=token)
        seq = await live.submit(
            join, actor, on_commit=lambda: live.set_participant(conn, participant_id), inputs=inputs
        )
        return {"type": "ack", "seq": seq, "participant": participant_id, "token": token}
    command = to_command(msg)
    spec = registry.MESSAGES.get(msg.type)
    needs = spec.needs if spec is not None else frozenset()
    if "receipt" in needs:
        inputs = dataclasses.replace(inputs, receipt=draw_receipt())
    if "seal" in needs:
        inputs = dataclasses.replace(inputs, seal=secrets.token_hex(8))
    if "present" in needs:
        inputs = dataclasses.replace(inputs, present=frozenset(live.connected()))
    if "key" in needs:
        inputs = dataclasses.replace(inputs, key=conn.key)
    if "schedule" in needs:
        return {"type": "ack", "seq": await submit_schedule(live, command, actor, inputs)}
    if conn.role is m.Role.INTERPRETER:
        return await booth_command(live, conn, command, actor, inputs)
    return {"type": "ack", "seq": await live.submit(command, actor, inputs=inputs)}


SCHEDULE_TRIES = 3


async def submit_schedule(live: Any, command: Any, actor: m.Actor, inputs: Inputs) -> int:
    """``make_schedule``: the wall is made in a worker thread from the marketplace as it is, so the
    process keeps serving everyone meanwhile (the scheduler takes about a second), and handed to
    ``decide`` in ``inputs.schedule``. If the marketplace changed in the meantime, ``decide`` refuses
    (``schedule_stale``) and the wall is made again from the newer state, up to ``SCHEDULE_TRIES``
    times; then the refusal goes to the console, which may press again."""
    for attempt in range(SCHEDULE_TRIES):
        problem = oc.precompute_problem(ov.openspace_of(live.state))  # a snapshot, built on the loop
        pre = None if problem is None else await asyncio.to_thread(oc.precompute, problem, inputs.seed)
        try:  # pre None: nothing to schedule, and decide refuses with no_cells or no_topics
            return await live.submit(command, actor, inputs=dataclasses.replace(inputs, schedule=pre))
        except Rejection as r:
            if r.code != "schedule_stale" or attempt == SCHEDULE_TRIES - 1:
                raise
    raise AssertionError("unreachable")


AUDIO_SIGNALLING = frozenset({"audio_offer", "audio_stop", "audio_listen", "audio_source", "channel_links"})


async def audio_message(hub: Hub, conn: Connection, msg: Message) -> dict[str, Any]:
    """Signalling and listening choices: passing traffic to the media process, never events."""
    fields = msg.fields
    match msg.type:
        case "audio_offer":
            return await hub.audio.offer(conn, fields["sdp"], bool(fields.get("mic", False)))
        case "audio_stop":
            hub.audio.stop_audio(conn)
        case "audio_listen":
            hub.audio.listen(conn, fields["channel"])
        case "audio_source":
            hub.audio.source(conn, fields["source"])
        case "channel_links":
            if conn.role is not m.Role.FACILITATOR:
                raise Rejection("not_allowed", "Only the facilitator can do that.")
            channels = [c.id for c in audio_of(conn.meeting.state).open_channels()]
            return {"type": "channel_links", "links": hub.channel_links(conn.meeting.id, conn.key, channels)}
    return {"type": "ack", "seq": conn.meeting.state.seq}


def room_links(hub: Hub, conn: Connection, msg: Message) -> dict[str, Any]:
    """The latest round's room device links, for a facilitator (computed, never stored or broadcast)."""
    if conn.role is not m.Role.FACILITATOR:
        raise Rejection("not_allowed", "Only the facilitator can do that.")
    live = conn.meeting
    rooms = rv.rooms_of(live.state)
    rnd = rooms.last
    ids = list(rnd.rooms) if rnd is not None else []
    return {"type": "room_links", "round": rnd.id if rnd else None, "links": hub.room_links(live.id, conn.key, ids)}


def table_links(hub: Hub, conn: Connection) -> dict[str, Any]:
    """Each World Café table's device link, for a facilitator (the digests were recorded when the tables were added)."""
    if conn.role is not m.Role.FACILITATOR:
        raise Rejection("not_allowed", "Only the facilitator can do that.")
    cafe = m.part(conn.meeting.state, "cafe", None)
    tables = list(cafe.tables) if cafe is not None else []  # in number order
    return {"type": "table_links", "links": hub.room_links(conn.meeting.id, conn.key, tables)}


def translator_links(hub: Hub, conn: Connection) -> dict[str, Any]:
    """Each translation language's translator link, for a facilitator (computed, never stored or broadcast)."""
    if conn.role is not m.Role.FACILITATOR:
        raise Rejection("not_allowed", "Only the facilitator can do that.")
    languages = list(translations_of(conn.meeting.state).languages)  # in the order added
    return {"type": "translator_links", "links": hub.translator_links(conn.meeting.id, conn.key, languages)}


async def circle_links(hub: Hub, conn: Connection, msg: Message, actor: m.Actor) -> dict[str, Any]:
    """Each Open Space space's device link (it shows the circle meeting there), for a facilitator: the core
    records the digests of keys not yet recorded (and refuses anyone else); the links are never stored."""
    live = conn.meeting
    seq = await live.submit(to_command(msg), actor, inputs=Inputs(now=0.0, key=conn.key))
    os_ = ov.openspace_of(live.state)
    spaces = [sp for sp in os_.spaces if os_.device_keys.get(sp)]  # in the wall's order
    return {"type": "circle_links", "seq": seq, "links": hub.room_links(live.id, conn.key, spaces)}


RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones


def draw_receipt() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


async def hello(hub: Hub, conn: Connection, msg: Message) -> None:
    """Bind the connection to a meeting and role, then send welcome and the current views."""
    fields = msg.fields
    if conn.meeting is not None:
        raise Rejection("already_hello", "This connection already said hello; open a new one to switch.")
    try:
        role = m.Role(fields["role"])
        if role is m.Role.SYSTEM:
            raise ValueError
    except ValueError:
        raise Rejection(
            "bad_field",
            "'role' must be phone, screen, room, facilitator, interpreter, captioner or translator.",
            "role",
        ) from None
    if "meeting" in fields:
        live = await hub.get(fields["meeting"])
    elif "code" in fields:
        live = await hub.get_by_code(fields["code"])
    else:
        raise Rejection("bad_field", "Say which meeting: 'meeting' (its id) or 'code'.", "meeting")
    if live is None:
        raise Rejection("unknown_meeting", "There is no meeting with that id or code.")
    state = live.state
    key = fields.get("key", "")
    if role is m.Role.FACILITATOR:
        if not m.secret_matches(key, state.facilitator_digest):
            raise Rejection("bad_key", "That facilitator link is not valid for this meeting.", "key")
        conn.key = key
    elif role is m.Role.SCREEN:
        if not (m.secret_matches(key, state.screen_digest) or m.secret_matches(key, state.facilitator_digest)):
            raise Rejection("bad_key", "That screen link is not valid for this meeting.", "key")
    elif role is m.Role.ROOM:  # a breakout room's device, or an Open Space space's (it shows the circle there)
        room = fields.get("room", "")
        key_digest = registry.key_digest(state, room) if room else None
        if key_digest is None:
            raise Rejection("unknown_room", "There is no such room in this meeting.", "room")
        if not key_digest or not m.secret_matches(key, key_digest):
            raise Rejection("bad_key", "That room link is not valid for this room.", "key")
        conn.room = room
    elif role in BOOTHS:  # a language channel's interpreter or captioner link
        channel = audio_of(state).channels.get(fields.get("channel", ""))
        if channel is None or channel.removed:
            raise Rejection("unknown_channel", "There is no such language channel in this meeting.", "channel")
        wanted = channel.interpreter_digest if role is m.Role.INTERPRETER else channel.captioner_digest
        if not m.secret_matches(key, wanted):
            raise Rejection("bad_key", f"That {role.value} link is not valid for this channel.", "key")
        conn.room = channel.id
    elif role is m.Role.TRANSLATOR:  # a translation language's translator link
        lang = fields.get("lang", "")
        wanted = translations_of(state).languages.get(lang)
        if wanted is None:
            raise Rejection("unknown_language", "This meeting is not translated into that language.", "lang")
        if not m.secret_matches(key, wanted):
            raise Rejection("bad_key", "That translator link is not valid for this language.", "key")
        conn.room = lang
    elif "token" in fields:
        participant = state.participant_for_token(fields["token"])
        # A stale or forged token is not fatal: the phone is told, and stays as a guest who may join.
        if participant is None:
            conn.reply(
                Rejection("bad_token", "This phone's token is not known here; join again.", "token").as_message()
            )
        elif participant.removed:
            conn.reply(
                Rejection("removed", "The facilitator removed you from this meeting; you may join again.").as_message()
            )
        else:
            conn.participant_id = participant.id
    conn.role = role
    welcome: dict[str, Any] = {
        "type": "welcome",
        "protocol": PROTOCOL_VERSION,
        "meeting": state.id,
        "role": role.value,
        "participant": conn.participant_id,
        "seq": state.seq,
        "server_time": hub.clock(),
        **hub.audio.welcome(),  # whether audio is on, and the ICE servers a browser needs
    }
    if role is m.Role.FACILITATOR:
        welcome["links"] = hub.links(state.id, state.code, key, screen_key_for(key))
    if msg.id is not None:
        welcome["id"] = msg.id
    conn.reply(welcome)
    if not hub.writable:
        conn.reply(hub.status_message())
    live.attach(conn)
