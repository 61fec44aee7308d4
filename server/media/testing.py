"""Run the media process for tests and benchmarks, and talk to it as Plaza and as browsers would.

- :func:`start_media` starts ``python -m server.media`` as a child process on a port.
- :class:`LinkClient` is Plaza's side of the link (hello, offers, plans; every message kept).
- :class:`PeerClient` is a browser-like aiortc peer: transceiver 0 the microphone (sendonly with a
  track, else inactive), then 8 recvonly slots.  It counts the RTP packets each slot receives,
  with no decoding (the same forward hook as the media process), and notes "onsets" (a big Opus
  packet after small ones: a click after silence) for latency.
- :class:`OpusSignalTrack` is the same microphone encoded once, ahead: its sender only packs
  (benchmarks run hundreds of publishers without encoding for each).
- :class:`SignalTrack` is a live-paced microphone: a click, speech-like noise, then silence, each
  second; the noise differs by ``seed`` so two publishers' packets can be told apart.

Example::

    media = start_media(secret="s")
    link = await LinkClient.connect(media.url, "s")
    speaker = PeerClient(mic=SignalTrack(seed=1))
    await join(link, "p1", speaker, {"send": "m/floor/dev", "exclusive": True, "hear": []})
"""

from __future__ import annotations

import asyncio
import fractions
import json
import math
import os
import random
import re
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aioice.ice
import websockets
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcconfiguration import RTCBundlePolicy
from av import AudioFrame, CodecContext, Packet

from server.media import forward

ROOT = Path(__file__).resolve().parent.parent.parent
RATE = 48000
SPF = 960  # samples per 20 ms frame
CYCLE_FRAMES = 50  # one second
CLICK_FRAMES = 3  # 0-60 ms: a loud 1 kHz burst (the onset)
SILENT_FROM = 40  # 800-1000 ms: digital silence (so the next onset shows)
SMALL = 20  # Opus payload bytes: digital silence encodes to 3; the click and speech to 60 or more


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the process


@dataclass
class MediaProcess:
    port: int
    secret: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def astop(self, timeout: float = 10) -> int:
        """SIGTERM, and its exit code (killed after ``timeout``), without blocking this event loop."""
        if self.proc.poll() is None:
            self.proc.terminate()
            deadline = time.monotonic() + timeout
            while self.proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        return self.stop(0.1)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, and its exit code (killed after ``timeout``); blocks (from async code: :meth:`astop`)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_media(
    port: int | None = None,
    secret: str = "test-secret",
    env: dict[str, str] | None = None,
    log_dir: Path | None = None,
    timeout: float = 20,
) -> MediaProcess:
    """``python -m server.media`` on ``port`` (a free one if None), host candidates 127.0.0.1 unless ``env`` says."""
    port = port or free_port()
    log_dir = log_dir or Path(os.environ.get("TMPDIR", "/tmp"))
    log_path = log_dir / f"media-{port}-{time.monotonic_ns()}.log"
    full_env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "PLAZA_MEDIA_SECRET": secret,
        "PLAZA_MEDIA_ADDRESSES": "127.0.0.1",
        **(env or {}),
    }
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.media", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    media = MediaProcess(port, secret, proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the media process exited ({proc.returncode}):\n{media.log()}")
        if "media process listening" in media.log():
            return media
        time.sleep(0.05)
    media.stop()
    raise RuntimeError(f"the media process did not start in {timeout} s:\n{media.log()}")


# -- Plaza's side of the link


