"""Topic circles' device links and notes over the real protocol, in both formats: the console's
``circle_links``, a space's device saying hello with its link and seeing a hand raised in its circle
within 200 ms (and a phone in another circle getting no frame for it), notes added, edited and taken
back in a circle with every refusal (each changing nothing), a phone joining straight into a circle
from its device's QR, and the device between two circles."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from server.client import PlazaClient
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.test_openspace_socket import Refusals, paced
from tests.test_rooms_socket import QUIET, close_all, device_for, phone_for, room_frames
from tests.test_stack_socket import console_for

T = 10 * TIMEOUT_FACTOR
HAND_WITHIN = 0.200 * TIMEOUT_FACTOR  # a hand in a circle reaches the device in its space


def frames(client: PlazaClient) -> int:
    return sum(1 for msg in client.received if msg.get("type") == "view")


async def open_space(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> tuple[PlazaClient, dict[str, PlazaClient], int]:
    """Three spaces and two slots; Rota (Ana's, Big tree) and Compost (Bo's, Kitchen) meet in the running
    slot t1, Budget (Cy's, Big tree) in t2.  Returns the console, the phones by name and t1's start."""
    console = await console_for(server, meeting, fmt)
    phones = {n: await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo", "Cy", "Di")}
    paced(console, *phones.values())
    start = int(time.time()) + 3600
    await console.request("set_part", part="openspace")
    await console.request("set_theme", theme="How do we run the kitchen?")
    for name, capacity in (("Big tree", 30), ("Kitchen", 8), ("Shed", 4)):
        await console.request("add_space", name=name, capacity=capacity)
    for i in range(2):
        await console.request("add_slot", start=start + 3600 * i, end=start + 3600 * i + 3000)
    for who, title in (("Ana", "Rota"), ("Bo", "Compost"), ("Cy", "Budget")):
        await phones[who].request("post_topic", title=title)
    for topic, slot, space in (("o1", "t1", "s1"), ("o2", "t1", "s2"), ("o3", "t2", "s1")):
        await console.request("move_topic", topic=topic, slot=slot, space=space)
    await console.request("start_slot", slot="t1")
    return console, phones, start


async def test_a_spaces_device_sees_a_hand_in_its_circle_within_200_ms(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    console, phones, start = await open_space(server, meeting, fmt)
    ana, bo, cy = phones["Ana"], phones["Bo"], phones["Cy"]
    refused = Refusals(server, meeting)
    clients = [console, *phones.values()]
    try:
        # Before the console asks for the links, no space has a device key: any key is refused.
        probe = PlazaClient(server.ws, fmt)
        clients.append(probe)
        await probe.connect()
        await refused(probe, "bad_key", "hello", role="room", meeting=meeting["id"], room="s1", key="guess")
        await refused(ana, "not_allowed", "circle_links")
        links = (await console.request("circle_links"))["links"]
        assert sorted(links) == ["s1", "s2", "s3"]
        assert links["s1"].startswith(f"{server.http}/room/{meeting['id']}/s1#key=")
        again = (await console.request("circle_links"))["links"]
        assert again == links  # the same keys: derived, never drawn
        for room, key, code in (
            ("s1", key_of(links["s2"]), "bad_key"),  # another space's key
            ("s9", key_of(links["s1"]), "unknown_room"),
            ("o1", key_of(links["s1"]), "unknown_room"),  # circles have no device of their own: spaces do
        ):
            await refused(probe, code, "hello", role="room", meeting=meeting["id"], room=room, key=key)
        tree = await device_for(server, meeting, fmt, "s1", key_of(links["s1"]))
        kitchen = await device_for(server, meeting, fmt, "s2", key_of(links["s2"]))
        clients += [tree, kitchen]
        view = await tree.wait_view("room", lambda v: v["room"] == "o1", timeout=T)
        assert (view["name"], view["space"], view["question"]) == ("Rota", "Big tree", "How do we run the kitchen?")
        assert view["ends_at"] == start + 3000 and view["circle"] and view["headcount"] == 0
        assert view["join_url"].endswith(f"/j/{meeting['code']}?room=o1")
        assert view["next"]["title"] == "Budget"

        # Check-ins: the device's headcount and who is here.
        await ana.request("check_in", topic="o1")
        await bo.request("check_in", topic="o1")
        await cy.request("check_in", topic="o2")
        view = await tree.wait_view("room", lambda v: v["headcount"] == 2, timeout=T)
        assert [p["name"] for p in view["people"]] == ["Bo", "Ana"]  # newest first
        await kitchen.wait_view("room", lambda v: v["headcount"] == 1, timeout=T)
        await cy.wait_view("room", lambda v: v["room"] == "o2", timeout=T)
        await asyncio.sleep(QUIET)  # every lane has published since
        heard, kitchen_heard = frames(cy), room_frames(kitchen)

        # Hands in Rota: each reaches the Big tree's device within 200 ms.
        delays = []
        for phone, name in ((bo, "Bo"), (ana, "Ana"), (bo, "Bo")):
            sent = time.monotonic()
            await phone.request("raise_hand")
            await tree.wait_view("room", lambda v, name=name: [n["name"] for n in v["stack"]["next"]] == [name], T)
            delays.append(tree.view_times["room"] - sent)
            await phone.request("lower_hand")
            await tree.wait_view("room", lambda v: v["stack"]["waiting"] == 0, timeout=T)
        assert max(delays) <= HAND_WITHIN, [round(d * 1000) for d in delays]
        await asyncio.sleep(QUIET)
        assert frames(cy) == heard, "a phone in another circle got a frame for a hand in Rota"
        assert room_frames(kitchen) == kitchen_heard, "another space's device got a frame for it"
    finally:
        await close_all(*clients)


async def test_notes_in_a_circle_over_the_wire(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    console, phones, _ = await open_space(server, meeting, fmt)
    ana, bo, cy, di = phones["Ana"], phones["Bo"], phones["Cy"], phones["Di"]
    refused = Refusals(server, meeting)
    clients = [console, *phones.values()]
    try:
        links = (await console.request("circle_links"))["links"]
        tree = await device_for(server, meeting, fmt, "s1", key_of(links["s1"]))
        clients.append(tree)
        await bo.request("check_in", topic="o1")
        await di.request("check_in", topic="o1")
        await cy.request("check_in", topic="o2")
        first = (await bo.request("add_note", text="Bring cups"))["seq"]
        await di.request("add_note", text="<b>A rota</b> on the door", room="o1")
        view = await tree.wait_view("room", lambda v: len(v["notes"]) == 2, timeout=T)
        (cups, door) = view["notes"]
        assert (cups["text"], cups["by"], door["text"], door["by"]) == (
            "Bring cups",
            "Bo",
            "<b>A rota</b> on the door",
            "Di",
        )
        mine = await bo.wait_view("room", lambda v: len(v["notes"]) == 2, timeout=T)
        assert mine["notes"] == view["notes"] and mine["people"] == []  # the phones' view: notes, no roster
        # Ana convenes Rota, so she reports for it: she sees its notes without being there.
        me = await ana.wait_view("me", lambda v: len((v["openspace"]["report_notes"] or {}).get("o1", [])) == 2, T)
        assert me["openspace"]["checked_in"] is None
        await bo.request("edit_note", note=cups["note"], text="Bring mugs")
        await tree.wait_view("room", lambda v: v["notes"][0]["text"] == "Bring mugs", timeout=T)

        await refused(cy, "not_in_room", "add_note", text="Hello", room="o1")  # cy is in Compost
        await refused(ana, "not_in_room", "add_note", text="Hello")  # checked in nowhere
        await refused(bo, "unknown_room", "add_note", text="Hello", room="o9")
        await refused(bo, "unknown_room", "add_note", text="Hello", room="o3")  # meets in t2
        await refused(bo, "bad_field", "add_note", text=" ")
        await refused(bo, "not_author", "edit_note", note=door["note"], text="Mine")
        await refused(bo, "not_author", "remove_note", note=door["note"])
        await refused(bo, "unknown_note", "edit_note", note=999, text="Hello")
        await refused(cy, "unknown_note", "remove_note", note=cups["note"])  # not in Compost
        await refused(console, "bad_field", "remove_note", note=cups["note"])  # the facilitator names the room
        await refused(console, "not_allowed", "add_note", text="From the console")

        await bo.request("remove_note", note=cups["note"])
        await console.request("remove_note", note=door["note"], room="o1")
        await tree.wait_view("room", lambda v: v["notes"] == [], timeout=T)
        await di.request("add_note", text="Ask the council")
        await console.request("end_slot", slot="t1")
        await refused(di, "room_closed", "add_note", text="Late", room="o1")
        await refused(di, "not_in_room", "add_note", text="Late")  # the slot's end checked everyone out
        view = await tree.wait_view("room", lambda v: v["room"] is None, timeout=T)
        assert view["space"] == "Big tree" and view["next"]["title"] == "Budget" and view["headcount"] == 0
        # The notes stay with the circle for its reporter.
        me = await ana.wait_view("me", lambda v: True, timeout=T)
        assert [n["text"] for n in me["openspace"]["report_notes"]["o1"]] == ["Ask the council"]
        assert first > 0
    finally:
        await close_all(*clients)


async def test_a_phone_joins_straight_into_a_circle_from_its_devices_qr(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    console, phones, _ = await open_space(server, meeting, fmt)
    clients = [console, *phones.values()]
    try:
        status, body, _ = server.get(f"/api/meetings/{meeting['id']}/qr.svg?room=o1")
        assert status == 200 and b"<svg" in body
        for room in ("o9", "o3", "s1"):  # no such topic; one that meets later; a space is not a room to join
            status, _, _ = server.get(f"/api/meetings/{meeting['id']}/qr.svg?room={room}")
            assert status == 404, room
        links = (await console.request("circle_links"))["links"]
        tree = await device_for(server, meeting, fmt, "s1", key_of(links["s1"]))
        clients.append(tree)
        await tree.wait_view("room", lambda v: v["room"] == "o1", timeout=T)
        late = await phone_for(server, meeting, fmt, "Eve", room="o1")  # the QR's link: /j/CODE?room=o1
        clients.append(late)
        me = await late.wait_view("me", lambda v: (v.get("openspace") or {}).get("checked_in") == "o1", timeout=T)
        assert me["openspace"]["checked_in"] == "o1"
        await late.wait_view("room", lambda v: v["room"] == "o1", timeout=T)
        view = await tree.wait_view("room", lambda v: v["headcount"] == 1, timeout=T)
        assert [p["name"] for p in view["people"]] == ["Eve"]
    finally:
        await close_all(*clients)


async def test_a_breakout_rooms_notes_are_edited_and_taken_back(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """The note commands circles use are the rooms' own: a breakout room's notes are edited and taken
    back the same way."""
    console = await console_for(server, meeting, fmt)
    ana, bo = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo")]
    refused = Refusals(server, meeting)
    try:
        await console.request("start_breakouts", rooms=1, names=["Garden"], mode="hand")
        for phone in (ana, bo):
            await console.request("move_to_room", participant=phone.pid, room="b1-1")  # type: ignore[attr-defined]
        await ana.wait_view("room", lambda v: v["room"] == "b1-1", timeout=T)
        await ana.request("add_note", text="Childcare")
        note = (await bo.wait_view("room", lambda v: len(v["notes"]) == 1, timeout=T))["notes"][0]["note"]
        await refused(bo, "not_author", "edit_note", note=note, text="Mine")
        await ana.request("edit_note", note=note, text="Childcare, and food", room="b1-1")
        await bo.wait_view("room", lambda v: v["notes"][0]["text"] == "Childcare, and food", timeout=T)
        await ana.request("remove_note", note=note)
        await bo.wait_view("room", lambda v: v["notes"] == [], timeout=T)
    finally:
        await close_all(console, ana, bo)
