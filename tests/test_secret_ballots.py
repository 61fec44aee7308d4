"""Secret means secret, on disk too: a secret vote's ballots are sealed while it is open and
unreadable for good once it closes, while every acknowledged ballot still counts exactly once
across kill -9, a ballot can still be changed, and receipts still let each voter check theirs.

Real server processes, a real SQLite file, a real redis-server of our own (its files are read).
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import msgpack
import pytest
import redis.asyncio as aioredis
from playwright.async_api import Browser, expect

from server.client import PlazaClient
from server.core import meeting as m
from server.decisions import core as dc
from server.store import open_store
from server.store.sealed import SealedStore
from server.testing import start_redis
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, free_port, key_of
from tests.test_assembly import Assembly
from tests.test_browser import browser, join_as  # noqa: F401  (fixture)
from tests.test_browser_assembly import cast as tap_ballot
from tests.test_records import plaza

T = 10 * TIMEOUT_FACTOR
VOTE = {"subject": "question", "question": "Elect Dee as treasurer?", "ballot": "yes_no", "rule": "majority"}


async def console_on(server: ServerProcess, meeting: dict[str, Any]) -> PlazaClient:
    console = PlazaClient(server.ws, "json")
    await console.connect()
    await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    return console


async def phone_on(server: ServerProcess, meeting: dict[str, Any], name: str = "", token: str = "") -> PlazaClient:
    phone = PlazaClient(server.ws, "msgpack")
    await phone.connect()
    if token:
        await phone.hello("phone", code=meeting["code"], token=token)
        phone.token = token  # type: ignore[attr-defined]
    else:
        await phone.hello("phone", code=meeting["code"])
        phone.token = (await phone.request("join", name=name))["token"]  # type: ignore[attr-defined]
    return phone


async def cast(phone: PlazaClient, vote: int, choice: str) -> str:
    await phone.request("cast_ballot", vote=vote, choice=choice)
    me = await phone.wait_view(
        "me", lambda v: v["ballot"] is not None and v["ballot"]["choices"] == [choice], timeout=T
    )
    return str(me["ballot"]["receipt"])


def stored_rows(db: Path, meeting_id: str) -> tuple[list[dict[str, Any]], list[bytes]]:
    """The meeting's events as the SQLite file holds them, and the secrets beside them."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT data FROM events WHERE meeting_id = ? ORDER BY seq", (meeting_id,)).fetchall()
        secrets = con.execute("SELECT value FROM secrets WHERE meeting_id = ?", (meeting_id,)).fetchall()
    return [msgpack.unpackb(r[0], raw=False) for r in rows], [bytes(s[0]) for s in secrets]


def files_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


