"""The store contract, and the hub's retry when another writer appended first."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from server.app import healthz
from server.core import meeting as m
from server.core.inputs import Inputs
from server.hub.hub import Hub
from server.store import CodeTaken, SeqConflict, Store, StoreError, UnknownMeeting, open_store
from server.store.base import BadEvent

StoreFactory = Callable[[], Awaitable[Store]]


@pytest.fixture(params=["sqlite", "redis"])
async def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """Opens stores on one backend location; a second call is a restart (or another process).

    Every test here runs against both backends: the embedded store and a real Redis.
    """
    opened: list[Store] = []
    url = f"sqlite:///{tmp_path / 'plaza.db'}" if request.param == "sqlite" else request.getfixturevalue("redis_url")

    async def factory() -> Store:
        store = open_store(url)
        await store.open()
        opened.append(store)
        return store

    yield factory
    for store in opened:
        await store.close()


def ev(n: int) -> dict[str, object]:
    return {"type": "test.event", "at": float(n), "n": n}


async def test_append_read_and_conflict(make_store: StoreFactory) -> None:
    """Appends are sequenced from 1; an append at a stale seq writes nothing and says where the log is."""
    store = await make_store()
    assert await store.create("m1", "AAAAAA", [ev(1)]) == 1
    assert await store.append("m1", [ev(2), ev(3)], 1) == 3
    with pytest.raises(SeqConflict) as err:
        await store.append("m1", [ev(99)], 1)
    assert err.value.current == 3
    assert [seq for seq, _ in await store.read("m1")] == [1, 2, 3]
    assert await store.read("m1", 2) == [(3, ev(3))]
    assert await store.find_code("AAAAAA") == "m1" and await store.find_code("ZZZZZZ") is None
    with pytest.raises(CodeTaken):
        await store.create("m2", "AAAAAA", [ev(1)])
    with pytest.raises(UnknownMeeting):
        await store.append("nope", [ev(1)], 0)
    assert await store.meeting_ids() == ["m1"]


async def test_concurrent_appends_commit_together_and_only_one_wins(make_store: StoreFactory) -> None:
    """Many appends in flight share transactions; of those racing for one seq, exactly one wins."""
    store = await make_store()
    for i in range(50):
        await store.create(f"m{i}", f"C{i:05d}", [ev(0)])
    results = await asyncio.gather(*(store.append(f"m{i}", [ev(1)], 1) for i in range(50)))
    assert results == [2] * 50
    racing = await asyncio.gather(*(store.append("m0", [ev(k)], 2) for k in range(10)), return_exceptions=True)
    assert sum(1 for r in racing if r == 3) == 1
    assert sum(1 for r in racing if isinstance(r, SeqConflict)) == 9


async def test_events_survive_reopen(make_store: StoreFactory) -> None:
    """What append acknowledged is there after the store is reopened."""
    store = await make_store()
    await store.create("m1", "AAAAAA", [ev(1)])
    await store.append("m1", [ev(2)], 1)
    again = await make_store()
    assert await again.read("m1") == [(1, ev(1)), (2, ev(2))]


async def test_a_hub_that_lost_the_race_redecides(make_store: StoreFactory) -> None:
    """Two hubs on one store: the second's join conflicts, it reads what it missed and lands after it."""
    a = Hub(await make_store(), public_url="http://x")
    b = Hub(await make_store(), public_url="http://x")
    new = await a.create_meeting("Shared")
    live_a, live_b = await a.get(new.id), await b.get(new.id)
    assert live_a is not None and live_b is not None
    phone = m.Actor(m.Role.PHONE)
    assert await live_a.submit(m.Join(name="Ana"), phone, inputs=Inputs(now=0, participant_id="pa", token="ta")) == 2
    # b still thinks the log is at seq 1: its append conflicts, it catches up and re-decides.
    assert await live_b.submit(m.Join(name="Bo"), phone, inputs=Inputs(now=0, participant_id="pb", token="tb")) == 3
    assert set(live_b.state.participants) == {"pa", "pb"} and live_b.state.seq == 3
    records = await a.store.read(new.id)
    assert [data["type"] for _, data in records] == ["meeting.created", "participant.joined", "participant.joined"]


