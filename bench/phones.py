"""Connect N simulated phones (msgpack) to one Plaza process and measure it.

Prints: connections per second, server memory per connected phone, and the delay
for a screen-wide update (the participant count) to reach 50/99% of phones.

    .venv/bin/python -m bench.phones --phones 5000 --workers 2 --rounds 10

By default it starts its own server (embedded store in a temporary folder) so
that it can read the server's memory; ``--url`` measures a running one instead
(memory is then not reported).  The load generator runs in ``--workers``
processes on the same machine, so on 2 cores the phones compete with the server
for CPU: the figures are an upper bound on the server's own delay.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgpack

from server.client import PlazaClient
from server.testing import ServerProcess, free_port

ROOT = Path(__file__).resolve().parent.parent


def lift_fd_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# -- worker process: a share of the phones ----------------------------------------------


def worker(pipe: Connection, ws_urls: list[str], code: str, count: int, concurrency: int) -> None:
    """Phone ``i`` connects to ``ws_urls[i % len(ws_urls)]`` (several server processes: spread evenly)."""
    lift_fd_limit()
    asyncio.run(_worker(pipe, ws_urls, code, count, concurrency))


async def storm(phones: list[PlazaClient], seconds: float, rate: float) -> dict[str, Any]:
    """Each phone sends ``rate`` commands a second (one in flight; under the server's per-client limit)."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def one(phone: PlazaClient, n: int) -> None:
        start = time.monotonic() + random.random() / rate  # spread the senders over the first interval
        k = 0
        while (due := start + k / rate) < start + seconds:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            k += 1
            t0 = time.monotonic()
            try:
                await phone.request("rename", name=f"Storm {n}-{k % 10}", timeout=10)
                latencies.append(time.monotonic() - t0)
            except Exception as exc:
                errors[f"{type(exc).__name__}: {exc}"[:80]] += 1

    await asyncio.gather(*(one(p, n) for n, p in enumerate(phones)))
    return {"latencies": latencies, "errors": dict(errors)}


async def ballots(phones: list[PlazaClient], vote: int, seconds: float) -> dict[str, Any]:
    """Every phone casts one ballot (yes, no or abstain at random) at a random moment within ``seconds``."""
    acked: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    latencies: list[float] = []

    async def one(phone: PlazaClient) -> None:
        await asyncio.sleep(random.random() * seconds)
        choice = random.choice(("yes", "no", "abstain"))
        t0 = time.monotonic()
        try:
            await phone.request("cast_ballot", vote=vote, choice=choice, timeout=30)
            latencies.append(time.monotonic() - t0)
            acked[choice] += 1
        except Exception as exc:
            errors[f"{type(exc).__name__}: {exc}"[:80]] += 1

    started = time.monotonic()
    await asyncio.gather(*(one(p) for p in phones))
    return {
        "acked": dict(acked),
        "errors": dict(errors),
        "latencies": latencies,
        "seconds": time.monotonic() - started,
    }


async def connect_phones(
    pipe: Connection, make: Callable[[int], PlazaClient], code: str, count: int, concurrency: int
) -> list[Any]:
    """Wait for "go", then connect, hello and join ``count`` phones made by ``make(i)``, at most
    ``concurrency`` at a time; report when it started and finished and what failed."""
    loop = asyncio.get_running_loop()
    phones: list[Any] = []
    gate = asyncio.Semaphore(concurrency)
    failures = 0
    reasons: Counter[str] = Counter()

    async def one(i: int) -> None:
        nonlocal failures
        async with gate:
            phone = make(i)
            try:
                await phone.connect()
                await phone.hello("phone", code=code)
                await phone.request("join", name=getattr(phone, "name", "") or f"Phone {os.getpid()}-{i}", timeout=60)
                phones.append(phone)
            except Exception as exc:
                failures += 1
                reasons[f"{type(exc).__name__}: {exc}"[:80]] += 1

    await loop.run_in_executor(None, pipe.recv)  # "go"
    started = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(count)))
    pipe.send({"started": started, "finished": time.monotonic(), "failures": failures, "reasons": dict(reasons)})
    return phones


def _phone(ws_urls: list[str], i: int) -> PlazaClient:
    phone = PlazaClient(ws_urls[i % len(ws_urls)], "msgpack", open_timeout=60)
    phone.keep_log = False
    return phone


async def _worker(pipe: Connection, ws_urls: list[str], code: str, count: int, concurrency: int) -> None:
    loop = asyncio.get_running_loop()
    phones: list[PlazaClient] = await connect_phones(pipe, functools.partial(_phone, ws_urls), code, count, concurrency)
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "close":
            break
        if command[0] == "ballots":
            _, vote, seconds = command
            pipe.send(await ballots(phones, vote, seconds))
            continue
        if command[0] == "storm":
            _, seconds, senders, rate = command
            pipe.send(await storm(phones[:senders], seconds, rate))
            continue
        _, target, t0 = command
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if all((v := p.view("phone")) is not None and v["present"] >= target for p in phones):
                break
            await asyncio.sleep(0.02)
        delays = [
            p.view_times["phone"] - t0 for p in phones if (v := p.view("phone")) is not None and v["present"] >= target
        ]
        pipe.send({"delays": delays, "missed": len(phones) - len(delays)})
    await asyncio.gather(*(p.close() for p in phones), return_exceptions=True)
    pipe.send("closed")


