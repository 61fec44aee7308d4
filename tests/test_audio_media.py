"""Audio through Plaza for real: ``python -m server`` with its media process, clients signalling over
their own websockets, aiortc peers in this process as the browsers (a microphone m-line, then eight
recvonly slots).  What is checked is packets arriving in the right slots from the right people —
not only connections opening — as the meeting moves: the floor, a remote speaker given the floor,
a breakout room and everyone called back, a language channel's handover, a second device refused,
bad offers, and the media process killed mid-meeting."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from server.client import PlazaClient, PlazaError
from server.media.testing import PeerClient, SignalTrack, wait_until
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.test_audio_socket import booth_for
from tests.test_rooms_socket import phone_for
from tests.test_stack_socket import console_for

T = 15 * TIMEOUT_FACTOR


@pytest.fixture
def server(tmp_path: Path) -> Any:
    from server.testing import free_port

    proc = ServerProcess(data=tmp_path / "data", port=free_port(), media=True).start()
    try:
        yield proc
    finally:
        proc.stop()


class Audio:
    """One client's audio: its Plaza socket, its aiortc peer, the labels of its slots."""

    def __init__(self, client: PlazaClient, mic: bool, seed: int = 1) -> None:
        self.client = client
        self.mic = mic
        self.seed = seed
        self.peer: PeerClient | None = None

    async def start(self) -> dict[str, Any]:
        if self.peer is not None:
            await self.peer.close()
        self.peer = PeerClient(mic=SignalTrack(seed=self.seed) if self.mic else None)
        answer = await self.client.request("audio_offer", sdp=await self.peer.offer(), mic=self.mic, timeout=T)
        await self.peer.accept(answer["sdp"])
        return answer

    def slots(self) -> list[Any]:
        for message in reversed(self.client.received):
            if message.get("type") == "audio_slots":
                return list(message["slots"])
        return [None] * 8

    def slot_of(self, kind: str, name: str | None = None) -> int | None:
        for i, s in enumerate(self.slots()):
            if s and s["kind"] == kind and (name is None or s["name"] == name):
                return i
        return None

    async def hears(self, kind: str, name: str | None = None, packets: int = 25) -> int:
        """Wait until a slot labelled ``kind`` (``name``) has had ``packets`` more packets; its index."""
        await wait_until(lambda: self.slot_of(kind, name) is not None, T, f"a {kind} {name or ''} slot")
        i = self.slot_of(kind, name)
        assert i is not None and self.peer is not None
        start = self.peer.stats[i].count
        await wait_until(lambda: self.peer.stats[i].count >= start + packets, T, f"packets in slot {i}")
        return i

    async def receiving(self, seconds: float = 1.0) -> set[int]:
        assert self.peer is not None
        before = self.peer.counts()
        await asyncio.sleep(seconds)
        after = self.peer.counts()
        return {i for i, (a, b) in enumerate(zip(before, after, strict=True)) if b - a >= 10}

    async def close(self) -> None:
        if self.peer is not None:
            await self.peer.close()


async def keep_log(*clients: PlazaClient) -> None:
    for c in clients:
        c.keep_log = True


@pytest.fixture
async def closing() -> AsyncIterator[list[Any]]:
    things: list[Any] = []
    yield things
    for thing in reversed(things):
        try:
            await thing.close()
        except Exception:
            pass


