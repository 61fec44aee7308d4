"""Breakout rooms survive what the assembly survives: kill -9, several processes on Redis, export/import."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from server.client import PlazaClient
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, free_port, key_of
from tests.test_records import plaza

T = 10 * TIMEOUT_FACTOR


async def console_on(server: ServerProcess, meeting: dict[str, Any]) -> PlazaClient:
    console = PlazaClient(server.ws, "json")
    await console.connect()
    await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    return console


async def phones_on(server: ServerProcess, meeting: dict[str, Any], names: list[str]) -> list[PlazaClient]:
    phones = []
    for name in names:
        phone = PlazaClient(server.ws, "msgpack")
        await phone.connect()
        await phone.hello("phone", code=meeting["code"])
        phone.token = (await phone.request("join", name=name))["token"]  # type: ignore[attr-defined]
        phones.append(phone)
    return phones


async def device_on(server: ServerProcess, meeting: dict[str, Any], room: str, link: str) -> PlazaClient:
    device = PlazaClient(server.ws, "json")
    await device.connect()
    await device.hello("room", meeting=meeting["id"], room=room, key=key_of(link))
    return device


async def close_all(*clients: PlazaClient) -> None:
    for client in clients:
        await client.close()


async def test_a_breakout_survives_kill_9(tmp_path: Path) -> None:
    """Pulled plug mid-breakout: rooms, a room's stack, the report and the return countdown all come back."""
    server = ServerProcess(data=tmp_path / "data", port=free_port()).start()
    try:
        meeting = server.create_meeting("Kill test")
        console = await console_on(server, meeting)
        phones = await phones_on(server, meeting, ["Ana", "Bo", "Cy", "Di"])
        await console.wait_view("facilitator", lambda v: v["present"] == 4, timeout=T)
        await console.request("start_breakouts", rooms=2, names=["Garden", "Kitchen"], question="What now?", minutes=20)
        rooms = {}
        for phone in phones:
            me = await phone.wait_view("me", lambda v: v.get("rooms") is not None, timeout=T)
            rooms[phone] = me["rooms"]["room"]
        ana = phones[0]
        await ana.request("raise_hand")
        await ana.request("volunteer_rapporteur")
        await ana.request("write_report", text="Rent strike fund.\nAsk the Kitchen.")
        await console.request("call_back", seconds=int(6 * TIMEOUT_FACTOR))
        before = await ana.wait_view("room", lambda v: v["return_at"] is not None, timeout=T)
        server.kill()
        await close_all(console, *phones)
    except BaseException:
        server.stop()
        raise

    server.start()
    try:
        again = PlazaClient(server.ws, "msgpack")
        await again.connect()
        await again.hello("phone", code=meeting["code"], token=ana.token)  # type: ignore[attr-defined]
        me = await again.wait_view("me", lambda v: v.get("rooms") is not None, timeout=T)
        assert me["rooms"] == {"room": rooms[ana], "name": before["name"], "rapporteur": True}
        assert me["hand"] is not None and me["hand"]["position"] == 1  # on the room's stack, still
        room = await again.wait_view("room", timeout=T)
        assert room["report"] == "Rent strike fund.\nAsk the Kitchen."
        assert room["return_at"] == before["return_at"] and room["ends_at"] == before["ends_at"]
        assert [p["name"] for p in room["people"]] == [p["name"] for p in before["people"]]
        # The return countdown is a server deadline: it ends the round after the restart too.
        me = await again.wait_view("me", lambda v: v.get("rooms") is None, timeout=T + 6 * TIMEOUT_FACTOR)
        assert time.time() >= before["return_at"] - 0.5
        phone_view = await again.wait_view("phone", lambda v: v["rooms"]["ended"], timeout=T)
        assert phone_view["rooms"]["rooms"] == []
        status, body, _ = server.get(f"/api/meetings/{meeting['id']}/minutes.md")
        text = body.decode()
        assert status == 200 and "Rent strike fund." in text and "### Garden" in text and "### Kitchen" in text
        await again.close()
    finally:
        server.stop()