# -- the conductor -------------------------------------------------------------------------


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def start_workers(
    ws_urls: list[str],
    code: str,
    phones: int,
    workers: int,
    concurrency: int,
    target: Callable[..., None] | None = None,
) -> tuple[list[Connection], list[mp.process.BaseProcess]]:
    """Spawn the load processes (each waits for "go" before connecting its share of the phones).

    ``target``: the load process's function (default :func:`worker`; ``bench.rooms`` has its own),
    called as ``target(pipe, ws_urls, code, count, concurrency)``; it must be importable by name.
    """
    ctx = mp.get_context("spawn")
    pipes: list[Connection] = []
    procs: list[mp.process.BaseProcess] = []
    for n in split(phones, workers):
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(target=target or worker, args=(theirs, ws_urls, code, n, concurrency))
        proc.start()
        pipes.append(ours)
        procs.append(proc)
    time.sleep(2.0)  # let the workers import
    return pipes, procs


def stop_workers(pipes: list[Connection], procs: list[mp.process.BaseProcess]) -> None:
    for pipe in pipes:
        pipe.send(("close",))
    for pipe in pipes:
        while pipe.recv() != "closed":
            pass
    for proc in procs:
        proc.join()


def create_meeting(http: str, key: str = "") -> dict[str, Any]:
    """Create a meeting with the organiser ``key`` (a ServerProcess's, else $PLAZA_ORGANISER_KEY, if any)."""
    headers = {"Content-Type": "application/json"}
    key = key or os.environ.get("PLAZA_ORGANISER_KEY", "")
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        f"{http}/api/meetings", data=json.dumps({"title": "Bench"}).encode(), method="POST", headers=headers
    )
    return json.loads(urllib.request.urlopen(request).read())  # type: ignore[no-any-return]


async def trigger_rounds(
    ws_url: str, code: str, pipes: list[Connection], rounds: int, base: int, screen: PlazaClient | None = None
) -> tuple[list[float], list[float], list[float]]:
    """Each round one more phone joins (through ``ws_url``).

    Returns every delivery delay to the phones, each round's p99, and the ``screen``'s
    delays if there is one (it may be connected to another process).
    """
    delays: list[float] = []
    screen_delays: list[float] = []
    round_p99: list[float] = []
    acks: list[float] = []
    missed = 0
    extra: list[PlazaClient] = []
    for r in range(rounds):
        await asyncio.sleep(1.0)
        phone = PlazaClient(ws_url, "msgpack")
        await phone.connect()
        await phone.hello("phone", code=code)
        t0 = time.monotonic()
        for pipe in pipes:
            pipe.send(("collect", base + r + 1, t0))
        await phone.request("join", name=f"Trigger {r}")
        acks.append(time.monotonic() - t0)
        extra.append(phone)
        if screen is not None:
            target = base + r + 1
            await screen.wait_view("screen", lambda v, target=target: v["present"] >= target, timeout=15)
            screen_delays.append(screen.view_times["screen"] - t0)
        loop = asyncio.get_running_loop()
        this_round: list[float] = []
        for pipe in pipes:
            result = await loop.run_in_executor(None, pipe.recv)
            this_round.extend(result["delays"])
            missed += result["missed"]
        delays.extend(this_round)
        if this_round:
            round_p99.append(percentile(this_round, 99))
    for phone in extra:
        await phone.close()
    if missed:
        print(f"  updates not seen within 15 s: {missed}")
    print(f"ack of each trigger (ms) {[round(a * 1000) for a in acks]}")
    return delays, round_p99, screen_delays


LANGUAGES = ("es", "fr", "de", "pt", "ar")