async def test_the_floor_a_remote_speaker_and_a_listener(
    server: ServerProcess, meeting: dict[str, Any], closing: list[Any]
) -> None:
    console = await console_for(server, meeting, "json")
    screen = PlazaClient(server.ws, "json")
    await screen.connect()
    welcome = await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    assert welcome["media"] is True
    ana = await phone_for(server, meeting, "json", "Ana")
    bo = await phone_for(server, meeting, "json", "Bo")
    await keep_log(screen, ana, bo)
    closing += [console, screen, ana, bo]
    floor = Audio(screen, mic=True, seed=1)
    ana_audio = Audio(ana, mic=True, seed=2)
    bo_audio = Audio(bo, mic=False)
    closing += [floor, ana_audio, bo_audio]
    await floor.start()
    await ana_audio.start()
    await bo_audio.start()
    # Both phones hear the floor device; Ana's microphone goes nowhere until she has the floor.
    await ana_audio.hears("floor")
    await bo_audio.hears("floor")
    assert await floor.receiving() == set()
    # A second floor device (another screen opened with audio) is refused: feedback.
    screen2 = PlazaClient(server.ws, "json")
    await screen2.connect()
    await screen2.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    closing.append(screen2)
    with pytest.raises(PlazaError) as err:
        await Audio(screen2, mic=True).start()
    assert err.value.code == "device_audio_taken"
    # The floor device offers again on its own socket (a Wi-Fi hiccup, the mic toggled) while its old
    # connection is still up: the new one replaces it, never "device_audio_taken" against itself.
    stale, floor.peer = floor.peer, None
    closing.append(stale)
    await floor.start()
    await bo_audio.hears("floor")
    # Ana raises her hand and the facilitator gives her the floor: her voice reaches the PA and Bo.
    await ana.request("raise_hand", kind="new")
    await console.request("next_speaker")
    await floor.hears("speaker", "Ana")
    await bo_audio.hears("speaker", "Ana")
    await console.request("end_turn")
    await wait_until(lambda: floor.slot_of("speaker") is None, T, "Ana's slot gone after her turn")
    assert await floor.receiving() == set()


async def test_a_breakout_room_with_its_device_and_two_remote_people(
    server: ServerProcess, meeting: dict[str, Any], closing: list[Any]
) -> None:
    console = await console_for(server, meeting, "json")
    ana = await phone_for(server, meeting, "json", "Ana")
    bo = await phone_for(server, meeting, "json", "Bo")
    await keep_log(ana, bo)
    screen = PlazaClient(server.ws, "json")
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    closing += [console, ana, bo, screen]
    await console.wait_view("facilitator", lambda v: v["present"] == 2, T)
    await console.request("start_breakouts", rooms=1, minutes=10)
    links = await console.request("room_links")
    (room, link) = next(iter(links["links"].items()))
    device = PlazaClient(server.ws, "json")
    await device.connect()
    await device.hello("room", meeting=meeting["id"], room=room, key=key_of(link))
    device.keep_log = True
    closing.append(device)
    floor = Audio(screen, mic=True, seed=9)
    table = Audio(device, mic=True, seed=1)
    a, b = Audio(ana, mic=True, seed=2), Audio(bo, mic=True, seed=3)
    closing += [floor, table, a, b]
    for audio in (floor, table, a, b):
        await audio.start()
    # Everyone in the room hears everyone else, and not the floor.
    await a.hears("device")
    await a.hears("person", "Bo")
    await b.hears("person", "Ana")
    await table.hears("person", "Ana")
    await table.hears("person", "Bo")
    assert a.slot_of("floor") is None and a.slot_of("person", "Ana") is None  # never yourself
    # A second device with audio in the room is refused.
    device2 = PlazaClient(server.ws, "json")
    await device2.connect()
    await device2.hello("room", meeting=meeting["id"], room=room, key=key_of(link))
    closing.append(device2)
    with pytest.raises(PlazaError) as err:
        await Audio(device2, mic=True).start()
    assert err.value.code == "device_audio_taken"
    # "Call everyone back": the same peers now hear the floor, and not the room, within 2 s or so.
    t0 = time.monotonic()
    await console.request("end_breakouts")
    await a.hears("floor", packets=10)
    moved = time.monotonic() - t0
    assert a.slot_of("device") is None and a.slot_of("person") is None
    assert b.slot_of("person") is None
    got = await a.receiving()
    assert got == {a.slot_of("floor")}, (got, a.slots())
    assert moved < 5 * TIMEOUT_FACTOR, moved