async def test_a_phone_on_one_process_and_its_room_device_on_another(tmp_path: Path, redis_url: str) -> None:
    """On Redis, a hand raised in a room through process A reaches that room's device on process B."""
    args = ["--redis-url", redis_url, "--presence-lease", "3"]
    a, b = (ServerProcess(data=tmp_path / n, port=free_port(), extra_args=args).start() for n in ("a", "b"))
    try:
        meeting = a.create_meeting("Two halls")
        console = await console_on(b, meeting)
        phones = await phones_on(a, meeting, ["Ana", "Bo", "Cy", "Di", "Ed", "Flo"])
        await console.wait_view("facilitator", lambda v: v["present"] == 6, timeout=T)
        await console.request("start_breakouts", rooms=3, minutes=15)
        links = (await console.request("room_links"))["links"]
        assert sorted(links) == ["b1-1", "b1-2", "b1-3"]
        me = await phones[0].wait_view("me", lambda v: v.get("rooms") is not None, timeout=T)
        room = me["rooms"]["room"]
        device = await device_on(b, meeting, room, links[room])
        other_room = next(r for r in links if r != room)
        other = await device_on(b, meeting, other_room, links[other_room])
        view = await device.wait_view("room", timeout=T)
        assert len(view["people"]) == 2 and view["stack"]["waiting"] == 0
        await phones[0].request("raise_hand")
        view = await device.wait_view("room", lambda v: v["stack"]["waiting"] == 1, timeout=T)
        assert view["stack"]["next"][0]["name"] == "Ana"
        await asyncio.sleep(0.5)
        assert other.view("room")["stack"]["waiting"] == 0  # type: ignore[index]
        # The broadcast reaches every room, wherever its device is connected.
        await console.request("broadcast", text="Five minutes left")
        for d in (device, other):
            await d.wait_view("room", lambda v: v["broadcast"] == "Five minutes left", timeout=T)
        await close_all(console, device, other, *phones)
    finally:
        a.stop()
        b.stop()


async def test_rooms_move_with_export_and_import(tmp_path: Path, redis_url: str) -> None:
    """A meeting exported mid-breakout and imported into Redis has the same rooms, people and reports."""
    laptop = ServerProcess(data=tmp_path / "laptop", port=free_port()).start()
    try:
        meeting = laptop.create_meeting("Moving rooms")
        console = await console_on(laptop, meeting)
        phones = await phones_on(laptop, meeting, ["Ana", "Bo", "Cy"])
        await console.wait_view("facilitator", lambda v: v["present"] == 3, timeout=T)
        await console.request("start_breakouts", rooms=2, minutes=10, mode="self")
        await phones[0].request("take_room", room="b1-2")
        await phones[0].request("volunteer_rapporteur")
        await phones[0].request("write_report", text="We met.")
        before = await console.wait_view(
            "facilitator",
            lambda v: v["rooms"]["current"] is not None and v["rooms"]["current"]["rooms"][1]["report"],
            timeout=T,
        )
        await close_all(console, *phones)
    finally:
        laptop.stop()

    out = plaza("export", meeting["id"], "--out", tmp_path / "m.jsonl", "--data", tmp_path / "laptop")
    assert out.returncode == 0, out.stderr
    done = plaza("import", tmp_path / "m.jsonl", "--redis-url", redis_url)
    assert done.returncode == 0, done.stderr
    hall = ServerProcess(data=tmp_path / "hall", port=free_port(), extra_args=["--redis-url", redis_url]).start()
    try:
        console = await console_on(hall, meeting)
        after = await console.wait_view("facilitator", timeout=T)
        keep = ("room", "name", "people", "rapporteur", "report", "stack")  # presence differs: nobody is here yet
        for old, new in zip(before["rooms"]["current"]["rooms"], after["rooms"]["current"]["rooms"], strict=True):
            assert {k: new[k] for k in keep} == {k: old[k] for k in keep}
            assert [p["id"] for p in new["members"]] == [p["id"] for p in old["members"]]
        assert after["rooms"]["current"]["rooms"][1]["report"] == "We met."
        await console.close()
    finally:
        hall.stop()
