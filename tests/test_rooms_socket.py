"""Breakout rooms over the real protocol, in both formats: every rooms message, every refusal with
its code, who gets which room view, reconnecting into a room, and the return countdown kept by the server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from server.client import PlazaClient, PlazaError
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.test_stack_socket import console_for

T = 10 * TIMEOUT_FACTOR
QUIET = 1.0 * TIMEOUT_FACTOR  # how long a room that should hear nothing is watched


async def phone_for(server: ServerProcess, meeting: dict[str, Any], fmt: str, name: str, **join: Any) -> PlazaClient:
    """A phone that joined; ``phone.pid`` and ``phone.token`` say who it is."""
    phone = PlazaClient(server.ws, fmt)
    await phone.connect()
    await phone.hello("phone", code=meeting["code"])
    ack = await phone.request("join", name=name, **join)
    phone.pid, phone.token = ack["participant"], ack["token"]  # type: ignore[attr-defined]
    return phone


async def device_for(server: ServerProcess, meeting: dict[str, Any], fmt: str, room: str, key: str) -> PlazaClient:
    device = PlazaClient(server.ws, fmt)
    await device.connect()
    await device.hello("room", meeting=meeting["id"], room=room, key=key)
    return device


def seq(server: ServerProcess, meeting: dict[str, Any]) -> int:
    status, body, _ = server.get(f"/api/meetings/{meeting['id']}")
    assert status == 200
    return int(json.loads(body)["seq"])


def room_frames(client: PlazaClient) -> int:
    return sum(1 for msg in client.received if msg.get("type") == "view" and msg.get("view") == "room")


async def in_room(phone: PlazaClient, room: str | None) -> dict[str, Any]:
    """Wait until the phone's ``me`` says it is in ``room`` (None: the plenary)."""
    return await phone.wait_view(
        "me", lambda v: v["status"] == "joined" and (v["rooms"] or {}).get("room") == room, timeout=T
    )


async def refused(client: PlazaClient, code: str, kind: str, **fields: Any) -> None:
    with pytest.raises(PlazaError) as err:
        await client.request(kind, **fields)
    assert err.value.code == code, (kind, fields, err.value.code)


async def close_all(*clients: PlazaClient) -> None:
    for client in clients:
        await client.close()


