"""Breakout rooms with N phones (default 5,000) in rooms of 20 on one Plaza process.

1. **Assignment.** The console sends ``start_breakouts`` (``per_room`` 20, random, 30
   minutes).  Each phone is timed from just before that command is sent until it has both a
   ``me`` view whose ``rooms`` is set and its ``room`` view (p50/p99/max over phones;
   target p99 <= 2 s).
2. **Hand -> room device.** One device per room says hello with its key (from the
   console's ``room_links``).  Every room then raises one hand per ``--every`` (10) s,
   rooms out of phase, so 25 hands a second over 250 rooms, for ``--seconds`` (60); each
   hand is a different phone, lowered ``--hold`` (5) s later.  A hand is timed from just
   before its ``raise_hand`` is sent to the room's device receiving a ``room`` view whose
   stack shows that person (target p99 <= 100 ms).
3. **Frames per raised hand.** In a quiet meeting, ``--hands`` (5) phones of one room
   raise their hands ``--hand-gap`` (1) s apart.  Every phone, every device, a big screen
   and a console count the frames they receive in that window, and in an equally long
   window with no hand first (the baseline).  Printed by who got them; only that room's
   phones, its device and the console should.
4. **Memory per phone**: the server's RSS (``/proc/<pid>/status`` VmRSS) minus its RSS
   before the first phone, divided by the phones (target <= 50 KB).

Also printed: at the end, how many phones hold a room view other than their device's (0);
the server's "event loop was blocked" warnings; and per phase the CPU the server, the load
processes and everything else on the machine used (``/proc``), since the machine is shared.
``--profile FILE`` samples the server with py-spy while hands go up (``.txt``: collapsed stacks).

    .venv/bin/python -m bench.rooms --phones 5000 --workers 2
    .venv/bin/python -m bench.rooms --phones 200 --seconds 20      # a quick check

The phones run in ``--workers`` load processes (``bench.phones.start_workers``); the
console, screen and room devices run in this process.  On a 2-core machine they all
compete with the server for CPU: figures are an upper bound on the server's own delays.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgpack

from bench import phones as ph
from bench.phones import create_meeting, lift_fd_limit, percentile, rss_kib, stop_workers
from server.client import PlazaClient
from server.testing import ServerProcess, free_port

TARGET_ASSIGN_P99 = 2.0  # seconds
TARGET_HAND_P99 = 0.100
TARGET_BYTES_PER_PHONE = 50_000


class Counted(PlazaClient):
    """A msgpack client that counts the frames it receives, by view name (or message type)."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "msgpack", open_timeout=60)
        self.keep_log = False
        self.frames: Counter[str] = Counter()

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        self.frames[message.get("view", "?") if kind == "view" else str(kind)] += 1
        super()._dispatch(message)


class Phone(Counted):
    """Notes when it first learnt its room (``me``) and first got the room's own view."""

    def __init__(self, url: str, name: str) -> None:
        super().__init__(url)
        self.name = name
        self.room: str | None = None  # from me.rooms
        self.placed_at: float | None = None
        self.room_at: float | None = None
        self.room_view_of: str | None = None  # which room its first room view was of

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "view":
            view = message["view"]
            if view == "me" and self.placed_at is None and (rooms := message["data"].get("rooms")):
                self.placed_at = time.monotonic()
                self.room = rooms["room"]
            elif view == "room" and self.room_at is None:
                self.room_at = time.monotonic()
                self.room_view_of = message["data"].get("room")
        super()._dispatch(message)


class Device(Counted):
    """A room's device: when each person's hand first showed on the room's stack."""

    def __init__(self, url: str, room: str) -> None:
        super().__init__(url)
        self.room = room
        self.shown: dict[str, float] = {}  # name -> first time on the stack (next or speaking)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "view" and message["view"] == "room":
            now = time.monotonic()
            stack = message["data"]["stack"]
            for entry in (*stack["next"], *([stack["speaker"]] if stack["speaker"] else [])):
                self.shown.setdefault(entry["name"], now)
        super()._dispatch(message)


# -- worker process: a share of the phones ----------------------------------------------


def worker(pipe: Connection, ws_urls: list[str], code: str, count: int, concurrency: int) -> None:
    """The load process (started by ``bench.phones.start_workers``, see :func:`start_workers`)."""
    lift_fd_limit()
    asyncio.run(_worker(pipe, ws_urls[0], code, count, concurrency))


