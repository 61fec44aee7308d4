"""A screen-wide update on Plaza next to raw ``websockets.broadcast()``, side by side in one run.

    .venv/bin/python -m bench.broadcast --phones 10000 --rounds 20
    .venv/bin/python -m bench.broadcast --phones 500 --rounds 5      # a quick check

In one run it starts:

- **Plaza** (``python -m server``, embedded store in a temporary folder) with one meeting;
- **raw**: a python-websockets server in a child process (``websockets.asyncio.server.serve``,
  no compression, the same loop as uvicorn's: uvloop) that passes every frame a trigger
  connection sends to all other connections with ``websockets.broadcast()``.

``--workers`` load processes open ``--phones`` phones to each, written from
docs/protocol.md alone: a python-websockets client on msgpack that says ``hello`` with
role ``phone`` and the meeting's code, and stays a guest (the raw ones just connect).
Then, ``--rounds`` times, one second apart each, alternately:

- **Plaza**: a trigger phone (connected and said hello beforehand) sends ``join``. The
  ``present`` count in the ``phone`` view changes, which every phone receives. Timed from
  just before the ``join`` is sent to the arrival of the view with the new count at each
  phone: the command, the fsync, the projection, the encoding and the fan-out.
- **raw**: a trigger connection sends a frame, which the raw server broadcasts to every
  phone. The frame is the msgpack ``phone`` view Plaza sent in the same round, with its
  own count, so it is the same size and the phones decode the same thing. Timed from just
  before the trigger's frame is sent to its arrival at each phone.

Both use ``time.monotonic()`` (system-wide on Linux). The load processes share the 2
cores with both servers, so each figure includes the phones' own reading time.

Memory per phone is Plaza's RSS with its phones connected minus its RSS before them,
divided by the number of phones (the same for the raw server, for comparison).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import dataclasses
import json
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgpack

from bench.phones import create_meeting, lift_fd_limit, percentile, rss_kib, split
from server.testing import ServerProcess, free_port

SIDES = ("plaza", "raw")


def run_loop(main: Any, use_uvloop: bool) -> Any:
    if use_uvloop:
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)


async def open_ws(url: str) -> Any:
    from websockets.asyncio.client import connect

    # No compression (Plaza doesn't negotiate it) and no client pings: the servers ping.
    return await connect(url, compression=None, ping_interval=None, max_size=2**20, open_timeout=120)


# -- the raw server: a few lines of python-websockets ------------------------------------------


def raw_server(port: int, ready: Connection, use_uvloop: bool) -> None:
    lift_fd_limit()
    run_loop(_raw_server(port, ready), use_uvloop)


async def _raw_server(port: int, ready: Connection) -> None:
    from websockets.asyncio.server import broadcast, serve

    phones: set[Any] = set()

    async def handler(ws: Any) -> None:
        if ws.request.path.startswith("/trigger"):
            async for message in ws:
                broadcast(phones, message)
            return
        phones.add(ws)
        try:
            await ws.wait_closed()
        finally:
            phones.discard(ws)

    # As uvicorn is set up in server/__main__.py: no compression, 64 KiB frames, pings every 20 s.
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        max_size=64 * 1024,
        ping_interval=20,
        ping_timeout=20,
        backlog=4096,
    ):
        ready.send("ready")
        await asyncio.get_running_loop().run_in_executor(None, ready.recv)  # "stop"


# -- a load process: its share of the phones on each side ---------------------------------------


def worker(pipe: Connection, count: int, concurrency: int, use_uvloop: bool, client: str) -> None:
    lift_fd_limit()
    run_loop(_worker(pipe, count, concurrency, client), use_uvloop)


class Recorder:
    """When each phone view (keyed by its ``present``) reached this process's phones, per side."""

    def __init__(self) -> None:
        self.arrivals: dict[str, dict[int, list[float]]] = {side: defaultdict(list) for side in SIDES}
        self.expected: dict[str, int] = dict.fromkeys(SIDES, 0)
        self.complete: dict[tuple[str, int], asyncio.Event] = {}

    def record(self, side: str, data: bytes) -> None:
        message = msgpack.unpackb(data)
        if message.get("type") == "view" and message.get("view") == "phone":
            now = time.monotonic()
            present = message["data"]["present"]
            times = self.arrivals[side][present]
            times.append(now)
            if len(times) >= self.expected[side]:
                done = self.complete.get((side, present))
                if done is not None:
                    done.set()

    async def collect(self, side: str, key: int, t0: float, timeout: float = 15) -> dict[str, Any]:
        if len(self.arrivals[side][key]) < self.expected[side]:
            done = self.complete[(side, key)] = asyncio.Event()
            if len(self.arrivals[side][key]) < self.expected[side]:
                try:
                    await asyncio.wait_for(done.wait(), timeout)
                except TimeoutError:
                    pass
            self.complete.pop((side, key), None)
        times = self.arrivals[side].pop(key, [])
        return {"delays": [t - t0 for t in times], "missed": self.expected[side] - len(times)}


