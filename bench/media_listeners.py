"""One language channel, N listeners, on one media process: does every listener keep up in real time?

Set-up: ``python -m server.media`` (host candidates 127.0.0.1 only) is started by this script.  An
interpreter peer in this process publishes ``m/c/ch1``: a live-paced microphone whose 1-second cycle
is a click (60 ms of 1 kHz), speech-like noise, then 200 ms of digital silence, Opus-encoded once
ahead at 32 kb/s as a browser would send it (server/media/testing.py, ``OpusSignalTrack``).  N
listeners are aiortc peers like a listening phone's (a mic m-line, inactive, then 3 recvonly slots;
``--slots 8`` for a phone with a microphone) with the
plan ``hear: [m/c/ch1, m/floor/]``, in ``--workers`` other processes with a link each.  Listeners do
not decode: each slot's receiver hands packets to a counter (the media process's own forward hook).

Measured over a ``--duration`` window after all are connected and ``--warmup`` seconds:
- packets a second at each listener (min and mean; 50 is real time);
- the media process's slot queues: the longest any got in the window (bounded at 10, the oldest
  dropped beyond) and packets dropped;
- event-loop stalls: the media process's loop lateness (50 ms ticks), max and count over 100 ms;
- the media process's CPU (getrusage, user+sys) per second, total and per listener, and marginal;
- its RSS after connect minus before the first listener, per listener (target <= 300 KB);
- mouth-to-ear at packet level: from the first sample of a click (the interpreter's capture
  clock) to the arrival at a listener's receiver of the first non-silent packet after silence
  (p50/p95/max over every click at every listener; target p95 <= 60 ms at 1 and 300).  It includes
  the 20 ms frame, both hops on loopback and the media process; not a browser's jitter buffer.

    .venv/bin/python -m bench.media_listeners --ns 1,300
    .venv/bin/python -m bench.media_listeners --ns 1,300,600 --duration 20 --workers 2

The machine is shared (2 cores): the load processes compete with the media process for CPU, so
the host's busy share and load average are printed with each run, and the media process and the
load processes run at ``--nice`` -10 (as root) ahead of other jobs.  While measuring, /tmp/QUIET
exists (it waits for anyone else's to go first, then up to PLAZA_BENCH_PATIENCE seconds for the
host to calm down).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from server.media.testing import (
    LinkClient,
    MediaProcess,
    OpusSignalTrack,
    PeerClient,
    join,
    loopback_only,
    start_media,
)

SECRET = os.environ.get("PLAZA_BENCH_SECRET", "bench-media")
CHANNEL = "m/c/ch1"
PLAN = {"send": None, "exclusive": False, "hear": [CHANNEL, "m/floor/"]}
QUIET = "/tmp/QUIET"


# -- shared with media_rooms.py


@contextlib.contextmanager
def quiet(who: str) -> Iterator[None]:
    """Hold /tmp/QUIET while measuring (waiting for someone else's to go first); SIGTERM still removes it."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    while True:
        try:
            fd = os.open(QUIET, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            print(f"{QUIET} exists: someone is measuring; waiting", file=sys.stderr, flush=True)
            time.sleep(30)
    os.write(fd, f"{who} pid {os.getpid()}\n".encode())
    os.close(fd)
    try:
        calm()
        yield
    finally:
        prioritise([os.getpid()], 0)
        with contextlib.suppress(FileNotFoundError):
            os.remove(QUIET)


def calm(busy_below: float = 30.0, patience: float = float(os.environ.get("PLAZA_BENCH_PATIENCE", "180"))) -> None:
    """Wait (up to ``patience`` s) until the host is less than ``busy_below`` % busy over 5 s: others' runs ending."""
    deadline = time.monotonic() + patience
    while True:
        before = cpu_times()
        time.sleep(5)
        busy = busy_share(before, cpu_times())
        if busy < busy_below:
            return
        if time.monotonic() > deadline:
            print(f"the host is still {busy} % busy: measuring anyway", file=sys.stderr, flush=True)
            return
        print(f"the host is {busy} % busy: waiting for it to calm down", file=sys.stderr, flush=True)


def prioritise(pids: list[int], nice: int) -> None:
    """Run the measured processes at ``nice`` (e.g. -10) over the other jobs on a shared machine, if allowed.

    With the kernel's autogroups each session shares the CPU equally whatever its processes' nice,
    so the session's group gets ``nice`` too (restored to 0 when /tmp/QUIET goes).
    """
    for pid in pids:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, nice)
        with contextlib.suppress(OSError), open(f"/proc/{pid}/autogroup", "w") as f:
            f.write(str(nice))


def lift_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole host, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [float(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[float, float], after: tuple[float, float]) -> float:
    d_busy, d_total = after[0] - before[0], after[1] - before[1]
    return round(100 * d_busy / d_total, 1) if d_total else 0.0


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(p / 100 * (len(v) - 1))))]


