"""One Plaza process versus several on one Redis: same meeting, same load generator.

    .venv/bin/python -m bench.scaleout --phones 3000 --processes 1 2

For each process count it starts a fresh redis-server (AOF, everysec, noeviction,
as docs/deployment.md says) and that many server processes on it, then:

1. connects ``--phones`` phones spread evenly over the processes (connect + hello +
   join acknowledged);
2. runs ``--rounds`` rounds in which one more phone joins through the *last*
   process, and measures how long the count takes to reach every phone (all
   processes) and a big screen connected to the *first* process (with several
   processes the count also waits for presence to be shared); then ``--rounds``
   renames by a phone on the last process, timed until a console on the first
   process shows them: the cross-process path of a logged change, a hand raised on A
   seen on B;
3. lets ``--senders`` phones each offer ``--rate`` commands a second (renames, one in
   flight per phone) for ``--storm`` seconds, and counts acknowledged commands per second;
4. reads Redis's CPU time (``INFO cpu``) before and after, and per phase.

Everything runs on this machine: on 2 cores, the servers, Redis and the load
generator share the CPU, so more processes can't add cores; the figures show the
cost of going through Redis and how it is spread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from bench.phones import (
    create_meeting,
    lift_fd_limit,
    percentile,
    rss_kib,
    split,
    start_workers,
    stop_workers,
    trigger_rounds,
)
from server.client import PlazaClient
from server.testing import ServerProcess, free_port, start_redis


def redis_cpu(url: str) -> float:
    client = redis.Redis.from_url(url)
    try:
        info = client.info("cpu")
        return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])
    finally:
        client.close()


def redis_memory(url: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return int(client.info("memory")["used_memory"])
    finally:
        client.close()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run(processes: int, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    store = start_redis(folder / "redis")
    servers = [
        ServerProcess(
            data=folder / f"data{i}", port=free_port(), extra_args=["--redis-url", store.url, "--log-level", "warning"]
        ).start()
        for i in range(processes)
    ]
    ws_urls = [s.ws for s in servers]
    try:
        meeting = create_meeting(servers[0].http, servers[0].organiser_key)
        time.sleep(0.5)
        rss_before = sum(rss_kib(s.proc.pid) for s in servers if s.proc is not None)
        memory_before = redis_memory(store.url)
        pipes, procs = start_workers(ws_urls, meeting["code"], args.phones, args.workers, args.concurrency)
        cpu0 = redis_cpu(store.url)
        for pipe in pipes:
            pipe.send("go")
        reports = [pipe.recv() for pipe in pipes]
        connect_s = max(r["finished"] for r in reports) - min(r["started"] for r in reports)
        failures = sum(r["failures"] for r in reports)
        for r in reports:
            if r["reasons"]:
                print("  failures:", r["reasons"])
        connected = args.phones - failures
        cpu1 = redis_cpu(store.url)
        time.sleep(1.0)
        rss_after = sum(rss_kib(s.proc.pid) for s in servers if s.proc is not None)

        async def rounds() -> tuple[list[float], list[float], list[float]]:
            async with PlazaClient(ws_urls[0], "msgpack") as screen:
                key = meeting["screen_url"].split("#key=", 1)[1]
                await screen.hello("screen", meeting=meeting["id"], key=key)
                return await trigger_rounds(ws_urls[-1], meeting["code"], pipes, args.rounds, connected, screen)

        async def log_rounds() -> list[float]:
            """A phone on the last process renames itself; how long until the console on the first shows it."""
            found: list[float] = []
            async with PlazaClient(ws_urls[0], "msgpack") as console, PlazaClient(ws_urls[-1], "msgpack") as phone:
                key = meeting["facilitator_url"].split("#key=", 1)[1]
                await console.hello("facilitator", meeting=meeting["id"], key=key)
                await phone.hello("phone", code=meeting["code"])
                me = (await phone.request("join", name="Renamer"))["participant"]
                for r in range(args.rounds):
                    await asyncio.sleep(0.5)
                    name = f"Renamer {r}"
                    t0 = time.monotonic()
                    await phone.request("rename", name=name)

                    def renamed(v: dict[str, Any], name: str = name) -> bool:
                        return any(p["id"] == me and p["name"] == name for p in v["participants"])

                    await console.wait_view("facilitator", renamed, timeout=15)
                    found.append(console.view_times["facilitator"] - t0)
            return found

        t_rounds = time.monotonic()
        cpu2 = redis_cpu(store.url)
        delays, round_p99, screen_delays = asyncio.run(rounds())
        console_delays = asyncio.run(log_rounds())
        rounds_s = time.monotonic() - t_rounds
        cpu3 = redis_cpu(store.url)
        t_storm = time.monotonic()

        for pipe, senders in zip(pipes, split(args.senders, args.workers), strict=True):
            pipe.send(("storm", args.storm, senders, args.rate))
        storms = [pipe.recv() for pipe in pipes]
        storm_s = time.monotonic() - t_storm
        health = [json.loads(s.get("/healthz")[1]) for s in servers]
        cpu4 = redis_cpu(store.url)
        latencies = [x for s in storms for x in s["latencies"]]
        memory_after = redis_memory(store.url)
        events = int(redis.Redis.from_url(store.url).get(f"plaza:m:{{{meeting['id']}}}:head") or 0)

        stop_workers(pipes, procs)
    finally:
        for s in servers:
            s.stop()
        store.stop()

    return {
        "processes": processes,
        "phones": connected,
        "failures": failures,
        "connect_per_s": round(connected / connect_s, 1),
        "server_kib_per_phone": round((rss_after - rss_before) / max(connected, 1), 1),
        "update_p50_ms": ms(percentile(delays, 50)) if delays else None,
        "update_p99_ms": ms(percentile(delays, 99)) if delays else None,
        "round_p99_ms": [round(x * 1000) for x in round_p99],
        "screen_on_other_process_p50_ms": ms(percentile(screen_delays, 50)) if screen_delays else None,
        "screen_on_other_process_p99_ms": ms(percentile(screen_delays, 99)) if screen_delays else None,
        "console_on_other_process_p50_ms": ms(percentile(console_delays, 50)),
        "console_on_other_process_p99_ms": ms(percentile(console_delays, 99)),
        "commands_offered_per_s": args.senders * args.rate,
        "commands_per_s": round(len(latencies) / storm_s, 1),
        "command_ack_p50_ms": ms(percentile(latencies, 50)) if latencies else None,
        "command_ack_p99_ms": ms(percentile(latencies, 99)) if latencies else None,
        "appends": sum(h["appends"] for h in health),
        "races_lost": [h["races_lost"] for h in health],
        "command_errors": sum(n for s in storms for n in s["errors"].values()),
        "command_error_kinds": sorted({kind for s in storms for kind in s["errors"]}),
        "redis_cpu_connect_pct": round(100 * (cpu1 - cpu0) / connect_s, 1),
        "redis_cpu_rounds_pct": round(100 * (cpu3 - cpu2) / rounds_s, 1),
        "redis_cpu_storm_pct": round(100 * (cpu4 - cpu3) / storm_s, 1),
        "events": events,
        "redis_bytes_per_event": round((memory_after - memory_before) / max(events, 1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=3000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="server process counts to compare")
    parser.add_argument("--workers", type=int, default=2, help="load generator processes")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--senders", type=int, default=1000, help="phones sending commands in the storm")
    parser.add_argument("--rate", type=float, default=4.0, help="commands per second each sender offers")
    parser.add_argument("--storm", type=float, default=5.0, help="seconds of back-to-back commands")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    lift_fd_limit()
    results = []
    for processes in args.processes:
        with tempfile.TemporaryDirectory(prefix="plaza-scaleout-") as tmp:
            figures = run(processes, args, Path(tmp))
        results.append(figures)
        print(f"\n== {processes} process(es) on one Redis, {figures['phones']} phones ({figures['failures']} failed)")
        print(f"  connect + join          {figures['connect_per_s']} per second")
        print(f"  server memory per phone {figures['server_kib_per_phone']} KiB (all processes)")
        print(f"  count update to phones  p50 {figures['update_p50_ms']} ms, p99 {figures['update_p99_ms']} ms")
        print(f"  p99 of each round (ms)  {figures['round_p99_ms']}")
        print(
            f"  screen on process 1, change through the last: p50 {figures['screen_on_other_process_p50_ms']} ms,"
            f" p99 {figures['screen_on_other_process_p99_ms']} ms"
        )
        print(
            f"  rename on the last process seen on a console on the first: p50 "
            f"{figures['console_on_other_process_p50_ms']} ms, p99 {figures['console_on_other_process_p99_ms']} ms"
        )
        print(
            f"  commands                {figures['commands_per_s']} per second acknowledged of "
            f"{figures['commands_offered_per_s']} offered (ack p50 {figures['command_ack_p50_ms']}"
            f" ms, p99 {figures['command_ack_p99_ms']} ms, {figures['command_errors']} errors)"
        )
        print(f"  appends (batches)       {figures['appends']}; lost races per process {figures['races_lost']}")
        if figures["command_errors"]:
            print(f"  command errors          {figures['command_error_kinds']}")
        print(
            f"  Redis CPU               connect {figures['redis_cpu_connect_pct']}%, rounds "
            f"{figures['redis_cpu_rounds_pct']}%, storm {figures['redis_cpu_storm_pct']}% of a core"
        )
        print(f"  Redis memory            {figures['redis_bytes_per_event']} B per event ({figures['events']} events)")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