def is_phone_view(data: bytes) -> bool:
    message = msgpack.unpackb(data)
    if message.get("type") == "error":
        raise RuntimeError(message.get("code"))
    return bool(message.get("type") == "view" and message.get("view") == "phone")


class LightPhone(asyncio.Protocol):
    """A websocket client with as little as a phone needs (RFC 6455): the upgrade, unmasked frames
    in (binary, ping, close), masked frames out.  It costs the load processes a few µs a frame, so
    the delays are mostly the servers'.  Frames are not fragmented by either server at this size.
    """

    def __init__(self, recorder: Recorder, side: str, host: str, path: str, hello: bytes | None) -> None:
        self.recorder, self.side, self.host, self.path, self.hello = recorder, side, host, path, hello
        self.buffer = bytearray()
        self.upgraded = False
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before ready"))

    def send(self, opcode: int, payload: bytes) -> None:
        # The client must mask; a zero key leaves the payload as it is (fine for a load generator).
        assert self.transport is not None and len(payload) < 126
        self.transport.write(bytes((0x80 | opcode, 0x80 | len(payload), 0, 0, 0, 0)) + payload)

    def data_received(self, data: bytes) -> None:
        buf = self.buffer
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                self.ready.set_exception(ConnectionError(bytes(buf[:40]).decode("latin-1")))
                return
            del buf[: end + 4]
            self.upgraded = True
            if self.hello is not None:
                self.send(0x2, self.hello)
            else:
                self.ready.set_result(None)
        while len(buf) >= 2:
            length = buf[1] & 0x7F
            start = 2
            if length == 126:
                if len(buf) < 4:
                    return
                length, start = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                if len(buf) < 10:
                    return
                length, start = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < start + length:
                return
            opcode = buf[0] & 0x0F
            payload = bytes(buf[start : start + length])
            del buf[: start + length]
            if opcode in (0x1, 0x2):
                if self.ready.done():
                    self.recorder.record(self.side, payload)
                else:
                    try:
                        if is_phone_view(payload):
                            self.ready.set_result(None)
                    except RuntimeError as exc:
                        self.ready.set_exception(exc)
            elif opcode == 0x9:
                self.send(0xA, payload)
            elif opcode == 0x8:
                self.send(0x8, payload[:2])
                assert self.transport is not None
                self.transport.close()


async def _worker(pipe: Connection, count: int, concurrency: int, client: str) -> None:
    loop = asyncio.get_running_loop()
    recorder = Recorder()
    closers: list[Callable[[], None]] = []
    readers: list[asyncio.Task[None]] = []

    async def read(ws: Any, side: str) -> None:
        try:
            async for data in ws:
                recorder.record(side, data)
        except Exception:
            pass

    async def connect_light(side: str, url: str, hello: bytes | None) -> None:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        transport, phone = await loop.create_connection(
            lambda: LightPhone(recorder, side, parts.netloc, path, hello), parts.hostname, parts.port
        )
        try:
            await asyncio.wait_for(phone.ready, 60)
        except BaseException:
            transport.abort()
            raise
        closers.append(transport.abort)

    async def connect_websockets(side: str, url: str, hello: bytes | None) -> None:
        ws = await open_ws(url)
        if hello is not None:
            await ws.send(hello)
            while not is_phone_view(await asyncio.wait_for(ws.recv(), 60)):  # welcome, then the views
                pass
        closers.append(ws.transport.abort)
        readers.append(asyncio.create_task(read(ws, side)))

    async def connect(side: str, url: str, hello: bytes | None, gate: asyncio.Semaphore) -> str | None:
        async with gate:
            try:
                await (connect_light if client == "light" else connect_websockets)(side, url, hello)
            except Exception as exc:
                return f"{type(exc).__name__}: {exc}"[:80]
        recorder.expected[side] += 1
        return None

    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        kind = command[0]
        if kind == "connect":
            _, side, url, code = command
            hello = msgpack.packb({"type": "hello", "id": 1, "role": "phone", "code": code}) if code else None
            gate = asyncio.Semaphore(concurrency)
            started = time.monotonic()
            errors = await asyncio.gather(*(connect(side, url, hello, gate) for _ in range(count)))
            failed = [e for e in errors if e is not None]
            pipe.send(
                {"seconds": time.monotonic() - started, "failed": len(failed), "reasons": sorted(set(failed))[:5]}
            )
        elif kind == "collect":
            _, side, key, t0 = command
            pipe.send(await recorder.collect(side, key, t0))
        elif kind == "close":
            for close in closers:
                close()  # no closing handshakes: 20,000 of them would take a while
            for task in readers:
                task.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
            pipe.send("closed")
            return