def summary_ms(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(pct(values, 50) * 1000, 1),  # type: ignore[operator]
        "p95": round(pct(values, 95) * 1000, 1),  # type: ignore[operator]
        "max": round(max(values) * 1000, 1),
    }


async def loop_watch(state: dict[str, float], period: float = 0.05) -> None:
    """The lateness of this process's own event loop (a load process that falls behind inflates latencies)."""
    loop = asyncio.get_running_loop()
    while True:
        t = loop.time()
        await asyncio.sleep(period)
        state["max"] = max(state.get("max", 0.0), loop.time() - t - period)


def window_stats(s2: dict[str, Any], s3: dict[str, Any], n: int) -> dict[str, Any]:
    """The media process between two stats answers: CPU, memory, queues, stalls."""
    wall = s3["time"] - s2["time"]
    cpu = (s3["cpu_s"] - s2["cpu_s"]) / wall
    return {
        "media_cpu_s_per_s": round(cpu, 4),
        "media_cpu_ms_per_s_per_listener": round(cpu * 1000 / n, 3) if n else None,
        "queue_high": s3["queue_high"],
        "dropped": s3["dropped"] - s2["dropped"],
        "stall_max_ms": s3["stall_max_ms"],
        "stalls_over_100ms": s3["stalls"] - s2["stalls"],
        "threads": s3["threads"],
        "connected": s3["connected"],
        "active_sources": s3["active"],
        "packets_in_total": s3["packets_in"],
        "window_s": round(wall, 2),
    }


# -- the listeners' processes


async def worker(url: str, n: int, first: int, concurrency: int, slots: int) -> None:
    """N listeners on their own link; speaks JSON lines: 'ready', then a window, then the figures."""
    lift_fd_limit()
    with loopback_only():
        link = await LinkClient.connect(url, SECRET, process=f"bench-listeners-{first}")
        peers = [PeerClient(slots=slots) for _ in range(n)]
        sem = asyncio.Semaphore(concurrency)
        lag: dict[str, float] = {}
        watch = asyncio.ensure_future(loop_watch(lag))

        failed: list[str] = []

        async def one(i: int, peer: PeerClient) -> None:
            async with sem:
                try:
                    reply = await link.offer(f"l{first + i}", await peer.offer(), PLAN, timeout=60)
                    assert reply["t"] == "answer", reply
                    await peer.accept(reply["sdp"])
                    await asyncio.wait_for(peer.connected.wait(), 60)
                except Exception as exc:  # counted and reported: a listener that never joined
                    failed.append(f"l{first + i}: {exc!r}"[:200])

        t = time.monotonic()
        await asyncio.gather(*(one(i, p) for i, p in enumerate(peers)))
        print(json.dumps({"ready": n, "connect_s": round(time.monotonic() - t, 2), "failed": failed}), flush=True)
        loop = asyncio.get_running_loop()
        line = await loop.run_in_executor(None, sys.stdin.readline)
        start, end = json.loads(line)["window"]
        await asyncio.sleep(max(0.0, start - time.time()))
        lag.clear()  # the lag during the window is what counts
        for p in peers:
            p.window(start, end)
            for s in p.stats:
                s.onsets.clear()
        await asyncio.sleep(max(0.0, end - time.time()))
        lag_max = lag.get("max", 0.0)
        await asyncio.sleep(0.5)  # packets that left before the end
        expected = [CHANNEL] + [None] * (slots - 1)
        rates = [p.stats[0].in_window / (end - start) for p in peers if p.connected.is_set()]
        onsets = [t for p in peers for t in p.stats[0].onsets if start <= t < end]
        wrong_slot = sum(sum(p.counts()[1:]) for p in peers)
        print(
            json.dumps(
                {
                    "rates": rates,
                    "onsets": onsets,
                    "wrong_slot_packets": wrong_slot,
                    "slots_ok": sum(1 for i in range(n) if link.slots(f"l{first + i}") == expected),
                    "loop_lag_max_ms": round(lag_max * 1000, 1),
                    "cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
                }
            ),
            flush=True,
        )
        watch.cancel()
        await asyncio.gather(*(p.close() for p in peers), return_exceptions=True)
        await link.close()