async def until(check: Any, what: str) -> Any:
    deadline = time.monotonic() + T
    while True:
        value = await check() if asyncio.iscoroutinefunction(check) else check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_secret_ballots_survive_kill_9_then_are_shredded_at_the_close(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = data / "plaza.db"
    server = ServerProcess(data=data, port=free_port()).start()
    try:
        meeting = server.create_meeting("Treasurer")
        console = await console_on(server, meeting)
        ana, bo, cy = [await phone_on(server, meeting, n) for n in ("Ana", "Bo", "Cy")]
        await console.wait_view("facilitator", lambda v: v["present"] == 3, timeout=T)
        await console.request("open_vote", **VOTE, secret=True)
        vote = (await ana.wait_view("phone", lambda v: v["vote"] is not None, timeout=T))["vote"]["vote"]
        receipt = await cast(ana, vote, "yes")
        await cast(bo, vote, "no")
        await cast(cy, vote, "yes")
        assert await cast(ana, vote, "abstain") == receipt  # changed: the same receipt
        # While open, the file holds every ballot sealed and the key beside the log, never in it.
        rows, keys = stored_rows(db, meeting["id"])
        assert len(keys) == 1 and len(keys[0]) == 32
        key = keys[0]
        assert not [r for r in rows if r["type"] == "vote.ballot_cast"]
        assert len([r for r in rows if r["type"] == "sealed"]) == 4
        server.kill()
        await asyncio.gather(*(c.close() for c in (console, ana, bo, cy)))
    except BaseException:
        server.stop()
        raise

    # An export now would carry ballots its importer could never open: refused, with the reason.
    refused = plaza("export", meeting["id"], "--out", tmp_path / "open.jsonl", "--data", data)
    assert refused.returncode != 0 and "secret vote open" in refused.stderr
    assert not (tmp_path / "open.jsonl").exists()

    server.start()
    try:
        console = await console_on(server, meeting)
        ana = await phone_on(server, meeting, token=ana.token)  # type: ignore[attr-defined]
        bo = await phone_on(server, meeting, token=bo.token)  # type: ignore[attr-defined]
        cy = await phone_on(server, meeting, token=cy.token)  # type: ignore[attr-defined]
        me = await ana.wait_view("me", lambda v: v["ballot"] is not None, timeout=T)
        assert me["ballot"] == {"vote": vote, "choices": ["abstain"], "reason": "", "receipt": receipt}
        view = await console.wait_view("facilitator", lambda v: v["present"] == 3, timeout=T)
        assert view["vote"]["turnout"] == 3 and view["vote"]["counts"] is None  # each ballot once; no counts
        assert await cast(ana, vote, "yes") == receipt  # still changeable after the crash
        view = await console.wait_view("facilitator", lambda v: v["vote"]["turnout"] == 3, timeout=T)
        await console.request("close_vote", vote=vote)
        view = await console.wait_view("facilitator", lambda v: v["vote"]["result"] is not None, timeout=T)
        assert view["vote"]["counts"] == {"yes": 2, "no": 1, "abstain": 0}
        assert view["vote"]["result"]["outcome"] == "passed" and view["vote"]["secret"] is True
        minutes = server.get(f"/api/meetings/{meeting['id']}/minutes.json")
        record = json.loads(minutes[1])["items"][0]["votes"][0]
        assert record["voters"] == ["Ana", "Bo", "Cy"]
        assert {r["receipt"]: r["choices"] for r in record["receipts"]}[receipt] == ["yes"]  # Ana finds hers
        me = await ana.wait_view("me", lambda v: v["ballot"] is None, timeout=T)
        assert me["voted"] is True

        # The close is durable, then the key is destroyed: nothing on disk opens the ballots again.
        await until(lambda: not stored_rows(db, meeting["id"])[1], "the key to be dropped")
        rows, _ = stored_rows(db, meeting["id"])
        assert not [r for r in rows if r["type"] == "vote.ballot_cast"]
        assert len([r for r in rows if r["type"] == "sealed"]) == 5
        await until(lambda: key not in files_under(data), "the key's bytes to leave every file")
        assert receipt.encode() not in (server.log_path.read_bytes() if server.log_path else b"")
        await asyncio.gather(*(c.close() for c in (console, ana, bo, cy)))
    finally:
        server.stop()

    # After a restart the closed vote reads the same, from its record alone.
    server.start()
    try:
        console = await console_on(server, meeting)
        view = await console.wait_view("facilitator", timeout=T)
        assert view["vote"]["counts"] == {"yes": 2, "no": 1, "abstain": 0} and view["vote"]["turnout"] == 3
        await console.close()
    finally:
        server.stop()
    done = plaza("export", meeting["id"], "--out", tmp_path / "closed.jsonl", "--data", data)
    assert done.returncode == 0, done.stderr
    exported = (tmp_path / "closed.jsonl").read_text()
    assert "vote.ballot_cast" not in exported and '"sealed"' in exported


async def test_secret_ballots_across_two_processes_on_redis_leave_no_key_in_its_files(tmp_path: Path) -> None:
    """Ana votes on process A and changes her ballot on B; the close on A counts her once; then
    Redis holds no key, in memory or in its append-only files."""
    rds = start_redis(tmp_path / "redis")
    url = f"{rds.url}?prefix=t:"
    a = ServerProcess(data=tmp_path / "a", port=free_port(), extra_args=["--redis-url", url]).start()
    b = ServerProcess(data=tmp_path / "b", port=free_port(), extra_args=["--redis-url", url]).start()
    client = aioredis.Redis.from_url(rds.url)
    try:
        meeting = a.create_meeting("Two doors")
        console = await console_on(a, meeting)
        ana = await phone_on(a, meeting, "Ana")
        bo = await phone_on(b, meeting, "Bo")
        await console.request("open_vote", **VOTE, secret=True)
        vote = (await ana.wait_view("phone", lambda v: v["vote"] is not None, timeout=T))["vote"]["vote"]
        receipt = await cast(ana, vote, "yes")
        await cast(bo, vote, "no")
        secrets_key = f"t:m:{{{meeting['id']}}}:secrets"
        (key,) = (await client.hgetall(secrets_key)).values()
        await ana.close()
        ana = await phone_on(b, meeting, token=ana.token)  # type: ignore[attr-defined]
        assert await cast(ana, vote, "abstain") == receipt  # B opens what A sealed
        await console.wait_view("facilitator", lambda v: v["vote"]["turnout"] == 2, timeout=T)
        await console.request("close_vote", vote=vote)
        view = await console.wait_view("facilitator", lambda v: v["vote"]["result"] is not None, timeout=T)
        assert view["vote"]["counts"] == {"yes": 0, "no": 1, "abstain": 1}
        entries = await client.xrange(f"t:m:{{{meeting['id']}}}:log")
        stored = [msgpack.unpackb(fields[b"e"], raw=False) for _, fields in entries]
        assert not [e for e in stored if e["type"] == "vote.ballot_cast"]
        assert len([e for e in stored if e["type"] == "sealed"]) == 3
        await until(client_has_no(client, secrets_key), "the key to be dropped")

        async def rewritten() -> bool:
            info = await client.info("persistence")
            return not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]

        await until(rewritten, "Redis to rewrite its append-only file")
        await until(lambda: key not in files_under(tmp_path / "redis"), "the key's bytes to leave Redis's files")
        await asyncio.gather(*(c.close() for c in (console, ana, bo)))
    finally:
        await client.aclose()
        a.stop()
        b.stop()
        rds.stop()