async def _raise(phones: list[Phone], schedule: list[tuple[float, int]], hold: float | None) -> list[Any]:
    """Phone ``i`` raises its hand at monotonic time ``due`` (and lowers it ``hold`` s later)."""
    results: list[Any] = []

    async def one(due: float, i: int) -> None:
        phone = phones[i]
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        sent = time.monotonic()
        try:
            await phone.request("raise_hand", timeout=15)
            results.append((phone.name, phone.room, sent, time.monotonic() - sent, None))
        except Exception as exc:
            results.append((phone.name, phone.room, sent, None, f"{type(exc).__name__}: {exc}"[:80]))
            return
        if hold is not None:
            await asyncio.sleep(hold)
            try:
                await phone.request("lower_hand", timeout=15)
            except Exception as exc:
                results.append((phone.name, phone.room, None, None, f"lower: {type(exc).__name__}: {exc}"[:80]))

    await asyncio.gather(*(one(due, i) for due, i in schedule))
    return results


def _counts(phones: list[Phone], room: str) -> dict[str, Any]:
    inside = [p for p in phones if p.room == room]
    outside = [p for p in phones if p.room != room]
    return {
        "room_phones": len(inside),
        "room_frames": dict(sum((p.frames for p in inside), Counter())),
        "other_phones": len(outside),
        "other_frames": dict(sum((p.frames for p in outside), Counter())),
        "other_phones_with_room_frame": sum(1 for p in outside if p.frames["room"]),
    }


async def _worker(pipe: Connection, ws_url: str, code: str, count: int, concurrency: int) -> None:
    loop = asyncio.get_running_loop()
    phones: list[Phone] = await ph.connect_phones(
        pipe, lambda i: Phone(ws_url, f"Phone {os.getpid()}-{i}"), code, count, concurrency
    )
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "close":
            break
        if command[0] == "placed":  # wait (bounded) until every phone knows its room and has its view
            deadline = time.monotonic() + command[1]
            while time.monotonic() < deadline and not all(p.placed_at and p.room_at for p in phones):
                await asyncio.sleep(0.05)
            pipe.send([(i, p.name, p.room, p.placed_at, p.room_at, p.room_view_of) for i, p in enumerate(phones)])
        elif command[0] == "raise":
            pipe.send(await _raise(phones, command[1], command[2]))
        elif command[0] == "reset":
            for p in phones:
                p.frames.clear()
            pipe.send("ok")
        elif command[0] == "counts":
            pipe.send(_counts(phones, command[1]))
        elif command[0] == "views":
            pipe.send([(p.room, digest(p.view("room"))) for p in phones])
    await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
    pipe.send("closed")


def digest(data: Any) -> str:
    return hashlib.sha1(msgpack.packb(data)).hexdigest() if data is not None else ""


def start_workers(ws_url: str, code: str, phones: int, workers: int, concurrency: int) -> Any:
    """``bench.phones.start_workers``, with this module's :func:`worker` as the load process."""
    from bench import rooms  # by its importable name (not __main__), for the spawned processes

    return ph.start_workers([ws_url], code, phones, workers, concurrency, target=rooms.worker)


# -- the conductor -------------------------------------------------------------------------


def profile(pid: int, path: str, seconds: float) -> subprocess.Popen[bytes]:
    """Sample the server with py-spy (``pip install py-spy`` into the venv) while hands go up."""
    spy = Path(sys.executable).with_name("py-spy")
    command = [
        str(spy),
        "record",
        "--nonblocking",
        "-p",
        str(pid),
        "-d",
        str(int(seconds) + 1),
        "-r",
        "100",
        "-o",
        path,
    ]
    if path.endswith(".txt"):
        command += ["--format", "raw"]  # collapsed stacks, one line each: for grep and sort
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def ask(pipes: list[Connection], commands: list[Any]) -> list[Any]:
    """Send each load process its command and wait for every answer."""
    loop = asyncio.get_running_loop()
    for pipe, command in zip(pipes, commands, strict=True):
        pipe.send(command)
    return list(await asyncio.gather(*(loop.run_in_executor(None, pipe.recv) for pipe in pipes)))


