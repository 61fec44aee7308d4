"""What a prankster in the hall might send: each gets a coded error; the meeting and everyone else carry on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import msgpack
import pytest

from server.client import PlazaClient, PlazaError
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of


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


async def test_refusals_before_reading_carry_the_request_id(room: dict[str, Any], fmt: str) -> None:
    """A frame refused for its size, or dropped for sending too fast, is answered with its ``id``
    (when the frame can be read), so a client can tell which of its requests was refused."""
    server, meeting = room["server"], room["meeting"]
    client = await prankster(server, meeting, fmt)
    await client.send({"type": "propose", "id": "big-1", "text": "x" * 13_000})
    error = await next_error(client)
    assert (error["code"], error.get("id")) == ("too_large", "big-1")
    for n in range(40):  # past the rate limit (not yet the flood limit)
        await client.send({"type": "ping", "id": f"p{n}"})
    await client.wait_for(lambda: any(e["code"] == "rate_limited" for e in client.errors), timeout=5)
    limited = next(e for e in client.errors if e["code"] == "rate_limited")
    assert str(limited.get("id", "")).startswith("p")
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


# Lone surrogates (text that can't be encoded as UTF-8) can only arrive in JSON (as "\ud800"
# escapes: msgpack's strings must be valid UTF-8, so such a frame is already a bad_frame).
SURROGATE = "\ud800"


def raw_json(message: dict[str, Any]) -> str:
    return json.dumps(message)  # ensure_ascii: a lone surrogate travels as a \ud800 escape


@pytest.mark.parametrize(
    "hello",
    [
        {"role": "phone", "code": "AB" + SURROGATE},
        {"role": "phone", "meeting": "m" + SURROGATE},
        {"role": "phone", "token": "t" + SURROGATE},
        {"role": "facilitator", "key": "k" + SURROGATE},
        {"role": "room", "room": "b1-1" + SURROGATE, "key": "k"},
        {"role": "phone" + SURROGATE},
    ],
)
async def test_a_lone_surrogate_in_hello_is_refused_at_the_boundary(
    room: dict[str, Any], hello: dict[str, Any]
) -> None:
    """hello's key, token, meeting, code and room pass the same check as every other text: bad_field."""
    server, meeting = room["server"], room["meeting"]
    seq = seq_now(server, meeting)
    client = PlazaClient(server.ws, "json")
    await client.connect()
    fields = {"meeting": meeting["id"], **hello} if "code" not in hello and "meeting" not in hello else hello
    await client.send_raw(raw_json({"type": "hello", **fields}))
    error = await next_error(client)
    assert error["code"] == "bad_field" and error["field"] in hello
    assert (await client.request("ping"))["type"] == "pong"
    await client.hello("phone", code=meeting["code"])  # and the connection can still say hello properly
    await unharmed(room, seq)
    await client.close()


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "join", "name": "Ana" + SURROGATE}, "name"),
        ({"type": "raise_hand", "kind": SURROGATE}, "kind"),
        ({"type": "declare_group", "group": "g" + SURROGATE}, "group"),
        ({"type": "ping", "id": "x" + SURROGATE}, "id"),
        ({"type": "ping", "id": 1, SURROGATE: 1}, None),
        ({"type": "ping", "id": 1, "x" * 30 + SURROGATE: 1}, None),
    ],
)
async def test_a_lone_surrogate_anywhere_gets_a_coded_error_and_the_socket_stays(
    room: dict[str, Any], message: dict[str, Any], field: str | None
) -> None:
    """Text that can't be encoded as UTF-8 is refused with bad_field, and never echoed back (which closed the
    socket with 1006: the server could not encode its own reply)."""
    server, meeting = room["server"], room["meeting"]
    client = await prankster(server, meeting, join=False)
    seq = seq_now(server, meeting)
    await client.send_raw(raw_json(message))
    error = await next_error(client)
    assert error["code"] == "bad_field"
    if field is not None:
        assert error["field"] == field
    assert "id" not in error or error["id"] == 1
    assert client.close_code is None
    assert (await client.request("ping"))["type"] == "pong"
    await unharmed(room, seq)
    await client.close()


async def test_an_odd_field_name_in_msgpack_is_refused_without_an_internal_error(room: dict[str, Any]) -> None:
    """msgpack may carry binary map keys: an unknown one is a bad_field like any other, and the socket stays."""
    server, meeting = room["server"], room["meeting"]
    client = await prankster(server, meeting, "msgpack", join=False)
    seq = seq_now(server, meeting)
    for frame in (
        msgpack.packb({"type": "ping", "id": 7, b"\xff\xfe": 1}),
        msgpack.packb({"type": "ping", "id": 7, b"bin": 1, "text": 2}),
    ):
        await client.send_raw(frame)
        error = await next_error(client)
        assert error["code"] == "bad_field" and error["id"] == 7
    assert (await client.request("ping"))["type"] == "pong"
    await unharmed(room, seq)
    await client.close()