# -- the conductor ---------------------------------------------------------------------------------


class Workers:
    def __init__(self, phones: int, workers: int, concurrency: int, use_uvloop: bool, client: str) -> None:
        ctx = mp.get_context("spawn")
        self.pipes: list[Connection] = []
        self.procs: list[mp.process.BaseProcess] = []
        for n in split(phones, workers):
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=worker, args=(theirs, n, concurrency, use_uvloop, client), daemon=True)
            proc.start()
            self.pipes.append(ours)
            self.procs.append(proc)

    def ask(self, *command: Any) -> list[Any]:
        for pipe in self.pipes:
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]

    async def ask_async(self, *command: Any) -> list[Any]:
        loop = asyncio.get_running_loop()
        for pipe in self.pipes:
            pipe.send(command)
        return [await loop.run_in_executor(None, pipe.recv) for pipe in self.pipes]

    def stop(self) -> None:
        try:
            self.ask("close")
        finally:
            for proc in self.procs:
                proc.join(10)
                if proc.is_alive():
                    proc.kill()


def connect_all(workers: Workers, side: str, url: str, code: str, phones: int) -> int:
    reports = workers.ask("connect", side, url, code)
    failed = sum(r["failed"] for r in reports)
    seconds = max(r["seconds"] for r in reports)
    reasons = sorted({reason for r in reports for reason in r["reasons"]})
    print(
        f"{side:5}: {phones - failed} phones connected in {seconds:.1f} s ({failed} failed{': ' if reasons else ''}"
        f"{'; '.join(reasons)})",
        flush=True,
    )
    return phones - failed


