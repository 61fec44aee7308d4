"""What a prankster in the hall might send: each gets a coded error; the meeting and everyone else carry on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import msgpack
import pytest

from server.client import PlazaClient, PlazaError
from tests.conftest import ServerProcess, key_of


@pytest.fixture
async def room(server: ServerProcess, meeting: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """A screen and a joined phone that must not notice anything the prankster does."""
    screen = PlazaClient(server.ws, "msgpack")
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    bystander = PlazaClient(server.ws, "json")
    await bystander.connect()
    await bystander.hello("phone", code=meeting["code"])
    await bystander.request("join", name="Bystander")
    await screen.wait_view("screen", lambda v: v["present"] == 1)
    yield {"screen": screen, "bystander": bystander, "meeting": meeting, "server": server}
    await screen.close()
    await bystander.close()


async def unharmed(room: dict[str, Any], seq: int) -> None:
    """The log did not move, and the others still work: the bystander acts, the screen follows the room.

    (The screen must agree with the server's count of who is here: the bystander, plus the
    prankster while their phone is joined.  Expecting 1 only passed when the screen's update
    for the prankster's join was still coalescing.)
    """
    bystander: PlazaClient = room["bystander"]
    _, body, _ = room["server"].get(f"/api/meetings/{room['meeting']['id']}")
    facts = json.loads(body)
    assert facts["seq"] == seq
    assert (await bystander.request("ping"))["type"] == "pong"
    await bystander.request("rename", name="Still here")
    await room["screen"].wait_view("screen", lambda v: v["present"] == facts["present"] >= 1)


async def prankster(
    server: ServerProcess, meeting: dict[str, Any], fmt: str = "json", join: bool = True
) -> PlazaClient:
    client = PlazaClient(server.ws, fmt)
    await client.connect()
    await client.hello("phone", code=meeting["code"])
    if join:
        await client.request("join", name="Prankster")
    return client


def seq_now(server: ServerProcess, meeting: dict[str, Any]) -> int:
    return int(json.loads(server.get(f"/api/meetings/{meeting['id']}")[1])["seq"])


async def next_error(client: PlazaClient) -> dict[str, Any]:
    count = len(client.errors)
    await client.wait_for(lambda: len(client.errors) > count, timeout=5)
    return client.errors[-1]


@pytest.mark.parametrize(
    ("fmt", "frame", "code"),
    [
        ("json", "{not json", "bad_frame"),
        ("json", b"\x93\x01\x02", "bad_frame"),  # binary on a JSON connection
        ("msgpack", b"\xc1\xc1", "bad_frame"),  # 0xc1 is never valid msgpack
        ("msgpack", '{"type":"ping"}', "bad_frame"),  # text on a msgpack connection
        ("json", "[1, 2, 3]", "bad_message"),
        ("json", '"hello"', "bad_message"),
        ("json", '{"name": "no type"}', "bad_message"),
        ("json", '{"type": 7}', "bad_message"),
        ("json", '{"type": "launch_missiles"}', "unknown_type"),
        ("json", '{"type": "join"}', "bad_field"),
        ("json", '{"type": "join", "name": 42}', "bad_field"),
        ("json", '{"type": "join", "name": true}', "bad_field"),
        ("json", '{"type": "join", "name": "' + "x" * 300 + '"}', "bad_field"),
        ("json", '{"type": "join", "name": "   "}', "bad_field"),
        ("json", '{"type": "join", "name": "\\u0000\\u200b"}', "bad_field"),
        ("json", '{"type": "join", "name": "Ok", "admin": true}', "bad_field"),
        ("json", '{"type": "ping", "id": {"a": 1}}', "bad_field"),
        ("msgpack", msgpack.packb({"type": "join", "name": b"bytes"}), "bad_field"),
        ("json", "[" * 4000, "bad_frame"),  # nesting bomb
        ("msgpack", b"\x91" * 4000, "bad_frame"),
        ("json", "[" * 12_000, "bad_frame"),  # as deep as the size limit allows
        ("msgpack", b"\x91" * 12_000, "bad_frame"),
        ("json", "x" * 13_000, "too_large"),
    ],
)
async def test_malformed_frames_get_coded_errors(room: dict[str, Any], fmt: str, frame: bytes | str, code: str) -> None:
    """Malformed frames, unknown types and wrong fields get a coded error; nothing is recorded."""
    server, meeting = room["server"], room["meeting"]
    client = await prankster(server, meeting, fmt, join=False)
    seq = seq_now(server, meeting)
    await client.send_raw(frame)
    assert (await next_error(client))["code"] == code
    assert (await client.request("ping"))["type"] == "pong"  # the prankster's own socket still works
    await unharmed(room, seq)
    await client.close()


async def test_commands_before_hello_are_refused(room: dict[str, Any]) -> None:
    """A command before hello gets hello_first."""
    client = PlazaClient(room["server"].ws, "json")
    await client.connect()
    with pytest.raises(PlazaError) as err:
        await client.request("join", name="Early")
    assert err.value.code == "hello_first"
    await client.close()


@pytest.mark.parametrize(
    ("hello", "code"),
    [
        ({"role": "facilitator", "key": "guessed"}, "bad_key"),
        ({"role": "facilitator"}, "bad_key"),
        ({"role": "screen", "key": "guessed"}, "bad_key"),
        ({"role": "admin"}, "bad_field"),
        ({"role": "phone", "meeting": "nope"}, "unknown_meeting"),
    ],
)
async def test_hello_without_the_right_capability_is_refused(
    room: dict[str, Any], hello: dict[str, Any], code: str
) -> None:
    """No facilitator or screen powers without the link's secret."""
    client = PlazaClient(room["server"].ws, "json")
    await client.connect()
    fields = {"meeting": room["meeting"]["id"], **hello}
    with pytest.raises(PlazaError) as err:
        await client.hello(**fields)
    assert err.value.code == code
    with pytest.raises(PlazaError) as err:
        await client.request("end_meeting")
    assert err.value.code == "hello_first"
    await client.close()


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ({"type": "end_meeting"}, "not_allowed"),
        ({"type": "remove_participant", "participant": "someone"}, "not_allowed"),
        ({"type": "rename_participant", "participant": "someone", "name": "X"}, "not_allowed"),
        ({"type": "join", "name": "Twice"}, "already_joined"),
    ],
)
async def test_commands_beyond_the_senders_role_are_refused(
    room: dict[str, Any], command: dict[str, Any], code: str
) -> None:
    """A participant cannot use facilitator commands, nor join twice."""
    server, meeting = room["server"], room["meeting"]
    client = await prankster(server, meeting)
    seq = seq_now(server, meeting)
    kind = command.pop("type")
    with pytest.raises(PlazaError) as err:
        await client.request(kind, **command)
    assert err.value.code == code
    await unharmed(room, seq)
    await client.close()


