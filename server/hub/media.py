"""Plaza's side of the media process: the link, the supervisor, and who hears what.

The media process (``server/media/``, aiortc) is never imported here: it runs on its own and
Plaza talks to it over one websocket per Plaza process (**the link**, see
docs/architecture.md, "Audio").  A client's signalling (``audio_offer`` …) arrives on its own
websocket, is checked here, and goes over the link with a **plan** computed from the meeting's
state: which source the client's microphone feeds and which sources it hears.  The media
process knows peers by random ids, source keys and plans; never a token, never a name.

Plans are recomputed whenever a meeting's state changes (a person moved to a breakout room, a
remote participant given the floor, a handover): only changed plans are sent.  When the link
comes back after the media process restarted, every client that had audio is told to offer
again (``audio_restart``), and its audio resumes in a few seconds.

Source keys (``M`` is the meeting id):

- ``M/floor/dev``: the floor device (a big screen page with floor audio on: the PA);
- ``M/floor/p/<pid>``: a remote participant speaking on the floor (only while they have it);
- ``M/r/<room>/dev`` and ``M/r/<room>/p/<pid>``: a room's device, a remote participant in a room;
- ``M/c/<channel>``: a language channel's live interpreter.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import json
import logging
import os
import random
import secrets
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import websockets

from server.audio import core as ac
from server.audio import feature as af
from server.core import meeting as m
from server.core.errors import Rejection
from server.core.inputs import Inputs

log = logging.getLogger("plaza.media")

SLOTS = 8  # sources a client hears at once: its recvonly transceivers
SDP_MAX = 12_000  # characters (a 12 KiB frame): Opus-only offers with 9 m-lines are about 5,000
OFFERS_PER_WINDOW = 5  # offers one connection may make per OFFER_WINDOW seconds
OFFER_WINDOW = 10.0
ANSWER_WITHIN = 10.0  # seconds the media process has to answer an offer
LINK_WAIT = 5.0  # seconds an offer waits for the link while the media process (re)starts
AUDIO_ROLES = (m.Role.PHONE, m.Role.SCREEN, m.Role.ROOM, m.Role.INTERPRETER, m.Role.FACILITATOR)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def ice_servers(text: str) -> list[dict[str, Any]]:
    """``PLAZA_ICE_SERVERS``: a JSON list of RTCIceServer dicts (``[]``: host candidates only, a LAN)."""
    if not text.strip():
        return []
    value = json.loads(text)
    if not isinstance(value, list) or not all(isinstance(s, dict) and "urls" in s for s in value):
        raise ValueError('PLAZA_ICE_SERVERS must be a JSON list of {"urls": ..., "username"?, "credential"?}')
    return value


# --- the supervisor: the media process on this machine ---------------------------------------


def die_with_parent() -> None:
    """In the media process before it starts (Linux): SIGTERM when Plaza dies, even by SIGKILL, so a
    killed Plaza never leaves an orphan holding its port."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Supervisor:
    """Runs ``python -m server.media`` on a loopback port and starts it again when it exits.

    A crash of the media process never touches the assembly: the link notices, phones are told
    audio is coming back, and the new process is up in about a second (aiortc's import)."""

    def __init__(self, secret: str, ice: str = "", port: int = 0) -> None:
        self.secret = secret
        self.ice = ice
        self.port = port or free_port()
        self.url = f"ws://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PLAZA_MEDIA_HOST": "127.0.0.1",
            "PLAZA_MEDIA_PORT": str(self.port),
            "PLAZA_MEDIA_SECRET": self.secret,
            "PLAZA_ICE_SERVERS": self.ice,
        }

    async def _run(self) -> None:
        backoff = 0.5
        while not self._stopping:
            started = time.monotonic()
            try:
                self.process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "server.media",
                    env=self.env(),
                    stdin=asyncio.subprocess.DEVNULL,
                    preexec_fn=die_with_parent,
                )
                log.info("media process started", extra={"pid": self.process.pid, "port": self.port})
                code = await self.process.wait()
            except Exception:
                log.exception("media process could not start")
                code = -1
            if self._stopping:
                return
            self.restarts += 1
            if time.monotonic() - started > 30:
                backoff = 0.5  # it ran a while: a fresh failure, restart at once
            log.warning("media process exited; starting it again", extra={"code": code, "in_s": backoff})
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def stop(self) -> None:
        self._stopping = True
        proc = self.process
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


# --- a client's audio ------------------------------------------------------------------------


