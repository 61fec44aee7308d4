"""A World Café's round change with N phones (default 3,000) at tables of 5 on one Plaza process.

1. **Seating.** The console sets up the café (``--table-size`` 5, ``--rounds`` 3, no
   changeover), adds N / table-size tables (600 for 3,000) and sends ``seat_cafe``: Plaza
   seats everyone for every round at once.  Timed: the command's ack, and until every phone's
   ``me`` shows its round-1 seat.
2. **Round change.** ``start_round`` (round 1), a pause, then ``end_round``.  Each phone is
   timed from just before ``end_round`` is sent to the arrival of a ``me`` whose café seat is
   round 2's ("Round 2: go to table 7"; target p99 <= 2 s), and is checked against the table the
   console's view says it goes to.  Then round 2 starts and ends the same way (round 3).
3. **Memory per phone**: the server's RSS growth divided by the phones.

Also printed: the server's "event loop was blocked" warnings, the seating's repeated pairs
against a random shuffle's mean, and per phase the CPU of the server, the load processes and
everything else (the machine is shared).

    .venv/bin/python -m bench.cafe_rounds --phones 3000
    .venv/bin/python -m bench.cafe_rounds --phones 300     # a quick check

The phones run in ``--workers`` load processes; the console in this one.  On a 2-core machine
they compete with the server for CPU: figures are an upper bound on the server's own delays.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from multiprocessing.connection import Connection
from typing import Any

from bench import phones as ph
from bench.phones import lift_fd_limit, rss_kib
from bench.rooms import Counted, Cpu, ask, ms, run_on_one_process, spread
from server.testing import ServerProcess

TARGET_P99 = 2.0  # seconds, a round change to every phone's next table


class Phone(Counted):
    """Notes when its ``me`` first showed each round's seat, and which table."""

    def __init__(self, url: str, name: str) -> None:
        super().__init__(url)
        self.name = name
        self.seats: dict[int, tuple[float, str]] = {}  # round -> (first seen, table)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "view" and message["view"] == "me":
            seat = ((message["data"] or {}).get("cafe") or {}).get("seat")
            if seat and seat["round"] not in self.seats:
                self.seats[seat["round"]] = (time.monotonic(), seat["table"])
        super()._dispatch(message)


def worker(pipe: Connection, ws_urls: list[str], code: str, count: int, concurrency: int) -> None:
    lift_fd_limit()
    asyncio.run(_worker(pipe, ws_urls[0], code, count, concurrency))


async def _worker(pipe: Connection, ws_url: str, code: str, count: int, concurrency: int) -> None:
    loop = asyncio.get_running_loop()
    phones: list[Phone] = await ph.connect_phones(
        pipe, lambda i: Phone(ws_url, f"Guest {os.getpid()}-{i}"), code, count, concurrency
    )
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "close":
            break
        if command[0] == "seats":  # wait (bounded) until every phone has round N's seat
            _, rnd, within = command
            deadline = time.monotonic() + within
            while time.monotonic() < deadline and not all(rnd in p.seats for p in phones):
                await asyncio.sleep(0.05)
            pipe.send([(_pid(p), *p.seats.get(rnd, (None, None))) for p in phones])
    await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
    pipe.send("closed")


def _pid(phone: Phone) -> str | None:
    me = phone.view("me") or {}
    return (me.get("participant") or {}).get("id")


def start_workers(ws_url: str, code: str, phones: int, workers: int, concurrency: int) -> Any:
    from bench import cafe_rounds  # by its importable name (not __main__), for the spawned processes

    return ph.start_workers([ws_url], code, phones, workers, concurrency, target=cafe_rounds.worker)


def planned(view: dict[str, Any]) -> dict[str, str]:
    """Who sits at which table this round, as the console's view says."""
    return {p["id"]: t["table"] for t in view["cafe"]["tables"] for p in t["people"]}


async def wait_seats(
    pipes: list[Connection], rnd: int, t0: float, console: Counted, n: int, within: float
) -> dict[str, Any]:
    rows = [row for rows in await ask(pipes, [("seats", rnd, within)] * len(pipes)) for row in rows]
    view = await console.wait_view(
        "facilitator", lambda v: v["cafe"]["round"] == rnd and bool(v["cafe"]["tables"]), timeout=30
    )
    plan = planned(view)
    delays = [at - t0 for (_, at, _) in rows if at is not None]
    return {
        **spread(delays),
        "phones": len(delays),
        "missed": n - len(delays),
        "wrong_table": sum(1 for (pid, at, table) in rows if at is not None and plan.get(pid) != table),
        "target_met": bool(delays) and len(delays) == n and sorted(delays)[int(0.99 * (len(delays) - 1))] <= TARGET_P99,
    }


