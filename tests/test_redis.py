"""Several Plaza processes on one real Redis serve one meeting."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.client import PlazaClient, PlazaError
from server.testing import start_redis
from tests.conftest import ServerProcess, free_port, key_of

LEASE = 3.0  # presence lease for these tests (15 s in production): how long a dead process's phones count


@pytest.fixture
def pair(tmp_path: Path, redis_url: str) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two server processes sharing one Redis (and nothing else)."""
    args = ["--redis-url", redis_url, "--presence-lease", str(LEASE)]
    servers = [ServerProcess(data=tmp_path / name, port=free_port(), extra_args=args).start() for name in ("a", "b")]
    yield servers[0], servers[1]
    for s in servers:
        s.stop()


async def phone_on(server: ServerProcess, meeting: dict[str, Any], name: str, fmt: str = "msgpack") -> PlazaClient:
    phone = PlazaClient(server.ws, fmt)
    await phone.connect()
    await phone.hello("phone", code=meeting["code"])
    await phone.request("join", name=name)
    return phone


async def console_on(server: ServerProcess, meeting: dict[str, Any]) -> PlazaClient:
    console = PlazaClient(server.ws, "json")
    await console.connect()
    await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    return console


async def test_a_change_on_one_process_reaches_clients_of_the_other(pair: tuple[ServerProcess, ServerProcess]) -> None:
    """A join through process A shows on B's console; B's rename reaches the phone on A."""
    a, b = pair
    meeting = a.create_meeting("Hall")
    console = await console_on(b, meeting)
    phone = await phone_on(a, meeting, "Ana")
    view = await console.wait_view("facilitator", lambda v: len(v["participants"]) == 1, timeout=3)
    pid = view["participants"][0]["id"]
    await console.request("rename_participant", participant=pid, name="Ana B")
    me = await phone.wait_view("me", lambda v: v["participant"]["name"] == "Ana B", timeout=3)
    assert me["status"] == "joined"
    await phone.close()
    await console.close()


async def test_concurrent_commands_on_two_processes_land_once_each(pair: tuple[ServerProcess, ServerProcess]) -> None:
    """Joins racing through two processes all land exactly once, in one order every viewer agrees on."""
    a, b = pair
    meeting = a.create_meeting("Race")
    phones = [PlazaClient((a if i % 2 else b).ws, "msgpack") for i in range(40)]
    await asyncio.gather(*(p.connect() for p in phones))
    await asyncio.gather(*(p.hello("phone", code=meeting["code"]) for p in phones))
    acks = await asyncio.gather(*(p.request("join", name=f"P{i}") for i, p in enumerate(phones)))
    assert sorted(ack["seq"] for ack in acks) == list(range(2, 42))
    consoles = [await console_on(a, meeting), await console_on(b, meeting)]
    lists = []
    for console in consoles:
        view = await console.wait_view("facilitator", lambda v: len(v["participants"]) == 40, timeout=5)
        lists.append([p["id"] for p in view["participants"]])
        assert sorted(p["name"] for p in view["participants"]) == sorted(f"P{i}" for i in range(40))
    assert consoles[0].views["facilitator"]["seq"] == consoles[1].views["facilitator"]["seq"] == 41
    await asyncio.gather(*(p.close() for p in [*phones, *consoles]))


async def test_a_join_storm_queues_for_redis_instead_of_failing(pair: tuple[ServerProcess, ServerProcess]) -> None:
    """300 phones saying hello and joining at once through one process: every one gets in (none is 'unavailable')."""
    a, _ = pair
    meeting = a.create_meeting("Storm")
    phones = [PlazaClient(a.ws, "msgpack") for _ in range(300)]
    await asyncio.gather(*(p.connect() for p in phones))
    await asyncio.gather(*(p.hello("phone", code=meeting["code"]) for p in phones))
    acks = await asyncio.gather(*(p.request("join", name=f"P{i}") for i, p in enumerate(phones)))
    assert sorted(ack["seq"] for ack in acks) == list(range(2, 302))
    await asyncio.gather(*(p.close() for p in phones))


async def test_a_phone_resumes_on_another_process_when_its_own_dies(pair: tuple[ServerProcess, ServerProcess]) -> None:
    """Process A is killed; the phone reconnects to B with its token and is the same participant."""
    a, b = pair
    meeting = a.create_meeting("Failover")
    phone = PlazaClient(a.ws, "json")
    await phone.connect()
    await phone.hello("phone", code=meeting["code"])
    ack = await phone.request("join", name="Bo")
    a.kill()
    await phone.wait_for(lambda: phone.close_code is not None, timeout=5)
    async with PlazaClient(b.ws, "json") as again:
        welcome = await again.hello("phone", code=meeting["code"], token=ack["token"])
        assert welcome["participant"] == ack["participant"]
        await again.request("rename", name="Bo again")
        me = await again.wait_view("me", lambda v: v["participant"]["name"] == "Bo again", timeout=3)
        assert me["participant"]["id"] == ack["participant"]