@dataclass(eq=False)
class Peer:
    """One connection's audio: its media peer id, what it asked for, the plan last sent."""

    conn: Any
    live: Any  # the LiveMeeting
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    mic: bool = False
    plan: dict[str, Any] | None = None
    slots: list[str | None] = field(default_factory=lambda: [None] * SLOTS)


@dataclass(eq=False)
class Wishes:
    """What a connection chose, kept even while it has no peer (a phone picks a channel, then listens)."""

    listen: str = ""  # phones: a channel id ("": the floor, or their room)
    source: str = "floor"  # interpreters: "floor" or a channel id (relay)
    offers: collections.deque[float] = field(default_factory=collections.deque)


def _key_prefix(meeting_id: str, room: str) -> str:
    return f"{meeting_id}/r/{room}/" if room else f"{meeting_id}/floor/"


def plan_for(state: m.MeetingState, meeting_id: str, conn: Any, wishes: Wishes, mic: bool) -> dict[str, Any]:
    """Which source ``conn``'s microphone feeds, and what it hears, in the meeting as it is now."""
    mid = meeting_id
    role = conn.role
    au = af.of(state)
    if role is m.Role.SCREEN:  # the floor device: the PA's microphone in, remote speakers out
        return {"send": f"{mid}/floor/dev" if mic else None, "exclusive": True, "hear": [f"{mid}/floor/p/"]}
    if role is m.Role.ROOM:
        prefix = _key_prefix(mid, conn.room)
        return {"send": f"{prefix}dev" if mic else None, "exclusive": True, "hear": [prefix]}
    if role is m.Role.INTERPRETER:
        channel = au.channels.get(conn.room)
        if channel is None or channel.removed:
            return {"send": None, "exclusive": False, "hear": []}
        relay = au.channels.get(wishes.source)
        if wishes.source != "floor" and relay is not None and not relay.removed and relay.id != channel.id:
            hear = [f"{mid}/c/{relay.id}"]
        else:
            hear = [_key_prefix(mid, channel.room)]
        live = bool(conn.booth_name) and channel.live == conn.booth_name
        return {"send": f"{mid}/c/{channel.id}" if mic and live else None, "exclusive": False, "hear": hear}
    pid = conn.participant_id if role is m.Role.PHONE else None
    room = m.room_of(state, pid) if pid else ""
    prefix = _key_prefix(mid, room)
    channel = au.channels.get(wishes.listen) if wishes.listen else None
    hear = [prefix]
    if channel is not None and not channel.removed and channel.room == room and not channel.retour:
        hear = [f"{mid}/c/{channel.id}", prefix]  # the interpretation, and the floor mixed in low
    send = None
    if mic and pid:
        if room:
            send = f"{prefix}p/{pid}"
        else:
            speaker = state.stack.speaker
            if speaker is not None and speaker.participant_id == pid:
                send = f"{prefix}p/{pid}"  # given the floor: their voice to the PA and every listener
    return {"send": send, "exclusive": False, "hear": hear}


def label(state: m.MeetingState, key: str | None) -> dict[str, Any] | None:
    """What a client shows for a source it hears (a name, never a key)."""
    if key is None:
        return None
    parts = key.split("/")
    if len(parts) >= 3 and parts[1] == "c":
        channel = af.of(state).channels.get(parts[2])
        return {"kind": "channel", "channel": parts[2], "name": channel.name if channel else parts[2]}
    if parts[-1] == "dev":
        return {"kind": "floor", "name": "Floor"} if parts[1] == "floor" else {"kind": "device", "name": "The room"}
    if len(parts) >= 3 and parts[-2] == "p":
        pid = parts[-1]
        who = state.participants.get(pid)
        kind = "speaker" if parts[1] == "floor" else "person"
        return {"kind": kind, "participant": pid, "name": who.name if who else "Someone"}
    return {"kind": "other", "name": ""}


# --- the link -------------------------------------------------------------------------------


