"""The media process: aiortc peers routed by plans, driven by Plaza over websocket links.

``python -m server.media``.  One link per Plaza process (``hello`` with the shared secret), then
``offer``/``plan``/``close``/``stats`` from Plaza and ``answer``/``error``/``slots``/``state`` back
(docs/protocol.md, "Link protocol").  Peers belong to the Plaza process that offered them: when its
link drops, they are closed after :data:`LINK_GRACE` seconds unless it comes back (same process id).

Nothing a peer does reaches another: each link message for a peer runs under that peer's lock,
exceptions are logged and close that peer only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import logging.config
import os
import re
import resource
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc import sdp as aiortc_sdp
from aiortc.exceptions import InvalidStateError
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from server.logs import log_config
from server.media import forward
from server.media.routing import SLOTS, Listener, Plan, Router, SlotTrack

log = logging.getLogger("plaza.media")

VERSION = 1
MAX_SDP = 24_000  # characters, as Plaza's own limit
MAX_MLINES = 1 + SLOTS  # the mic, then the slots
MAX_ID = 128
MAX_KEY = 200
MAX_HEAR = 16
LINK_GRACE = float(os.environ.get("PLAZA_MEDIA_LINK_GRACE", "5"))  # seconds a dropped link's peers live on
HELLO_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0  # seconds to wait for an aiortc peer connection to close
SWEEP = 0.5
# Offers answered at once.  Answering is CPU in large synchronous pieces (about 21 ms a 9-m-line offer,
# plus its DTLS handshake): many at once make event-loop turns long enough that live peers' ICE consent
# checks go unanswered (aioice gives each 0.5 s), and a burst of joins would cut speakers off.
CONCURRENT_OFFERS = int(os.environ.get("PLAZA_MEDIA_CONCURRENT_OFFERS", "2"))


# -- settings


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8765
    secret: str = ""
    ice_servers: tuple[RTCIceServer, ...] = ()
    ice_timeout: float = 15.0
    addresses: tuple[str, ...] = ()  # empty: aioice's choice (every non-loopback interface)
    max_peers: int = 2000
    log_level: str = "info"


def parse_settings(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    ap = argparse.ArgumentParser(prog="python -m server.media", description="Plaza's media process (audio).")
    ap.add_argument("--host", default=env.get("PLAZA_MEDIA_HOST", "127.0.0.1"), help="link address (PLAZA_MEDIA_HOST)")
    ap.add_argument("--port", type=int, default=int(env.get("PLAZA_MEDIA_PORT", "8765")), help="PLAZA_MEDIA_PORT")
    ap.add_argument("--log-level", default=env.get("PLAZA_LOG_LEVEL", "info"), help="PLAZA_LOG_LEVEL")
    a = ap.parse_args(argv)
    secret = env.get("PLAZA_MEDIA_SECRET", "")
    if not secret:
        raise SystemExit("PLAZA_MEDIA_SECRET is required: the secret Plaza gives in its hello on the link")
    try:
        servers = tuple(_ice_server(s) for s in json.loads(env.get("PLAZA_ICE_SERVERS", "") or "[]"))
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"PLAZA_ICE_SERVERS: a JSON list of {{'urls', 'username'?, 'credential'?}}: {exc}") from exc
    addresses = tuple(a.strip() for a in env.get("PLAZA_MEDIA_ADDRESSES", "").split(",") if a.strip())
    for address in addresses:
        _check_address(address)
    return Settings(
        host=a.host,
        port=a.port,
        secret=secret,
        ice_servers=servers,
        ice_timeout=float(env.get("PLAZA_ICE_TIMEOUT", "15")),
        addresses=addresses,
        max_peers=int(env.get("PLAZA_MEDIA_MAX_PEERS", "2000")),
        log_level=a.log_level,
    )


def _ice_server(entry: Any) -> RTCIceServer:
    if not isinstance(entry, dict) or not isinstance(entry.get("urls"), (str, list)):
        raise ValueError(f"not an RTCIceServer: {entry!r}")
    return RTCIceServer(urls=entry["urls"], username=entry.get("username"), credential=entry.get("credential"))


def _check_address(address: str) -> None:
    """A PLAZA_MEDIA_ADDRESSES entry must be an address of this host (ICE binds a UDP socket to it)."""
    try:
        ip = ipaddress.ip_address(address)
        with socket.socket(socket.AF_INET6 if ip.version == 6 else socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((address, 0))
    except (ValueError, OSError) as exc:
        raise SystemExit(f"PLAZA_MEDIA_ADDRESSES: {address!r} is not an address of this host: {exc}") from exc


def restrict_addresses(addresses: tuple[str, ...]) -> None:
    """Offer only these addresses as host candidates (aioice gathers on every interface otherwise)."""
    if not addresses:
        return
    v4 = [a for a in addresses if ipaddress.ip_address(a).version == 4]
    v6 = [a for a in addresses if ipaddress.ip_address(a).version == 6]

    def get_host_addresses(use_ipv4: bool = True, use_ipv6: bool = True) -> list[str]:
        return (v4 if use_ipv4 else []) + (v6 if use_ipv6 else [])

    aioice.ice.get_host_addresses = get_host_addresses


# -- SDP


class BadSdp(ValueError):
    pass


_END_OF_CANDIDATES = re.compile(r"^a=end-of-candidates\r?\n", re.MULTILINE)
_MDNS_CANDIDATE = re.compile(
    r"^a=candidate:(\S+ \d+ \S+ \d+ [A-Za-z0-9-]{1,63}\.local \d+ typ host.*?)\r?\n", re.MULTILINE
)
MAX_MDNS = 8  # .local candidates resolved per offer (each is a multicast query)


@dataclass(frozen=True)
class Offer:
    sdp: str  # what aiortc is given: no end-of-candidates, no .local candidates
    directions: list[str]  # each m-line's direction, as the browser offers it
    mdns: list[tuple[str, str]]  # (mid, candidate) of each .local host candidate, resolved after the answer


def check_offer(sdp: Any) -> Offer:
    """The offer as aiortc will take it; raises BadSdp."""
    if not isinstance(sdp, str) or not sdp:
        raise BadSdp("no SDP")
    if len(sdp) > MAX_SDP:
        raise BadSdp(f"SDP longer than {MAX_SDP} characters")
    try:
        parsed = aiortc_sdp.SessionDescription.parse(sdp)
    except Exception as exc:
        raise BadSdp(f"unparseable SDP: {type(exc).__name__}") from exc
    kinds = [m.kind for m in parsed.media]
    if not kinds or kinds[0] != "audio":
        raise BadSdp("the first m-line must be audio (the microphone)")
    if any(k != "audio" for k in kinds):
        raise BadSdp("audio m-lines only")
    if len(kinds) > MAX_MLINES:
        raise BadSdp(f"at most {MAX_MLINES} m-lines (a microphone and {SLOTS} slots)")
    for m in parsed.media:
        if not m.ice.usernameFragment or not m.ice.password or not m.dtls or not m.dtls.fingerprints:
            raise BadSdp("each m-line needs ICE credentials and a DTLS fingerprint")
    # Browsers name their host candidates <uuid>.local (mDNS).  aiortc would resolve them inside
    # setRemoteDescription, a 1 s wait for each name nobody answers (multicast filtered on the venue
    # Wi-Fi), and with end-of-candidates and nothing resolved aioice fails at once instead of learning
    # the browser's address from its checks (peer-reflexive).  So: no end-of-candidates (the ICE
    # timeout decides failure), and .local candidates are resolved after the answer has gone.
    # See server/media/__init__.py.
    mdns: list[tuple[str, str]] = []
    sections = re.split(r"(?=^m=)", sdp, flags=re.MULTILINE)
    out = [sections[0]]
    for section, media in zip(sections[1:], parsed.media, strict=False):
        for found in _MDNS_CANDIDATE.finditer(section):
            if len(mdns) < MAX_MDNS:
                mdns.append((media.rtp.muxId, found.group(1)))
        out.append(_MDNS_CANDIDATE.sub("", _END_OF_CANDIDATES.sub("", section)))
    return Offer("".join(out), [m.direction or "sendrecv" for m in parsed.media], mdns)


async def resolve_mdns(pc: RTCPeerConnection, candidates: list[tuple[str, str]]) -> None:
    """Give aiortc the browser's .local candidates once the answer is out (aioice resolves them, 1 s at most)."""
    for mid, line in candidates:
        try:
            candidate = aiortc_sdp.candidate_from_sdp(line)
            candidate.sdpMid = mid
            await pc.addIceCandidate(candidate)
        except Exception as exc:  # a closed peer, a name nobody answers: ICE goes on with what it has
            log.debug("mDNS candidate not added", extra={"error": repr(exc)[:200]})