async def test_presence_follows_phones_across_processes_and_outlives_no_dead_process(
    pair: tuple[ServerProcess, ServerProcess],
) -> None:
    """A phone on A counts on B's console; A dies: it stops counting after the lease, and counts again on B."""
    a, b = pair
    meeting = a.create_meeting("Presence")
    console = await console_on(b, meeting)
    phone = PlazaClient(a.ws, "json")
    await phone.connect()
    await phone.hello("phone", code=meeting["code"])
    token = (await phone.request("join", name="Ana"))["token"]
    other = await phone_on(b, meeting, "Bo")
    view = await console.wait_view("facilitator", lambda v: v["present"] == 2, timeout=3)
    assert all(p["present"] for p in view["participants"])
    a.kill()
    started = time.monotonic()
    view = await console.wait_view("facilitator", lambda v: v["present"] == 1, timeout=LEASE * 3)
    waited = time.monotonic() - started
    assert [p["name"] for p in view["participants"] if p["present"]] == ["Bo"]
    assert waited < LEASE + LEASE / 3 + 1  # within one lease and one renewal
    async with PlazaClient(b.ws, "json") as again:
        await again.hello("phone", code=meeting["code"], token=token)
        await console.wait_view("facilitator", lambda v: v["present"] == 2, timeout=3)
        screen = PlazaClient(b.ws, "json")
        await screen.connect()
        await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
        assert (await screen.wait_view("screen", lambda v: v["present"] == 2, timeout=3))["present"] == 2
        await screen.close()
    await console.wait_view("facilitator", lambda v: v["present"] == 1, timeout=3)  # a clean leave counts at once
    await other.close()
    await console.close()


async def test_redis_restart_makes_the_meeting_read_only_then_carries_on(tmp_path: Path) -> None:
    """Redis stops: sockets stay open, clients hear read-only, commands fail fast; it returns, nothing lost."""
    redis = start_redis(tmp_path / "redis")
    server = ServerProcess(data=tmp_path / "data", port=free_port(), extra_args=["--redis-url", redis.url]).start()
    try:
        meeting = server.create_meeting("Storm")
        phone = await phone_on(server, meeting, "Ana", fmt="json")
        redis.stop()
        await phone.wait_for(lambda: any(m.get("type") == "status" and m["read_only"] for m in phone.received), 10)
        started = time.monotonic()
        with pytest.raises(PlazaError) as err:
            await phone.request("rename", name="Ana B")
        assert err.value.code in ("read_only", "store_unavailable")
        assert time.monotonic() - started < 5  # a clear error, not a hang
        assert phone.close_code is None  # the socket stayed open
        redis.start()
        await phone.wait_for(
            lambda: [m["read_only"] for m in phone.received if m.get("type") == "status"][-1] is False, 15
        )
        await phone.request("rename", name="Ana B")
        me = await phone.wait_view("me", lambda v: v["participant"]["name"] == "Ana B")
        assert me["status"] == "joined"  # the join acknowledged before the outage survived it
        await phone.close()
    finally:
        server.stop()
        redis.stop()


async def test_workers_share_one_port_and_one_meeting(tmp_path: Path, redis_url: str) -> None:
    """``--workers 2``: two processes answer on one port; phones spread over them see one meeting."""
    hall = ServerProcess(
        data=tmp_path / "hall", port=free_port(), extra_args=["--redis-url", redis_url, "--workers", "2"]
    ).start()
    try:
        meeting = hall.create_meeting("Workers")
        phones = [PlazaClient(hall.ws, "msgpack") for _ in range(30)]
        await asyncio.gather(*(p.connect() for p in phones))
        await asyncio.gather(*(p.hello("phone", code=meeting["code"]) for p in phones))
        await asyncio.gather(*(p.request("join", name=f"P{i}") for i, p in enumerate(phones)))
        seen = {json.loads(hall.get("/healthz")[1])["process"] for _ in range(40)}
        assert len(seen) == 2, seen
        for phone in phones[:3]:  # whichever worker a phone reached, it sees everyone
            await phone.wait_view("phone", lambda v: v["present"] == 30, timeout=5)
        await asyncio.gather(*(p.close() for p in phones))
    finally:
        hall.stop()


def test_several_workers_need_redis(tmp_path: Path) -> None:
    """On the embedded store, more workers would be more writers to one file: refused with the reason."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "server", "--workers", "2", "--data", str(tmp_path), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert "--workers needs --redis-url" in result.stderr
