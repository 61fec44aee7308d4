"""World Café over the real protocol, in both formats: every café message, every refusal with its code
(each changing nothing: the log's seq stays), the views each audience gets (a table's phones and its
device, nobody else), rounds ended and started by the server's own timers, late arrivals from a
table's card, and the harvest's record over HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from server.cafe import core as cc
from server.client import PlazaClient, PlazaError
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.test_openspace_socket import Refusals, paced
from tests.test_rooms_socket import QUIET, close_all, device_for, phone_for, room_frames
from tests.test_stack_socket import console_for

T = 10 * TIMEOUT_FACTOR


def seat(phone: PlazaClient) -> dict[str, Any] | None:
    me = phone.view("me") or {}
    return (me.get("cafe") or {}).get("seat")


async def seated(phone: PlazaClient, round_: int, predicate: Any = lambda s: True) -> dict[str, Any]:
    """Wait until the phone's ``me`` seats it in round ``round_``; its seat."""
    await phone.wait_view(
        "me", lambda v: ((v.get("cafe") or {}).get("seat") or {}).get("round") == round_ and predicate(seat(phone)), T
    )
    s = seat(phone)
    assert s is not None
    return s


async def test_a_cafe_over_the_wire(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    """Set-up, hosts appointed and picked, the seating, a round with a table's device, notes and a hand,
    the end by the server's clock with where to go next, the next round started by the server, the
    harvest with stars, and the record: with every refusal on the way."""
    refused = Refusals(server, meeting)
    console = await console_for(server, meeting, fmt)
    screen = PlazaClient(server.ws, fmt)
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    names = ["Ana", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal"]
    phones = {n: await phone_for(server, meeting, fmt, n) for n in names}
    pid = {n: p.pid for n, p in phones.items()}  # type: ignore[attr-defined]
    clients = [console, screen, *phones.values()]
    paced(*clients)
    ana, bo, cy = phones["Ana"], phones["Bo"], phones["Cy"]
    try:
        await console.wait_view("facilitator", lambda v: v["present"] == 8, timeout=T)
        # Set-up: the part, the settings, a question per round, the tables.
        await refused(ana, "not_allowed", "cafe_setup", table_size=4)
        await refused(console, "bad_table_size", "cafe_setup", table_size=2)
        await refused(console, "bad_table_size", "cafe_setup", table_size=7)
        await refused(console, "bad_field", "cafe_setup", rounds=0)
        await refused(console, "bad_field", "cafe_setup", table_size="4")
        await refused(console, "no_tables", "seat_cafe")
        await console.request("set_part", part="cafe")
        await console.request("cafe_setup", table_size=3, rounds=2, minutes=1, changeover=2, question="What matters?")
        await console.request("cafe_question", round=2, question="And what could you do?")
        await refused(console, "bad_field", "cafe_question", round=3, question="Why?")
        await console.request("add_tables", count=4, names=["Oak", "Elm"])
        await refused(console, "bad_field", "add_tables", count=1, names=["oak"])
        await console.request("name_table", table="c3", name="Ash")
        await refused(console, "unknown_table", "name_table", table="c9", name="Yew")
        await console.request("remove_table", table="c4")
        await refused(console, "unknown_table", "remove_table", table="c4")

        # Hosts: one appointed, one picked among volunteers by Plaza.
        await refused(console, "no_volunteers", "pick_hosts")
        await console.request("appoint_host", participant=pid["Ana"], table="c1")
        await refused(console, "unknown_participant", "appoint_host", participant="nobody", table="c2")
        await bo.request("volunteer_host")
        await cy.request("volunteer_host")
        await cy.request("volunteer_host", on=False)
        await bo.wait_view("me", lambda v: v["cafe"]["volunteered"], timeout=T)
        await console.request("pick_hosts")
        view = await console.wait_view("facilitator", lambda v: v["cafe"]["tables"][1]["host"] is not None, timeout=T)
        assert view["cafe"]["tables"][1]["host"]["id"] == pid["Bo"]
        await console.request("appoint_host", participant=pid["Cy"])  # the first table without a host: c3
        await refused(console, "too_many_hosts", "appoint_host", participant=pid["Di"])
        await console.request("appoint_host", participant="", table="c3")

        # The seating: figures on the console, a first table on every phone.
        await refused(ana, "no_seating", "take_seat")
        await console.request("seat_cafe")
        view = await console.wait_view("facilitator", lambda v: v["cafe"]["seating"] is not None, timeout=T)
        figures = view["cafe"]["seating"]
        assert figures["repeats"] == 0 and figures["shuffles"] == 100 and figures["random_mean"] > 0
        assert view["cafe"]["phase"] == "seated"
        first = {n: await seated(p, 1) for n, p in phones.items()}
        assert first["Ana"]["table"] == "c1" and first["Ana"]["host"] and first["Bo"]["table"] == "c2"
        assert first["Cy"]["go"] == f"Round 1: go to {first['Cy']['label']}" and first["Cy"]["moving"]

        # Round 1: the question and a deadline on the screen; each table's room; its device.
        await console.request("start_round")
        await refused(console, "round_running", "start_round")
        await refused(console, "cafe_started", "seat_cafe")
        await refused(console, "cafe_started", "cafe_setup", table_size=5)
        await refused(console, "round_started", "cafe_question", round=1, question="New?")
        view = await screen.wait_view("screen", lambda v: (v["cafe"] or {}).get("phase") == "round", timeout=T)
        cafe = view["cafe"]
        assert cafe["question"] == "What matters?" and cafe["warn_at"] == cafe["ends_at"] - 60
        assert [(t["number"], t["host"], t["people"]) for t in cafe["tables"]] == [
            (1, "Ana", 3),
            (2, "Bo", 3),
            (3, None, 2),
        ]
        at = {n: s["table"] for n, s in first.items()}
        oak = [n for n in names if at[n] == "c1"]
        elm = [n for n in names if at[n] == "c2"]
        room = await phones[oak[1]].wait_view("room", lambda v: v["room"] == "c1", timeout=T)
        assert room["cafe"] and room["host"]["name"] == "Ana" and room["question"] == "What matters?"
        assert sorted(p["name"] for p in room["people"]) == sorted(oak) and room["people"][0]["host"]
        secret = key_of(meeting["facilitator_url"])
        device = await device_for(server, meeting, fmt, "c1", cc.table_key(secret, "c1"))
        clients.append(device)
        await device.wait_view("room", lambda v: v["room"] == "c1" and v["ends_at"] == cafe["ends_at"], timeout=T)
        await refused(device, "not_allowed", "start_round")
        bad = PlazaClient(server.ws, fmt)
        await bad.connect()
        clients.append(bad)
        with pytest.raises(PlazaError) as err:
            await bad.hello("room", meeting=meeting["id"], room="c2", key=cc.table_key(secret, "c1"))
        assert err.value.code == "bad_key"  # one table's key opens that table only

        # At the table: a note and a hand reach the table's phones and device, and no other table's phones.
        quiet_before = room_frames(phones[elm[1]])
        writer = phones[oak[1]]
        ack = await writer.request("add_note", text="Benches on every corner")
        assert ack["type"] == "ack"
        await device.wait_view("room", lambda v: [n["text"] for n in v["notes"]] == ["Benches on every corner"], T)
        await refused(writer, "not_in_room", "add_note", text="Hi", room="c2")
        await writer.request("raise_hand")
        await device.wait_view("room", lambda v: v["stack"]["waiting"] == 1, timeout=T)
        note = (device.view("room") or {})["notes"][0]["note"]
        await refused(writer, "not_host", "mark_note", note=note)
        await refused(writer, "not_host", "host_summary", text="Hello")
        await ana.request("mark_note", note=note)
        await ana.request("host_summary", text="We were on benches.\nAnd trees.")
        await device.wait_view("room", lambda v: v["notes"][0]["strong"] and v["summary"].endswith("trees."), T)
        await refused(ana, "unknown_note", "mark_note", note=999)
        await refused(console, "table_full", "move_to_table", participant=pid[elm[1]], table="c1")
        await refused(console, "host_stays", "move_to_table", participant=pid["Ana"], table="c2")
        await refused(writer, "already_seated", "take_seat", table="c2")
        await refused(console, "table_in_use", "remove_table", table="c1")
        await refused(console, "no_harvest", "show_table", table="c1")
        await refused(ana, "no_harvest", "star_note", note=note)
        await refused(console, "round_running", "open_harvest")
        await refused(console, "bad_field", "extend_round", seconds=0)
        time.sleep(QUIET)
        assert room_frames(phones[elm[1]]) == quiet_before  # another table's note and hand: nothing

        # The round ends by the server's clock: phones say where to go; the host sees who is coming.
        await console.request("extend_round", seconds=-57)
        for n, p in phones.items():
            s = await seated(p, 2)
            if n in ("Ana", "Bo"):
                assert s["host"] and s["go"].startswith("Round 2: stay at table")
            else:
                assert s["go"].startswith("Round 2: go to table") == s["moving"]
        view = await screen.wait_view("screen", lambda v: v["cafe"]["phase"] == "between", timeout=T)
        assert view["cafe"]["question"] == "And what could you do?" and view["cafe"]["next_at"] is not None
        hosting = (ana.view("me") or {})["cafe"]["hosting"]
        assert hosting["coming"] and set(hosting["coming"]) <= set(names) - set(oak)  # nobody met twice
        await refused(console, "no_round", "end_round")
        await refused(console, "no_round", "extend_round", seconds=60)

        # The changeover runs out: round 2 starts by itself; the facilitator ends it early.
        await screen.wait_view("screen", lambda v: v["cafe"]["phase"] == "round" and v["cafe"]["round"] == 2, T)
        await console.request("end_round")
        await screen.wait_view("screen", lambda v: v["cafe"]["phase"] == "done", timeout=T)
        await refused(console, "no_more_rounds", "start_round")
        await refused(console, "no_seating", "pause_cafe")

        # The harvest: a table's ideas on the screen, stars from any phone, the ranking recorded.
        await console.request("open_harvest")
        await refused(console, "harvest_open", "open_harvest")
        await console.request("show_table", table="c1")
        for n in names[:5]:
            await phones[n].request("star_note", note=note)
        await phones[names[4]].request("star_note", note=note, on=False)
        view = await screen.wait_view(
            "screen", lambda v: v["cafe"]["harvest"]["top"] and v["cafe"]["harvest"]["top"][0]["stars"] == 4, T
        )
        assert view["cafe"]["harvest"]["shown"]["notes"][0]["text"] == "Benches on every corner"
        phone_view = await bo.wait_view("phone", lambda v: (v["cafe"] or {}).get("harvest") is not None, T)
        assert phone_view["cafe"]["harvest"]["tables"][0]["ideas"][0]["strong"]
        await bo.wait_view("me", lambda v: v["cafe"]["stars"] == [note], timeout=T)
        await console.request("close_harvest")
        await refused(bo, "no_harvest", "star_note", note=note, on=False)
        await refused(console, "no_harvest", "close_harvest")

        # The record, over HTTP.
        status, body, kind = server.get(f"/api/meetings/{meeting['id']}/harvest.json")
        assert status == 200 and kind.startswith("application/json")
        data = json.loads(body)["cafe"]
        assert [len(r["tables"]) for r in data["rounds"]] == [3, 3]
        assert data["harvest"]["closed"] and data["harvest"]["ranking"][0]["stars"] == 4
        status, body, kind = server.get(f"/api/meetings/{meeting['id']}/harvest.md")
        text = body.decode()
        assert status == 200 and kind.startswith("text/markdown")
        assert "- ★ Benches on every corner (round 1, " in text and "Question: And what could you do?" in text
        status, body, _ = server.get(f"/api/meetings/{meeting['id']}/minutes.md")
        assert "## World Café" in body.decode()
        assert {
            "not_allowed",
            "bad_table_size",
            "no_tables",
            "unknown_table",
            "no_volunteers",
            "too_many_hosts",
            "no_seating",
            "round_running",
            "cafe_started",
            "round_started",
            "not_in_room",
            "not_host",
            "unknown_note",
            "table_full",
            "host_stays",
            "already_seated",
            "table_in_use",
            "no_harvest",
            "no_round",
            "no_more_rounds",
            "harvest_open",
        } <= refused.codes
    finally:
        await close_all(*clients)


async def test_late_arrivals_leavers_and_a_tables_card(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """A phone that joins from a table's card sits at that table; another joins and is seated by the rule
    without moving anyone; one leaves and its seat is free; the card's QR is served."""
    console = await console_for(server, meeting, fmt)
    phones = [await phone_for(server, meeting, fmt, n) for n in ("Ana", "Bo", "Cy", "Di", "Ed", "Flo")]
    clients = [console, *phones]
    paced(*clients)
    try:
        await console.wait_view("facilitator", lambda v: v["present"] == 6, timeout=T)
        await console.request("set_part", part="cafe")
        await console.request("cafe_setup", table_size=4, rounds=3)  # 6 people: 2 tables of 3
        await console.request("add_tables", count=3)
        await console.request("start_round")  # seats everyone first
        before = {p.pid: (await seated(p, 1))["table"] for p in phones}  # type: ignore[attr-defined]
        status, _, kind = server.get(f"/api/meetings/{meeting['id']}/qr.svg?room=c2")
        assert status == 200 and kind.startswith("image/svg+xml")
        card = await phone_for(server, meeting, fmt, "Card", room="c2")
        late = await phone_for(server, meeting, fmt, "Late")
        clients += [card, late]
        assert (await seated(card, 1))["table"] == "c2"
        assert (await seated(late, 1))["table"] == "c1"  # the smaller table then
        view = await console.wait_view(
            "facilitator", lambda v: sum(len(t["people"]) for t in v["cafe"]["tables"]) == 8, timeout=T
        )
        now = {p["id"]: t["table"] for t in view["cafe"]["tables"] for p in t["people"]}
        assert all(now[p] == t for p, t in before.items())  # nobody else moved
        await phones[0].request("leave_cafe")
        await phones[0].wait_view("me", lambda v: v["cafe"]["seat"] is None, timeout=T)
        view = await console.wait_view(
            "facilitator", lambda v: sum(len(t["people"]) for t in v["cafe"]["tables"]) == 7, timeout=T
        )
        assert view["cafe"]["unseated"] == [{"id": phones[0].pid, "name": "Ana"}]  # type: ignore[attr-defined]
        await phones[0].request("take_seat")
        assert (await seated(phones[0], 1))["round"] == 1
    finally:
        await close_all(*clients)