class LinkClient:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self._new = asyncio.Event()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, url: str, secret: str, process: str = "test") -> LinkClient:
        ws = await websockets.connect(url, max_size=1 << 20)
        link = cls(ws)
        await link.send({"t": "hello", "secret": secret, "process": process})
        await link.wait_for(lambda m: m["t"] == "welcome", timeout=10)
        return link

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.messages.append(json.loads(raw))
                self._new.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result(None)
            self._new.set()

    async def send(self, msg: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(msg))

    async def wait_for(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float = 10, since: int = 0
    ) -> dict[str, Any]:
        """The first message from index ``since`` on for which ``pred`` holds (waiting up to ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        i = since
        while True:
            while i < len(self.messages):
                if pred(self.messages[i]):
                    return self.messages[i]
                i += 1
            left = deadline - time.monotonic()
            if left <= 0 or (self.closed.done() and i >= len(self.messages)):
                got = [{k: (v if k != "sdp" else "...") for k, v in m.items()} for m in self.messages[since:][-10:]]
                raise TimeoutError(f"no such message in {timeout} s; the last ones: {got}")
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), left)
            except TimeoutError:
                pass

    def slots(self, peer: str) -> list[str | None] | None:
        """The latest slots the media process gave ``peer``."""
        for m in reversed(self.messages):
            if m.get("t") == "slots" and m.get("peer") == peer:
                return list(m["slots"])
        return None

    async def offer(self, peer: str, sdp: str, plan: dict[str, Any] | None, timeout: float = 20) -> dict[str, Any]:
        """Send an offer; the answer or the error for it."""
        since = len(self.messages)
        await self.send({"t": "offer", "peer": peer, "sdp": sdp, "plan": plan})
        return await self.wait_for(
            lambda m: m.get("peer") == peer and m["t"] in ("answer", "error"), timeout=timeout, since=since
        )

    async def stats(self) -> dict[str, Any]:
        since = len(self.messages)
        await self.send({"t": "stats"})
        return await self.wait_for(lambda m: m["t"] == "stats", since=since)

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()


# -- a microphone


def make_cycle(seed: int) -> list[bytes]:
    """One second of 48 kHz s16 stereo in 20 ms frames: a click, noise like speech (by ``seed``), silence."""
    rnd = random.Random(seed)
    frames = []
    y1 = y2 = 0.0
    for f in range(CYCLE_FRAMES):
        buf = bytearray(SPF * 4)
        if f < SILENT_FROM:
            for i in range(SPF):
                n = f * SPF + i
                if f < CLICK_FRAMES:
                    v = 16000.0 * math.sin(2 * math.pi * 1000.0 * n / RATE)
                else:
                    y1 = 0.85 * y1 + 0.15 * rnd.uniform(-1, 1)
                    y2 = 0.7 * y2 + 0.3 * y1
                    v = 18000.0 * y2 * (0.55 + 0.45 * math.sin(2 * math.pi * 4.0 * n / RATE + seed))
                s = max(-32767, min(32767, int(v)))
                struct.pack_into("<hh", buf, i * 4, s, s)
        frames.append(bytes(buf))
    return frames


class SignalTrack(MediaStreamTrack):
    """A live-paced microphone: frame k is delivered when its last sample is "captured", t0 + (k+1) x 20 ms.

    The click of second c starts at ``t0 + c`` (wall clock, ``time.time()``): that is the mouth time.
    """

    kind = "audio"

    def __init__(self, seed: int = 1) -> None:
        super().__init__()
        self.frames = make_cycle(seed)
        self.k = 0
        self.t0: float | None = None

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self.t0 is None:
            self.t0 = time.time()
        wait = self.t0 + (self.k + 1) * SPF / RATE - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        frame = AudioFrame(format="s16", layout="stereo", samples=SPF)
        frame.planes[0].update(self.frames[self.k % CYCLE_FRAMES])
        frame.pts = self.k * SPF
        frame.sample_rate = RATE
        frame.time_base = fractions.Fraction(1, RATE)
        self.k += 1
        return frame

    def mouth(self, t: float) -> float:
        """When the click heard at ``t`` was spoken (valid while the delay is under a second)."""
        assert self.t0 is not None
        return self.t0 + math.floor(t - self.t0)


class OpusSignalTrack(MediaStreamTrack):
    """:class:`SignalTrack`'s second, Opus-encoded once at ``bitrate`` (a browser's is about 32 kb/s), then
    sent live-paced as ``av.Packet`` objects: packet k leaves at t0 + (k+1) x 20 ms, when its frame is whole.
    """

    kind = "audio"

    def __init__(self, seed: int = 1, bitrate: int = 32000) -> None:
        super().__init__()
        self.packets = encode_cycle(seed, bitrate)
        self.k = 0
        self.t0: float | None = None

    async def recv(self) -> Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if self.t0 is None:
            self.t0 = time.time()
        wait = self.t0 + (self.k + 1) * SPF / RATE - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        packet = Packet(self.packets[self.k % CYCLE_FRAMES])
        packet.pts = self.k * SPF
        packet.time_base = fractions.Fraction(1, RATE)
        self.k += 1
        return packet

    def mouth(self, t: float) -> float:
        """When the click heard at ``t`` was spoken (valid while the delay is under a second)."""
        assert self.t0 is not None
        return self.t0 + math.floor(t - self.t0)


def encode_cycle(seed: int, bitrate: int) -> list[bytes]:
    """One second of :func:`make_cycle` as 50 Opus packets (from the encoder's second pass: its steady state)."""
    codec = CodecContext.create("libopus", "w")
    codec.bit_rate = bitrate
    codec.format = "s16"
    codec.layout = "stereo"
    codec.sample_rate = RATE
    codec.time_base = fractions.Fraction(1, RATE)
    codec.options = {"application": "voip"}
    out: list[bytes] = []
    for k, data in enumerate(make_cycle(seed) * 2):
        frame = AudioFrame(format="s16", layout="stereo", samples=SPF)
        frame.planes[0].update(data)
        frame.pts = k * SPF
        frame.sample_rate = RATE
        frame.time_base = fractions.Fraction(1, RATE)
        out += [bytes(p) for p in codec.encode(frame)]
    return out[-CYCLE_FRAMES:]


# -- a browser-like peer


@dataclass
class SlotStats:
    count: int = 0
    first: float = 0.0
    last: float = 0.0
    small_run: int = 0
    onsets: list[float] = field(default_factory=list)
    timestamps: list[int] = field(default_factory=list)  # RTP timestamps (unwrapped by aiortc's receiver)
    payloads: list[bytes] = field(default_factory=list)  # when recording
    arrivals: list[float] = field(default_factory=list)  # when recording (time.time() of each packet)
    window: tuple[float, float] | None = None
    in_window: int = 0


class PeerClient:
    """A browser's audio peer as Plaza's clients make it: mic m-line, then ``slots`` recvonly m-lines."""

    def __init__(self, mic: MediaStreamTrack | None = None, slots: int = 8, record: bool = False) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.mic = mic
        self.record = record
        self.stats = [SlotStats() for _ in range(slots)]
        self.sent: set[bytes] = set()  # the microphone's payloads, when recording
        self.connected = asyncio.Event()
        self.failed = asyncio.Event()
        if mic is not None:
            sender = self.pc.addTransceiver(mic, direction="sendonly").sender
            if record:
                self._record_sent(sender)
        else:
            self.pc.addTransceiver("audio", direction="inactive")
        for i in range(slots):
            receiver = self.pc.addTransceiver("audio", direction="recvonly").receiver
            forward.hook_receiver(receiver, self._sink(i))

        @self.pc.on("connectionstatechange")
        def _() -> None:
            if self.pc.connectionState == "connected":
                self.connected.set()
            elif self.pc.connectionState in ("failed", "closed"):
                self.failed.set()

    def _record_sent(self, sender: Any) -> None:
        original = sender._next_encoded_frame

        async def recording(codec: Any) -> Any:
            frame = await original(codec)
            if frame is not None:
                self.sent.update(frame.payloads)
            return frame

        sender._next_encoded_frame = recording

    def _sink(self, i: int) -> Callable[[bytes | None, int], None]:
        st = self.stats[i]

        def sink(data: bytes | None, timestamp: int) -> None:
            if data is None:
                return
            now = time.time()
            if not st.count:
                st.first = now
            st.count += 1
            st.last = now
            if st.window is not None and st.window[0] <= now < st.window[1]:
                st.in_window += 1
            n = len(data)
            if n >= SMALL and st.small_run >= 3:
                st.onsets.append(now)
            st.small_run = st.small_run + 1 if n < SMALL else 0
            if self.record:
                st.timestamps.append(timestamp)
                st.payloads.append(data)
                st.arrivals.append(now)

        return sink

    async def offer(self, mdns: bool = False) -> str:
        """The offer's SDP once gathering is done; ``mdns``: host candidates named ``<uuid>.local``, as browsers do."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        sdp = self.pc.localDescription.sdp
        if mdns:
            sdp = re.sub(
                r"^(a=candidate:\S+ \d+ \S+ \d+ )(\S+)( \d+ typ host)",
                lambda m: m.group(1) + f"{uuid.uuid4()}.local" + m.group(3),
                sdp,
                flags=re.MULTILINE,
            )
        return sdp

    async def accept(self, sdp: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))

    def counts(self) -> list[int]:
        return [s.count for s in self.stats]

    def window(self, start: float, end: float) -> None:
        for s in self.stats:
            s.window = (start, end)
            s.in_window = 0

    async def close(self) -> None:
        await self.pc.close()


async def join(
    link: LinkClient, peer_id: str, peer: PeerClient, plan: dict[str, Any] | None, mdns: bool = False
) -> dict[str, Any]:
    """Offer ``peer`` as ``peer_id`` with ``plan``; on an answer, apply it. Returns the answer or the error."""
    reply = await link.offer(peer_id, await peer.offer(mdns=mdns), plan)
    if reply["t"] == "answer":
        await peer.accept(reply["sdp"])
    return reply


@contextmanager
def loopback_only() -> Iterator[None]:
    """In this process, gather only 127.0.0.1 host candidates (as start_media's default for the media process)."""
    original = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = original


async def wait_until(check: Callable[[], bool], timeout: float, what: str = "condition") -> None:
    """Poll ``check`` every 50 ms until true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.05)