class Cpu:
    """CPU time used between two moments: by the server, by our load processes, by everything else.

    The machine is shared; a figure read next to who had the cores is worth more than one alone.
    """

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, server: int, load: list[int]) -> None:
        self.server, self.load = server, load
        self.mark = self.read()

    def read(self) -> tuple[float, float, float, float]:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        ticks = [int(x) for x in fields]
        busy = sum(ticks) - ticks[3] - ticks[4]  # not idle, not iowait
        return time.monotonic(), busy / self.TICK, self._of(self.server), sum(self._of(p) for p in self.load)

    def _of(self, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.TICK  # utime + stime

    def since(self) -> dict[str, float]:
        """Cores used on average since the last call (and the server's CPU seconds); starts a new span."""
        now = self.read()
        (t0, busy0, server0, load0), (t1, busy1, server1, load1) = self.mark, now
        self.mark = now
        wall = max(t1 - t0, 1e-9)
        return {
            "seconds": round(wall, 2),
            "server_cpu_s": round(server1 - server0, 2),
            "server_cores": round((server1 - server0) / wall, 2),
            "load_cores": round((load1 - load0) / wall, 2),  # the phone processes and this one
            "other_cores": round(max(0.0, (busy1 - busy0) - (server1 - server0) - (load1 - load0)) / wall, 2),
            "machine_cores": os.cpu_count() or 0,
        }


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    return {"p50_ms": ms(percentile(values, 50)), "p99_ms": ms(percentile(values, 99)), "max_ms": ms(max(values))}


async def conduct(
    server: ServerProcess, meeting: dict[str, Any], pipes: list[Connection], load: list[int], args: Any
) -> dict[str, Any]:
    ws_url = server.ws
    pid = server.proc.pid if server.proc is not None else 0
    key = meeting["facilitator_url"].split("#key=", 1)[1]
    console = Counted(ws_url)
    await console.connect()
    await console.hello("facilitator", meeting=meeting["id"], key=key)
    screen = Counted(ws_url)
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key)
    await asyncio.sleep(0.5)
    figures: dict[str, Any] = {"rss_before_mib": round(rss_kib(pid) / 1024, 1)}
    rss_before = rss_kib(pid)

    # 0. Connect and join every phone.
    cpu = Cpu(pid, [os.getpid(), *load])
    joined = await ask(pipes, ["go"] * len(pipes))
    failures = sum(r["failures"] for r in joined)
    n = args.phones - failures
    figures.update(phones=n, join_failures=failures, join_reasons=[r["reasons"] for r in joined if r["reasons"]])
    figures["connect_per_s"] = round(n / (max(r["finished"] for r in joined) - min(r["started"] for r in joined)), 1)
    await asyncio.sleep(1.0)
    rss_joined = rss_kib(pid)

    figures["cpu_joining"] = cpu.since()

    # 1. Assignment.
    t0 = time.monotonic()
    await console.request("start_breakouts", per_room=args.per_room, mode="random", minutes=30, timeout=30)
    figures["start_ack_ms"] = ms(time.monotonic() - t0)
    by_worker = await ask(pipes, [("placed", 60.0)] * len(pipes))
    placed = [row for rows in by_worker for row in rows]
    delays = [max(p_at, r_at) - t0 for (_, _, _, p_at, r_at, _) in placed if p_at and r_at]
    members: dict[str, list[tuple[int, int, str]]] = defaultdict(list)  # room -> (worker, phone index, name)
    for w, rows in enumerate(by_worker):
        for i, name, room, *_ in rows:
            if room:
                members[room].append((w, i, name))
    figures["cpu_assigning"] = cpu.since()
    figures["assign"] = {
        **spread(delays),
        "phones": len(delays),
        "missed": n - len(delays),
        "wrong_room_view": sum(1 for (_, _, room, _, _, of) in placed if of is not None and of != room),
        "rooms": len(members),
        "room_sizes": sorted(Counter(len(v) for v in members.values()).items()),
    }
    await asyncio.sleep(1.0)
    rss_placed = rss_kib(pid)

    # 2. Room devices, then hands raised in every room.
    links = (await console.request("room_links"))["links"]
    devices = {room: Device(ws_url, room) for room in links}
    gate = asyncio.Semaphore(50)

    async def attach(device: Device) -> None:
        async with gate:
            await device.connect()
            link = links[device.room]
            await device.hello("room", meeting=meeting["id"], room=device.room, key=link.split("#key=", 1)[1])

    await asyncio.gather(*(attach(d) for d in devices.values()))
    await asyncio.sleep(1.0)
    rooms = sorted(members, key=lambda r: int(r.rsplit("-", 1)[1]))
    per_room = max(1, int(args.seconds // args.every))
    start = time.monotonic() + 1.0
    schedules: list[list[tuple[float, int]]] = [[] for _ in pipes]
    for j, room in enumerate(rooms):
        phase = j * args.every / len(rooms)
        for k, (w, i, _) in enumerate(members[room][:per_room]):
            schedules[w].append((start + phase + k * args.every, i))
    spy = profile(pid, args.profile, args.seconds + args.hold) if args.profile else None
    cpu.since()
    raised = [r for rows in await ask(pipes, [("raise", s, args.hold) for s in schedules]) for r in rows]
    if spy is not None:
        spy.wait()
    hand_delays: list[float] = []
    acks: list[float] = []
    errors: Counter[str] = Counter()
    unseen = 0
    after_ack: list[float] = []  # from the raiser's ack to the device: roughly the lane's own delay
    for name, room, sent, ack, error in raised:
        if error:
            errors[error] += 1
            continue
        acks.append(ack)
        shown = devices[room].shown.get(name)
        if shown is None:
            unseen += 1
        else:
            hand_delays.append(shown - sent)
            after_ack.append(shown - sent - ack)
    figures["cpu_hands"] = cpu.since()
    figures["hands"] = {
        **spread(hand_delays),
        "raised": len(acks),
        "per_s": round(len(acks) / args.seconds, 1),
        "not_seen_by_device": unseen,
        "errors": dict(errors),
        "ack": spread(acks),
        "ack_to_device": spread(after_ack),
    }

    # 3. Frames per raised hand, against a baseline window with no hand.
    settle = max(3.0, 0.05 + 400e-6 * (n + len(devices) + 2) + 1.0)  # the live lane's spacing, and more
    target = rooms[0]
    fresh = members[target][per_room : per_room + args.hands]
    window = 0.5 + args.hand_gap * max(0, len(fresh) - 1) + settle
    everyone: list[Counted] = [console, screen, *devices.values()]

    async def count_window(hands: list[tuple[int, int, str]]) -> dict[str, Any]:
        await asyncio.sleep(settle)
        await ask(pipes, [("reset",)] * len(pipes))
        for c in everyone:
            c.frames.clear()
        began = time.monotonic()
        plan: list[list[tuple[float, int]]] = [[] for _ in pipes]
        for k, (w, i, _) in enumerate(hands):
            plan[w].append((began + 0.5 + k * args.hand_gap, i))
        if hands:
            await ask(pipes, [("raise", s, None) for s in plan])
        await asyncio.sleep(max(0.0, began + window - time.monotonic()))
        counts = await ask(pipes, [("counts", target)] * len(pipes))
        other_devices = sum((d.frames for r, d in devices.items() if r != target), Counter())
        groups = {
            f"phones in {target}": (sum(c["room_phones"] for c in counts), _sum(c["room_frames"] for c in counts)),
            "phones in other rooms": (sum(c["other_phones"] for c in counts), _sum(c["other_frames"] for c in counts)),
            f"device of {target}": (1, dict(devices[target].frames)),
            "other devices": (len(devices) - 1, dict(other_devices)),
            "big screen": (1, dict(screen.frames)),
            "console": (1, dict(console.frames)),
        }
        return {
            "groups": groups,
            "other_phones_with_room_frame": sum(c["other_phones_with_room_frame"] for c in counts),
        }

    baseline = await count_window([])
    with_hands = await count_window(fresh)
    figures["frames"] = {
        "room": target,
        "hands": len(fresh),
        "window_s": round(window, 2),
        "baseline": baseline,
        "with_hands": with_hands,
        "total_baseline": sum(sum(f.values()) for _, f in baseline["groups"].values()),
        "total_with_hands": sum(sum(f.values()) for _, f in with_hands["groups"].values()),
    }
    figures["frames"]["per_hand"] = round(
        (figures["frames"]["total_with_hands"] - figures["frames"]["total_baseline"]) / max(1, len(fresh)), 1
    )
    # 4. Everyone ends up with the same room view as their room's device.
    await asyncio.sleep(settle)
    rows = [row for rows in await ask(pipes, [("views",)] * len(pipes)) for row in rows]
    shown = {room: digest(d.view("room")) for room, d in devices.items()}
    figures["converged"] = {
        "phones": len(rows),
        "room_view_differs_from_device": sum(1 for room, d in rows if room and d != shown.get(room)),
    }
    rss_end = rss_kib(pid)
    figures["memory"] = {
        "kib_per_phone_joined": round((rss_joined - rss_before) / max(n, 1), 1),
        "kib_per_phone_in_rooms": round((rss_placed - rss_before) / max(n, 1), 1),
        "kib_per_phone_at_end": round((rss_end - rss_before) / max(n, 1), 1),
        "rss_mib": {
            "before": round(rss_before / 1024, 1),
            "joined": round(rss_joined / 1024, 1),
            "in_rooms": round(rss_placed / 1024, 1),
            "end": round(rss_end / 1024, 1),
        },
    }
    await asyncio.gather(*(c.close() for c in everyone), return_exceptions=True)
    return figures


def _sum(frames: Any) -> dict[str, int]:
    total: Counter[str] = Counter()
    for f in frames:
        total.update(f)
    return dict(total)


def cores(c: dict[str, float]) -> str:
    return (
        f"CPU over {c['seconds']} s, in cores of {c['machine_cores']}: server {c['server_cores']} "
        f"({c['server_cpu_s']} CPU-s), load generator {c['load_cores']}, other programs {c['other_cores']}"
    )


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(f: dict[str, Any], args: Any) -> None:
    a, h, fr, mem = f["assign"], f["hands"], f["frames"], f["memory"]
    print(f"server code              {f['server_code']}  (HEAD + a digest of uncommitted changes to server/)")
    print(f"load average at start    {f['load_start']}  (at end {f['load_end']})")
    b = f["loop_blocked"]
    print(f"server loop blocked      {b['warnings']} warnings over the run, longest {b['longest_ms']} ms")
    print(f"phones                   {f['phones']} joined ({f['join_failures']} failed) at {f['connect_per_s']}/s")
    print(f"{'':25}{cores(f['cpu_joining'])}")
    print(
        f"assignment               p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms, max {a['max_ms']} ms over "
        f"{a['phones']} phones ({a['missed']} not placed in 60 s, {a['wrong_room_view']} with another room's view); "
        f"target p99 <= 2 s: {verdict(a['p99_ms'] is not None and a['p99_ms'] <= TARGET_ASSIGN_P99 * 1000)}"
    )
    print(f"{'':25}{a['rooms']} rooms, sizes {a['room_sizes']}; start_breakouts ack {f['start_ack_ms']} ms")
    print(f"{'':25}{cores(f['cpu_assigning'])}")
    print(
        f"hand -> room device      p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms, max {h['max_ms']} ms over "
        f"{h['raised']} hands ({h['per_s']}/s for {args.seconds:g} s; {h['not_seen_by_device']} never shown, "
        f"errors {h['errors']}); target p99 <= 100 ms: "
        f"{verdict(h['p99_ms'] is not None and h['p99_ms'] <= TARGET_HAND_P99 * 1000)}"
    )
    print(
        f"                         raise_hand ack p50 {h['ack']['p50_ms']} ms, p99 {h['ack']['p99_ms']} ms; "
        f"ack -> device p50 {h['ack_to_device']['p50_ms']} ms, p99 {h['ack_to_device']['p99_ms']} ms "
        "(the ack can arrive after the view: then negative)"
    )
    print(f"{'':25}{cores(f['cpu_hands'])}")
    print(
        f"frames per raised hand   {fr['per_hand']}  ({fr['hands']} hands in {fr['room']}, {args.hand_gap:g} s apart; "
        f"{fr['total_with_hands']} frames in {fr['window_s']} s, {fr['total_baseline']} in as long with no hand)"
    )
    for group, (conns, frames) in fr["with_hands"]["groups"].items():
        base = fr["baseline"]["groups"][group][1]
        print(
            f"    {group:<24} {conns:>5} connections: {sum(frames.values()):>6} frames {frames or ''}"
            f"{f'  (baseline {base})' if base else ''}"
        )
    expected = (f"phones in {fr['room']}", f"device of {fr['room']}", "console")
    extra = {
        group: sum(frames.values()) - sum(fr["baseline"]["groups"][group][1].values())
        for group, (_, frames) in fr["with_hands"]["groups"].items()
        if group not in expected
    }
    extra = {group: count for group, count in extra.items() if count > 0}
    print(f"    beyond that room's phones, its device and the console: {extra or 'none'}")
    leaked = fr["with_hands"]["other_phones_with_room_frame"]
    print(f"    phones in other rooms that got a room frame: {leaked}  ({'OK' if leaked == 0 else 'UNEXPECTED'})")
    c = f["converged"]
    print(
        f"views converged          {c['room_view_differs_from_device']} of {c['phones']} phones hold a room view "
        "other than their room's device at the end"
    )
    print(
        f"memory per phone         {mem['kib_per_phone_in_rooms']} KiB in rooms "
        f"({mem['kib_per_phone_in_rooms'] * 1.024:.1f} KB; joined {mem['kib_per_phone_joined']} KiB, "
        f"at the end {mem['kib_per_phone_at_end']} KiB); RSS MiB {mem['rss_mib']}; target <= 50 KB: "
        f"{verdict(mem['kib_per_phone_in_rooms'] * 1024 <= TARGET_BYTES_PER_PHONE)}"
    )


def blocked(server: ServerProcess) -> dict[str, Any]:
    """The server's own "event loop was blocked" warnings over the whole run: how many, the longest."""
    lags: list[float] = []
    text = server.log_path.read_text(errors="replace") if server.log_path and server.log_path.exists() else ""
    for line in text.splitlines():
        if "event loop was blocked" in line:
            found = re.search(r'"seconds": ([0-9.]+)', line) or re.search(r"seconds=([0-9.]+)", line)
            if found:
                lags.append(float(found.group(1)))
    return {"warnings": len(lags), "longest_ms": ms(max(lags)) if lags else None}


def server_code() -> str:
    """Which server was measured: the commit, and a digest of uncommitted changes under server/."""
    root = Path(__file__).resolve().parent.parent
    git = ["git", "-C", str(root)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    diff = subprocess.run([*git, "diff", "HEAD", "--", "server"], capture_output=True).stdout
    return f"{head}+{hashlib.sha1(diff).hexdigest()[:8]}" if diff else head


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_on_one_process(conduct: Any, start_workers: Any, report: Any, args: Any) -> None:
    """A benchmark's whole run: one Plaza process on a temporary embedded store, a meeting,
    ``args.workers`` load processes with ``args.phones`` phones, ``conduct(server, meeting, pipes,
    load_pids, args)`` for the figures, then the server's loop warnings, the load average and the
    code measured; ``report(figures, args)`` prints them (and ``--json`` one JSON line)."""
    lift_fd_limit()
    load_start = load()
    code = server_code()
    tmp = tempfile.TemporaryDirectory(prefix="plaza-bench-")
    server = ServerProcess(data=Path(tmp.name) / "data", port=free_port()).start()
    try:
        meeting = create_meeting(server.http, server.organiser_key)
        pipes, procs = start_workers(server.ws, meeting["code"], args.phones, args.workers, args.concurrency)
        figures = asyncio.run(conduct(server, meeting, pipes, [p.pid for p in procs if p.pid], args))
        stop_workers(pipes, procs)
    finally:
        server.stop()
        figures_log = blocked(server)
        tmp.cleanup()
    figures["loop_blocked"] = figures_log
    figures.update(load_start=load_start, load_end=load(), server_code=code)
    report(figures, args)
    if args.json:
        print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=200, help="connections opening at once per worker")
    parser.add_argument("--per-room", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long rooms raise hands")
    parser.add_argument("--every", type=float, default=10.0, help="each room raises one hand this often")
    parser.add_argument("--hold", type=float, default=5.0, help="a hand is lowered this long after it went up")
    parser.add_argument("--hands", type=int, default=5, help="hands raised in one room for the frame count")
    parser.add_argument("--hand-gap", type=float, default=1.0, help="seconds between those hands")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    parser.add_argument("--profile", help="py-spy the server while hands go up, into this file (.txt: collapsed)")
    args = parser.parse_args()
    if args.seconds / args.every + args.hands > args.per_room:
        parser.error("each phone raises once: --seconds / --every + --hands must fit in --per-room")
    run_on_one_process(conduct, start_workers, report, args)


if __name__ == "__main__":
    main()