async def test_a_rejection_is_decided_on_the_newest_state(redis_url: str) -> None:
    """On a shared store, a command is not refused for want of what another process just appended."""
    stores = [open_store(redis_url), open_store(redis_url)]
    for store in stores:
        await store.open()
    a, b = (Hub(store, public_url="http://x") for store in stores)
    new = await a.create_meeting("Shared")
    live_a, live_b = await a.get(new.id), await b.get(new.id)
    assert live_a is not None and live_b is not None
    await live_b.submit(m.Join(name="Bo"), m.Actor(m.Role.PHONE), inputs=Inputs(now=0, participant_id="pb", token="tb"))
    # a has not heard of Bo: without a fresh read it would answer unknown_participant.
    assert await live_a.submit(m.RemoveParticipant(participant_id="pb"), m.Actor(m.Role.FACILITATOR)) == 3
    assert live_a.state.participants["pb"].removed
    for store in stores:
        await store.close()


async def test_presence_is_shared_under_a_lease(redis_url: str) -> None:
    """Each process sees the others' participants; a lapsed lease stops counting; a leaver is gone at once."""
    store = open_store(redis_url)
    await store.open()
    try:
        await store.put_presence("m1", "a", ["p1", "p2"], lease=10)
        await store.put_presence("m1", "b", ["p3"], lease=0.3)
        assert await store.get_presence("m1", "c") == {"p1", "p2", "p3"}
        assert await store.get_presence("m1", "a") == {"p3"}  # not its own
        assert await store.get_presence("m2", "c") == set()  # meetings don't mix
        await asyncio.sleep(0.5)
        assert await store.get_presence("m1", "c") == {"p1", "p2"}  # b's lease ran out (b died)
        await store.put_presence("m1", "a", [], lease=10)
        assert await store.get_presence("m1", "c") == set()
        await store.put_presence("m1", "a", ["p1"], lease=10)
        await store.drop_presence(["m1"], "a")
        assert await store.get_presence("m1", "c") == set()
    finally:
        await store.close()


async def test_the_embedded_store_has_no_one_else_to_share_presence_with(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'plaza.db'}")
    await store.open()
    try:
        assert not store.shared
        await store.put_presence("m1", "a", ["p1"], lease=10)
        assert await store.get_presence("m1", "b") == set()
    finally:
        await store.close()


async def test_delete_removes_only_an_unchanged_log_and_frees_its_code(make_store: StoreFactory) -> None:
    """Archiving deletes a log only if nothing was appended since it was written out."""
    store = await make_store()
    await store.create("m1", "AAAAAA", [ev(1), ev(2)])
    await store.create("m2", "BBBBBB", [ev(1)])
    with pytest.raises(SeqConflict):
        await store.delete("m1", "AAAAAA", 1)  # an event arrived after the archive was written
    assert len(await store.read("m1")) == 2
    await store.delete("m1", "AAAAAA", 2)
    assert await store.read("m1") == []
    assert await store.find_code("AAAAAA") is None
    assert await store.meeting_ids() == ["m2"]
    with pytest.raises(UnknownMeeting):
        await store.delete("m1", "AAAAAA", 2)
    await store.create("m3", "AAAAAA", [ev(1)])  # the code is free again
    assert await store.find_code("BBBBBB") == "m2"


async def test_redis_settings_that_can_lose_logs_are_called_out(tmp_path: Path) -> None:
    """A Redis that may evict keys or keeps no append-only file gets a warning at start."""
    from server.store.redis import RedisStore
    from server.testing import start_redis

    redis = start_redis(tmp_path / "redis")
    try:
        store = RedisStore(redis.url)
        await store.open()
        assert await store.check_config() == []  # the test Redis runs as docs/deployment.md says
        await store.redis.config_set("maxmemory-policy", "allkeys-lru")
        await store.redis.config_set("appendonly", "no")
        warnings = await store.check_config()
        assert any("noeviction" in w for w in warnings) and any("appendonly yes" in w for w in warnings)
        await store.close()
    finally:
        redis.stop()


async def test_many_concurrent_calls_wait_for_a_redis_connection_instead_of_failing(redis_url: str) -> None:
    """More calls at once than the pool has connections: they queue (redis-py's default pool would refuse)."""
    store = open_store(redis_url)
    await store.open()
    try:
        await store.create("m1", "AAAAAA", [ev(1)])
        found = await asyncio.gather(*(store.find_code("AAAAAA") for _ in range(400)))
        assert found == ["m1"] * 400
    finally:
        await store.close()