class MediaLink:
    """One websocket to the media process, kept open: reconnects with backoff and jitter."""

    def __init__(self, manager: AudioManager, url: str, secret: str) -> None:
        self.manager = manager
        self.url = url
        self.secret = secret
        self.process_id = secrets.token_hex(4)
        self.ws: Any = None
        self.ready = asyncio.Event()
        self.connects = 0
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def _run(self) -> None:
        backoff = 0.2
        failures = 0
        while True:
            try:
                async with websockets.connect(self.url, max_size=2**20, open_timeout=5, ping_interval=5) as ws:
                    await ws.send(json.dumps({"t": "hello", "secret": self.secret, "process": self.process_id}))
                    welcome = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if welcome.get("t") != "welcome":
                        raise ConnectionError(f"the media process said {welcome.get('t')!r}")
                    self.ws = ws
                    self.connects += 1
                    self.ready.set()
                    backoff, failures = 0.2, 0
                    log.info("media link up", extra={"url": self.url, "connects": self.connects})
                    if self.connects > 1:
                        self.manager.media_came_back()
                    async for frame in ws:
                        self._received(json.loads(frame))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                # Said once when it goes down, and once more if it stays down a while (not every retry).
                if self.ready.is_set() or failures == 25:
                    log.warning("media link down", extra={"url": self.url, "why": f"{type(exc).__name__}: {exc}"})
            self.ws = None
            if self.ready.is_set():
                self.ready.clear()
                self.manager.media_lost()
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(
                        Rejection("media_unavailable", "Audio is restarting; it will be back in a moment.")
                    )
            self.pending.clear()
            await asyncio.sleep(backoff * (0.5 + random.random()))
            backoff = min(backoff * 2, 2.0)

    def send(self, message: dict[str, Any]) -> bool:
        """Queue ``message`` for the media process; messages go out in the order they were queued."""
        ws = self.ws
        if ws is None:
            return False
        asyncio.get_running_loop().create_task(self._send(ws, json.dumps(message)))
        return True

    async def _send(self, ws: Any, text: str) -> None:
        with contextlib.suppress(Exception):
            await ws.send(text)

    async def request(self, peer: str, message: dict[str, Any]) -> dict[str, Any]:
        if self.ws is None:  # starting or restarting (about a second): wait a little rather than refuse
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ready.wait(), LINK_WAIT)
        if self.ws is None:
            raise Rejection("media_unavailable", "Audio is restarting; it will be back in a moment.")
        old = self.pending.pop(peer, None)
        if old is not None and not old.done():
            old.cancel()
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[peer] = fut
        # Through send(), as every message to the media process goes: in the order they were sent
        # (a close for a connection's old peer before the offer that replaces it).
        if not self.send(message):
            raise Rejection("media_unavailable", "Audio is restarting; it will be back in a moment.")
        try:
            async with asyncio.timeout(ANSWER_WITHIN):
                return await fut
        except TimeoutError:
            raise Rejection("media_unavailable", "The audio server did not answer in time; try again.") from None
        finally:
            if self.pending.get(peer) is fut:
                del self.pending[peer]

    def _received(self, msg: dict[str, Any]) -> None:
        kind, peer = msg.get("t"), msg.get("peer")
        if kind in ("answer", "error") and peer in self.pending:
            fut = self.pending.pop(peer)
            if not fut.done():
                fut.set_result(msg)
            if kind == "answer":
                return
        if kind == "error":
            self.manager.peer_state(peer, "failed", msg.get("code"))
        elif kind == "slots":
            self.manager.peer_slots(peer, msg.get("slots") or [])
        elif kind == "state":
            self.manager.peer_state(peer, msg.get("state"), msg.get("reason"))


# --- the manager ------------------------------------------------------------------------------


