"""Mouth to ear in Chromium, end to end through Plaza's media process.

A big screen page with "Floor audio" on speaks a click (a 60 ms burst of 1 kHz) every second from
its fake microphone (a WAV file this writes); a phone page listens to the floor. Both pages sample
their WebAudio analysers every 5 ms: the speaker's own microphone (what ``getUserMedia`` delivers)
and the listener's floor slot (what it plays). Each click's onset is the first sample over -40 dB
after 300 ms of quiet. The figure is listener onset minus speaker onset (one machine, one clock).

What it is made of: the browser's capture and Opus encoding (20 ms frames), the network and the
media process (forwarding, no decode: ``bench/media_listeners.py`` measures that hop alone), the
listener's jitter buffer and decoding, and WebAudio's render quantum. The sender's capture
before its own analyser is not in it (it is the same for a speaker in the hall).

    .venv/bin/python -m bench.audio_browser --clicks 30
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import struct
import tempfile
import time
import wave
from pathlib import Path

from playwright.async_api import async_playwright

from server.testing import ServerProcess, free_port

CHROMIUM = "/usr/bin/chromium"
RATE = 48000
ONSET_DB = -40.0
QUIET_MS = 300


def click_wav(path: Path, seconds: float = 10.0) -> Path:
    frames = bytearray()
    for n in range(int(RATE * seconds)):
        t = n / RATE
        phase = t % 1.0
        v = 14000 * math.sin(2 * math.pi * 1000 * t) if phase < 0.06 else 0.0
        frames += struct.pack("<h", int(v))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return path


SAMPLER = """(which) => {
    const peer = window.plazaAudio.peer;
    const analyser = which === 'mic' ? peer.micNodes.analyser : peer.nodes[which].analyser;
    const buf = new Float32Array(analyser.fftSize);
    const onsets = [];
    let quietSince = performance.now();
    window.__onsets = onsets;
    setInterval(() => {
        analyser.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const x of buf) sum += x * x;
        const db = 20 * Math.log10(Math.sqrt(sum / buf.length) + 1e-9);
        const now = performance.now();
        if (db > ONSET_DB) {
            if (now - quietSince > QUIET_MS) onsets.push(performance.timeOrigin + now);
            quietSince = Infinity;
        } else if (quietSince === Infinity) {
            quietSince = now;
        }
    }, 5);
}""".replace("ONSET_DB", str(ONSET_DB)).replace("QUIET_MS", str(QUIET_MS))


async def run(clicks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wav = click_wav(folder / "clicks.wav")
        server = ServerProcess(data=folder / "data", port=free_port(), media=True).start()
        try:
            meeting = server.create_meeting()
            args = [
                "--no-sandbox",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
            ]
            async with async_playwright() as p:
                speaker_b = await p.chromium.launch(
                    executable_path=CHROMIUM, args=[*args, f"--use-file-for-fake-audio-capture={wav}"]
                )
                listener_b = await p.chromium.launch(executable_path=CHROMIUM, args=args)
                screen = await (await speaker_b.new_context()).new_page()
                await screen.goto(meeting["screen_url"])
                await screen.get_by_role("button", name="Floor audio").click()
                await screen.wait_for_function("() => window.plazaAudio && window.plazaAudio.state === 'connected'")
                phone = await (await listener_b.new_context(viewport={"width": 360, "height": 740})).new_page()
                await phone.goto(meeting["join_url"])
                await phone.fill("#name", "Lu")
                await phone.click("#join-button")
                await phone.click("#audio-listen")
                slot = await phone.wait_for_function(
                    """() => { const s = window.plazaAudio.slots.findIndex((x) => x && x.kind === 'floor');
                               return s >= 0 ? s + 1 : 0; }""",
                    timeout=30_000,
                )
                floor = int(await slot.json_value()) - 1
                await asyncio.sleep(2)  # let the jitter buffer settle
                await screen.evaluate(SAMPLER, "mic")
                await phone.evaluate(SAMPLER, floor)
                await asyncio.sleep(clicks + 1.5)
                said = await screen.evaluate("() => window.__onsets")
                heard = await phone.evaluate("() => window.__onsets")
                await speaker_b.close()
                await listener_b.close()
        finally:
            server.stop()
    delays = []
    for t in said:
        after = [h - t for h in heard if 0 <= h - t < 800]
        if after:
            delays.append(min(after))
    delays.sort()
    if not delays:
        print(f"no click matched: said {len(said)}, heard {len(heard)}")
        return
    p95 = delays[min(len(delays) - 1, math.ceil(0.95 * len(delays)) - 1)]
    print(
        f"clicks said {len(said)}, heard {len(heard)}, matched {len(delays)}: "
        f"mouth (speaker's analyser) to ear (listener's analyser) p50 {statistics.median(delays):.0f} ms, "
        f"p95 {p95:.0f} ms, min {delays[0]:.0f}, max {delays[-1]:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clicks", type=int, default=30)
    args = parser.parse_args()
    started = time.monotonic()
    asyncio.run(run(args.clicks))
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
