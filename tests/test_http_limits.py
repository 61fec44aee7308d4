"""HTTP bodies and headers are bounded before they are read: real sockets against a real server process."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from server.app import BODY_TIMEOUT
from server.client import PlazaClient
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, free_port


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def exchange(
    server: ServerProcess, head: bytes, body: bytes = b""
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, float]:
    """Send a request's head (and a first piece of body); return the streams and when we sent it.

    Keep the writer: a StreamWriter that is garbage-collected closes the connection.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(head + body)
    await writer.drain()
    return reader, writer, time.monotonic()


async def response(reader: asyncio.StreamReader, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """Read one whole response (the server closes the connection after a refusal)."""
    raw = await asyncio.wait_for(reader.read(-1), timeout)  # -1: until the server closes
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def post_head(length: int | None, extra: str = "") -> bytes:
    size = f"Content-Length: {length}\r\n" if length is not None else "Transfer-Encoding: chunked\r\n"
    return (f"POST /api/meetings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{size}{extra}\r\n").encode()


async def test_a_declared_10_gb_body_is_refused_at_once_and_the_connection_closed(server: ServerProcess) -> None:
    """Content-Length 10 GB and 3 bytes sent: 413 too_large straight away (it stayed open before)."""
    reader, _writer, sent = await exchange(server, post_head(10 * 2**30), b'{"t')
    status, headers, body = await response(reader, 3 * TIMEOUT_FACTOR)
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large"
    assert headers.get("connection") == "close"
    assert time.monotonic() - sent < 2 * TIMEOUT_FACTOR


async def test_a_slow_body_times_out_with_408(server: ServerProcess) -> None:
    """A body that declares 100 bytes and sends 10 gets 408 after a few seconds, not a socket held forever."""
    reader, _writer, sent = await exchange(server, post_head(100), b'{"title": ')
    status, _, body = await response(reader, (BODY_TIMEOUT + 5) * TIMEOUT_FACTOR)
    waited = time.monotonic() - sent
    assert status == 408 and json.loads(body)["error"]["code"] == "too_slow"
    assert BODY_TIMEOUT - 0.5 <= waited <= BODY_TIMEOUT + 3 * TIMEOUT_FACTOR


async def test_a_streamed_body_is_refused_at_the_first_byte_over(server: ServerProcess) -> None:
    """A chunked body with no length is counted as it arrives: past 4 KiB, 413 and the connection closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(post_head(None))
    chunk = b"x" * 1024
    for _ in range(5):  # 5 KiB, and no end: before, the server waited for the rest
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    await writer.drain()
    status, _, body = await response(reader, 5 * TIMEOUT_FACTOR)
    assert status == 413 and json.loads(body)["error"]["code"] == "too_large"


async def test_an_8_mb_header_is_refused(server: ServerProcess) -> None:
    """Request line and headers are bounded (16 KiB): an 8 MB header gets 400 or a closed connection, never 200."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
    status = None
    try:
        for _ in range(8 * 1024):
            writer.write(b"a" * 1024)
            await writer.drain()
        writer.write(b"\r\n\r\n")
        await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        pass
    try:
        raw = await asyncio.wait_for(reader.read(-1), 5 * TIMEOUT_FACTOR)
    except (ConnectionResetError, BrokenPipeError):  # closed on us mid-header: refused too
        raw = b""
    if raw:
        status = int(raw.split(b" ", 2)[1])
    assert status in (None, 400, 431), raw[:200]


@pytest.mark.parametrize("size", [17_000, 100_000])
async def test_a_head_over_16_kib_sent_in_one_piece_is_refused(server: ServerProcess, size: int) -> None:
    """h11 only bounds a head that arrives in pieces: 17 KB or 100 KB in one write got 200 before."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + b"a" * size + b"\r\n\r\n")
    await writer.drain()
    try:
        raw = await asyncio.wait_for(reader.read(-1), 5 * TIMEOUT_FACTOR)
    except (ConnectionResetError, BrokenPipeError):
        raw = b""
    writer.close()
    status = int(raw.split(b" ", 2)[1]) if raw else None
    assert status in (None, 400, 431), raw[:200]
    if status == 431:
        assert json.loads(raw.partition(b"\r\n\r\n")[2])["error"]["code"] == "headers_too_large"
    # A websocket's upgrade request too, in many headers or one long one: it never opens.
    for big in ({f"X-H{i}": "a" * 500 for i in range(40)}, {"X-Big": "a" * 17_000}):
        with pytest.raises((websockets.InvalidStatus, TimeoutError)):
            async with websockets.connect(server.ws, additional_headers=big, open_timeout=3 * TIMEOUT_FACTOR):
                pass
    assert server.get("/healthz")[0] == 200


def test_a_nesting_bomb_is_a_bad_json_400_not_a_500(server: ServerProcess) -> None:
    """4,000 '[' fit in 4 KiB and used to raise RecursionError (a 500)."""
    status, body = server.post("/api/meetings", None, raw=b"[" * 4000)
    assert (status, body["error"]["code"]) == (400, "bad_json")
    status, body = server.post("/api/meetings", None, raw=b'{"title": ' + b"[" * 4000)
    assert (status, body["error"]["code"]) == (400, "bad_json")


def test_a_bad_content_length_is_a_400(server: ServerProcess) -> None:
    async def go() -> int:
        reader, _writer, _ = await exchange(
            server, post_head(None).replace(b"Transfer-Encoding: chunked", b"Content-Length: -5")
        )
        try:
            return (await response(reader, 5 * TIMEOUT_FACTOR))[0]
        except (ConnectionResetError, IndexError):
            return 400

    assert asyncio.run(go()) == 400


@pytest.mark.parametrize("declared", [True, False])
async def test_memory_stays_bounded_while_large_bodies_are_refused(server: ServerProcess, declared: bool) -> None:
    """Four 256 MB bodies at once (declared, or streamed without a length): the server's RSS barely moves.

    Before, one such body took the server from about 60 MB to 508 MB, four to 1.34 GB.
    """
    assert server.proc is not None
    before = rss_mib(server.proc.pid)
    size = 256 * 2**20
    block = b"[" * (1024 * 1024)

    async def one() -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(post_head(size if declared else None))
        try:
            for _ in range(size // len(block)):
                writer.write(block if declared else f"{len(block):x}\r\n".encode() + block + b"\r\n")
                await writer.drain()
                if reader.at_eof() or len(reader._buffer):  # type: ignore[attr-defined]
                    break
        except (ConnectionResetError, BrokenPipeError):
            pass
        try:
            status, _, _ = await response(reader, 10 * TIMEOUT_FACTOR)
        except (ConnectionResetError, BrokenPipeError):  # it closed while we were still sending: the 413
            status = 413  # may be lost to the reset (or to the broken pipe our last write hit)
        writer.close()
        return status

    statuses = await asyncio.gather(*(one() for _ in range(4)))
    after = rss_mib(server.proc.pid)
    assert statuses == [413] * 4
    assert after - before < 40, (before, after)
    assert server.get("/healthz")[0] == 200


@pytest.fixture
def impatient(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServerProcess]:
    """A server that waits 1 s for a request's head and 1 s for a socket's hello."""
    monkeypatch.setenv("PLAZA_HEAD_WITHIN", "1")
    monkeypatch.setenv("PLAZA_HELLO_WITHIN", "1")
    proc = ServerProcess(data=tmp_path / "data", port=free_port()).start()
    yield proc
    proc.stop()


async def test_a_head_sent_slowly_is_cut_off(impatient: ServerProcess) -> None:
    """One header line every 0.3 s would hold a connection for half an hour under the size limit alone."""
    reader, writer = await asyncio.open_connection("127.0.0.1", impatient.port)
    started = time.monotonic()
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    closed = False
    try:
        for n in range(100):
            writer.write(f"X-Slow-{n}: a\r\n".encode())
            await writer.drain()
            try:
                if await asyncio.wait_for(reader.read(1), 0.3) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
    except (ConnectionResetError, BrokenPipeError):
        closed = True
    writer.close()
    assert closed and time.monotonic() - started < 1 + 5 * TIMEOUT_FACTOR
    # A head sent at once is served, on a fresh connection and on a kept-alive one.
    reader, writer = await asyncio.open_connection("127.0.0.1", impatient.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5 * TIMEOUT_FACTOR)
    assert head.startswith(b"HTTP/1.1 200")
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    await reader.readexactly(length)
    await asyncio.sleep(0.5)  # kept alive, within the head's time: the next request is served too
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, _, _ = await response(reader, 5 * TIMEOUT_FACTOR)
    assert status == 200
    writer.close()


async def test_a_socket_that_never_says_hello_is_closed(impatient: ServerProcess) -> None:
    async with websockets.connect(impatient.ws) as ws:
        started = time.monotonic()
        with pytest.raises(websockets.ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 5 * TIMEOUT_FACTOR)
        assert info.value.rcvd is not None and info.value.rcvd.code == 4008
        assert time.monotonic() - started < 1 + 4 * TIMEOUT_FACTOR
    meeting = impatient.create_meeting("Patience")
    client = PlazaClient(impatient.ws, "json")  # one that says hello stays, and is served
    await client.connect()
    await client.hello("phone", code=meeting["code"])
    await asyncio.sleep(1.5)
    assert (await client.request("ping"))["type"] == "pong"
    await client.close()