async def translate_meeting(ws_url: str, meeting: dict[str, Any], languages: int) -> None:
    """An agenda item and a proposal, translated (with the meeting's title) into ``languages - 1`` languages."""
    from urllib.parse import parse_qs, urlsplit

    console = PlazaClient(ws_url, "msgpack")
    await console.connect()
    key = parse_qs(urlsplit(meeting["facilitator_url"]).fragment)["key"][0]
    await console.hello("facilitator", meeting=meeting["id"], key=key)
    await console.request("add_item", title="Budget for the community kitchen")
    await console.request("add_proposal", text="We buy a new oven and share the kitchen on Sundays.")
    await console.wait_view("facilitator", lambda v: bool(v.get("proposals")), timeout=10)
    proposal = console.view("facilitator")["proposals"][0]["proposal"]
    item = console.view("facilitator")["agenda"]["items"][0]["item"]
    for lang in LANGUAGES[: languages - 1]:
        await console.request("add_translation_language", language=lang)
    links = (await console.request("translator_links"))["links"] if languages > 1 else {}
    for lang, link in links.items():
        translator = PlazaClient(ws_url, "msgpack")
        await translator.connect()
        await translator.hello(
            "translator", meeting=meeting["id"], key=parse_qs(urlsplit(link).fragment)["key"][0], lang=lang
        )
        for kind, ident, text in (
            ("agenda", item, f"[{lang}] Presupuesto de la cocina comunitaria"),
            ("proposal", str(proposal), f"[{lang}] Compramos un horno nuevo y compartimos la cocina los domingos."),
            ("theme", "title", f"[{lang}] Asamblea"),
        ):
            await translator.request("translate", kind=kind, item=ident, text=text)
        await translator.close()
    phone = PlazaClient(ws_url, "msgpack")  # one phone, to weigh the view every phone gets
    await phone.connect()
    await phone.hello("phone", code=meeting["code"])
    await phone.request("join", name="Size probe")
    await phone.wait_view("phone", lambda v: len(v.get("translations") or {}) == languages - 1, timeout=10)
    size = len(msgpack.packb(phone.views["phone"]))
    await phone.close()
    await console.close()
    print(f"translated into {len(links)} languages: {', '.join(links) or '-'}; the phone view is {size} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=200, help="connections opening at once per worker")
    parser.add_argument("--url", help="measure a running server at this http URL instead of starting one")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    parser.add_argument(
        "--languages",
        type=int,
        default=None,
        help="languages the phones read (1-6): an agenda item and a proposal are added, then they and the title are "
        "translated into the other languages, so every view carries them (the pages word the rest themselves); "
        "1 has the same texts untranslated, the baseline to compare with",
    )
    args = parser.parse_args()
    lift_fd_limit()

    server: ServerProcess | None = None
    tmp = tempfile.TemporaryDirectory(prefix="plaza-bench-")
    if args.url:
        http = args.url.rstrip("/")
    else:
        server = ServerProcess(data=Path(tmp.name) / "data", port=free_port()).start()
        http = server.http
    ws_url = http.replace("http", "ws", 1) + "/ws"
    pid = server.proc.pid if server is not None and server.proc is not None else 0
    try:
        meeting = create_meeting(http, server.organiser_key if server is not None else "")
        if args.languages is not None:
            asyncio.run(translate_meeting(ws_url, meeting, args.languages))
        time.sleep(0.5)
        rss_before = rss_kib(pid) if pid else 0
        pipes, procs = start_workers([ws_url], meeting["code"], args.phones, args.workers, args.concurrency)
        for pipe in pipes:
            pipe.send("go")
        reports = [pipe.recv() for pipe in pipes]
        started = min(r["started"] for r in reports)
        finished = max(r["finished"] for r in reports)
        failures = sum(r["failures"] for r in reports)
        connected = args.phones - failures
        rate = connected / (finished - started)
        time.sleep(1.0)
        rss_after = rss_kib(pid) if pid else 0
        delays, round_p99, _ = asyncio.run(trigger_rounds(ws_url, meeting["code"], pipes, args.rounds, connected))
        stop_workers(pipes, procs)
    finally:
        if server is not None:
            server.stop()
        tmp.cleanup()

    figures = {
        "phones": connected,
        "failures": failures,
        "connect_per_s": round(rate, 1),
        "server_kib_per_phone": round((rss_after - rss_before) / max(connected, 1), 1) if server else None,
        "server_rss_mib": round(rss_after / 1024, 1) if server else None,
        "update_p50_ms": round(percentile(delays, 50) * 1000, 1) if delays else None,
        "update_p99_ms": round(percentile(delays, 99) * 1000, 1) if delays else None,
        "update_max_ms": round(max(delays) * 1000, 1) if delays else None,
        "update_mean_ms": round(statistics.fmean(delays) * 1000, 1) if delays else None,
        "round_p99_ms": [round(x * 1000) for x in round_p99],
        "deliveries": len(delays),
        "rounds": args.rounds,
    }
    print(f"phones connected        {connected} ({failures} failed) by {args.workers} load processes")
    print(f"connections per second  {figures['connect_per_s']}  (connect + hello + join acknowledged)")
    if server:
        print(f"server memory per phone {figures['server_kib_per_phone']} KiB  (RSS {figures['server_rss_mib']} MiB)")
    print(
        f"count update reached    p50 {figures['update_p50_ms']} ms, p99 {figures['update_p99_ms']} ms, "
        f"max {figures['update_max_ms']} ms  over {args.rounds} rounds, {len(delays)} deliveries"
    )
    print(f"p99 of each round (ms)  {figures['round_p99_ms']}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