# -- the run


async def run(n: int, args: argparse.Namespace) -> dict[str, Any]:
    media: MediaProcess = start_media(secret=SECRET, env={"PLAZA_MEDIA_MAX_PEERS": str(n + 10)})
    prioritise([os.getpid(), media.proc.pid], args.nice)
    workers: list[subprocess.Popen[str]] = []
    try:
        with loopback_only():
            link = await LinkClient.connect(media.url, SECRET, process="bench-interpreter")
            s0 = await link.stats()
            k = max(1, min(args.workers, n // 50 or 1))
            sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
            firsts = [sum(sizes[:i]) for i in range(k)]
            t_connect = time.monotonic()
            for size, first in zip(sizes, firsts, strict=True):
                cmd = [sys.executable, "-m", "bench.media_listeners", "--worker", media.url]
                cmd += [
                    "--n",
                    str(size),
                    "--first",
                    str(first),
                    "--concurrency",
                    str(args.concurrency),
                    "--slots",
                    str(args.slots),
                ]
                workers.append(subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
                prioritise([workers[-1].pid], args.nice)
            loop = asyncio.get_running_loop()
            readies = [json.loads(await loop.run_in_executor(None, w.stdout.readline)) for w in workers]  # type: ignore[union-attr]
            connect_s = time.monotonic() - t_connect
            s1 = await link.stats()
            # The interpreter goes on air once everyone is in: the steady state is what is measured (a
            # burst of joins starves a 2-core machine's media process; see docs/performance.md).
            mic = OpusSignalTrack(seed=1)
            interpreter = PeerClient(mic=mic)
            assert (await join(link, "interpreter", interpreter, {"send": CHANNEL, "hear": []}))["t"] == "answer"
            await asyncio.wait_for(interpreter.connected.wait(), 20)
            await asyncio.sleep(args.warmup)
            s2 = await link.stats()
            host0 = cpu_times()
            start = time.time() + 0.2
            end = start + args.duration
            for w in workers:
                w.stdin.write(json.dumps({"window": [start, end]}) + "\n")  # type: ignore[union-attr]
                w.stdin.flush()  # type: ignore[union-attr]
            await asyncio.sleep(end - time.time())
            s3 = await link.stats()
            host1 = cpu_times()
            results = [json.loads(await loop.run_in_executor(None, w.stdout.readline)) for w in workers]  # type: ignore[union-attr]
            rates = [r for res in results for r in res["rates"]]
            latencies = [t - mic.mouth(t) for res in results for t in res["onsets"]]
            out = {
                "n": n,
                "workers": k,
                "connect_s": round(connect_s, 1),
                "connect_media_cpu_s": round(s1["cpu_s"] - s0["cpu_s"], 2),
                "connect_stall_max_ms": s1["stall_max_ms"],
                "pkts_per_s_min": round(min(rates), 2),
                "pkts_per_s_mean": round(sum(rates) / len(rates), 2),
                "slots_ok": sum(r["slots_ok"] for r in results),
                "wrong_slot_packets": sum(r["wrong_slot_packets"] for r in results),
                **window_stats(s2, s3, n),
                "rss_base_mib": round(s0["rss"] / 2**20, 1),
                "rss_per_listener_kib": round((s2["rss"] - s0["rss"]) / n / 1024, 1),
                "mouth_to_ear_ms": summary_ms(latencies),
                "load_loop_lag_max_ms": max(r["loop_lag_max_ms"] for r in results),
                "load_cpu_s": round(sum(r["cpu_s"] for r in results), 1),
                "host_busy_pct": busy_share(host0, host1),
                "loadavg_1m": round(os.getloadavg()[0], 2),
                "connect_per_worker_s": [r["connect_s"] for r in readies],
                "failed_to_connect": sum(len(r["failed"]) for r in readies),
                "interpreter": {
                    "state": interpreter.pc.connectionState,
                    "sent": mic.k,
                    "media_said": [m for m in link.messages if m["t"] == "state"],
                },
            }
            await link.close()
            await interpreter.close()
            return out
    finally:
        for w in workers:
            with contextlib.suppress(Exception):
                w.wait(timeout=20)
            if w.poll() is None:
                w.kill()
        await media.astop()


def marginal(results: list[dict[str, Any]]) -> float | None:
    """CPU per added listener (ms/s) between the smallest and the largest run."""
    if len(results) < 2:
        return None
    a, b = results[0], results[-1]
    return round((b["media_cpu_s_per_s"] - a["media_cpu_s_per_s"]) * 1000 / (b["n"] - a["n"]), 3)


async def main(args: argparse.Namespace) -> None:
    lift_fd_limit()
    results = []
    with quiet("bench/media_listeners.py"):
        for n in [int(x) for x in args.ns.split(",")]:
            res = await run(n, args)
            results.append(res)
            print(json.dumps(res), flush=True)
    m = marginal(results)
    if m is not None:
        print(json.dumps({"marginal_media_cpu_ms_per_s_per_listener": m}), flush=True)
    print()
    print(
        "| listeners | pkts/s min (mean) | queue high / dropped | loop stall max (>100 ms) | media CPU s/s | "
        "per listener ms/s | RSS per listener | mouth-to-ear p50 / p95 / max |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        lat = r["mouth_to_ear_ms"]
        print(
            f"| {r['n']} | {r['pkts_per_s_min']} ({r['pkts_per_s_mean']}) | {r['queue_high']} / {r['dropped']} | "
            f"{r['stall_max_ms']} ms ({r['stalls_over_100ms']}) | {r['media_cpu_s_per_s']} | "
            f"{r['media_cpu_ms_per_s_per_listener']} | {r['rss_per_listener_kib']} KiB | "
            f"{lat.get('p50')} / {lat.get('p95')} / {lat.get('max')} ms |"
        )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ns", default="1,300", help="listener counts, comma-separated")
    ap.add_argument("--duration", type=float, default=20.0, help="seconds measured")
    ap.add_argument("--warmup", type=float, default=4.0, help="seconds after connecting, before measuring")
    ap.add_argument("--workers", type=int, default=2, help="listener processes (at most one per 50 listeners)")
    ap.add_argument("--concurrency", type=int, default=5, help="offers in flight per worker")
    ap.add_argument("--nice", type=int, default=-10, help="niceness of the media and load processes (shared machine)")
    ap.add_argument(
        "--slots",
        type=int,
        default=3,
        help="slots each listener offers (3: a phone listening in the plenary; 8: with a mic)",
    )
    ap.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        asyncio.run(worker(a.worker, a.n, a.first, a.concurrency, a.slots))
    else:
        asyncio.run(main(a))