# -- plans


class BadRequest(ValueError):
    pass


def parse_plan(raw: Any) -> Plan:
    if raw is None:
        return Plan()
    if not isinstance(raw, dict):
        raise BadRequest("plan: an object")
    send = raw.get("send")
    if send is not None and (not isinstance(send, str) or not 0 < len(send) <= MAX_KEY):
        raise BadRequest("plan.send: a source key or null")
    exclusive = raw.get("exclusive", False)
    if not isinstance(exclusive, bool):
        raise BadRequest("plan.exclusive: true or false")
    hear = raw.get("hear", [])
    if (
        not isinstance(hear, list)
        or len(hear) > MAX_HEAR
        or not all(isinstance(h, str) and 0 < len(h) <= MAX_KEY for h in hear)
    ):
        raise BadRequest(f"plan.hear: a list of at most {MAX_HEAR} keys or prefixes")
    return Plan(send=send, exclusive=exclusive, hear=tuple(dict.fromkeys(hear)))


# -- peers


class Peer(Listener):
    def __init__(self, service: MediaService, process: str, pid: str, pc: RTCPeerConnection) -> None:
        super().__init__(f"{process}/{pid}", [], False)
        self.service = service
        self.process = process
        self.id = pid
        self.pc = pc
        self.state = "new"
        self.announced = False  # its answer went out: slots messages may follow
        self.closed = False
        self.ice_timer: asyncio.TimerHandle | None = None
        self.packets_in = 0
        self._ts_last: int | None = None  # RTP timestamp unwrapping of its microphone
        self._ts_ext = 0

    def slots_changed(self) -> None:
        if self.announced and not self.closed:
            self.service.send(self.process, {"t": "slots", "peer": self.id, "slots": list(self.slots)})

    def on_mic(self, data: bytes | None, timestamp: int) -> None:
        """A packet from this peer's microphone (data None: its receiver stopped)."""
        if data is None or self.closed:
            return
        try:
            ts = timestamp & 0xFFFFFFFF
            last = self._ts_last
            if last is None:
                self._ts_ext = ts
            else:
                delta = ((ts - last + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                if delta <= 0:  # late (reordered) or repeated: the listeners have moved on
                    return
                self._ts_ext += delta
            self._ts_last = ts
            self.packets_in += 1
            key = self.send_key
            if key is not None:
                source = self.service.router.sources.get(key)
                if source is not None and source.publisher is self:
                    source.feed(self._ts_ext, data)
        except Exception as exc:
            self.service.peer_failed(self, exc)


@dataclass
class Link:
    ws: ServerConnection
    process: str
    queue: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    writer: asyncio.Task[None] | None = None


class MediaService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.router = Router(on_error=self.peer_failed)
        self.peers: dict[tuple[str, str], Peer] = {}
        self.links: dict[str, Link] = {}
        self.grace: dict[str, asyncio.TimerHandle] = {}
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._offering = 0  # offers being answered
        self._answering = asyncio.Semaphore(CONCURRENT_OFFERS)
        self.stall_max = 0.0  # seconds the event loop was late, since the last stats
        self.stalls = 0  # stalls over 100 ms, since start
        self._last_stall_log = 0.0
        self.config = RTCConfiguration(iceServers=list(settings.ice_servers))

    # -- plumbing

    def spawn(self, coro: Awaitable[Any], name: str = "") -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("media task failed", exc_info=task.exception())

    def send(self, process: str, msg: dict[str, Any]) -> None:
        link = self.links.get(process)
        if link is not None:
            link.queue.put_nowait(json.dumps(msg, separators=(",", ":")))

    async def _write(self, link: Link) -> None:
        try:
            while (text := await link.queue.get()) is not None:
                await link.ws.send(text)
        except ConnectionClosed:
            pass

    @contextlib.asynccontextmanager
    async def peer_lock(self, key: tuple[str, str]) -> Any:
        """Messages for one peer run one after the other, in the order they came; other peers' in parallel."""
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    # -- the link

    async def serve_link(self, ws: ServerConnection) -> None:
        try:
            raw = await asyncio.wait_for(ws.recv(), HELLO_TIMEOUT)
            hello = json.loads(raw)
        except (TimeoutError, ConnectionClosed, ValueError, TypeError):
            await ws.close(4000, "hello first")
            return
        if not isinstance(hello, dict):
            hello = {}
        secret = hello.get("secret")
        process = hello.get("process")
        if (
            hello.get("t") != "hello"
            or not isinstance(secret, str)
            or not hmac.compare_digest(secret.encode(), self.settings.secret.encode())
        ):
            log.warning("link refused: wrong secret", extra={"remote": _remote(ws)})
            await ws.close(4003, "wrong secret")
            return
        if not isinstance(process, str) or not 0 < len(process) <= MAX_ID:
            await ws.close(4000, "process id")
            return
        old = self.links.get(process)
        if old is not None:  # the same Plaza process again: the new link takes its peers over
            old.queue.put_nowait(None)
            await old.ws.close(4001, "replaced by a new link")
        timer = self.grace.pop(process, None)
        if timer is not None:
            timer.cancel()
        link = Link(ws, process)
        link.writer = asyncio.ensure_future(self._write(link))
        self.links[process] = link
        owned = sum(1 for p in self.peers if p[0] == process)
        log.info("link up", extra={"link": process, "remote": _remote(ws), "peers": owned})
        self.send(process, {"t": "welcome", "slots": SLOTS, "version": VERSION})
        try:
            async for raw in ws:
                self.handle(link, raw)
        except ConnectionClosed:
            pass
        finally:
            if self.links.get(process) is link:
                del self.links[process]
                link.queue.put_nowait(None)
                log.info("link down", extra={"link": process, "grace_s": LINK_GRACE})
                loop = asyncio.get_running_loop()
                self.grace[process] = loop.call_later(LINK_GRACE, self._link_gone, process)

    def _link_gone(self, process: str) -> None:
        self.grace.pop(process, None)
        if process in self.links:
            return
        gone = [p for key, p in self.peers.items() if key[0] == process]
        if gone:
            log.info("closing a dropped link's peers", extra={"link": process, "peers": len(gone)})
        for peer in gone:
            self.close_peer(peer, None)

    def handle(self, link: Link, raw: str | bytes) -> None:
        try:
            msg = json.loads(raw)
        except (ValueError, TypeError):
            log.warning("link: not JSON", extra={"link": link.process})
            return
        if not isinstance(msg, dict):
            return
        t = msg.get("t")
        if t == "stats":
            self.send(link.process, self.stats())
            return
        pid = msg.get("peer")
        if t not in ("offer", "plan", "close"):
            log.warning("link: unknown message", extra={"link": link.process, "type": repr(t)[:40]})
            return
        if not isinstance(pid, str) or not 0 < len(pid) <= MAX_ID:
            log.warning("link: message without a peer id", extra={"link": link.process, "type": t})
            return
        self.spawn(self._run(link.process, pid, t, msg))

    async def _run(self, process: str, pid: str, t: str, msg: dict[str, Any]) -> None:
        key = (process, pid)
        async with self.peer_lock(key):
            try:
                if t == "offer":
                    await self.offer(process, pid, msg.get("sdp"), msg.get("plan"), msg.get("replaces"))
                elif t == "plan":
                    self.plan(key, msg.get("plan"))
                else:
                    peer = self.peers.get(key)
                    if peer is not None:
                        self.close_peer(peer, "closed")
            except BadRequest as exc:
                self.send(process, {"t": "error", "peer": pid, "code": "bad_request", "message": str(exc)})
            except Exception as exc:
                log.exception("link message failed", extra={"link": process, "peer": pid, "type": t})
                self.send(process, {"t": "error", "peer": pid, "code": "internal", "message": type(exc).__name__})
                peer = self.peers.get(key)
                if peer is not None:
                    self.peer_failed(peer, exc)

    # -- offers, plans, closing

    async def offer(self, process: str, pid: str, sdp: Any, raw_plan: Any, replaces: Any = None) -> None:
        """Answer an offer; ``replaces``: the id of the same client's previous peer, closed once this one
        is answered (kept if this offer is refused, so a bad offer does not cut working audio)."""
        plan = parse_plan(raw_plan)
        key = (process, pid)

        def refuse(code: str, message: str) -> None:
            self.send(process, {"t": "error", "peer": pid, "code": code, "message": message})

        try:
            offer = check_offer(sdp)
        except BadSdp as exc:
            refuse("bad_sdp", str(exc))
            return
        old = self.peers.get(key)
        if old is not None:  # a new offer replaces the peer (no state message: the id now names the new one)
            self.close_peer(old, None)
        gone = self.peers.get((process, replaces)) if isinstance(replaces, str) and replaces != pid else None
        if len(self.peers) + self._offering >= self.settings.max_peers:
            refuse("too_many_peers", f"this media process serves at most {self.settings.max_peers} peers")
            return
        directions = offer.directions
        has_mic = directions[0] in ("sendonly", "sendrecv")
        if has_mic and plan.exclusive and plan.send and self._taken(plan.send, gone):
            refuse("source_taken", f"{plan.send} already has a publisher")
            return
        self._offering += 1  # counted against the cap while its answer is made
        try:
            async with self._answering:
                peer = await self._answer(process, pid, offer, has_mic, refuse)
        finally:
            self._offering -= 1
        if peer is None:
            return
        if gone is not None:  # answered: the client's previous peer goes (Plaza has forgotten it)
            self.close_peer(gone, None)
        if has_mic and plan.exclusive and plan.send and self._taken(plan.send, None):  # claimed meanwhile
            self.spawn(_close_pc(peer.pc))
            refuse("source_taken", f"{plan.send} already has a publisher")
            return
        pc = peer.pc
        self.peers[key] = peer

        @pc.on("connectionstatechange")
        def on_state() -> None:
            self._state_changed(peer)

        self.router.set_plan(peer, plan)
        self.send(process, {"t": "answer", "peer": pid, "sdp": pc.localDescription.sdp})
        peer.announced = True
        peer.slots_changed()
        peer.ice_timer = asyncio.get_running_loop().call_later(self.settings.ice_timeout, self._ice_timeout, peer)
        if offer.mdns:
            self.spawn(resolve_mdns(pc, offer.mdns))
        log.debug("peer offered", extra={"link": process, "peer": pid, "mic": has_mic, "slots": len(peer.tracks)})

    async def _answer(
        self, process: str, pid: str, offer: Offer, has_mic: bool, refuse: Callable[[str, str], None]
    ) -> Peer | None:
        """A peer connection answering ``offer``, its mic hooked and its slots made (None: refused)."""
        pc = RTCPeerConnection(self.config)
        peer = Peer(self, process, pid, pc)
        try:
            try:
                await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
            except Exception as exc:
                refuse("bad_sdp", f"the offer was refused: {type(exc).__name__}: {str(exc)[:200]}")
                self.spawn(_close_pc(pc))
                return None
            transceivers = pc.getTransceivers()  # made in m-line order from the offer
            for i, transceiver in enumerate(transceivers):
                if i == 0 and has_mic:
                    forward.hook_receiver(transceiver.receiver, peer.on_mic)
                    peer.has_mic = True
                elif i > 0 and offer.directions[i] == "recvonly" and len(peer.tracks) < SLOTS:
                    track = SlotTrack(len(peer.tracks))
                    transceiver.sender.replaceTrack(track)
                    transceiver.direction = "sendonly"
                    peer.tracks.append(track)
                else:
                    transceiver.direction = "inactive"  # no receiver decoding what we do not forward
            peer.slots = [None] * len(peer.tracks)  # as many as it offered (a listening phone offers fewer)
            await pc.setLocalDescription(await pc.createAnswer())
        except BaseException:
            self.spawn(_close_pc(pc))
            raise
        return peer

    def _taken(self, key: str, peer: Peer | None) -> bool:
        source = self.router.sources.get(key)
        current = source.publisher if source is not None else None
        return current is not None and current is not peer and current.live

    def plan(self, key: tuple[str, str], raw_plan: Any) -> None:
        plan = parse_plan(raw_plan)
        peer = self.peers.get(key)
        if peer is None or peer.closed:
            return
        refused = self.router.set_plan(peer, plan)
        if refused:
            state = peer.state if peer.state in ("connected", "failed", "closed") else "connecting"
            self.send(peer.process, {"t": "state", "peer": peer.id, "state": state, "reason": refused})

    def _state_changed(self, peer: Peer) -> None:
        try:
            state = peer.pc.connectionState
            if peer.closed:
                return
            if state == "connected" and peer.state != "connected":
                peer.state = "connected"
                if peer.ice_timer is not None:
                    peer.ice_timer.cancel()
                self.send(peer.process, {"t": "state", "peer": peer.id, "state": "connected"})
            elif state in ("failed", "closed"):
                reason = "ice_failed" if peer.state != "connected" else "disconnected"
                self.close_peer(peer, reason, state="failed")
        except Exception as exc:
            self.peer_failed(peer, exc)

    def _ice_timeout(self, peer: Peer) -> None:
        if not peer.closed and peer.state != "connected":
            log.info("peer never connected", extra={"link": peer.process, "peer": peer.id})
            self.close_peer(peer, "ice_timeout", state="failed")

    def peer_failed(self, peer: Listener, exc: BaseException) -> None:
        """An exception about one peer: logged, and that peer (only) is closed."""
        if isinstance(peer, Peer) and not peer.closed:
            log.error("peer failed", extra={"link": peer.process, "peer": peer.id}, exc_info=exc)
            self.close_peer(peer, "internal", state="failed")

    def close_peer(self, peer: Peer, reason: str | None, state: str = "closed") -> None:
        """Unroute and close ``peer``; ``reason`` None: tell Plaza nothing (replaced, or its link is gone)."""
        if peer.closed:
            return
        peer.closed = True
        if peer.ice_timer is not None:
            peer.ice_timer.cancel()
        key = (peer.process, peer.id)
        if self.peers.get(key) is peer:
            del self.peers[key]
        try:
            self.router.remove(peer)
        except Exception:
            log.exception("unrouting a peer failed", extra={"link": peer.process, "peer": peer.id})
        for track in peer.tracks:
            track.stop()
        if reason is not None:
            msg = {"t": "state", "peer": peer.id, "state": state}
            if reason != "closed":
                msg["reason"] = reason
            self.send(peer.process, msg)
        self.spawn(_close_pc(peer.pc))

    # -- upkeep

    async def sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP)
            try:
                self.router.sweep()
            except Exception:
                log.exception("sweep failed")

    async def watch_loop(self) -> None:
        """Measures how late the event loop runs (a stall delays every peer's audio)."""
        period = 0.05
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(period)
            late = loop.time() - t - period
            if late > self.stall_max:
                self.stall_max = late
            if late > 0.1:
                self.stalls += 1
                now = time.monotonic()
                if now - self._last_stall_log > 10:
                    self._last_stall_log = now
                    log.warning("event loop stalled", extra={"ms": round(late * 1000), "stalls": self.stalls})

    def stats(self) -> dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        tracks = [t for p in self.peers.values() for t in p.tracks]
        high = max((t.high for t in tracks), default=0)
        for t in tracks:
            t.high = len(t._queue)
        out = {
            "t": "stats",
            "peers": len(self.peers),
            "sources": sum(1 for s in self.router.sources.values() if s.publisher is not None),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "rss": _rss(),
            # beyond the protocol's fields, for the benchmarks and the curious:
            "connected": sum(1 for p in self.peers.values() if p.state == "connected"),
            "active": sum(1 for s in self.router.sources.values() if s.active),
            "queue_now": max((len(t._queue) for t in tracks), default=0),
            "queue_high": high,
            "dropped": sum(t.dropped for t in tracks),
            "sent": sum(t.sent for t in tracks),
            "packets_in": sum(p.packets_in for p in self.peers.values()),
            "stall_max_ms": round(self.stall_max * 1000, 1),
            "stalls": self.stalls,
            "threads": _threads(),
            "time": time.time(),
        }
        self.stall_max = 0.0
        return out

    async def close_all(self) -> None:
        for timer in self.grace.values():
            timer.cancel()
        self.grace.clear()
        for peer in list(self.peers.values()):
            self.close_peer(peer, None)
        for link in list(self.links.values()):
            link.queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(link.ws.close(1001, "media process stopping"), 2)
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=CLOSE_TIMEOUT)