class AudioManager:
    """Every audio peer of this process's connections, their plans, and the link they go over."""

    def __init__(self, url: str | None, secret: str, ice: list[dict[str, Any]] | None = None) -> None:
        self.enabled = bool(url)
        self.ice = ice or []
        self.link = MediaLink(self, url, secret) if url else None
        self.peers: dict[Any, Peer] = {}  # connection -> its peer
        self.by_id: dict[str, Peer] = {}
        self.wishes: dict[Any, Wishes] = {}
        self.watched: set[Any] = set()  # meetings whose changes re-plan their peers
        self._replan_due: set[Any] = set()

    def start(self) -> None:
        if self.link is not None:
            self.link.start()

    async def stop(self) -> None:
        if self.link is not None:
            await self.link.stop()

    def welcome(self) -> dict[str, Any]:
        return {"media": self.enabled, "ice_servers": self.ice}

    def _wishes(self, conn: Any) -> Wishes:
        w = self.wishes.get(conn)
        if w is None:
            w = self.wishes[conn] = Wishes()
        return w

    # -- client messages --

    async def offer(self, conn: Any, sdp: str, mic: bool) -> dict[str, Any]:
        if self.link is None:
            raise Rejection("media_off", "Audio is turned off on this server.")
        if conn.role not in AUDIO_ROLES:
            raise Rejection("not_allowed", "This link can't have audio.")
        if mic and conn.role is m.Role.FACILITATOR:
            raise Rejection("not_allowed", "The console listens; the floor's microphone is the big screen's.")
        w = self._wishes(conn)
        now = time.monotonic()
        while w.offers and now - w.offers[0] > OFFER_WINDOW:
            w.offers.popleft()
        if len(w.offers) >= OFFERS_PER_WINDOW:
            raise Rejection("audio_rate_limited", f"At most {OFFERS_PER_WINDOW} audio offers per {OFFER_WINDOW:g} s.")
        w.offers.append(now)
        _check_sdp(sdp)
        live = conn.meeting
        old = self.peers.pop(conn, None)
        if old is not None:  # a new offer replaces the connection's audio once it is answered
            self.by_id.pop(old.id, None)
        peer = Peer(conn=conn, live=live, mic=mic, slots=[None] * (sdp.count("\nm=audio ") - 1))
        peer.plan = plan_for(live.state, live.id, conn, w, mic)
        self.peers[conn] = peer
        self.by_id[peer.id] = peer
        self._watch(live)
        offer = {"t": "offer", "peer": peer.id, "sdp": sdp, "plan": peer.plan, "replaces": old.id if old else None}
        try:
            reply = await self.link.request(peer.id, offer)
        except Rejection:
            self._restore(conn, peer, old)
            raise
        if reply.get("t") == "error":
            self._restore(conn, peer, old)
            code = reply.get("code")
            if code == "source_taken":
                raise Rejection(
                    "device_audio_taken",
                    "This room already has a device with audio on: two speakers in one room make feedback.",
                )
            if code == "bad_sdp":
                raise Rejection("bad_sdp", "That audio offer could not be read.", "sdp")
            raise Rejection("media_unavailable", str(reply.get("message") or "The audio server refused."))
        if self.peers.get(conn) is not peer:  # replaced or stopped meanwhile: it must not linger
            self.link.send({"t": "close", "peer": peer.id})
            raise Rejection("audio_stopped", "That audio offer was replaced by a newer one.")
        self._replan(peer)  # the state may have moved while the media process answered
        return {"type": "audio_answer", "sdp": reply.get("sdp", ""), "peer": peer.id}

    def stop_audio(self, conn: Any) -> None:
        peer = self._drop(conn)
        if peer is not None and self.link is not None:
            self.link.send({"t": "close", "peer": peer.id})

    def listen(self, conn: Any, channel: str) -> None:
        if conn.role is not m.Role.PHONE:
            raise Rejection("not_allowed", "Only phones choose a channel to listen to.")
        if channel:
            ac.channel_of(af.of(conn.meeting.state), channel)  # unknown_channel
        self._wishes(conn).listen = channel
        self._replan_conn(conn)

    def source(self, conn: Any, source: str) -> None:
        if conn.role is not m.Role.INTERPRETER:
            raise Rejection("not_allowed", "Only interpreters choose what they interpret from.")
        if source != "floor":
            if source == conn.room:
                raise Rejection("bad_field", "A channel can't be its own source.", "source")
            ac.channel_of(af.of(conn.meeting.state), source)
        self._wishes(conn).source = source
        self._replan_conn(conn)

    def forget(self, conn: Any) -> None:
        """The connection closed: its audio stops."""
        self.stop_audio(conn)
        self.wishes.pop(conn, None)

    def _restore(self, conn: Any, refused: Peer, old: Peer | None) -> None:
        """An offer was refused: the connection keeps the audio it had (the media process kept it too)."""
        if self.peers.get(conn) is refused:
            self._drop(conn)
            if old is not None:
                self.peers[conn] = old
                self.by_id[old.id] = old

    def _drop(self, conn: Any) -> Peer | None:
        peer = self.peers.pop(conn, None)
        if peer is not None:
            self.by_id.pop(peer.id, None)
        return peer

    # -- plans --

    def _watch(self, live: Any) -> None:
        if live not in self.watched:
            self.watched.add(live)
            live.watchers.append(lambda: self._meeting_changed(live))

    def _meeting_changed(self, live: Any) -> None:
        """Called on every change of a watched meeting: re-plan its peers soon (coalesced)."""
        if live in self._replan_due:
            return
        self._replan_due.add(live)
        asyncio.get_running_loop().call_soon(self._replan_meeting, live)

    def _replan_meeting(self, live: Any) -> None:
        self._replan_due.discard(live)
        # Plans that take a source go first: at a handover the media process then moves the channel
        # to the taker before the previous interpreter's plan lets go, and its listeners' slot stays.
        state = live.state
        plans = [
            (peer, plan_for(state, live.id, peer.conn, self._wishes(peer.conn), peer.mic))
            for peer in self.peers.values()
            if peer.live is live
        ]
        plans.sort(key=lambda pair: pair[1]["send"] is None)
        for peer, plan in plans:
            self._replan(peer, plan)

    def _replan_conn(self, conn: Any) -> None:
        peer = self.peers.get(conn)
        if peer is not None:
            self._replan(peer)

    def _replan(self, peer: Peer, plan: dict[str, Any] | None = None) -> None:
        if plan is None:
            live = peer.live
            plan = plan_for(live.state, live.id, peer.conn, self._wishes(peer.conn), peer.mic)
        if plan != peer.plan:
            peer.plan = plan
            if self.link is not None:
                self.link.send({"t": "plan", "peer": peer.id, "plan": plan})
        self._send_slots(peer)  # names may have changed (a rename, a channel renamed)

    # -- from the media process --

    def peer_slots(self, peer_id: Any, slots: list[Any]) -> None:
        peer = self.by_id.get(peer_id) if isinstance(peer_id, str) else None
        if peer is None:
            return
        peer.slots = [k if isinstance(k, str) else None for k in slots[:SLOTS]]  # as many as it offered
        peer.conn.last_slots = None
        self._send_slots(peer)

    def _send_slots(self, peer: Peer) -> None:
        state = peer.live.state
        message = {"type": "audio_slots", "slots": [label(state, k) for k in peer.slots]}
        if getattr(peer.conn, "last_slots", None) != message:
            peer.conn.last_slots = message
            peer.conn.reply(message)

    def peer_state(self, peer_id: Any, state: Any, reason: Any) -> None:
        peer = self.by_id.get(peer_id) if isinstance(peer_id, str) else None
        if peer is None or state not in ("connected", "failed", "closed"):
            return
        message: dict[str, Any] = {"type": "audio_state", "state": state}
        if isinstance(reason, str) and reason:
            message["code"] = "device_audio_taken" if reason == "source_taken" else reason
        peer.conn.reply(message)
        if state in ("failed", "closed"):
            self._drop(peer.conn)

    def media_lost(self) -> None:
        for peer in list(self.peers.values()):
            peer.conn.reply({"type": "audio_state", "state": "failed", "code": "media_unavailable"})

    def media_came_back(self) -> None:
        """The media process restarted: every client that had audio offers again."""
        for conn in list(self.peers):
            self._drop(conn)
            conn.reply({"type": "audio_restart", "reason": "media_restarted"})

    def stats(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "link": self.link is not None and self.link.ws is not None,
            "peers": len(self.peers),
            "link_connects": self.link.connects if self.link else 0,
        }


