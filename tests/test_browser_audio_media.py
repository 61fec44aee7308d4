"""Sound through Plaza in Chromium, end to end: real pages, real WebRTC, the real media process.

Each speaker is a Chromium of its own with fake media devices playing a WAV file this test writes:
the floor a 300 Hz tone, a room's table 750 Hz, one voice 500 Hz and the other 1,250 Hz (each 300 ms
on, 100 ms off: a speech-like rhythm whose silences are known). What a page hears is measured in the
page, with a WebAudio analyser on the slot's own node: which tone is in it, 100 times a second. So
"the listener hears Eva, then Max" and "never both at once" are facts about sound that arrived, not
about connections that opened.

- Interpretation: the floor device speaks, an interpreter hears it and goes live, a phone listening to
  the channel hears her; she offers the handover, her partner takes over: the channel switches voice
  with no silence over 500 ms and never two voices; a caption typed in the booth shows on the phone.
- A breakout room with its table device and two remote participants: each hears the others; after
  "Call everyone back" they hear the floor and not the room.
"""

from __future__ import annotations

import asyncio
import math
import re
import struct
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Playwright, async_playwright, expect

from server.testing import free_port
from tests.conftest import TIMEOUT_FACTOR, ServerProcess
from tests.test_browser import ARGS, CHROMIUM, TIMEOUT_MS
from tests.test_stack_socket import console_for

pytestmark = pytest.mark.browser

RATE = 48000
EVA_HZ, MAX_HZ, FLOOR_HZ, TABLE_HZ = 500.0, 1250.0, 300.0, 750.0
BIN = RATE / 1024  # the pages' analysers: fftSize 1024
T = 20 * TIMEOUT_FACTOR
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def write_wav(path: Path, hz: float, on: float, off: float, seconds: float = 8.0) -> Path:
    """A mono 16-bit WAV: ``hz`` for ``on`` seconds, then ``off`` seconds of silence, repeated."""
    frames = bytearray()
    period = on + off
    for n in range(int(RATE * seconds)):
        t = n / RATE
        phase = t % period
        if phase < on:
            ramp = min(1.0, phase / 0.005, (on - phase) / 0.005)  # 5 ms ramps: no clicks at the edges
            frames += struct.pack("<h", int(12000 * ramp * math.sin(2 * math.pi * hz * t)))
        else:
            frames += struct.pack("<h", 0)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return path


@pytest.fixture
def server(tmp_path: Path) -> Any:
    proc = ServerProcess(data=tmp_path / "data", port=free_port(), media=True).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as p:
        yield p


