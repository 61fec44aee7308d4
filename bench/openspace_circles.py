"""Open Space topic circles with N phones (default 3,000) moving between circles, on one Plaza process.

Set-up (timed only for the record): an Open Space with ``--circles`` (20) spaces and one slot, a topic
per space posted by a convener phone (in this process), the schedule made and the slot started; the
console asks ``circle_links`` and one device per space says hello with its link (in this process,
as is the big screen).  The phones join (``--workers`` load processes, ``bench.phones.connect_phones``)
and each checks in to a circle at random within ``--warmup`` (20) s.

Measured: for ``--seconds`` (60) s every phone moves on to another circle at random, one move per
phone per ``--every`` (20) s on average (moves at exponential intervals, so 3,000 phones make about
150 a second).  Each check-in is timed from just before its ``check_in`` is sent to

- the **big screen** receiving a ``screen`` view of a state that includes it (the view's ``seq`` is at
  least the check-in's, from its ack): the wall's headcounts (target p99 <= 500 ms);
- the **device of the circle it went to** receiving a ``room`` view of such a state: its headcount, and
  the newcomer at the top of who is here (target p99 <= 200 ms).

Every check-in changes both views (the device lists the newest arrivals first), so the first frame
with a ``seq`` at least the check-in's is the one that shows it.  Also printed: the acks, how many
frames each kind of client got during the moves (and per check-in), the server's CPU and that of the
load processes and of other programs (the machine is shared), the server's RSS per phone, its
"event loop was blocked" warnings, and at the end whether the screen's headcounts add up.

    .venv/bin/python -m bench.openspace_circles --phones 3000 --workers 2
    .venv/bin/python -m bench.openspace_circles --phones 300 --seconds 20 --warmup 5     # a quick check

``--profile FILE`` samples the server with py-spy during the moves (``.txt``: collapsed stacks).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import random
import time
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

from bench import phones as ph
from bench.phones import lift_fd_limit, rss_kib
from bench.rooms import Counted, Cpu, ask, cores, ms, profile, run_on_one_process, spread, verdict
from server.client import PlazaClient
from server.testing import ServerProcess

TARGET_WALL_P99 = 0.500  # seconds
TARGET_DEVICE_P99 = 0.200


class Watcher(Counted):
    """The big screen or a space's device: when each frame of its view came, with the state's seq."""

    def __init__(self, url: str, view: str) -> None:
        super().__init__(url)
        self.watched = view
        self.seen: list[tuple[int, float]] = []  # (seq, monotonic time received), in order

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "view" and message["view"] == self.watched:
            self.seen.append((int(message["seq"]), time.monotonic()))
        super()._dispatch(message)

    def first_at(self, seq: int) -> float | None:
        """When it first got a view of a state with ``seq`` or later (seqs only grow)."""
        i = bisect.bisect_left(self.seen, (seq, float("-inf")))
        return self.seen[i][1] if i < len(self.seen) else None


# -- worker process: a share of the phones ----------------------------------------------


def worker(pipe: Connection, ws_urls: list[str], code: str, count: int, concurrency: int) -> None:
    """The load process (started by ``bench.phones.start_workers`` with this as ``target``)."""
    lift_fd_limit()
    asyncio.run(_worker(pipe, ws_urls[0], code, count, concurrency))


async def _wander(
    phones: list[Counted], topics: list[str], begin: float, seconds: float, every: float | None, seed: int
) -> list[tuple[str, float, float | None, int | None, str | None]]:
    """Each phone checks in to circles at random from monotonic time ``begin`` for ``seconds``: once at a
    random moment (``every`` None: the warm-up), or at exponential intervals of mean ``every``, each time
    to a circle other than its own.  Returns (topic, sent, ack latency, ack seq, error) per check-in."""
    rng = random.Random(seed)
    results: list[tuple[str, float, float | None, int | None, str | None]] = []

    async def one(i: int, phone: Counted) -> None:
        if every is None:
            times = [begin + rng.random() * seconds]
        else:
            times, t = [], begin + rng.expovariate(1 / every)
            while t < begin + seconds:
                times.append(t)
                t += rng.expovariate(1 / every)
        for due in times:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            topic = rng.choice([t for t in topics if t != getattr(phone, "circle", None)])  # a real move
            sent = time.monotonic()
            try:
                ack = await phone.request("check_in", topic=topic, timeout=30)
                results.append((topic, sent, time.monotonic() - sent, int(ack["seq"]), None))
                phone.circle = topic  # type: ignore[attr-defined]
            except Exception as exc:
                results.append((topic, sent, None, None, f"{type(exc).__name__}: {exc}"[:80]))

    await asyncio.gather(*(one(i, p) for i, p in enumerate(phones)))
    return results


async def _worker(pipe: Connection, ws_url: str, code: str, count: int, concurrency: int) -> None:
    loop = asyncio.get_running_loop()
    phones: list[Counted] = await ph.connect_phones(pipe, lambda i: Counted(ws_url), code, count, concurrency)
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "close":
            break
        if command[0] == "wander":
            _, topics, begin, seconds, every, seed = command
            pipe.send(await _wander(phones, topics, begin, seconds, every, seed))
        elif command[0] == "reset":
            for p in phones:
                p.frames.clear()
            pipe.send("ok")
        elif command[0] == "frames":
            pipe.send(dict(sum((p.frames for p in phones), Counter())))
    await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
    pipe.send("closed")


def start_workers(ws_url: str, code: str, phones: int, workers: int, concurrency: int) -> Any:
    from bench import openspace_circles  # by its importable name (not __main__), for the spawned processes

    return ph.start_workers([ws_url], code, phones, workers, concurrency, target=openspace_circles.worker)


# -- the conductor -------------------------------------------------------------------------


async def set_up(server: ServerProcess, meeting: dict[str, Any], circles: int) -> dict[str, Any]:
    """The Open Space, its slot running, a device per space and the big screen: who is who."""
    key = meeting["facilitator_url"].split("#key=", 1)[1]
    console = Counted(server.ws)
    await console.connect()
    await console.hello("facilitator", meeting=meeting["id"], key=key)
    screen = Watcher(server.ws, "screen")
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key)
    await console.request("set_part", part="openspace")
    await console.request("set_theme", theme="What would make this neighbourhood work for everyone?")
    for i in range(1, circles + 1):
        await console.request("add_space", name=f"Space {i}", capacity=500)
    start = int(time.time()) + 3600
    await console.request("add_slot", start=start, end=start + 3600)
    conveners: list[PlazaClient] = []
    for i in range(1, circles + 1):
        phone = Counted(server.ws)
        await phone.connect()
        await phone.hello("phone", code=meeting["code"])
        await phone.request("join", name=f"Convener {i}")
        await phone.request("post_topic", title=f"Topic {i}: housing, food, care, repair")
        conveners.append(phone)
    await console.request("make_schedule", timeout=60)
    await console.request("start_slot", slot="t1")
    wall = (await console.wait_view("facilitator", lambda v: v["openspace"]["wall"]["running"] == "t1"))["openspace"]
    where = {c["space"]: c["topic"] for c in wall["wall"]["cells"]}  # space -> the circle meeting there
    links = (await console.request("circle_links"))["links"]
    devices: dict[str, Watcher] = {}
    for space, link in links.items():
        device = Watcher(server.ws, "room")
        await device.connect()
        await device.hello("room", meeting=meeting["id"], room=space, key=link.split("#key=", 1)[1])
        devices[where[space]] = device
    return {"console": console, "screen": screen, "devices": devices, "conveners": conveners}


def lateness(records: list[Any], watcher_of: Any) -> tuple[list[float], int]:
    """Per acknowledged check-in, how long until its watcher got a view of a state that includes it."""
    delays: list[float] = []
    unseen = 0
    for topic, sent, _, seq, error in records:
        if error or seq is None:
            continue
        at = watcher_of(topic).first_at(seq)
        if at is None:
            unseen += 1
        else:
            delays.append(at - sent)
    return delays, unseen


async def conduct(
    server: ServerProcess, meeting: dict[str, Any], pipes: list[Connection], load_pids: list[int], args: Any
) -> dict[str, Any]:
    pid = server.proc.pid if server.proc is not None else 0
    figures: dict[str, Any] = {}
    rss_before = rss_kib(pid)
    cpu = Cpu(pid, [os.getpid(), *load_pids])
    who = await set_up(server, meeting, args.circles)
    console, screen, devices = who["console"], who["screen"], who["devices"]
    topics = sorted(devices, key=lambda t: int(t[1:]))
    figures["circles"] = len(topics)

    joined = await ask(pipes, ["go"] * len(pipes))
    failures = sum(r["failures"] for r in joined)
    n = args.phones - failures
    figures.update(phones=n, join_failures=failures, join_reasons=[r["reasons"] for r in joined if r["reasons"]])
    figures["connect_per_s"] = round(n / (max(r["finished"] for r in joined) - min(r["started"] for r in joined)), 1)
    figures["cpu_joining"] = cpu.since()
    await asyncio.sleep(1.0)
    rss_joined = rss_kib(pid)

    # Warm-up: everyone checks in somewhere.
    begin = time.monotonic() + 1.0
    warm = [
        r
        for rows in await ask(pipes, [("wander", topics, begin, args.warmup, None, w) for w in range(len(pipes))])
        for r in rows
    ]
    figures["warmup"] = {
        "check_ins": sum(1 for r in warm if not r[4]),
        "errors": dict(Counter(r[4] for r in warm if r[4])),
    }
    figures["cpu_warmup"] = cpu.since()
    await asyncio.sleep(2.0)
    rss_in = rss_kib(pid)

    # The moves, measured.
    await ask(pipes, [("reset",)] * len(pipes))
    watchers: list[Counted] = [console, screen, *devices.values()]
    for c in watchers:
        c.frames.clear()
    begin = time.monotonic() + 1.0
    spy = profile(pid, args.profile, args.seconds + 1) if args.profile else None
    cpu.since()
    commands = [("wander", topics, begin, args.seconds, args.every, 1000 + w) for w in range(len(pipes))]
    moves = [r for rows in await ask(pipes, commands) for r in rows]
    figures["cpu_moves"] = cpu.since()
    if spy is not None:
        spy.wait()
    await asyncio.sleep(2.0)  # the last views arrive
    wall_delays, wall_unseen = lateness(moves, lambda topic: screen)
    device_delays, device_unseen = lateness(moves, lambda topic: devices[topic])
    acks = [r[2] for r in moves if r[2] is not None]
    # The slowest to reach their device, with their ack and the wall's time beside: where the tail comes from.
    worst = []
    for topic, sent, ack, seq, error in moves:
        if error or seq is None or (at := devices[topic].first_at(seq)) is None:
            continue
        wall_at = screen.first_at(seq)
        worst.append((ms(at - sent), ms(ack or 0), ms(wall_at - sent) if wall_at else None, topic, seq))
    worst.sort(reverse=True)
    errors = Counter(r[4] for r in moves if r[4])
    phone_frames = _sum(await ask(pipes, [("frames",)] * len(pipes)))
    figures["moves"] = {
        "check_ins": len(acks),
        "per_s": round(len(acks) / args.seconds, 1),
        "errors": dict(errors),
        "ack": spread(acks),
        "wall": {**spread(wall_delays), "not_seen": wall_unseen},
        "device": {**spread(device_delays), "not_seen": device_unseen},
        "slowest_to_device": worst[:8],  # (device ms, ack ms, wall ms, topic, seq)
    }
    device_frames = _sum(d.frames for d in devices.values())
    figures["frames"] = {
        "phones": {"connections": n, "frames": phone_frames, "total": sum(phone_frames.values())},
        "devices": {"connections": len(devices), "frames": device_frames, "total": sum(device_frames.values())},
        "big screen": {"connections": 1, "frames": dict(screen.frames), "total": sum(screen.frames.values())},
        "console": {"connections": 1, "frames": dict(console.frames), "total": sum(console.frames.values())},
    }
    figures["frames_per_check_in"] = round(sum(g["total"] for g in figures["frames"].values()) / max(1, len(acks)), 2)
    # The screen's headcounts add up to everyone checked in (nobody lost or counted twice).
    wall = screen.view("screen")["openspace"]["wall"]  # type: ignore[index]
    figures["headcounts_sum"] = sum(c["headcount"] or 0 for c in wall["cells"])
    rss_end = rss_kib(pid)
    figures["memory"] = {
        "kib_per_phone_joined": round((rss_joined - rss_before) / max(n, 1), 1),
        "kib_per_phone_checked_in": round((rss_in - rss_before) / max(n, 1), 1),
        "kib_per_phone_at_end": round((rss_end - rss_before) / max(n, 1), 1),
        "rss_mib": {
            k: round(v / 1024, 1) for k, v in (("before", rss_before), ("joined", rss_joined), ("end", rss_end))
        },
    }
    await asyncio.gather(*(c.close() for c in [*watchers, *who["conveners"]]), return_exceptions=True)
    return figures


def _sum(frames: Any) -> dict[str, int]:
    total: Counter[str] = Counter()
    for f in frames:
        total.update(f)
    return dict(total)


def report(f: dict[str, Any], args: Any) -> None:
    mv, mem = f["moves"], f["memory"]
    print(f"server code              {f['server_code']}  (HEAD + a digest of uncommitted changes to server/)")
    print(f"load average at start    {f['load_start']}  (at end {f['load_end']})")
    b = f["loop_blocked"]
    print(f"server loop blocked      {b['warnings']} warnings over the run, longest {b['longest_ms']} ms")
    print(
        f"phones                   {f['phones']} joined ({f['join_failures']} failed) at {f['connect_per_s']}/s, "
        f"{f['circles']} circles"
    )
    print(f"{'':25}{cores(f['cpu_joining'])}")
    print(
        f"warm-up                  {f['warmup']['check_ins']} check-ins in {args.warmup:g} s, "
        f"errors {f['warmup']['errors']}"
    )
    print(f"{'':25}{cores(f['cpu_warmup'])}")
    print(
        f"moves                    {mv['check_ins']} check-ins in {args.seconds:g} s ({mv['per_s']}/s; one per "
        f"phone per {args.every:g} s on average), errors {mv['errors']}; ack p50 {mv['ack']['p50_ms']} ms, "
        f"p99 {mv['ack']['p99_ms']} ms"
    )
    w, d = mv["wall"], mv["device"]
    print(
        f"check-in -> wall         p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms, max {w['max_ms']} ms "
        f"({w['not_seen']} never shown); target p99 <= 500 ms: "
        f"{verdict(w['p99_ms'] is not None and w['p99_ms'] <= TARGET_WALL_P99 * 1000)}"
    )
    print(
        f"check-in -> device       p50 {d['p50_ms']} ms, p99 {d['p99_ms']} ms, max {d['max_ms']} ms "
        f"({d['not_seen']} never shown); target p99 <= 200 ms: "
        f"{verdict(d['p99_ms'] is not None and d['p99_ms'] <= TARGET_DEVICE_P99 * 1000)}"
    )
    print(f"{'':25}slowest (device ms, ack ms, wall ms, circle, seq): {mv['slowest_to_device']}")
    print(f"{'':25}{cores(f['cpu_moves'])}")
    print(f"frames during the moves  {f['frames_per_check_in']} per check-in")
    for group, g in f["frames"].items():
        print(f"    {group:<12} {g['connections']:>5} connections: {g['total']:>7} frames {g['frames']}")
    print(f"headcounts on the wall   add up to {f['headcounts_sum']} (phones {f['phones']})")
    print(
        f"memory per phone         {mem['kib_per_phone_checked_in']} KiB checked in "
        f"(joined {mem['kib_per_phone_joined']} KiB, at the end {mem['kib_per_phone_at_end']} KiB); "
        f"RSS MiB {mem['rss_mib']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=200, help="connections opening at once per worker")
    parser.add_argument("--circles", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long phones move between circles")
    parser.add_argument("--every", type=float, default=20.0, help="each phone moves once per this many s on average")
    parser.add_argument("--warmup", type=float, default=20.0, help="everyone checks in somewhere within this many s")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    parser.add_argument("--profile", help="py-spy the server during the moves, into this file (.txt: collapsed)")
    args = parser.parse_args()
    run_on_one_process(conduct, start_workers, report, args)


if __name__ == "__main__":
    main()