async def test_a_channel_with_a_handover_and_bad_offers(
    server: ServerProcess, meeting: dict[str, Any], closing: list[Any]
) -> None:
    console = await console_for(server, meeting, "json")
    closing.append(console)
    await console.request("add_channel", name="Español", language="es")
    links = (await console.request("channel_links"))["links"]["ch1"]["interpreter"]
    eva_c = await booth_for(server, meeting, "json", links, "interpreter")
    max_c = await booth_for(server, meeting, "json", links, "interpreter")
    ana = await phone_for(server, meeting, "json", "Ana")
    screen = PlazaClient(server.ws, "json")
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    await keep_log(eva_c, max_c, ana, screen)
    closing += [eva_c, max_c, ana, screen]
    await eva_c.request("booth_join", name="Eva")
    await max_c.request("booth_join", name="Max")
    floor, eva, mx = Audio(screen, True, 1), Audio(eva_c, True, 2), Audio(max_c, True, 3)
    listener = Audio(ana, mic=True, seed=4)
    closing += [floor, eva, mx, listener]
    await ana.request("audio_listen", channel="ch1")
    for audio in (floor, eva, mx, listener):
        await audio.start()
    await eva.hears("floor")  # the interpreter hears the floor
    await listener.hears("floor")
    assert listener.slot_of("channel") is None  # nobody live yet
    await eva_c.request("go_live")
    i = await listener.hears("channel", "Español")
    assert listener.peer is not None and eva.peer is not None
    # A listener's microphone never reaches the channel: the interpreters hear only the floor.
    assert {s["kind"] for s in eva.slots() if s} == {"floor"}
    # Handover: Max takes over; the listener's slot keeps flowing, now Max's voice.
    await eva_c.request("offer_handover")
    await max_c.request("take_over")
    gaps: list[float] = []
    st = listener.peer.stats[i]
    last = st.last
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        if st.last != last:
            last = st.last
        gaps.append(time.time() - last)
    assert max(gaps) < 0.5, max(gaps)
    assert listener.slot_of("channel", "Español") == i
    # Bad offers: refused with a code; the listener's audio carries on.
    with pytest.raises(PlazaError) as err:
        await ana.request("audio_offer", sdp="v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nbroken", mic=False)
    assert err.value.code == "bad_sdp"
    codes = []
    for _ in range(6):
        try:
            await ana.request("audio_offer", sdp="nonsense", mic=False)
        except PlazaError as e:
            codes.append(e.code)
    assert "audio_rate_limited" in codes
    assert i in await listener.receiving()  # none was accepted: the listener's audio never stopped


async def test_the_media_process_killed_mid_meeting(
    server: ServerProcess, meeting: dict[str, Any], closing: list[Any]
) -> None:
    console = await console_for(server, meeting, "json")
    screen = PlazaClient(server.ws, "json")
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    ana = await phone_for(server, meeting, "json", "Ana")
    await keep_log(screen, ana)
    closing += [console, screen, ana]
    floor, listener = Audio(screen, True, 1), Audio(ana, False)
    closing += [floor, listener]
    await floor.start()
    await listener.start()
    await listener.hears("floor")
    pids = media_pids(server)
    assert len(pids) == 1, pids
    os.kill(pids[0], signal.SIGKILL)
    t0 = time.monotonic()
    # The assembly carries on meanwhile: a hand goes up and is acknowledged.
    await ana.request("raise_hand", kind="new")
    await wait_until(
        lambda: any(m.get("type") == "audio_restart" for m in ana.received), T, "audio_restart on the phone"
    )
    await wait_until(
        lambda: any(m.get("type") == "audio_restart" for m in screen.received), T, "audio_restart on the screen"
    )
    for audio in (floor, listener):  # as the pages do on audio_restart
        for _ in range(20):
            try:
                await audio.start()
                break
            except PlazaError as e:
                assert e.code == "media_unavailable", e.code
                await asyncio.sleep(0.3)
    await listener.hears("floor")
    resumed = time.monotonic() - t0
    assert resumed < 10 * TIMEOUT_FACTOR, resumed
    assert media_pids(server) and media_pids(server) != pids


def media_pids(server: ServerProcess) -> list[int]:
    """The media process started by this server (a child of its process)."""
    assert server.proc is not None
    out: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if ppid == server.proc.pid and b"server.media" in cmd:
            out.append(int(entry))
    return out