async def chromium(p: Playwright, wav: Path) -> Browser:
    args = [
        *ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    return await p.chromium.launch(executable_path=CHROMIUM, args=args)


async def open_page(browser: Browser, url: str, errors: list[str], **context: Any) -> Page:
    page = await (await browser.new_context(**context)).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    return page


async def slot_of(page: Page, kind: str, name: str | None = None) -> int:
    """Wait until the page hears a slot labelled ``kind`` (and ``name``); its index."""
    handle = await page.wait_for_function(
        """([kind, name]) => {
            const slots = window.plazaAudio ? window.plazaAudio.slots : [];
            const i = slots.findIndex((s) => s && s.kind === kind && (name === null || s.name === name));
            return i >= 0 ? i + 1 : 0;
        }""",
        arg=[kind, name],
        timeout=T * 1000,
    )
    return int(await handle.json_value()) - 1


PROBE = """([slot, bands]) => {
    const peer = window.plazaAudio.peer;
    const analyser = peer.nodes[slot].analyser;
    analyser.smoothingTimeConstant = 0;  // each sample its own 21 ms (the meters read the waveform, not this)
    const buf = new Float32Array(analyser.frequencyBinCount);
    const samples = [];
    const timer = setInterval(() => {
        analyser.getFloatFrequencyData(buf);
        const row = {t: Date.now()};
        for (const [name, lo, hi] of bands) {
            let best = -200;
            for (let i = lo; i <= hi; i++) best = Math.max(best, buf[i]);
            row[name] = best;
        }
        samples.push(row);
    }, 10);
    window.__probe = {samples, stop: () => clearInterval(timer)};
}"""


def band(name: str, hz: float) -> list[Any]:
    centre = round(hz / BIN)
    return [name, centre - 2, centre + 2]


async def probe(page: Page, slot: int, seconds: float, *bands: list[Any]) -> list[dict[str, float]]:
    """What slot ``slot`` carried, every 10 ms for ``seconds``: the loudest bin of each band, in dB."""
    await page.evaluate(PROBE, [slot, list(bands)])
    await asyncio.sleep(seconds)
    return list(await page.evaluate("() => { window.__probe.stop(); return window.__probe.samples; }"))


LOUD = -70.0  # dB in a band: a tone is there
APART = 15.0  # dB louder than the other band: that tone, not the other


def voices(samples: list[dict[str, float]], a: str, b: str) -> list[tuple[float, str]]:
    """Each sample as ``a``, ``b``, ``both`` or ``""`` (silence)."""
    out = []
    for s in samples:
        if s[a] > LOUD and s[b] > LOUD and abs(s[a] - s[b]) < APART:
            out.append((s["t"], "both"))
        elif s[a] > LOUD and s[a] - s[b] >= APART:
            out.append((s["t"], a))
        elif s[b] > LOUD and s[b] - s[a] >= APART:
            out.append((s["t"], b))
        else:
            out.append((s["t"], ""))
    return out


def longest_silence(marks: list[tuple[float, str]]) -> float:
    return longest_run(marks, "")


def longest_run(marks: list[tuple[float, str]], kind: str) -> float:
    """The longest stretch, in seconds, of samples marked ``kind``."""
    longest, start = 0.0, None
    for t, who in marks:
        if who == kind:
            start = t if start is None else start
        else:
            if start is not None:
                longest = max(longest, t - start)
            start = None
    return longest / 1000


async def hears(page: Page, slot: int, name: str, hz: float, other: float) -> None:
    """Within ``T`` seconds the slot carries the ``hz`` tone (and not the ``other``) at least half the time."""
    deadline = time.monotonic() + T
    while True:
        marks = voices(await probe(page, slot, 1.0, band(name, hz), band("other", other)), name, "other")
        share = sum(1 for _, who in marks if who == name) / max(1, len(marks))
        if share > 0.4:
            return
        assert time.monotonic() < deadline, f"slot {slot} never carried {name}: {share:.2f} {marks[-20:]}"


async def test_interpretation_end_to_end(
    server: ServerProcess, meeting: dict[str, Any], playwright: Playwright, tmp_path: Path
) -> None:
    floor_wav = write_wav(tmp_path / "floor.wav", FLOOR_HZ, 0.3, 0.1)
    eva_wav = write_wav(tmp_path / "eva.wav", EVA_HZ, 0.3, 0.1)
    max_wav = write_wav(tmp_path / "max.wav", MAX_HZ, 0.3, 0.1)
    errors: list[str] = []
    console = await console_for(server, meeting, "json")
    browsers = [await chromium(playwright, w) for w in (floor_wav, eva_wav, max_wav)]
    floor_b, eva_b, max_b = browsers
    try:
        await console.request("add_channel", name="Español", language="es")
        link = (await console.request("channel_links"))["links"]["ch1"]["interpreter"]

        # The floor device: the big screen with "Floor audio" on.
        screen = await open_page(floor_b, meeting["screen_url"], errors, viewport={"width": 1280, "height": 720})
        await screen.get_by_role("button", name="Floor audio").click()
        await screen.wait_for_function("() => window.plazaAudio && window.plazaAudio.state === 'connected'")

        # Eva enters the booth, hears the floor, goes live.
        eva = await open_page(eva_b, link, errors, viewport={"width": 1280, "height": 800})
        await eva.fill("#name", "Eva")
        await eva.click("#name-go")
        start = eva.locator("#sound-start")
        if await start.is_visible():
            await start.click()
        floor_slot = await slot_of(eva, "floor")
        await hears(eva, floor_slot, "floor", FLOOR_HZ, MAX_HZ)
        await eva.click("#go-live")
        await expect(eva.locator("#onair-badge")).to_contain_text(re.compile("live", re.IGNORECASE))

        # A phone listens to the channel: it hears Eva.
        phone = await open_page(floor_b, meeting["join_url"], errors, **PHONE)
        await phone.fill("#name", "Lu")
        await phone.click("#join-button")
        await phone.select_option("#audio-channel", value="ch1")
        await phone.click("#audio-listen")
        channel = await slot_of(phone, "channel", "Español")
        await hears(phone, channel, "eva", EVA_HZ, MAX_HZ)

        # Max enters; Eva offers the handover, Max takes over, while the phone's channel is measured.
        mx = await open_page(max_b, link, errors, viewport={"width": 1280, "height": 800})
        await mx.fill("#name", "Max")
        await mx.click("#name-go")
        start = mx.locator("#sound-start")
        if await start.is_visible():
            await start.click()
        await mx.wait_for_function("() => window.plazaAudio && window.plazaAudio.state === 'connected'")
        await phone.evaluate(PROBE, [channel, [band("eva", EVA_HZ), band("max", MAX_HZ)]])
        await asyncio.sleep(1.5)
        await eva.click("#offer")
        await expect(mx.locator("#take-over")).to_be_visible()
        await mx.click("#take-over")
        await expect(mx.locator("#onair-badge")).to_contain_text(re.compile("live", re.IGNORECASE))
        await asyncio.sleep(3.0)
        samples = await phone.evaluate("() => { window.__probe.stop(); return window.__probe.samples; }")
        marks = voices(samples, "eva", "max")
        kinds = [who for _, who in marks]
        # Never two voices: "both" only where one 21 ms analysis window straddles the switch.
        assert longest_run(marks, "both") < 0.04, marks
        first_max = kinds.index("max")
        assert kinds[:first_max].count("eva") > 20 and "eva" not in kinds[first_max + 50 :], kinds
        gap = longest_silence(marks)
        assert gap < 0.5, f"{gap:.3f} s of silence on the channel at the handover"

        # A caption typed in the booth reaches the phone under the player.
        await mx.fill("#caption-text", "Seguimos con el punto dos")
        await mx.press("#caption-text", "Enter")
        await expect(phone.locator("#audio-caption-lines")).to_contain_text("Seguimos con el punto dos")
        assert not errors, errors
    finally:
        await console.close()
        for b in browsers:
            await b.close()


async def test_a_breakout_room_with_a_table_device_and_two_remote_people(
    server: ServerProcess, meeting: dict[str, Any], playwright: Playwright, tmp_path: Path
) -> None:
    table_wav = write_wav(tmp_path / "table.wav", TABLE_HZ, 0.3, 0.1)
    ana_wav = write_wav(tmp_path / "ana.wav", EVA_HZ, 0.3, 0.1)
    bo_wav = write_wav(tmp_path / "bo.wav", MAX_HZ, 0.3, 0.1)
    floor_wav = write_wav(tmp_path / "floor.wav", FLOOR_HZ, 0.3, 0.1)
    errors: list[str] = []
    console = await console_for(server, meeting, "json")
    browsers = [await chromium(playwright, w) for w in (table_wav, ana_wav, bo_wav, floor_wav)]
    table_b, ana_b, bo_b, floor_b = browsers
    try:
        screen = await open_page(floor_b, meeting["screen_url"], errors, viewport={"width": 1280, "height": 720})
        await screen.get_by_role("button", name="Floor audio").click()
        await screen.wait_for_function("() => window.plazaAudio && window.plazaAudio.state === 'connected'")
        phones = {}
        for name, b in (("Ana", ana_b), ("Bo", bo_b), ("Cy", floor_b)):
            page = await open_page(b, meeting["join_url"], errors, **PHONE)
            await page.fill("#name", name)
            await page.click("#join-button")
            phones[name] = page
        await console.wait_view("facilitator", lambda v: v["present"] == 3, T)
        # Cy only listens: in the plenary the phone offers 3 slots (channel, floor, a remote speaker).
        cy = phones.pop("Cy")
        await cy.click("#audio-listen")
        await cy.wait_for_function("() => window.plazaAudio.state === 'connected'")
        assert await cy.evaluate("() => window.plazaAudio.peer.offeredSlots") == 3
        await hears(cy, await slot_of(cy, "floor"), "floor", FLOOR_HZ, MAX_HZ)
        await console.request("start_breakouts", rooms=1, minutes=10)
        room, link = next(iter((await console.request("room_links"))["links"].items()))
        table = await open_page(table_b, link, errors, viewport={"width": 1280, "height": 800})
        await table.click("#ra-toggle")  # "Room audio", a toggle in the device's header
        for page in phones.values():
            await page.click("#audio-join")
        ana, bo = phones["Ana"], phones["Bo"]
        # Each hears the others: Ana hears Bo and the table, Bo hears Ana, the table hears both.
        await hears(ana, await slot_of(ana, "person", "Bo"), "bo", MAX_HZ, EVA_HZ)
        await hears(ana, await slot_of(ana, "device"), "table", TABLE_HZ, MAX_HZ)
        await hears(bo, await slot_of(bo, "person", "Ana"), "ana", EVA_HZ, MAX_HZ)
        await hears(table, await slot_of(table, "person", "Ana"), "ana", EVA_HZ, MAX_HZ)
        await hears(table, await slot_of(table, "person", "Bo"), "bo", MAX_HZ, EVA_HZ)
        # Sent to the room, Cy's phone offers again with 8 slots and hears the room, not the floor.
        await cy.wait_for_function("() => window.plazaAudio.peer.offeredSlots === 8")
        await hears(cy, await slot_of(cy, "person", "Ana"), "ana", EVA_HZ, FLOOR_HZ)
        await hears(cy, await slot_of(cy, "device"), "table", TABLE_HZ, FLOOR_HZ)
        # "Call everyone back": the same pages hear the floor, and not the room.
        await console.request("end_breakouts")
        await cy.wait_for_function("() => window.plazaAudio.peer.offeredSlots === 3")
        for page in (ana, bo, cy):
            floor = await slot_of(page, "floor")
            await hears(page, floor, "floor", FLOOR_HZ, MAX_HZ)
            await page.wait_for_function(
                "() => !window.plazaAudio.slots.some((s) => s && (s.kind === 'person' || s.kind === 'device'))"
            )
            levels = await page.evaluate("() => window.plazaAudio.levels")
            loud = [i for i, level in enumerate(levels) if level > -60 and i != floor]
            assert not loud, (levels, floor)
        assert not errors, errors
        assert room
    finally:
        await console.close()
        for b in browsers:
            await b.close()