async def test_processes_take_turns_to_write_a_meeting(redis_url: str) -> None:
    """The write turn: one holder; the next in line gets it when it ends, not the holder again; it expires."""
    store = open_store(redis_url)
    await store.open()
    try:
        await store.create("m1", "AAAAAA", [ev(1)])
        assert await store.take_turn("m1", "a", 1, hold=5) == []  # a's turn, nothing missed
        assert await store.take_turn("m1", "b", 1, hold=5) is None  # b waits (and is next in line)
        await store.append("m1", [ev(2)], 1, end_turn_of="a")  # appending ends a's turn
        assert await store.take_turn("m1", "a", 2, hold=5) is None  # a can't cut in front of b
        assert await store.take_turn("m1", "b", 1, hold=5) == [(2, ev(2))]  # b's turn, with what it missed
        await store.end_turn("m1", "b")  # b had nothing to write
        assert await store.take_turn("m1", "a", 2, hold=0.2) == []
        assert await store.take_turn("m1", "b", 2, hold=5) is None
        await asyncio.sleep(0.3)  # a died holding the turn: it lapses
        assert await store.take_turn("m1", "b", 2, hold=5) == []
    finally:
        await store.close()


async def test_one_append_that_cannot_be_encoded_fails_alone(make_store: StoreFactory) -> None:
    """An event with a lone surrogate, appended in the same group commit as good appends of other meetings:
    the bad append gets an error, the others commit, and the writer goes on serving (it used to die, and
    every append of that group waited for ever)."""
    store = await make_store()
    for i in range(10):
        await store.create(f"m{i}", f"C{i:05d}", [ev(0)])
    bad = {"type": "test.event", "at": 1.0, "text": "g\ud800"}
    appends = (store.append(f"m{i}", [bad if i == 5 else ev(1)], 1) for i in range(10))
    results = await asyncio.wait_for(asyncio.gather(*appends, return_exceptions=True), 10)  # not for ever
    assert isinstance(results[5], BadEvent) and isinstance(results[5], StoreError)
    assert [r for i, r in enumerate(results) if i != 5] == [2] * 9
    # The writer serves on: the bad meeting too, and a group with a bad create in it.
    created = await asyncio.gather(
        store.append("m5", [ev(1)], 1),
        store.create("bad", "BADBAD", [bad]),
        store.append("m0", [ev(2)], 2),
        return_exceptions=True,
    )
    assert created[0] == 2 and isinstance(created[1], BadEvent) and created[2] == 3
    assert await store.read("m5") == [(1, ev(0)), (2, ev(1))]
    assert await store.find_code("BADBAD") is None
    assert store.problem() is None


async def test_one_operation_that_fails_in_the_writer_fails_alone(tmp_path: Path) -> None:
    """Whatever one operation raises inside the writer (not only a sequence conflict) is that operation's
    error; the others of its group commit."""
    store = open_store(f"sqlite:///{tmp_path / 'plaza.db'}")
    await store.open()
    try:
        for i in range(4):
            await store.create(f"m{i}", f"C{i:05d}", [ev(0)])

        def broken(db: sqlite3.Connection) -> None:
            db.execute("INSERT INTO events (meeting_id, seq, data) VALUES ('m0', 99, x'00')")
            raise RuntimeError("a bug in an operation")

        results = await asyncio.gather(
            store.append("m1", [ev(1)], 1),
            store._write(broken),  # type: ignore[attr-defined]
            store.append("m2", [ev(1)], 1),
            return_exceptions=True,
        )
        assert results[0] == 2 and results[2] == 2 and isinstance(results[1], StoreError)
        assert [seq for seq, _ in await store.read("m0")] == [1]  # its savepoint was rolled back
        assert store.problem() is None
        assert await store.append("m3", [ev(1)], 1) == 2
    finally:
        await store.close()


