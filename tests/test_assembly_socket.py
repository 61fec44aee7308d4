"""The assembly over the real protocol and HTTP: votes with receipts and the quorum from who is
connected, refusals with codes that change nothing, and minutes served as Markdown and JSON."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from server.client import PlazaClient, PlazaError
from tests.conftest import ServerProcess, key_of
from tests.test_socket import join
from tests.test_stack_socket import console_for


def get(server: ServerProcess, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"{server.http}{path}", timeout=10) as response:
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["content-type"], exc.read().decode()


async def test_a_secret_vote_with_receipts_and_quorum(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    console = await console_for(server, meeting, fmt)
    screen = PlazaClient(server.ws, fmt)
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    ana, _ = await join(server, meeting, fmt, "Ana")
    bo, _ = await join(server, meeting, fmt, "Bo")
    cy, _ = await join(server, meeting, fmt, "Cy")
    try:
        await console.request(
            "open_vote",
            subject="question",
            question="Elect Dee as treasurer?",
            ballot="yes_no",
            rule="majority",
            secret=True,
            quorum_share=100,
        )
        phone = await ana.wait_view("phone", lambda v: v["vote"] is not None)
        vote = phone["vote"]["vote"]
        await ana.request("cast_ballot", vote=vote, choice="yes")
        me = await ana.wait_view("me", lambda v: v["ballot"] is not None)
        receipt = me["ballot"]["receipt"]
        assert len(receipt) == 9 and receipt[4] == "-"
        await ana.request("cast_ballot", vote=vote, choice="no")  # changed: same receipt, latest counts
        me = await ana.wait_view("me", lambda v: v["ballot"]["choices"] == ["no"])
        assert me["ballot"]["receipt"] == receipt
        await bo.request("cast_ballot", vote=vote, choice="yes")
        view = await screen.wait_view("screen", lambda v: v["vote"] is not None and v["vote"]["turnout"] == 2)
        # While a secret vote is open: turnout only, everywhere (counts would show who chose what).
        assert view["vote"]["names"] is None and view["vote"]["counts"] is None and view["vote"]["reasons"] == []
        assert console.view("facilitator")["vote"]["counts"] is None
        # Phones: the running turnout comes in its own view; the phone view's vote leaves it out.
        live = await cy.wait_view("live", lambda v: v["vote"] is not None and v["vote"]["turnout"] == 2)
        assert live["vote"] == {"vote": vote, "turnout": 2, "counts": None}
        phone = cy.view("phone")
        assert phone is not None and phone["vote"]["turnout"] is None and phone["vote"]["counts"] is None
        # Cy is connected but hasn't voted: 2 of 3 present is under a 100% quorum.
        await console.request("close_vote", vote=vote)
        view = await screen.wait_view("screen", lambda v: v["vote"]["result"] is not None)
        assert view["vote"]["result"]["label"] == "No quorum"
        assert view["vote"]["result"]["present"] == 3
        phone = await cy.wait_view("phone", lambda v: v["vote"]["result"] is not None)
        assert phone["vote"]["counts"] == {"yes": 1, "no": 1, "abstain": 0} and phone["vote"]["turnout"] == 2
        await cy.wait_view("live", lambda v: v["vote"] is None)
        with pytest.raises(PlazaError) as info:
            await cy.request("cast_ballot", vote=vote, choice="yes")
        assert info.value.code == "vote_closed"
        status, kind, body = get(server, f"/api/meetings/{meeting['id']}/minutes.json")
        assert status == 200 and kind.startswith("application/json")
        record = json.loads(body)["items"][0]["votes"][0]
        assert record["voters"] == ["Ana", "Bo"]
        assert {r["receipt"]: r["choices"] for r in record["receipts"]}[receipt] == ["no"]
        assert "roll_call" not in record
        status, kind, text = get(server, f"/api/meetings/{meeting['id']}/minutes.md")
        assert status == 200 and kind.startswith("text/markdown")
        assert f"`{receipt}` No" in text and "**No quorum**" in text
    finally:
        for c in (console, screen, ana, bo, cy):
            await c.close()


async def test_refusals_have_codes_and_change_nothing(server: ServerProcess, meeting: dict[str, Any]) -> None:
    console = await console_for(server, meeting, "json")
    ana, _ = await join(server, meeting, "json", "Ana")
    try:
        await console.request("add_item", title="Budget", minutes=20)
        await console.request("open_vote", subject="question", question="Agree?", ballot="consensus", rule="consensus")
        view = await ana.wait_view("phone", lambda v: v["vote"] is not None)
        vote = view["vote"]["vote"]
        seq_before = json.loads(get(server, f"/api/meetings/{meeting['id']}")[2])["seq"]
        cases: list[tuple[PlazaClient, str, dict[str, Any], str]] = [
            (ana, "cast_ballot", {"vote": vote, "choice": "block"}, "reason_required"),
            (ana, "cast_ballot", {"vote": vote, "choice": "yes"}, "bad_choice"),
            (ana, "cast_ballot", {"vote": vote}, "bad_field"),
            (ana, "cast_ballot", {"vote": vote, "choice": "agree", "choices": ["agree"]}, "bad_field"),
            (ana, "cast_ballot", {"vote": "1", "choice": "agree"}, "bad_field"),
            (ana, "cast_ballot", {"vote": 999, "choice": "agree"}, "unknown_vote"),
            (ana, "close_vote", {"vote": vote}, "not_allowed"),
            (ana, "start_item", {"item": "a1"}, "not_allowed"),
            (ana, "open_vote", {"subject": "agenda", "ballot": "yes_no", "rule": "majority"}, "not_allowed"),
            (console, "cast_ballot", {"vote": vote, "choice": "agree"}, "not_allowed"),
            (console, "start_item", {"item": "a1"}, "agenda_not_approved"),
            (console, "open_vote", {"subject": "agenda", "ballot": "yes_no", "rule": "majority"}, "vote_open"),
            (console, "add_item", {"title": "x", "minutes": 1000}, "bad_field"),
            (console, "set_groups", {"groups": ["a", 3]}, "bad_field"),
            (console, "set_groups", {"groups": ["x" * 81]}, "bad_field"),
            (
                console,
                "open_vote",
                {"subject": "question", "ballot": "yes_no", "rule": "majority", "options": "ab"},
                "bad_field",
            ),
            (ana, "post_point", {"text": "x" * 281}, "bad_field"),
            (ana, "upvote_point", {"point": 1}, "unknown_point"),
            (ana, "answer_check", {"check": 1, "signal": "agree"}, "unknown_check"),
            (ana, "signal", {"signal": "maybe"}, "bad_field"),
        ]
        for client, kind, fields, code in cases:
            with pytest.raises(PlazaError) as info:
                await client.request(kind, **fields)
            assert info.value.code == code, (kind, fields, info.value.code)
        after = await console.request("ping")
        assert after["type"] == "pong"
        assert json.loads(get(server, f"/api/meetings/{meeting['id']}")[2])["seq"] == seq_before  # nothing logged
        # The sockets are still open and the meeting carries on.
        await ana.request("cast_ballot", vote=vote, choice="block", reason="It breaks our safety policy.")
        await console.request("close_vote", vote=vote)
        final = await console.wait_view("facilitator", lambda v: v["vote"]["result"] is not None)
        assert final["vote"]["result"]["label"] == "Blocked"
        assert get(server, f"/api/meetings/{meeting['id']}/minutes.txt")[0] == 404
        assert get(server, "/api/meetings/nope/minutes.md")[0] == 404
    finally:
        await console.close()
        await ana.close()
