"""The realtime protocol over a real uvicorn, with real websocket clients, in both wire formats."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.client import PlazaClient, PlazaError
from tests.conftest import ServerProcess, key_of


async def join(server: ServerProcess, meeting: dict[str, Any], fmt: str, name: str) -> tuple[PlazaClient, str]:
    phone = PlazaClient(server.ws, fmt)
    await phone.connect()
    await phone.hello("phone", code=meeting["code"].lower())
    ack = await phone.request("join", name=name)
    return phone, ack["token"]


async def test_join_shows_on_screen_and_console(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    """A phone that joins is counted on the screen and named on the facilitator console."""
    async with PlazaClient(server.ws, fmt) as screen, PlazaClient(server.ws, fmt) as console:
        await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
        await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
        assert (await screen.wait_view("screen"))["present"] == 0
        phone, _ = await join(server, meeting, fmt, "  Ana\u00a0 María ")
        try:
            view = await screen.wait_view("screen", lambda v: v["present"] == 1)
            assert view["title"] == "Test assembly" and view["code"] == meeting["code"]
            assert view["join_url"] == meeting["join_url"]
            people = (await console.wait_view("facilitator", lambda v: v["present"] == 1))["participants"]
            assert [(p["name"], p["present"]) for p in people] == [("Ana María", True)]
            me = await phone.wait_view("me", lambda v: v["status"] == "joined")
            assert me["participant"]["name"] == "Ana María"
        finally:
            await phone.close()
        await screen.wait_view("screen", lambda v: v["present"] == 0)


async def test_token_brings_back_the_same_participant(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    """A phone that reconnects with its token is the same participant, without joining again."""
    phone, token = await join(server, meeting, fmt, "Bo")
    pid = (await phone.wait_view("me", lambda v: v["status"] == "joined"))["participant"]["id"]
    await phone.close()
    async with PlazaClient(server.ws, fmt) as again:
        welcome = await again.hello("phone", code=meeting["code"], token=token)
        assert welcome["participant"] == pid
        me = await again.wait_view("me")
        assert me["status"] == "joined" and me["participant"] == {"id": pid, "name": "Bo"}
        with pytest.raises(PlazaError) as err:
            await again.request("join", name="Bo again")
        assert err.value.code == "already_joined"


async def test_facilitator_renames_removes_and_ends(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    """The facilitator renames and removes participants and ends the meeting; phones see each change."""
    async with PlazaClient(server.ws, fmt) as console:
        await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
        phone, token = await join(server, meeting, fmt, "Prankster")
        other, _ = await join(server, meeting, fmt, "Cleo")
        try:
            people = (await console.wait_view("facilitator", lambda v: v["present"] == 2))["participants"]
            prank = next(p["id"] for p in people if p["name"] == "Prankster")
            await console.request("rename_participant", participant=prank, name="Dee")
            assert (await phone.wait_view("me", lambda v: v["participant"]["name"] == "Dee"))["status"] == "joined"
            await console.request("remove_participant", participant=prank)
            await phone.wait_view("me", lambda v: v["status"] == "removed")
            view = await console.wait_view("facilitator", lambda v: v["present"] == 1)
            assert [p["name"] for p in view["participants"]] == ["Cleo"]
            with pytest.raises(PlazaError) as err:
                await phone.request("rename", name="Back")
            assert err.value.code == "removed"
            # Coming back with the old token: told, and a guest again.
            async with PlazaClient(server.ws, fmt) as back:
                welcome = await back.hello("phone", code=meeting["code"], token=token)
                assert welcome["participant"] is None
                await back.wait_for(lambda: any(e["code"] == "removed" for e in back.errors))
            await console.request("end_meeting")
            await other.wait_view("phone", lambda v: v["ended"])
            with pytest.raises(PlazaError) as err:
                await other.request("rename", name="Late")
            assert err.value.code == "meeting_ended"
        finally:
            await phone.close()
            await other.close()


async def test_resume_sees_what_a_client_that_never_left_sees(server: ServerProcess, meeting: dict[str, Any]) -> None:
    """A phone reconnecting with its last seq ends with exactly the views of a phone that stayed."""
    stayer, _ = await join(server, meeting, "msgpack", "Stayer")
    leaver, token = await join(server, meeting, "json", "Leaver")
    await leaver.wait_view("me", lambda v: v["status"] == "joined")
    last_seq = leaver.views["phone"]["seq"]
    await leaver.close()
    others = [await join(server, meeting, "json", f"P{i}") for i in range(3)]
    async with PlazaClient(server.ws, "json") as back:
        await back.hello("phone", code=meeting["code"], token=token, last_seq=last_seq)
        await back.wait_view("phone", lambda v: v["present"] == 5)
        await stayer.wait_view("phone", lambda v: v["present"] == 5)
        assert back.views["phone"]["seq"] == stayer.views["phone"]["seq"] > last_seq
        assert back.view("phone") == stayer.view("phone")
    for phone, _ in [(stayer, None), *others]:
        await phone.close()


async def test_every_command_is_acknowledged_with_its_seq(server: ServerProcess, meeting: dict[str, Any]) -> None:
    """Acks carry increasing sequence numbers; concurrent joins all land exactly once."""
    phones = [PlazaClient(server.ws, "msgpack") for _ in range(30)]
    await asyncio.gather(*(p.connect() for p in phones))
    await asyncio.gather(*(p.hello("phone", meeting=meeting["id"]) for p in phones))
    acks = await asyncio.gather(*(p.request("join", name=f"N{i}") for i, p in enumerate(phones)))
    seqs = sorted(a["seq"] for a in acks)
    assert seqs == list(range(2, 32))  # seq 1 is meeting.created
    async with PlazaClient(server.ws, "json") as console:
        await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
        view = await console.wait_view("facilitator", lambda v: v["present"] == 30)
        assert sorted(p["name"] for p in view["participants"]) == sorted(f"N{i}" for i in range(30))
    await asyncio.gather(*(p.close() for p in phones))


async def test_restart_after_kill_restores_the_meeting(
    server: ServerProcess, meeting: dict[str, Any], fmt: str
) -> None:
    """After kill -9, a restarted server knows every participant and their tokens."""
    phone, token = await join(server, meeting, fmt, "Survivor")
    pid = (await phone.wait_view("me", lambda v: v["status"] == "joined"))["participant"]["id"]
    await phone.close()
    server.kill()
    server.start()
    async with PlazaClient(server.ws, fmt) as back, PlazaClient(server.ws, fmt) as console:
        welcome = await back.hello("phone", code=meeting["code"], token=token)
        assert welcome["participant"] == pid
        await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
        view = await console.wait_view("facilitator", lambda v: v["present"] == 1)
        assert [p["name"] for p in view["participants"]] == ["Survivor"]


@pytest.mark.parametrize("fmt", ["json", "msgpack"])
async def test_a_reply_that_can_not_be_encoded_becomes_a_generic_error_and_the_socket_stays(fmt: str) -> None:
    """If a reply can't be encoded (text with a lone surrogate; a value msgpack can't pack), the client gets a
    generic coded error with its id instead, and the connection goes on (it used to be dropped with 1006)."""
    import json

    import msgpack

    from server.hub.connection import Connection
    from server.protocol import CODECS

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    conn = Connection(send, CODECS[fmt], "test")
    conn.reply({"type": "error", "code": "bad_field", "message": "x", "field": "g\ud800", "id": 7})
    conn.reply({"type": "ack", "seq": object(), "id": "a\ud800"})  # neither the value nor this id can be sent
    conn.reply({"type": "pong", "server_time": 1.0, "id": 8})
    deadline = asyncio.get_running_loop().time() + 5
    while len(sent) < 3 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    decoded = [msgpack.unpackb(m["bytes"]) if fmt == "msgpack" else json.loads(m["text"].encode()) for m in sent]
    assert [(d["type"], d.get("code"), d.get("id")) for d in decoded] == [
        ("error", "internal", 7),
        ("error", "internal", None),
        ("pong", None, 8),
    ]
    assert not conn.closed


def test_client_noise_is_demoted_or_counted_and_summarised_on_shutdown() -> None:
    """uvicorn's per-connection lines go to debug (or away); a non-UTF-8 frame's ERROR is counted, without its
    traceback; what was counted is summarised at the latest when uvicorn shuts down (it ends a SIGTERM by
    raising it again, so no exit hook runs)."""
    import logging

    from server import logs

    def record(msg: str, level: int = logging.INFO, name: str = "uvicorn.error") -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, msg, ("127.0.0.1:1", "/ws"), None)

    quiet, loud = logs.ClientNoise(debug=False), logs.ClientNoise(debug=True)
    logs.noise.flush()
    assert not quiet.filter(record('%s - "WebSocket %s" [accepted]'))
    assert not quiet.filter(record("connection open"))
    demoted = record("connection open")
    assert loud.filter(demoted) and demoted.levelname == "DEBUG"
    assert quiet.filter(record("Application startup complete."))  # the server's own lines stay
    assert quiet.filter(record("a Plaza line", name="plaza.hub"))
    for _ in range(3):
        assert not quiet.filter(record("Invalid UTF-8 sequence received from client.", logging.ERROR))
    assert sum(logs.noise.counts.values()) == 3
    seen: list[logging.LogRecord] = []
    catcher = logging.Handler()
    catcher.emit = seen.append  # type: ignore[method-assign]
    level = logs.log.level
    logs.log.addHandler(catcher)
    logs.log.setLevel(logging.INFO)
    try:
        assert quiet.filter(record("Shutting down"))
    finally:
        logs.log.removeHandler(catcher)
        logs.log.setLevel(level)
    (summary,) = seen
    assert summary.getMessage().startswith("3 bad frames from 3 connections")
    assert not logs.noise.counts