async def test_a_group_whose_commit_fails_is_retried_one_by_one(tmp_path: Path) -> None:
    """If the group's transaction fails, each operation is committed on its own: the good ones land."""
    store = open_store(f"sqlite:///{tmp_path / 'plaza.db'}")
    await store.open()
    try:
        for i in range(3):
            await store.create(f"m{i}", f"C{i:05d}", [ev(0)])

        def poison(db: sqlite3.Connection) -> None:
            db.execute("RELEASE op")  # leaves the group's savepoints in a state the transaction can't finish
            db.execute("COMMIT")
            raise sqlite3.OperationalError("disk I/O error")

        results = await asyncio.gather(
            store.append("m0", [ev(1)], 1),
            store._write(poison),  # type: ignore[attr-defined]
            store.append("m2", [ev(1)], 1),
            return_exceptions=True,
        )
        assert results[0] == 2 and results[2] == 2 and isinstance(results[1], StoreError)
        assert await store.read("m2") == [(1, ev(0)), (2, ev(1))]
        assert store.problem() is None
    finally:
        await store.close()


async def test_healthz_reports_a_writer_that_can_not_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """/healthz says 503 with the reason while the writer can commit nothing, and when it has died; 200 again
    once it commits."""
    store = open_store(f"sqlite:///{tmp_path / 'plaza.db'}")
    await store.open()
    hub = Hub(store, public_url="http://x")
    request: Any = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(hub=hub)))

    async def health() -> tuple[int, dict[str, Any]]:
        response = await healthz(request)
        return response.status_code, json.loads(response.body)

    try:
        assert (await health())[0] == 200
        await store.create("m1", "AAAAAA", [ev(0)])
        real = store._commit  # type: ignore[attr-defined]

        def full(ops: list[Any]) -> list[Any]:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(store, "_commit", full)
        with pytest.raises(StoreError):
            await store.append("m1", [ev(1)], 1)
        status, body = await health()
        assert status == 503 and body["status"] == "unavailable" and "disk is full" in body["error"]
        monkeypatch.setattr(store, "_commit", real)
        assert await store.append("m1", [ev(1)], 1) == 2
        assert (await health())[0] == 200

        class WriterBug(BaseException):
            pass

        def dies(ops: list[Any]) -> list[Any]:
            raise WriterBug("the writer's thread is gone")

        monkeypatch.setattr(store, "_commit", dies)
        with pytest.raises(StoreError):  # the caller is answered, not left waiting
            await asyncio.wait_for(store.append("m1", [ev(2)], 2), 5)
        status, body = await health()
        assert status == 503 and "writer stopped" in body["error"] and "WriterBug" in body["error"]
        monkeypatch.setattr(store, "_commit", real)  # the next write starts a writer again; once it commits, 200
        assert await store.append("m1", [ev(2)], 2) == 3
        assert (await health())[0] == 200
    finally:
        monkeypatch.undo()
        store._flusher = None  # type: ignore[attr-defined]
        await store.close()


async def test_data_files_and_folder_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    """plaza.db, its -wal and -shm are 0600 and a folder the store creates 0700; an old 0644 file is tightened."""
    folder = tmp_path / "data"
    old_umask = os.umask(0o022)
    try:
        store = open_store(f"sqlite:///{folder / 'plaza.db'}")
        await store.open()
        await store.create("m1", "AAAAAA", [ev(0)])
        mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
        files = [folder / "plaza.db", folder / "plaza.db-wal", folder / "plaza.db-shm"]
        assert all(f.exists() for f in files)
        assert [mode(f) for f in files] == [0o600] * 3
        assert mode(folder) == 0o700
        await store.close()
        for f in [folder, *files]:
            if f.exists():
                f.chmod(0o755 if f.is_dir() else 0o644)
        again = open_store(f"sqlite:///{folder / 'plaza.db'}")
        await again.open()
        await again.append("m1", [ev(1)], 1)
        assert [mode(f) for f in files] == [0o600] * 3 and mode(folder) == 0o700
        await again.close()
    finally:
        os.umask(old_umask)


async def test_a_bad_append_on_redis_fails_alone_and_frees_the_write_turn(redis_url: str) -> None:
    """On Redis too, an append that can't be encoded fails by itself, and does not leave the meeting's write
    turn held until it lapses (the other processes would wait for it)."""
    store = open_store(redis_url)
    await store.open()
    try:
        await store.create("m1", "AAAAAA", [ev(1)])
        assert await store.take_turn("m1", "a", 1, hold=30) == []
        with pytest.raises(BadEvent):
            await store.append("m1", [{"type": "test.event", "text": "\ud800"}], 1, end_turn_of="a")
        assert await store.take_turn("m1", "b", 1, hold=5) == []  # the turn is free at once
        assert await store.append("m1", [ev(2)], 1, end_turn_of="b") == 2
    finally:
        await store.close()