async def test_guest_cannot_rename_and_facilitator_cannot_target_strangers(room: dict[str, Any]) -> None:
    """State checks: a guest must join first; a facilitator can only act on real participants."""
    server, meeting = room["server"], room["meeting"]
    guest = await prankster(server, meeting, join=False)
    with pytest.raises(PlazaError) as err:
        await guest.request("rename", name="Ghost")
    assert err.value.code == "not_joined"
    async with PlazaClient(server.ws, "json") as console:
        await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
        with pytest.raises(PlazaError) as err:
            await console.request("remove_participant", participant="forged-id")
        assert err.value.code == "unknown_participant"
    await guest.close()


async def test_forged_token_is_told_and_stays_a_guest(room: dict[str, Any]) -> None:
    """A forged participant token gets bad_token and no one's identity."""
    client = PlazaClient(room["server"].ws, "json")
    await client.connect()
    welcome = await client.hello("phone", code=room["meeting"]["code"], token="forged" * 5)
    assert welcome["participant"] is None
    await client.wait_for(lambda: any(e["code"] == "bad_token" for e in client.errors))
    assert (await client.wait_view("me"))["status"] == "guest"
    await client.close()


async def test_flood_is_rate_limited_then_closed(room: dict[str, Any]) -> None:
    """A connection that floods gets rate_limited errors, then is closed with a reason; others carry on."""
    server, meeting = room["server"], room["meeting"]
    client = await prankster(server, meeting)
    seq = seq_now(server, meeting)
    for _ in range(200):
        await client.send({"type": "ping"})
    await client.wait_for(lambda: client.close_code is not None, timeout=5)
    assert client.close_code == 1008 and "flood" in (client.close_reason or "")
    assert any(e["code"] == "rate_limited" for e in client.errors)
    await unharmed(room, seq)


async def test_frame_beyond_transport_limit_closes_with_1009(room: dict[str, Any]) -> None:
    """A frame over 64 KiB is cut off by the transport with 'message too big'; others carry on."""
    server, meeting = room["server"], room["meeting"]
    client = await prankster(server, meeting, join=False)
    seq = seq_now(server, meeting)
    await client.send_raw("x" * 70_000)
    await client.wait_for(lambda: client.close_code is not None, timeout=5)
    assert client.close_code == 1009
    await unharmed(room, seq)


async def test_many_pranksters_at_once_leave_the_log_alone(room: dict[str, Any]) -> None:
    """Twenty connections sending garbage together change nothing."""
    server, meeting = room["server"], room["meeting"]
    seq = seq_now(server, meeting)
    clients = [await prankster(server, meeting, "msgpack", join=False) for _ in range(20)]
    garbage = [b"\xc1", msgpack.packb([1]), msgpack.packb({"type": "end_meeting"}), msgpack.packb({"type": None})]
    await asyncio.gather(*(c.send_raw(g) for c in clients for g in garbage))
    for c in clients:
        await c.wait_for(lambda c=c: len(c.errors) >= len(garbage), timeout=5)
        assert {e["code"] for e in c.errors} == {"bad_frame", "bad_message", "not_allowed"}
    await unharmed(room, seq)
    await asyncio.gather(*(c.close() for c in clients))
