"""The speaking stack over the real protocol: phones, the console and the screen, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from server.client import PlazaClient, PlazaError
from tests.conftest import ServerProcess, key_of
from tests.test_socket import join


async def console_for(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> PlazaClient:
    console = PlazaClient(server.ws, fmt)
    await console.connect()
    await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    return console


async def test_a_stack_round_trip(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    """Hands go up, each phone sees its place and why, the screen shows who speaks and who is next."""
    console = await console_for(server, meeting, fmt)
    screen = PlazaClient(server.ws, fmt)
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    ana, _ = await join(server, meeting, fmt, "Ana")
    bo, _ = await join(server, meeting, fmt, "Bo")
    cleo, _ = await join(server, meeting, fmt, "Cleo")
    try:
        await ana.request("raise_hand")
        await console.request("next_speaker")
        view = await screen.wait_view("screen", lambda v: v["stack"]["speaker"] is not None)
        speaker = view["stack"]["speaker"]
        assert speaker["name"] == "Ana" and speaker["label"] == "New point"
        assert speaker["deadline"] - speaker["started_at"] == 120
        assert (await ana.wait_view("me", lambda v: v["speaking"] is not None))["speaking"]["deadline"] == speaker[
            "deadline"
        ]
        await ana.request("raise_hand")  # Ana wants to speak again
        await bo.request("raise_hand", kind="new")
        await cleo.request("raise_hand", kind="direct")
        me = await bo.wait_view("me", lambda v: v["hand"] is not None and v["hand"]["position"] == 2)
        assert me["hand"]["reason"] == "you haven't spoken yet"
        me = await cleo.wait_view("me", lambda v: v["hand"] is not None)
        assert me["hand"] == {
            "entry": me["hand"]["entry"],
            "kind": "direct",
            "label": "Direct response",
            "position": 1,
            "reason": "direct response: right after the current speaker",
            "reason_key": "server.reason.direct",  # for the phone to word in its reader's language
            "reason_params": {},
        }
        view = await screen.wait_view("screen", lambda v: v["stack"]["waiting"] == 3)
        assert [(n["name"], n["kind"]) for n in view["stack"]["next"]] == [
            ("Cleo", "direct"),
            ("Bo", "new"),
            ("Ana", "new"),
        ]
        facilitator = await console.wait_view("facilitator", lambda v: len(v["stack"]["entries"]) == 3)
        assert [e["name"] for e in facilitator["stack"]["entries"]] == ["Cleo", "Bo", "Ana"]
        assert [row["name"] for row in facilitator["stack"]["statistics"]] == ["Ana"]
        await console.request("next_speaker")
        view = await screen.wait_view("screen", lambda v: v["stack"]["speaker"]["name"] == "Cleo")
        assert [n["name"] for n in view["stack"]["next"]] == ["Bo", "Ana"]
        await ana.request("lower_hand")
        await screen.wait_view("screen", lambda v: [n["name"] for n in v["stack"]["next"]] == ["Bo"])
    finally:
        for client in (ana, bo, cleo, screen, console):
            await client.close()


async def test_stack_refusals(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    """Facilitator commands from a phone, a removed participant's hand, bad fields: coded errors, nothing changes."""
    console = await console_for(server, meeting, fmt)
    ana, _ = await join(server, meeting, fmt, "Ana")
    prankster, _ = await join(server, meeting, fmt, "Prankster")
    try:
        cases: list[tuple[PlazaClient, str, dict[str, Any], str]] = [
            (ana, "next_speaker", {}, "not_allowed"),
            (ana, "set_stack_settings", {"progressive": False}, "not_allowed"),
            (ana, "raise_hand", {"kind": "loudest"}, "bad_field"),
            (ana, "raise_hand", {"kind": 3}, "bad_field"),
            (ana, "opt_priority", {"opted": "yes"}, "bad_field"),
            (ana, "lower_hand", {}, "not_on_stack"),
            (console, "raise_hand", {}, "not_allowed"),
            (console, "move_entry", {"entry": True, "position": 0}, "bad_field"),
            (console, "extend_time", {"seconds": 1e300}, "bad_field"),
            (console, "set_stack_settings", {"time_limit": 5}, "bad_field"),
            (console, "next_speaker", {}, "stack_empty"),
        ]
        for client, kind, fields, code in cases:
            with pytest.raises(PlazaError) as err:
                await client.request(kind, **fields)
            assert err.value.code == code, (kind, fields)
        await prankster.request("raise_hand")
        view = await console.wait_view("facilitator", lambda v: len(v["stack"]["entries"]) == 1)
        pid = view["stack"]["entries"][0]["participant"]
        await console.request("remove_participant", participant=pid)
        view = await console.wait_view("facilitator", lambda v: v["stack"]["entries"] == [])
        with pytest.raises(PlazaError) as err:
            await prankster.request("raise_hand")
        assert err.value.code == "removed"
        assert (await console.wait_view("facilitator"))["stack"]["entries"] == []
    finally:
        for client in (ana, prankster, console):
            await client.close()
