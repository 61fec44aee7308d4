"""Moving a meeting between stores with ``python -m server export / import / archive``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from server.client import PlazaClient
from server.store import open_store
from tests.conftest import ServerProcess, free_port, key_of


def plaza(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the documented command, as an organiser would."""
    return subprocess.run(
        [sys.executable, "-m", "server", *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


async def read_log(url: str, meeting_id: str) -> list[tuple[int, dict[str, Any]]]:
    store = open_store(url)
    await store.open()
    try:
        return await store.read(meeting_id)
    finally:
        await store.close()


async def joined_phone(server: ServerProcess, code: str, name: str) -> tuple[PlazaClient, dict[str, Any]]:
    phone = PlazaClient(server.ws, "json")
    await phone.connect()
    await phone.hello("phone", code=code)
    return phone, await phone.request("join", name=name)


async def test_a_meeting_moves_from_a_laptop_to_redis_and_back(tmp_path: Path, redis_url: str) -> None:
    """Export from the embedded store, import into Redis, carry on there, and bring it home as msgpack."""
    laptop = ServerProcess(data=tmp_path / "laptop", port=free_port()).start()
    meeting = laptop.create_meeting("Moving assembly")
    phone, ack = await joined_phone(laptop, meeting["code"], "Ana")
    await phone.request("rename", name="Ana M")
    await phone.close()
    laptop.stop()

    out = plaza("export", meeting["code"].lower(), "--out", tmp_path / "assembly.jsonl", "--data", tmp_path / "laptop")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in (tmp_path / "assembly.jsonl").read_text().splitlines()]
    assert lines[0]["format"] == "plaza-meeting-log" and lines[0]["code"] == meeting["code"]
    types = [item["event"]["type"] for item in lines[1:]]
    assert types == ["meeting.created", "participant.joined", "participant.renamed"]

    done = plaza("import", tmp_path / "assembly.jsonl", "--redis-url", redis_url)
    assert done.returncode == 0, done.stderr
    assert "3 events" in done.stdout

    hall = ServerProcess(data=tmp_path / "hall", port=free_port(), extra_args=["--redis-url", redis_url]).start()
    try:
        async with PlazaClient(hall.ws, "json") as again:
            welcome = await again.hello("phone", code=meeting["code"], token=ack["token"])
            assert welcome["participant"] == ack["participant"]  # the same person, on the new deployment
            me = await again.wait_view("me")
            assert me["participant"]["name"] == "Ana M"
            await again.request("rename", name="Ana R")
        async with PlazaClient(hall.ws, "json") as console:  # the facilitator's link still works
            await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    finally:
        hall.stop()

    back = tmp_path / "back.msgpack"
    assert plaza("export", meeting["id"], "--out", back, "--redis-url", redis_url).returncode == 0
    home = f"sqlite:///{tmp_path / 'home' / 'plaza.db'}"
    done = plaza("import", back, "--store-url", home)
    assert done.returncode == 0, done.stderr
    assert await read_log(home, meeting["id"]) == await read_log(redis_url, meeting["id"])
    assert len(await read_log(home, meeting["id"])) == 4


async def test_export_to_stdout_is_json_lines(server: ServerProcess, meeting: dict[str, Any]) -> None:
    out = plaza("export", meeting["id"], "--data", server.data)
    assert out.returncode == 0, out.stderr
    items = [json.loads(line) for line in out.stdout.splitlines()]
    assert items[0]["meeting"] == meeting["id"] and items[1] == {"seq": 1, "event": items[1]["event"]}


def exported(tmp_path: Path, server: ServerProcess, meeting: dict[str, Any]) -> list[dict[str, Any]]:
    assert plaza("export", meeting["id"], "--out", tmp_path / "m.jsonl", "--data", server.data).returncode == 0
    return [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda items: [], "empty"),
        (lambda items: [{"format": "something else"}, *items[1:]], "not a Plaza meeting log"),
        (lambda items: [{**items[0], "version": 99}, *items[1:]], "version 99"),
        (lambda items: [items[0], {"seq": 2, "event": items[1]["event"]}], "seq"),
        (lambda items: [items[0], {"seq": 1, "event": {"type": "no.such.event", "at": 1}}], "don't replay"),
        (lambda items: [{**items[0], "seq": 7}, *items[1:]], "header says 7"),
        (lambda items: [{**items[0], "meeting": "someone-else"}, *items[1:]], "meeting.created"),
    ],
)
def test_import_refuses_a_damaged_file_and_writes_nothing(
    tmp_path: Path, server: ServerProcess, meeting: dict[str, Any], damage: Any, message: str
) -> None:
    items = damage(exported(tmp_path, server, meeting))
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(item) + "\n" for item in items))
    target = tmp_path / "target"
    result = plaza("import", bad, "--data", target)
    assert result.returncode == 2
    assert message in result.stderr
    assert plaza("export", meeting["id"], "--data", target).returncode == 2  # nothing was imported


def test_import_refuses_garbage_and_a_meeting_already_there(
    tmp_path: Path, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    exported(tmp_path, server, meeting)
    (tmp_path / "garbage.jsonl").write_text("{not json\n")
    (tmp_path / "garbage.msgpack").write_bytes(b"\xc1\xc1\xc1")
    assert "not JSON" in plaza("import", tmp_path / "garbage.jsonl", "--data", tmp_path / "t").stderr
    assert "msgpack" in plaza("import", tmp_path / "garbage.msgpack", "--data", tmp_path / "t").stderr
    again = plaza("import", tmp_path / "m.jsonl", "--data", server.data)
    assert again.returncode == 2 and "already in" in again.stderr
    missing = plaza("export", "NOPE99", "--data", server.data)
    assert missing.returncode == 2 and "no meeting" in missing.stderr


async def test_archive_moves_ended_meetings_out_of_redis_only_once_they_are_safely_on_disk(
    tmp_path: Path, redis_url: str
) -> None:
    hall = ServerProcess(data=tmp_path / "hall", port=free_port(), extra_args=["--redis-url", redis_url]).start()
    try:
        ended, live = hall.create_meeting("Ended"), hall.create_meeting("Still going")
        async with PlazaClient(hall.ws, "json") as console:
            await console.hello("facilitator", meeting=ended["id"], key=key_of(ended["facilitator_url"]))
            await console.request("end_meeting")
    finally:
        hall.stop()
    before = await read_log(redis_url, ended["id"])
    result = plaza("archive", "--dir", tmp_path / "archive", "--redis-url", redis_url)
    assert result.returncode == 0, result.stderr
    assert "1 meeting(s) archived" in result.stdout
    (path,) = (tmp_path / "archive").iterdir()
    assert path.name.endswith(f"-{ended['code']}-{ended['id']}.jsonl")
    assert await read_log(redis_url, ended["id"]) == []  # trimmed from Redis...
    assert len(await read_log(redis_url, live["id"])) == 1  # ...but not a meeting still going
    # ... and the archive is the whole record: it imports back to the same log.
    assert plaza("import", path, "--redis-url", redis_url).returncode == 0
    assert await read_log(redis_url, ended["id"]) == before