async def _close_pc(pc: RTCPeerConnection) -> None:
    try:
        await asyncio.wait_for(pc.close(), CLOSE_TIMEOUT)
    except Exception:
        log.warning("a peer connection did not close cleanly", exc_info=True)


def _remote(ws: ServerConnection) -> str:
    try:
        return str(ws.remote_address[0])
    except Exception:
        return ""


def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


# -- main


async def run(settings: Settings, ready: Callable[[int], None] | None = None) -> None:
    loop = asyncio.get_running_loop()
    await forward.check_internals()
    trimmed = forward.trim_sender_history()
    shared_cert = os.environ.get("PLAZA_MEDIA_SHARE_CERT", "1") == "1" and forward.share_certificate()
    restrict_addresses(settings.addresses)
    service = MediaService(settings)

    def loop_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, (InvalidStateError, ConnectionError)):  # aiortc's own tasks on a peer we closed
            log.debug("a closed peer's task ended: %r", exc)
            return
        log.error(
            "unhandled: " + str(context.get("message", "")),
            exc_info=context.get("exception"),
            extra={"context": repr({k: v for k, v in context.items() if k not in ("message", "exception")})[:500]},
        )

    loop.set_exception_handler(loop_exception)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    upkeep = [asyncio.ensure_future(service.sweep()), asyncio.ensure_future(service.watch_loop())]
    async with serve(service.serve_link, settings.host, settings.port, max_size=1 << 20, ping_interval=20) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        log.info(
            "media process listening",
            extra={
                "host": settings.host,
                "port": port,
                "aiortc": forward.aiortc.__version__,
                "ice_servers": len(settings.ice_servers),
                "addresses": ",".join(settings.addresses) or "all",
                "ice_timeout": settings.ice_timeout,
                "max_peers": settings.max_peers,
                "rtp_history_trimmed": trimmed,
                "certificate_shared": shared_cert,
            },
        )
        if ready is not None:
            ready(port)
        await stop.wait()
        log.info("media process stopping", extra={"peers": len(service.peers)})
        server.close(close_connections=False)
        await service.close_all()
    for task in upkeep:
        task.cancel()
    log.info("media process stopped")


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it is installed (PLAZA_MEDIA_LOOP=asyncio for the standard loop)."""
    if os.environ.get("PLAZA_MEDIA_LOOP", "uvloop") == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: list[str] | None = None) -> None:
    settings = parse_settings(argv)
    config = log_config(settings.log_level)
    for name in ("aiortc", "aioice", "websockets"):
        config["loggers"][name] = {"handlers": ["stderr"], "level": "WARNING", "propagate": False}
    logging.config.dictConfig(config)
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(run(settings))
    except forward.InternalsChanged as exc:
        log.critical(str(exc))
        print(str(exc), file=sys.stderr)
        raise SystemExit(3) from exc