async def test_a_facilitator_s_lone_surrogate_in_groups_never_wedges_the_meeting(room: dict[str, Any]) -> None:
    """set_groups' items skipped the text cleaning: "g\\ud800" reached the embedded store, whose writer died, and
    from then on the meeting never answered again.  Now it is a bad_field at the boundary; the meeting carries on."""
    server, meeting = room["server"], room["meeting"]
    seq = seq_now(server, meeting)
    async with PlazaClient(server.ws, "json") as console:
        await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
        await console.send_raw(raw_json({"type": "set_groups", "id": 99, "groups": ["ok", "g" + SURROGATE]}))
        await console.wait_for(lambda: any(e.get("id") == 99 for e in console.errors), timeout=5)
        error = next(e for e in console.errors if e.get("id") == 99)
        assert error["code"] == "bad_field" and error["field"] == "groups"
        await unharmed(room, seq)
        ack = await console.request("set_groups", groups=["north", "south"])
        assert ack["seq"] == seq + 2  # the bystander's rename, then this
    status, body, _ = server.get("/healthz")
    assert status == 200, body


async def test_a_stranger_can_not_flood_the_log(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of bad frames, at the info level a venue runs at: a few lines of summary, not a line (or a
    traceback) per frame or per connection.  (Every socket logged "connection open" and "[accepted]" at info,
    and every text frame that is not UTF-8 an ERROR with a traceback: 771 KB for 100,000 frames.)"""
    import websockets

    from server.testing import free_port

    monkeypatch.setenv("PLAZA_LOG_SUMMARY_SECONDS", "3")
    server = ServerProcess(data=tmp_path / "data", port=free_port(), extra_args=["--log-level", "info"]).start()
    try:
        assert server.log_path is not None
        meeting = server.create_meeting()
        await asyncio.sleep(0.2)
        before = server.log_path.stat().st_size
        frames = 0

        async def not_utf8() -> None:  # each such frame closes its socket (1007)
            async with websockets.connect(f"{server.ws}?format=json") as ws:
                await ws.send(b"\xff\xfe{", text=True)
                with contextlib.suppress(websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 5)

        async def garbage(fmt: str) -> int:  # a burst of malformed frames, each answered with an error
            client = await prankster(server, meeting, fmt, join=False)
            junk = ["{nope", '{"type":"launch"}', '{"type":"join","name":7}'] if fmt == "json" else [b"\xc1"]
            for i in range(25):
                await client.send_raw(junk[i % len(junk)])
            await client.wait_for(lambda: len(client.errors) >= 25, timeout=10)
            await client.close()
            return 25

        for _ in range(10):  # in waves, so a loaded machine keeps up
            await asyncio.gather(*(not_utf8() for _ in range(50)))
            frames += 50
            counts = await asyncio.gather(*(garbage("json" if i % 2 else "msgpack") for i in range(20)))
            frames += sum(counts)
        assert frames >= 5_000
        flood = await prankster(server, meeting, join=False)  # and one that floods until it is cut off
        for _ in range(200):
            await flood.send({"type": "ping"})
        await flood.wait_for(lambda: flood.close_code is not None, timeout=10)
        # The summary comes once per interval (3 s here, a minute at a venue).
        deadline = time.monotonic() + 10 * TIMEOUT_FACTOR
        lines: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            text = server.log_path.read_bytes()[before:].decode()
            lines = [json.loads(line) for line in text.splitlines() if line.strip()]
            summarised = sum(line.get("events", 0) for line in lines if line.get("logger") == "plaza.clients")
            if summarised >= frames:
                break
            await asyncio.sleep(0.2)
        assert summarised >= frames, lines
        # What the clients caused (the machine's own load may add "event loop was blocked" or "slow commit"
        # lines, once a second at most: not the clients' noise, and not what is measured here).
        load = ("event loop was blocked", "slow commit")
        noise = [line for line in lines if line["msg"] not in load]
        grown = sum(len(json.dumps(line, ensure_ascii=False)) + 1 for line in noise)
        assert grown < 4_000, f"{grown} bytes of log for {frames} bad frames: {noise[:5]}"
        assert len(lines) - len(noise) < 60
        assert not [line for line in lines if line["level"] in ("error", "critical")]
        assert (await (await prankster(server, meeting)).request("ping"))["type"] == "pong"  # still serving
    finally:
        server.stop()
