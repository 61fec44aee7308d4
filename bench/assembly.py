"""A general assembly's hot moments with 5,000 phones on one process.

1. **Hand raise to screen**: with every phone connected, one participant raises and
   lowers their hand again and again; we time each raise from sending it to the big
   screen's view showing it (p50/p99).
2. **A vote of 5,000**: the console opens a yes/no vote; every phone casts one ballot at
   a random moment within ``--window`` seconds.  We check every acknowledged ballot is
   counted exactly once (screen tally and minutes), count how many screen updates the
   wave caused (they are coalesced, not one per ballot), and time the close: from
   ``close_vote`` sent to the final tally and outcome on the screen.

    .venv/bin/python -m bench.assembly --phones 5000 --workers 2

The load generator shares the machine (2 cores here) with the server: figures are an
upper bound on the server's own delays.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from bench.phones import create_meeting, lift_fd_limit, percentile, start_workers, stop_workers
from server.client import PlazaClient
from server.testing import ServerProcess, free_port


class Screen(PlazaClient):
    """A big screen that notes when each screen view arrived and what its tally said."""

    def __init__(self, url: str) -> None:
        super().__init__(url, "msgpack")
        self.keep_log = False
        self.arrivals: list[tuple[float, int]] = []  # (monotonic time, vote turnout)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "view" and message.get("view") == "screen":
            vote = message["data"].get("vote")
            self.arrivals.append((time.monotonic(), vote["turnout"] if vote else -1))
        super()._dispatch(message)


async def conduct(ws_url: str, meeting: dict[str, Any], pipes: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    key = meeting["facilitator_url"].split("#key=", 1)[1]
    console = PlazaClient(ws_url, "msgpack")
    await console.connect()
    await console.hello("facilitator", meeting=meeting["id"], key=key)
    screen = Screen(ws_url)
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key)
    speaker = PlazaClient(ws_url, "msgpack")
    await speaker.connect()
    await speaker.hello("phone", code=meeting["code"])
    await speaker.request("join", name="Raiser")
    loop = asyncio.get_running_loop()

    # 1. Hand raise -> screen.
    raises: list[float] = []
    for _ in range(args.raises):
        await asyncio.sleep(args.raise_gap)
        t0 = time.monotonic()
        await speaker.request("raise_hand")
        await screen.wait_view("screen", lambda v: v["stack"]["waiting"] == 1, timeout=15)
        raises.append(screen.view_times["screen"] - t0)
        await speaker.request("lower_hand")
        await screen.wait_view("screen", lambda v: v["stack"]["waiting"] == 0, timeout=15)

    # 2. The vote.
    await asyncio.sleep(1.0)
    await console.request("open_vote", subject="question", question="Bench?", ballot="yes_no", rule="majority")
    view = await screen.wait_view("screen", lambda v: v["vote"] is not None and v["vote"]["open"])
    vote = view["vote"]["vote"]
    screen.arrivals.clear()
    wave_start = time.monotonic()
    for pipe in pipes:
        pipe.send(("ballots", vote, args.window))
    reports = [await loop.run_in_executor(None, pipe.recv) for pipe in pipes]
    wave_end = time.monotonic()
    acked: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    for r in reports:
        acked.update(r["acked"])
        errors.update(r["errors"])
        latencies.extend(r["latencies"])
    total = sum(acked.values())
    await screen.wait_view("screen", lambda v: v["vote"]["turnout"] == total, timeout=15)
    wave_updates = [t for t, turnout in screen.arrivals if wave_start <= t <= wave_end]
    await asyncio.sleep(1.0)
    t0 = time.monotonic()
    await console.request("close_vote", vote=vote)
    view = await screen.wait_view("screen", lambda v: v["vote"]["result"] is not None, timeout=15)
    close_to_screen = screen.view_times["screen"] - t0
    counts = view["vote"]["counts"]
    with urllib.request.urlopen(f"{args.http}/api/meetings/{meeting['id']}/minutes.json") as r:
        recorded = json.loads(r.read())["items"][0]["votes"][0]["counts"]
    for c in (console, screen, speaker):
        await c.close()
    return {
        "raise_p50_ms": round(percentile(raises, 50) * 1000, 1),
        "raise_p99_ms": round(percentile(raises, 99) * 1000, 1),
        "raise_max_ms": round(max(raises) * 1000, 1),
        "raises": len(raises),
        "ballots_acked": total,
        "ballot_errors": dict(errors),
        "wave_seconds": round(wave_end - wave_start, 2),
        "ballot_ack_p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "ballot_ack_p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
        "screen_updates_during_wave": len(wave_updates),
        "screen_updates_per_s": round(len(wave_updates) / max(wave_end - wave_start, 1e-9), 1),
        "acked_by_choice": dict(acked),
        "screen_counts": counts,
        "minutes_counts": recorded,
        "counted_exactly_once": counts == recorded and all(counts[c] == acked.get(c, 0) for c in counts),
        "close_to_screen_ms": round(close_to_screen * 1000, 1),
        "outcome": view["vote"]["result"]["label"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--window", type=float, default=10.0, help="seconds over which the ballots arrive")
    parser.add_argument("--raises", type=int, default=60)
    parser.add_argument("--raise-gap", type=float, default=0.25, help="seconds between hand raises")
    args = parser.parse_args()
    lift_fd_limit()
    tmp = tempfile.TemporaryDirectory(prefix="plaza-bench-")
    server = ServerProcess(data=Path(tmp.name) / "data", port=free_port()).start()
    args.http = server.http
    ws_url = server.http.replace("http", "ws", 1) + "/ws"
    try:
        meeting = create_meeting(server.http, server.organiser_key)
        pipes, procs = start_workers([ws_url], meeting["code"], args.phones, args.workers, args.concurrency)
        for pipe in pipes:
            pipe.send("go")
        joined = [pipe.recv() for pipe in pipes]
        failures = sum(r["failures"] for r in joined)
        time.sleep(1.0)
        figures = {"phones": args.phones - failures, **asyncio.run(conduct(ws_url, meeting, pipes, args))}
        stop_workers(pipes, procs)
    finally:
        server.stop()
        tmp.cleanup()
    print(f"phones connected           {figures['phones']} ({failures} failed)")
    print(
        f"hand raise -> screen       p50 {figures['raise_p50_ms']} ms, p99 {figures['raise_p99_ms']} ms, "
        f"max {figures['raise_max_ms']} ms over {figures['raises']} raises"
    )
    print(
        f"ballots acknowledged       {figures['ballots_acked']} in {figures['wave_seconds']} s "
        f"(errors {figures['ballot_errors']}); "
        f"ack p50 {figures['ballot_ack_p50_ms']} ms, p99 {figures['ballot_ack_p99_ms']} ms"
    )
    print(f"screen updates in the wave {figures['screen_updates_during_wave']} ({figures['screen_updates_per_s']}/s)")
    print(
        f"counted exactly once       {figures['counted_exactly_once']}: acked {figures['acked_by_choice']}, "
        f"screen {figures['screen_counts']}, minutes {figures['minutes_counts']}"
    )
    print(f"close -> final tally       {figures['close_to_screen_ms']} ms on the screen ({figures['outcome']})")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