def _check_sdp(sdp: str) -> None:
    """A browser's offer, roughly: the media process parses it for real (``bad_sdp``)."""
    if len(sdp) > SDP_MAX:
        raise Rejection("sdp_too_large", f"An audio offer is at most {SDP_MAX} characters.", "sdp")
    if not sdp.startswith("v=0") or "\nm=audio " not in sdp:
        raise Rejection("bad_sdp", "That is not an audio offer (SDP with audio).", "sdp")
    if "\nm=video " in sdp or sdp.count("\nm=") > SLOTS + 1:
        raise Rejection("bad_sdp", f"An audio offer has one microphone and at most {SLOTS} slots, audio only.", "sdp")


# --- booth commands that need the connection ------------------------------------------------


async def booth_command(live: Any, conn: Any, command: Any, actor: m.Actor, inputs: Inputs) -> dict[str, Any]:
    """An interpreter's command: ``booth_join`` names the connection's interpreter; ``go_live``
    while another is live is recorded as a clash (both pages warn) and answered ``channel_live``."""
    seq = await live.submit(command, actor, inputs=inputs)
    au = af.of(live.state)
    if isinstance(command, ac.BoothJoin):
        conn.booth_name, _ = ac.booth_join(au, actor.channel, command.name, 0.0)
        return {"type": "ack", "seq": seq, "name": conn.booth_name}
    if isinstance(command, ac.GoLive):
        channel = au.channels.get(actor.channel)
        if channel is not None and channel.live and channel.live != actor.name:
            raise Rejection(
                "channel_live", f"{channel.live} is live on this channel: ask them to offer a handover, then take over."
            )
    return {"type": "ack", "seq": seq}