def client_has_no(client: aioredis.Redis, key: str) -> Any:
    async def check() -> bool:
        return not await client.exists(key)

    return check


@pytest.mark.browser
async def test_a_phone_keeps_its_receipt_after_the_close(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """The server forgets whose ballot was which at the close; the phone still shows its receipt."""
    seen: list[str] = []
    phone = await join_as(browser, meeting["join_url"], "Ana", seen)
    console = await console_on(server, meeting)
    try:
        await console.request("open_vote", **VOTE, secret=True)
        await tap_ballot(phone, "Yes")
        text = await phone.locator("#my-ballot").text_content() or ""
        receipt = re.search(r"Receipt ([A-Z0-9]{4}-[A-Z0-9]{4})", text)
        assert receipt, text
        vote = (await console.wait_view("facilitator", lambda v: v["vote"]["turnout"] == 1, timeout=T))["vote"]
        await console.request("close_vote", vote=vote["vote"])
        await expect(phone.locator("#my-ballot")).to_have_text(
            f"You voted. Your receipt {receipt.group(1)}: find it in the minutes with its choice."
        )
        await expect(phone.locator("#outcome")).to_have_text("Passed")
    finally:
        await console.close()


async def test_every_sealed_ballot_of_a_vote_has_one_length(tmp_path: Path) -> None:
    """AES-GCM keeps the length: unpadded, "abstain" would show beside "yes", a block's reason beside
    an agree.  Every ballot of a vote is sealed to one size, whatever its choices and reason."""
    room = Assembly("ana", "ben", "cy", "dee")
    vote = room.open_vote(subject="question", question="Q?", ballot="consensus", rule="consensus", secret=True)
    ballots = [
        ("ana", ("agree",), ""),
        ("ben", ("stand_aside",), ""),
        ("cy", ("block",), "𝄞" * dc.REASON_MAX),  # the longest reason, 4 bytes a character
        ("dee", ("block",), "No."),
    ]
    events = []
    for who, choices, reason in ballots:
        events += room.do(dc.CastBallot(vote, choices, reason), m.Actor(m.Role.PHONE, participant_id=who), receipt=who)
    store = SealedStore(open_store(f"sqlite:///{tmp_path / 'plaza.db'}"))
    await store.open()
    try:
        await store.create("m1", "AAAAAA", [{"type": "meeting.created", "at": 0.0}])
        await store.append("m1", [e.to_dict() for e in events], 1)
        stored = [data for _, data in await store.inner.read("m1", 1)]
        assert [d["type"] for d in stored] == ["sealed"] * 4
        assert len({len(d["box"]) for d in stored}) == 1
        opened = [data for _, data in await store.read("m1", 1)]
        assert opened == [msgpack.unpackb(msgpack.packb(e.to_dict())) for e in events]
    finally:
        await store.close()


async def test_a_dropped_key_leaves_the_write_ahead_log_once_a_reader_lets_go(tmp_path: Path) -> None:
    """An export or a backup tool reading the file can hold the WAL when a key is dropped: the store
    keeps trying to truncate it, and the key's bytes leave every file once the reader is done."""
    store = open_store(f"sqlite:///{tmp_path / 'plaza.db'}")
    await store.open()
    try:
        await store.create("m1", "AAAAAA", [{"type": "meeting.created", "at": 0.0}])
        key = b"\x01" * 8 + b"a key to forget!" + b"\x02" * 8
        assert await store.put_secret("m1", "seal:s1", key) == key
        reader = sqlite3.connect(tmp_path / "plaza.db")
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM events").fetchone()
        await store.drop_secret("m1", "seal:s1")
        assert await store.secret_names("m1") == []
        reader.execute("COMMIT")
        reader.close()
        await until(lambda: key not in files_under(tmp_path), "the key to leave the write-ahead log")
    finally:
        await store.close()


async def test_an_export_is_refused_while_a_secret_vote_is_open_even_before_its_first_ballot(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data=data, port=free_port()).start()
    try:
        meeting = server.create_meeting("Early")
        console = await console_on(server, meeting)
        await console.request("open_vote", **VOTE, secret=True)
        await console.close()
    finally:
        server.stop()
    refused = plaza("export", meeting["id"], "--out", tmp_path / "early.jsonl", "--data", data)
    assert refused.returncode != 0 and "secret vote open" in refused.stderr
    assert not (tmp_path / "early.jsonl").exists()