async def conduct(
    server: ServerProcess, meeting: dict[str, Any], pipes: list[Connection], load_pids: list[int], args: Any
) -> dict[str, Any]:
    pid = server.proc.pid if server.proc is not None else 0
    key = meeting["facilitator_url"].split("#key=", 1)[1]
    console = Counted(server.ws)
    await console.connect()
    await console.hello("facilitator", meeting=meeting["id"], key=key)
    rss_before = rss_kib(pid)
    cpu = Cpu(pid, [os.getpid(), *load_pids])
    joined = await ask(pipes, ["go"] * len(pipes))
    failures = sum(r["failures"] for r in joined)
    n = args.phones - failures
    figures: dict[str, Any] = {"phones": n, "join_failures": failures}
    figures["connect_per_s"] = round(n / (max(r["finished"] for r in joined) - min(r["started"] for r in joined)), 1)
    await asyncio.sleep(1.0)
    figures["cpu_joining"] = cpu.since()

    # 1. Set-up and seating.
    tables = -(-n // args.table_size)
    await console.request("set_part", part="cafe")
    await console.request(
        "cafe_setup",
        table_size=args.table_size,
        rounds=args.rounds,
        minutes=20,
        changeover=0,
        question="What would make this neighbourhood yours?",
    )
    await console.request("add_tables", count=tables, timeout=30)
    t0 = time.monotonic()
    await console.request("seat_cafe", timeout=60)
    figures["seat_ack_ms"] = ms(time.monotonic() - t0)
    figures["seated"] = await wait_seats(pipes, 1, t0, console, n, 60.0)
    view = await console.wait_view("facilitator", lambda v: v["cafe"]["seating"] is not None, timeout=30)
    figures["seating"] = {k: view["cafe"]["seating"][k] for k in ("repeats", "random_mean", "lower_bound")}
    figures["tables"] = tables
    figures["cpu_seating"] = cpu.since()
    figures["memory_kib_per_phone"] = round((rss_kib(pid) - rss_before) / n, 1)

    # 2. Round changes.
    changes = []
    for rnd in range(2, args.rounds + 1):
        await console.request("start_round", timeout=30)
        await asyncio.sleep(args.pause)
        cpu.since()
        t0 = time.monotonic()
        await console.request("end_round", timeout=30)
        ack = ms(time.monotonic() - t0)
        change = await wait_seats(pipes, rnd, t0, console, n, 60.0)
        change.update(round=rnd, end_round_ack_ms=ack, cpu=cpu.since())
        changes.append(change)
        await asyncio.sleep(args.pause)
    figures["changes"] = changes
    await console.close()
    return figures


def report(f: dict[str, Any], args: Any) -> None:
    pad = " " * 25
    print(f"phones                   {f['phones']} joined ({f['join_failures']} failed) at {f['connect_per_s']}/s")
    s, g, c = f["seated"], f["seating"], f["cpu_seating"]
    print(f"seating                  {f['tables']} tables of {args.table_size}, {args.rounds} rounds:", end=" ")
    print(f"ack {f['seat_ack_ms']} ms")
    print(f"{pad}every phone's round-1 seat p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms", end=" ")
    print(f"({s['missed']} missed, {s['wrong_table']} at a table other than the plan's)")
    print(f"{pad}repeated pairs {g['repeats']} (random shuffle {g['random_mean']}, lower bound {g['lower_bound']})")
    print(f"{pad}CPU over {c['seconds']} s: server {c['server_cpu_s']} CPU-s, other programs {c['other_cores']} cores")
    for ch in f["changes"]:
        verdict = "met" if ch["target_met"] else "MISSED"
        print(f"round {ch['round'] - 1} -> {ch['round']}            end_round ack {ch['end_round_ack_ms']} ms")
        print(
            f"{pad}next table on every phone p50 {ch['p50_ms']} ms, p99 {ch['p99_ms']} ms, max {ch['max_ms']} ms",
            end=" ",
        )
        print(f"({ch['missed']} missed, {ch['wrong_table']} wrong table); target p99 <= {TARGET_P99:g} s: {verdict}")
        c = ch["cpu"]
        print(f"{pad}CPU over {c['seconds']} s: server {c['server_cpu_s']} CPU-s,", end=" ")
        print(f"load {c['load_cores']}, other programs {c['other_cores']} cores")
    print(f"memory per phone         {f['memory_kib_per_phone']} KiB (server RSS growth after seating / phones)")
    b = f["loop_blocked"]
    print(f"server loop blocked      {b['warnings']} warnings over the run, longest {b['longest_ms']} ms")
    print(
        f"load average             {f['load_start']} at start, {f['load_end']} at end; server code {f['server_code']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--table-size", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between a round's start and its end")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    run_on_one_process(conduct, start_workers, report, args)


if __name__ == "__main__":
    main()