def cpu_ms(pid: int) -> tuple[float, float]:
    """CPU time (user, system) a process has used so far, in ms (10 ms resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = 1000 / os.sysconf("SC_CLK_TCK")
    return int(fields[11]) * tick, int(fields[12]) * tick


@dataclasses.dataclass
class Rounds:
    delays: dict[str, list[list[float]]] = dataclasses.field(default_factory=lambda: {side: [] for side in SIDES})
    cpu: dict[str, list[tuple[float, float]]] = dataclasses.field(default_factory=lambda: {side: [] for side in SIDES})
    missed: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(SIDES, 0))
    sizes: dict[str, int] = dataclasses.field(default_factory=dict)
    acks: list[float] = dataclasses.field(default_factory=list)


async def rounds(
    workers: Workers,
    plaza_ws: str,
    raw_ws: str,
    code: str,
    pids: dict[str, int],
    count: int,
    spacing: float,
    warmup: int,
) -> Rounds:
    """``warmup`` + ``count`` rounds; the first ``warmup`` are not kept."""
    from server.client import PlazaClient

    result = Rounds()
    delays, cpu, missed, sizes, acks = result.delays, result.cpu, result.missed, result.sizes, result.acks
    raw_trigger = await open_ws(f"{raw_ws}/trigger")
    triggers: list[PlazaClient] = []
    # Plaza's phone view as the phones have it now (present 0): the raw side sends one like it.
    probe = PlazaClient(plaza_ws, "msgpack")
    await probe.connect()
    await probe.hello("phone", code=code)
    await probe.wait_view("phone", lambda v: True)
    triggers.append(probe)
    try:
        for r in range(1, warmup + count + 1):
            # Plaza: one more participant; every phone's `present` goes to r.
            await asyncio.sleep(spacing)
            trigger = PlazaClient(plaza_ws, "msgpack")
            await trigger.connect()
            await trigger.hello("phone", code=code)
            triggers.append(trigger)
            used = {side: cpu_ms(pid) for side, pid in pids.items()}
            t0 = time.monotonic()
            await trigger.request("join", name=f"Trigger {r}", timeout=30)
            ack = time.monotonic() - t0
            await probe.wait_view("phone", lambda v, r=r: v["present"] >= r, timeout=30)
            message = probe.views["phone"]
            sizes["plaza"] = len(msgpack.packb(message))
            plaza = await workers.ask_async("collect", "plaza", r, t0)
            plaza_cpu = tuple(b - a for a, b in zip(used["plaza"], cpu_ms(pids["plaza"]), strict=True))

            # raw: the same view, the same size, broadcast by python-websockets.
            await asyncio.sleep(spacing)
            frame = msgpack.packb({**message, "data": {**message["data"], "present": r}})
            sizes["raw"] = len(frame)
            used = {side: cpu_ms(pid) for side, pid in pids.items()}
            t0 = time.monotonic()
            await raw_trigger.send(frame)
            raw = await workers.ask_async("collect", "raw", r, t0)
            raw_cpu = tuple(b - a for a, b in zip(used["raw"], cpu_ms(pids["raw"]), strict=True))
            this = {
                "plaza": [d for rep in plaza for d in rep["delays"]],
                "raw": [d for rep in raw for d in rep["delays"]],
            }
            p99 = {side: percentile(this[side], 99) * 1000 if this[side] else float("nan") for side in SIDES}
            label = "warm-up" if r <= warmup else f"round {r - warmup:2}"
            print(f"  {label}: p99 plaza {p99['plaza']:6.1f} ms, raw {p99['raw']:6.1f} ms", flush=True)
            if r <= warmup:
                continue
            acks.append(ack)
            cpu["plaza"].append(plaza_cpu)
            cpu["raw"].append(raw_cpu)
            for side, reports in (("plaza", plaza), ("raw", raw)):
                delays[side].append(this[side])
                missed[side] += sum(rep["missed"] for rep in reports)
    finally:
        for trigger in triggers:
            await trigger.close()
        await raw_trigger.close()
    return result


def summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p1_ms": None, "p50_ms": None, "p99_ms": None, "max_ms": None, "mean_ms": None}
    return {
        "p1_ms": round(percentile(values, 1) * 1000, 1),
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "mean_ms": round(statistics.fmean(values) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="load processes")
    parser.add_argument("--concurrency", type=int, default=200, help="connections opening at once per load process")
    parser.add_argument("--warmup", type=int, default=1, help="rounds first that are not counted")
    parser.add_argument("--spacing", type=float, default=1.0, help="seconds between triggers")
    parser.add_argument(
        "--client",
        choices=("light", "websockets"),
        default="light",
        help="the phones' websocket client (see LightPhone)",
    )
    parser.add_argument("--raw-loop", choices=("uvloop", "asyncio"), default="uvloop", help="the raw server's loop")
    parser.add_argument(
        "--py-spy",
        metavar="FILE",
        help="profile Plaza during the rounds with py-spy (in the venv): FILE.txt collapsed stacks, else an SVG",
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()
    lift_fd_limit()

    tmp = tempfile.TemporaryDirectory(prefix="plaza-broadcast-")
    ctx = mp.get_context("spawn")
    server = ServerProcess(data=Path(tmp.name) / "data", port=free_port()).start()
    raw_port = free_port()
    ours, theirs = ctx.Pipe()
    raw = ctx.Process(target=raw_server, args=(raw_port, theirs, args.raw_loop == "uvloop"), daemon=True)
    raw.start()
    workers: Workers | None = None
    try:
        assert ours.recv() == "ready"
        assert server.proc is not None and raw.pid is not None
        raw_ws = f"ws://127.0.0.1:{raw_port}"
        meeting = create_meeting(server.http, server.organiser_key)
        workers = Workers(args.phones, args.workers, args.concurrency, use_uvloop=True, client=args.client)
        time.sleep(1.0)
        rss = {"plaza": [rss_kib(server.proc.pid)], "raw": [rss_kib(raw.pid)]}
        connected = {
            "plaza": connect_all(workers, "plaza", f"{server.ws}?format=msgpack", meeting["code"], args.phones)
        }
        time.sleep(1.0)
        rss["plaza"].append(rss_kib(server.proc.pid))
        connected["raw"] = connect_all(workers, "raw", f"{raw_ws}/phone", "", args.phones)
        time.sleep(1.0)
        rss["raw"].append(rss_kib(raw.pid))
        pids = {"plaza": server.proc.pid, "raw": raw.pid}
        spy = None
        if args.py_spy:
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "-o",
                    args.py_spy,
                    "-p",
                    str(pids["plaza"]),
                    "-r",
                    "200",
                    "--nonblocking",
                    "-f",
                    "raw" if args.py_spy.endswith(".txt") else "flamegraph",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
        try:
            result = asyncio.run(
                rounds(workers, server.ws, raw_ws, meeting["code"], pids, args.rounds, args.spacing, args.warmup)
            )
        finally:
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(60)
    finally:
        if workers is not None:
            workers.stop()
        ours.send("stop")
        raw.join(10)
        if raw.is_alive():
            raw.kill()
        server.stop()
        tmp.cleanup()

    figures: dict[str, Any] = {"phones": args.phones, "rounds": args.rounds, "workers": args.workers}
    for side in SIDES:
        every = [d for r in result.delays[side] for d in r]
        round_p99 = [percentile(r, 99) * 1000 for r in result.delays[side] if r]
        figures[side] = {
            "connected": connected[side],
            **summary(every),
            "median_round_p99_ms": round(statistics.median(round_p99), 1) if round_p99 else None,
            "round_p99_ms": [round(x) for x in round_p99],
            "cpu_ms_per_update": round(statistics.fmean(u + k for u, k in result.cpu[side]), 1)
            if result.cpu[side]
            else None,
            "cpu_sys_ms_per_update": round(statistics.fmean(k for _, k in result.cpu[side]), 1)
            if result.cpu[side]
            else None,
            "missed": result.missed[side],
            "frame_bytes": result.sizes.get(side),
            "kib_per_phone": round((rss[side][1] - rss[side][0]) / max(connected[side], 1), 1),
            "rss_mib": round(rss[side][1] / 1024, 1),
        }
    p, w = figures["plaza"], figures["raw"]
    for key, name in (("p50_ms", "ratio_p50"), ("p99_ms", "ratio_p99"), ("median_round_p99_ms", "ratio_round_p99")):
        figures[name] = round(p[key] / w[key], 2) if p[key] and w[key] else None
    p["trigger_ack_ms"] = [round(a * 1000, 1) for a in result.acks]

    print(
        f"\n{args.phones} phones per side, {args.rounds} rounds, {args.workers} load processes, "
        f"frames of {p['frame_bytes']} / {w['frame_bytes']} bytes"
    )
    print(
        f"{'':7}{'p50':>8}{'p99':>8}{'max':>8}{'round p99':>11}{'CPU/update':>12}{'missed':>8}"
        f"{'KiB/phone':>11}{'RSS MiB':>9}"
    )
    for side in SIDES:
        f = figures[side]
        print(
            f"{side:7}{f['p50_ms']:>8}{f['p99_ms']:>8}{f['max_ms']:>8}{f['median_round_p99_ms']:>11}"
            f"{f['cpu_ms_per_update']:>12}{f['missed']:>8}{f['kib_per_phone']:>11}{f['rss_mib']:>9}"
        )
    print("(ms; 'round p99' is the median of the rounds' p99s; CPU is the server's, user + system, per update)")
    print(f"of which system (the writes): plaza {p['cpu_sys_ms_per_update']}, raw {w['cpu_sys_ms_per_update']}")
    print(
        f"ratio plaza/raw: p50 {figures['ratio_p50']}x, p99 {figures['ratio_p99']}x, "
        f"median round p99 {figures['ratio_round_p99']}x"
    )
    print(f"first 1% reached after (ms): plaza {p['p1_ms']}, raw {w['p1_ms']}")
    print(f"p99 per round (ms) plaza {p['round_p99_ms']}")
    print(f"                   raw   {w['round_p99_ms']}")
    print(f"trigger join ack (ms) {p['trigger_ack_ms']}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