async def test_a_breakout_round_from_start_to_report_back(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """Rooms by hand, a room's device, its stack, rapporteur, notes and report, broadcast, more time,
    a closed room, the call back ended by the server's countdown, the report on screen, report-back."""
    console = await console_for(server, meeting, fmt)
    screen = PlazaClient(server.ws, fmt)
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    ana, bo, cy, di = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo", "Cy", "Di")]
    clients = [console, screen, ana, bo, cy, di]
    try:
        await console.wait_view("facilitator", lambda v: v["present"] == 4, timeout=T)
        await console.request(
            "start_breakouts", rooms=2, names=["Garden", "Kitchen"], question="What first?", minutes=20, mode="hand"
        )
        view = await screen.wait_view("screen", lambda v: v["rooms"] is not None, timeout=T)
        assert [r["name"] for r in view["rooms"]["rooms"]] == ["Garden", "Kitchen"]
        assert view["rooms"]["ends_at"] - view["rooms"]["started_at"] == 20 * 60
        for phone, room in ((ana, "b1-1"), (bo, "b1-1"), (cy, "b1-2")):
            await console.request("move_to_room", participant=phone.pid, room=room)  # type: ignore[attr-defined]
        me = await in_room(ana, "b1-1")
        assert me["rooms"] == {"room": "b1-1", "name": "Garden", "rapporteur": False}
        await in_room(cy, "b1-2")
        links = await console.request("room_links")
        assert links["round"] == 1 and sorted(links["links"]) == ["b1-1", "b1-2"]
        link = links["links"]["b1-1"]
        assert link.startswith(f"{server.http}/room/{meeting['id']}/b1-1#key=")
        device = await device_for(server, meeting, fmt, "b1-1", key_of(link))
        clients.append(device)
        room = await device.wait_view("room", timeout=T)
        assert (room["room"], room["name"], room["question"]) == ("b1-1", "Garden", "What first?")
        assert [p["name"] for p in room["people"]] == ["Ana", "Bo"]
        assert room["join_url"].endswith(f"/j/{meeting['code']}?room=b1-1")

        # The room's own stack: a hand, and anyone in the room calls the next speaker.
        await ana.request("raise_hand")
        await device.wait_view("room", lambda v: v["stack"]["waiting"] == 1, timeout=T)
        await bo.request("next_speaker")
        room = await device.wait_view("room", lambda v: v["stack"]["speaker"] is not None, timeout=T)
        assert room["stack"]["speaker"]["name"] == "Ana"
        assert (await ana.wait_view("me", lambda v: v["speaking"] is not None, timeout=T))["speaking"] is not None
        screen_stack = screen.view("screen")["stack"]  # type: ignore[index]
        assert screen_stack["speaker"] is None  # the plenary's floor is nobody's
        await bo.request("end_turn")
        await device.wait_view("room", lambda v: v["stack"]["speaker"] is None, timeout=T)

        # Rapporteur, report and notes.
        await ana.request("volunteer_rapporteur")
        await refused(bo, "rapporteur_taken", "volunteer_rapporteur")
        await console.request("set_rapporteur", room="b1-1", participant=bo.pid)  # type: ignore[attr-defined]
        await bo.wait_view("me", lambda v: v["rooms"]["rapporteur"], timeout=T)
        await console.request("set_rapporteur", room="b1-1", participant=ana.pid)  # type: ignore[attr-defined]
        await ana.wait_view("me", lambda v: v["rooms"]["rapporteur"], timeout=T)
        await ana.request("write_report", text="1. A strike fund\n2. A newsletter")
        await bo.request("add_note", text="Ask the Kitchen about childcare")
        room = await bo.wait_view("room", lambda v: v["notes"] and v["report"], timeout=T)
        assert room["notes"] == [
            {"note": room["notes"][0]["note"], "text": "Ask the Kitchen about childcare", "by": "Bo"}
        ]
        assert room["rapporteur"] == {"id": ana.pid, "name": "Ana"}  # type: ignore[attr-defined]
        assert room["report"] == "1. A strike fund\n2. A newsletter"

        # To every room: a broadcast, more time.
        ends_at = room["ends_at"]
        await console.request("broadcast", text="Five minutes left")
        await console.request("add_room_time", seconds=120)
        for phone in (ana, cy):
            room = await phone.wait_view(
                "room", lambda v: v["broadcast"] == "Five minutes left" and v["ends_at"] == ends_at + 120, timeout=T
            )
        assert room["room"] == "b1-2"

        # A room closes early: its people are back in the plenary.
        await console.request("close_room", room="b1-2")
        await in_room(cy, None)
        await refused(console, "room_closed", "close_room", room="b1-2")

        # Call back: the server's countdown ends the round by itself.
        await console.request("call_back", seconds=1)
        room = await device.wait_view("room", lambda v: v["return_at"] is not None, timeout=T)
        await in_room(ana, None)
        await in_room(bo, None)
        phone = await di.wait_view("phone", lambda v: v["rooms"]["ended"], timeout=T)
        assert phone["rooms"]["rooms"] == []
        assert (await device.wait_view("room", lambda v: v["closed"], timeout=T))["ended"]

        # Report-back: the report on the big screen and the rapporteur on the plenary stack.
        await console.request("show_report", room="b1-1")
        view = await screen.wait_view("screen", lambda v: v["rooms"]["report"] is not None, timeout=T)
        assert view["rooms"]["report"] == {
            "room": "b1-1",
            "name": "Garden",
            "rapporteur": "Ana",
            "text": "1. A strike fund\n2. A newsletter",
        }
        await console.request("call_rapporteur", room="b1-1")
        view = await screen.wait_view("screen", lambda v: v["stack"]["waiting"] == 1, timeout=T)
        assert view["stack"]["next"][0]["name"] == "Ana"
        assert (await ana.wait_view("me", lambda v: v["hand"] is not None, timeout=T))["hand"]["position"] == 1
        await console.request("show_report")
        await screen.wait_view("screen", lambda v: v["rooms"]["report"] is None, timeout=T)
        status, body, _ = server.get(f"/api/meetings/{meeting['id']}/minutes.md")
        text = body.decode()
        assert status == 200
        for expected in ["## Breakout round 1", "### Garden", "In the room: Ana, Bo", "Rapporteur: Ana"]:
            assert expected in text, expected
        assert "> 1. A strike fund" in text and "- Ask the Kitchen about childcare (Bo)" in text
    finally:
        await close_all(*clients)


async def test_a_hand_in_one_room_reaches_that_room_only(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """A hand raised in room A reaches A's phones and A's device, and no `room` frame goes to room B or the plenary."""
    console = await console_for(server, meeting, fmt)
    ana, bo, cy, di = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo", "Cy", "Di")]
    clients = [console, ana, bo, cy, di]
    try:
        await console.request("start_breakouts", rooms=2, mode="hand")
        for phone, room in ((ana, "b1-1"), (bo, "b1-1"), (cy, "b1-2")):
            await console.request("move_to_room", participant=phone.pid, room=room)  # type: ignore[attr-defined]
        links = (await console.request("room_links"))["links"]
        device_a = await device_for(server, meeting, fmt, "b1-1", key_of(links["b1-1"]))
        device_b = await device_for(server, meeting, fmt, "b1-2", key_of(links["b1-2"]))
        clients += [device_a, device_b]
        for client, people in ((device_a, 2), (device_b, 1), (ana, 2), (bo, 2), (cy, 1)):
            await client.wait_view("room", lambda v, n=people: len(v["people"]) == n, timeout=T)
        # A first change after the devices' hello, so every lane has published since (see
        # test_a_room_device_is_not_sent_its_unchanged_view_again for why).
        await bo.request("add_note", text="Warm-up")
        await device_a.wait_view("room", lambda v: len(v["notes"]) == 1, timeout=T)
        await asyncio.sleep(QUIET)  # let any publish already under way arrive
        b_phone, b_device, plenary = room_frames(cy), room_frames(device_b), room_frames(di)
        await ana.request("raise_hand")
        for client in (ana, bo):
            await client.wait_view("room", lambda v: v["stack"]["waiting"] == 1, timeout=T)
        view = await device_a.wait_view("room", lambda v: v["stack"]["waiting"] == 1, timeout=T)
        assert view["stack"]["next"] == [{"name": "Ana", "kind": "new", "label": "New point"}]
        await asyncio.sleep(QUIET)
        assert room_frames(cy) == b_phone, "room B's phone got a room frame"
        assert room_frames(device_b) == b_device, "room B's device got a room frame"
        assert room_frames(di) == plenary == 0, "a phone in the plenary got a room frame"
        assert cy.view("room")["stack"]["waiting"] == 0  # type: ignore[index]
        # Moved to the other room, a phone gets that room's view.
        await console.request("move_to_room", participant=bo.pid, room="b1-2")  # type: ignore[attr-defined]
        view = await bo.wait_view("room", lambda v: v["room"] == "b1-2", timeout=T)
        assert [p["name"] for p in view["people"]] == ["Cy", "Bo"]
    finally:
        await close_all(*clients)


async def test_a_room_device_is_not_sent_its_unchanged_view_again(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """Right after room B's device says hello, a hand raised in room A sends it nothing."""
    console = await console_for(server, meeting, fmt)
    ana, cy = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Cy")]
    clients = [console, ana, cy]
    try:
        await console.request("start_breakouts", rooms=2, mode="hand")
        await console.request("move_to_room", participant=ana.pid, room="b1-1")  # type: ignore[attr-defined]
        await console.request("move_to_room", participant=cy.pid, room="b1-2")  # type: ignore[attr-defined]
        links = (await console.request("room_links"))["links"]
        await asyncio.sleep(QUIET)  # every lane has published the moves: nothing is due
        device_a = await device_for(server, meeting, fmt, "b1-1", key_of(links["b1-1"]))
        device_b = await device_for(server, meeting, fmt, "b1-2", key_of(links["b1-2"]))
        clients += [device_a, device_b]
        await device_b.wait_view("room", lambda v: len(v["people"]) == 1, timeout=T)
        await asyncio.sleep(QUIET)
        before = room_frames(device_b)
        await ana.request("raise_hand")
        await device_a.wait_view("room", lambda v: v["stack"]["waiting"] == 1, timeout=T)
        await asyncio.sleep(QUIET)
        assert room_frames(device_b) == before
    finally:
        await close_all(*clients)


async def test_a_phone_that_reconnects_keeps_its_room(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    """A phone saying hello again with its token is still in its room, and gets the room's view at once."""
    console = await console_for(server, meeting, fmt)
    ana, bo = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo")]
    try:
        await console.wait_view("facilitator", lambda v: v["present"] == 2, timeout=T)
        await console.request("start_breakouts", rooms=2, mode="random")
        room = (await ana.wait_view("me", lambda v: v["rooms"] is not None, timeout=T))["rooms"]["room"]
        await ana.request("add_note", text="Before the Wi-Fi dropped")
        await ana.wait_view("room", lambda v: len(v["notes"]) == 1, timeout=T)
        await ana.close()
        again = PlazaClient(server.ws, fmt)
        await again.connect()
        try:
            await again.hello("phone", code=meeting["code"], token=ana.token)  # type: ignore[attr-defined]
            me = await again.wait_view("me", timeout=T)
            assert me["rooms"]["room"] == room
            view = await again.wait_view("room", timeout=T)
            assert view["room"] == room and [n["text"] for n in view["notes"]] == ["Before the Wi-Fi dropped"]
            assert [p["name"] for p in view["people"] if p["present"]] == ["Ana"]
        finally:
            await again.close()
    finally:
        await close_all(console, bo)


async def test_self_select_late_arrivals_and_ending_the_round(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """Phones pick rooms up to their capacity; a phone that scanned a room's QR joins into it; the
    facilitator ends the round and everyone is back."""
    console = await console_for(server, meeting, fmt)
    ana, bo = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo")]
    clients = [console, ana, bo]
    try:
        await console.request("start_breakouts", rooms=2, mode="self", capacity=1, names=["Garden", "Kitchen"])
        phone = await ana.wait_view("phone", lambda v: v["rooms"] is not None, timeout=T)
        assert [(r["room"], r["capacity"], r["full"]) for r in phone["rooms"]["rooms"]] == [
            ("b1-1", 1, False),
            ("b1-2", 1, False),
        ]
        await ana.request("take_room", room="b1-1")
        await in_room(ana, "b1-1")
        await refused(bo, "room_full", "take_room", room="b1-1")
        await refused(bo, "bad_field", "take_room")
        await bo.wait_view("phone", lambda v: v["rooms"]["rooms"][0]["full"], timeout=T)
        await bo.request("take_room", room="b1-2")
        await in_room(bo, "b1-2")
        cy = await phone_for(server, meeting, fmt, "Cy", room="b1-2")  # scanned Kitchen's QR: full
        di = await phone_for(server, meeting, fmt, "Di")
        clients += [cy, di]
        await cy.wait_view("me", lambda v: v["status"] == "joined", timeout=T)
        assert cy.view("me")["rooms"] is None  # type: ignore[index]
        await console.request("move_to_room", participant=bo.pid, room="")  # type: ignore[attr-defined]
        await in_room(bo, None)
        ed = await phone_for(server, meeting, fmt, "Ed", room="b1-2")  # Kitchen has a place again
        clients.append(ed)
        await in_room(ed, "b1-2")
        await console.request("end_breakouts")
        for phone in (ana, ed):
            await in_room(phone, None)
        await refused(console, "no_breakouts", "end_breakouts")
        # A second round gets new rooms; the first round's are kept for the minutes.
        await console.request("start_breakouts", per_room=2, mode="random")
        view = await console.wait_view("facilitator", lambda v: v["rooms"]["rounds"] == 2, timeout=T)
        assert [r["room"] for r in view["rooms"]["current"]["rooms"]] == ["b2-1", "b2-2", "b2-3"]  # 5 present
        assert sorted(r["people"] for r in view["rooms"]["current"]["rooms"]) == [1, 2, 2]
    finally:
        await close_all(*clients)


async def test_rooms_refusals_have_codes_and_change_nothing(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """Each rooms refusal comes back with its code, and nothing is added to the log."""
    console = await console_for(server, meeting, fmt)
    ana, bo, cy, di = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo", "Cy", "Di")]
    clients = [console, ana, bo, cy, di]
    try:
        before = seq(server, meeting)
        for kind, fields in [
            ("move_to_room", {"participant": ana.pid, "room": "b1-1"}),  # type: ignore[attr-defined]
            ("take_room", {}),
            ("broadcast", {"text": "hi"}),
            ("add_room_time", {"seconds": 60}),
            ("close_room", {"room": "b1-1"}),
            ("call_back", {"seconds": 30}),
            ("end_breakouts", {}),
        ]:
            client = ana if kind == "take_room" else console
            await refused(client, "no_breakouts", kind, **fields)
        await refused(console, "too_many_rooms", "start_breakouts", rooms=10_000)
        await refused(console, "bad_field", "start_breakouts", rooms=2, mode="lottery")
        await refused(console, "bad_field", "start_breakouts", rooms="2")
        await refused(console, "bad_field", "start_breakouts", rooms=2, colour="red")
        await refused(ana, "not_allowed", "start_breakouts", rooms=2)
        await refused(ana, "not_allowed", "room_links")
        assert seq(server, meeting) == before

        await console.request("start_breakouts", rooms=3, mode="self", capacity=2)
        await ana.request("take_room", room="b1-1")
        await bo.request("take_room", room="b1-1")
        await cy.request("take_room", room="b1-2")
        await ana.request("volunteer_rapporteur")
        await console.request("close_room", room="b1-3")
        # A second console: one client may send 30 messages at once (then 10 a second), and the
        # cases below would go over that on one socket.
        console2 = await console_for(server, meeting, fmt)
        clients.append(console2)
        before = seq(server, meeting)
        cases: list[tuple[PlazaClient, str, str, dict[str, Any]]] = [
            (console2, "unknown_room", "move_to_room", {"participant": di.pid, "room": "b9-9"}),  # type: ignore[attr-defined]
            (console2, "room_full", "move_to_room", {"participant": di.pid, "room": "b1-1"}),  # type: ignore[attr-defined]
            (di, "room_full", "take_room", {"room": "b1-1"}),
            (bo, "rapporteur_taken", "volunteer_rapporteur", {}),
            (di, "not_in_room", "write_report", {"text": "We agree."}),
            (di, "not_in_room", "add_note", {"text": "Hello"}),
            (console2, "not_in_room", "set_rapporteur", {"room": "b1-1", "participant": cy.pid}),  # type: ignore[attr-defined]
            (bo, "not_rapporteur", "write_report", {"text": "We agree."}),
            (console2, "room_closed", "close_room", {"room": "b1-3"}),
            (console2, "room_closed", "move_to_room", {"participant": di.pid, "room": "b1-3"}),  # type: ignore[attr-defined]
            (di, "room_closed", "take_room", {"room": "b1-3"}),
            (console2, "room_closed", "next_speaker", {"room": "b1-3"}),
            (console2, "breakouts_running", "start_breakouts", {"rooms": 2}),
            (console2, "unknown_room", "show_report", {"room": "b9-9"}),
            (console2, "no_rapporteur", "call_rapporteur", {"room": "b1-2"}),
            (console2, "in_room", "call_rapporteur", {"room": "b1-1"}),
            (console2, "bad_field", "add_room_time", {"seconds": 0}),
            (console2, "bad_field", "call_back", {"seconds": 601}),
            (console2, "bad_field", "broadcast", {"text": 5}),
            (di, "not_allowed", "next_speaker", {}),
            (ana, "not_allowed", "move_to_room", {"participant": di.pid, "room": "b1-2"}),  # type: ignore[attr-defined]
            (ana, "not_allowed", "broadcast", {"text": "hi"}),
            (ana, "not_allowed", "add_room_time", {"seconds": 60}),
            (ana, "not_allowed", "close_room", {"room": "b1-2"}),
            (ana, "not_allowed", "call_back", {"seconds": 1}),
            (ana, "not_allowed", "end_breakouts", {}),
            (ana, "not_allowed", "set_rapporteur", {"room": "b1-1", "participant": bo.pid}),  # type: ignore[attr-defined]
            (ana, "not_allowed", "show_report", {"room": "b1-1"}),
            (ana, "not_allowed", "call_rapporteur", {"room": "b1-1"}),
            (console2, "not_allowed", "take_room", {"room": "b1-2"}),
            (console2, "not_allowed", "add_note", {"text": "x"}),
            (console2, "not_allowed", "volunteer_rapporteur", {}),
            (console2, "not_allowed", "write_report", {"text": "x"}),
        ]
        for client, code, kind, fields in cases:
            await refused(client, code, kind, **fields)
        assert seq(server, meeting) == before

        # A phone not in self-select mode asking for a room.
        await console.request("end_breakouts")
        await console.request("start_breakouts", rooms=2, mode="hand")
        before = seq(server, meeting)
        await refused(ana, "not_assigned", "take_room", room="b2-1")
        await refused(ana, "not_assigned", "take_room")
        assert seq(server, meeting) == before
    finally:
        await close_all(*clients)


async def test_room_device_hello_refusals(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    """A room device with a wrong key gets ``bad_key``, naming no room ``unknown_room``; no one is the system."""
    console = await console_for(server, meeting, fmt)
    try:
        await console.request("start_breakouts", rooms=2, mode="hand")
        links = (await console.request("room_links"))["links"]
        for room, key, code in [
            ("b1-1", "0" * 24, "bad_key"),
            ("b1-1", key_of(links["b1-2"]), "bad_key"),  # another room's key
            ("b1-1", "", "bad_key"),
            ("b9-9", key_of(links["b1-1"]), "unknown_room"),
        ]:
            device = PlazaClient(server.ws, fmt)
            await device.connect()
            try:
                with pytest.raises(PlazaError) as err:
                    await device.hello("room", meeting=meeting["id"], room=room, key=key)
                assert err.value.code == code, (room, code)
                assert device.view("room") is None
                # The socket stays open: the right key works on it.
                await device.hello("room", meeting=meeting["id"], room="b1-1", key=key_of(links["b1-1"]))
                assert (await device.wait_view("room", timeout=T))["room"] == "b1-1"
            finally:
                await device.close()
        async with PlazaClient(server.ws, fmt) as system:
            with pytest.raises(PlazaError) as err:
                await system.hello("system", meeting=meeting["id"])
            assert err.value.code == "bad_field"
    finally:
        await console.close()


@pytest.mark.parametrize("letter", ["ع", "北", "🌱"])
async def test_a_full_report_in_any_script_fits_in_one_message(
    server: ServerProcess, meeting: dict[str, Any], fmt: str, letter: str
) -> None:
    """A 2,000-character report in Arabic, Chinese or emoji is accepted whole, not refused as too large."""
    console = await console_for(server, meeting, fmt)
    phone = await phone_for(server, meeting, fmt, "Rana")
    await console.wait_view("facilitator", lambda v: v["present"] == 1, timeout=T)
    await console.request("start_breakouts", rooms=1, minutes=10)
    await in_room(phone, "b1-1")
    await phone.request("volunteer_rapporteur")
    text = (letter * 99 + "\n") * 20  # 2,000 characters with the line breaks
    assert len(text.strip("\n")) <= 2000
    await phone.request("write_report", text=text)
    view = await phone.wait_view("room", lambda v: v["report"] != "", timeout=T)
    assert view["report"] == text.strip("\n")
    await close_all(console, phone)
