"""Who may create meetings: the organiser link, open creation, rate limits, caps; idle meetings unloaded;
links shown only on a terminal; a port in use; the terminal QR."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import select
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.async_api import Browser, expect

from server.__main__ import terminal_qr
from server.client import PlazaClient
from server.testing import ROOT
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, free_port, key_of
from tests.pages import assert_accessible, inside
from tests.test_browser import PHONE, TIMEOUT_MS, browser

__all__ = ["browser"]


@pytest.fixture
def started(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    """A server started with the test's ``extra_args`` (parametrized with ``indirect=True``)."""
    proc = ServerProcess(data=tmp_path / "data", port=free_port(), extra_args=list(request.param)).start()
    yield proc
    proc.stop()


def listing(server: ServerProcess, key: str | None = None) -> tuple[int, Any]:
    status, body, _ = server.get("/api/meetings", key=server.organiser_key if key is None else key)
    return status, json.loads(body)


def test_creating_needs_the_organiser_link(server: ServerProcess) -> None:
    """Without the organiser key 401, with a wrong one 403, with the right one 201; nothing made by refusals."""
    status, body = server.post("/api/meetings", {"title": "Prank"}, key="")
    assert (status, body["error"]["code"]) == (401, "organiser_required")
    status, body = server.post("/api/meetings", {"title": "Prank"}, key="x" * 24)
    assert (status, body["error"]["code"]) == (403, "bad_organiser_key")
    status, body = server.post("/api/meetings", {"title": "Tenants"})
    assert status == 201
    status, data = listing(server)
    assert status == 200
    assert sorted(m["title"] for m in data["meetings"]) == ["General assembly", "Tenants"]
    assert json.loads(server.get("/api/server")[1]) == {"open_creation": False}


def test_the_organiser_list_needs_the_key_and_gives_working_links(server: ServerProcess) -> None:
    """GET /api/meetings: 401 without the key; with it, every meeting with title, code, state and the same links
    its creator got (they derive from the server's secret), and the facilitator link opens the console."""
    made = server.create_meeting("Workplace assembly")
    assert listing(server, key="")[0] == 401
    assert listing(server, key="nope")[0] == 403
    _, data = listing(server)
    (entry,) = [m for m in data["meetings"] if m["id"] == made["id"]]
    assert entry["code"] == made["code"] and entry["title"] == "Workplace assembly" and entry["state"] == "open"
    for name in ("facilitator_url", "screen_url", "join_url"):
        assert entry[name] == made[name]

    async def console() -> dict[str, Any]:
        async with PlazaClient(server.ws, "json") as c:
            return await c.hello("facilitator", meeting=made["id"], key=key_of(entry["facilitator_url"]))

    assert asyncio.run(console())["type"] == "welcome"


def test_the_organiser_list_survives_a_restart(tmp_path: Path) -> None:
    """The secret is kept in the data folder (0600): after a restart the organiser link and every link still work."""
    server = ServerProcess(data=tmp_path / "data", port=free_port()).start()
    try:
        made = server.create_meeting("Before the restart")
        key = server.organiser_key
    finally:
        server.stop()
    secret = tmp_path / "data" / "secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    server = ServerProcess(data=tmp_path / "data", port=free_port()).start()
    try:
        assert server.organiser_key == key
        _, data = listing(server)
        (entry,) = [m for m in data["meetings"] if m["id"] == made["id"]]
        assert entry["facilitator_url"].split("#")[1] == made["facilitator_url"].split("#")[1]
    finally:
        server.stop()


@pytest.mark.parametrize("started", [["--open-creation"]], indirect=True)
def test_open_creation_lets_anyone_create_but_not_list(started: ServerProcess) -> None:
    status, body = started.post("/api/meetings", {"title": "Open door"}, key="")
    assert status == 201 and body["facilitator_url"]
    assert json.loads(started.get("/api/server")[1]) == {"open_creation": True}
    assert listing(started, key="")[0] == 401
    assert "Open door" in [m["title"] for m in listing(started)[1]["meetings"]]


def test_open_creation_by_environment(tmp_path: Path) -> None:
    os.environ["PLAZA_OPEN_CREATION"] = "1"
    try:
        server = ServerProcess(data=tmp_path / "data", port=free_port()).start()
    finally:
        del os.environ["PLAZA_OPEN_CREATION"]
    try:
        assert server.post("/api/meetings", {"title": "Env"}, key="")[0] == 201
    finally:
        server.stop()


@pytest.mark.parametrize("started", [["--create-limit", "3", "--open-creation"]], indirect=True)
def test_creation_is_rate_limited_per_address(started: ServerProcess) -> None:
    """The 4th creation in a minute from one address: 429 rate_limited with Retry-After; the organiser key too."""
    for i in range(3):
        assert started.post("/api/meetings", {"title": f"M{i}"}, key="")[0] == 201
    req = urllib.request.Request(
        f"{started.http}/api/meetings",
        data=b'{"title": "one too many"}',
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {started.organiser_key}"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=5)
    assert err.value.code == 429
    assert json.loads(err.value.read())["error"]["code"] == "rate_limited"
    assert 1 <= int(err.value.headers["Retry-After"]) <= 60
    assert len(listing(started)[1]["meetings"]) == 4  # the first-start meeting and three


@pytest.mark.parametrize("started", [["--create-limit", "3"]], indirect=True)
def test_attempts_without_the_organiser_key_do_not_use_up_its_creations(started: ServerProcess) -> None:
    """Behind a proxy everyone shares one address: a stranger's keyless posts must not lock the organiser out."""
    for _ in range(10):
        assert started.post("/api/meetings", {"title": "Spam"}, key="")[0] == 401
        assert started.post("/api/meetings", {"title": "Spam"}, key="wrong")[0] == 403
    for i in range(3):
        assert started.post("/api/meetings", {"title": f"Real {i}"})[0] == 201
    status, body = started.post("/api/meetings", {"title": "one too many"})
    assert status == 429 and body["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("started", [["--max-meetings", "2"]], indirect=True)
def test_a_cap_on_meetings_gives_409(started: ServerProcess) -> None:
    assert started.post("/api/meetings", {"title": "Second"})[0] == 201
    status, body = started.post("/api/meetings", {"title": "Third"})
    assert (status, body["error"]["code"]) == (409, "meeting_limit")


@pytest.mark.parametrize("started", [["--min-free-disk", str(10**9)]], indirect=True)
def test_too_little_disk_gives_507(started: ServerProcess) -> None:
    status, body = started.post("/api/meetings", {"title": "No room"})
    assert (status, body["error"]["code"]) == (507, "disk_full")


def loaded(server: ServerProcess) -> int:
    return int(json.loads(server.get("/healthz")[1])["meetings_loaded"])


def wait_until(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout * TIMEOUT_FACTOR
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("started", [["--idle-unload", "1"]], indirect=True)
async def test_idle_meetings_are_unloaded_and_load_again_on_demand(started: ServerProcess) -> None:
    """A meeting nobody is connected to leaves memory after --idle-unload seconds; one with a phone stays;
    the unloaded one comes back whole on the next use."""
    quiet, busy = started.create_meeting("Quiet"), started.create_meeting("Busy")
    phone = PlazaClient(started.ws, "json")
    await phone.connect()
    try:
        await phone.hello("phone", code=busy["code"])
        await phone.request("join", name="Ana")
        assert started.get(f"/api/meetings/{quiet['id']}")[0] == 200
        assert loaded(started) == 2
        assert wait_until(lambda: loaded(started) == 1, 10), "the quiet meeting stayed loaded"
        time.sleep(2)
        assert loaded(started) == 1  # the one with a phone stays
        status, body, _ = started.get(f"/api/meetings/{quiet['id']}")
        assert status == 200 and json.loads(body)["title"] == "Quiet" and loaded(started) == 2
        async with PlazaClient(started.ws, "json") as again:
            await again.hello("phone", code=quiet["code"])
            await again.request("join", name="Bo")
        await phone.request("raise_hand")
    finally:
        await phone.close()


# -- the links on start -------------------------------------------------------------------------


def test_links_go_to_a_private_file_not_the_log_when_stdout_is_no_terminal(server: ServerProcess) -> None:
    """On a platform standard output is the log: no secret in it; links.json (0600) has them all."""
    links_path = server.data / "links.json"
    assert stat.S_IMODE(links_path.stat().st_mode) == 0o600
    links = json.loads(links_path.read_text())
    (first,) = links["meetings"].values()
    assert links["organiser_url"] == server.organiser_url
    assert first["facilitator_url"].startswith(f"{server.http}/facilitate/")
    server.stop()
    assert server.log_path is not None
    log = server.log_path.read_text()
    assert server.organiser_key not in log and key_of(first["facilitator_url"]) not in log


def run_on_a_terminal(
    args: list[str], until: str, timeout: float = 20, *, stderr_too: bool = False
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``python -m server`` with a pseudo-terminal as standard output (and standard error, with
    ``stderr_too``, as when someone runs it by hand); read until ``until`` shows."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", *args],
        cwd=ROOT,
        stdout=secondary,
        stderr=secondary if stderr_too else subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PLAZA_LOG_LEVEL": "warning"},
    )
    os.close(secondary)
    out = b""
    deadline = time.monotonic() + timeout * TIMEOUT_FACTOR
    while until.encode() not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                out += os.read(main, 65536)
            except OSError:
                break
        elif proc.poll() is not None:
            break
    time.sleep(0.3)
    while select.select([main], [], [], 0.1)[0]:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    return proc, out.decode(errors="replace")


def qr_image(text: str, scale: int = 8) -> Image.Image:
    """Render the terminal's QR as a terminal would: each character two modules; the escape codes set
    black-on-white, so the terminal's own colours (light or dark theme) never enter into it."""
    rows = []
    for line in text.splitlines():
        match = re.fullmatch(r"\x1b\[30;107m(.*)\x1b\[0m", line)
        if not match:
            continue
        top = [c in "\u2580\u2588" for c in match.group(1)]
        bottom = [c in "\u2584\u2588" for c in match.group(1)]
        rows += [top, bottom]
    assert rows, "no QR drawn with explicit colours"
    image = Image.new("L", (len(rows[0]) * scale, len(rows) * scale), 255)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return image


def test_the_terminal_qr_scans_on_light_and_dark_terminals() -> None:
    """Every row sets black on bright white, with a quiet zone: zxing-cpp decodes it. Before, the QR was drawn
    inverted (light modules as blocks in the terminal's foreground) and scanned only on dark themes."""
    url = "http://192.168.1.20:8000/facilitate/9d0a4b9e3910effd#key=AbCdEfGhIjKlMnOpQrStUvWx"
    text = terminal_qr(url)
    assert all(line.startswith("\x1b[30;107m") and line.endswith("\x1b[0m") for line in text.splitlines())
    results = zxingcpp.read_barcodes(qr_image(text))
    assert [r.text for r in results] == [url]


def test_on_a_terminal_the_links_and_qr_are_printed(tmp_path: Path) -> None:
    port = free_port()
    proc, out = run_on_a_terminal(
        ["--port", str(port), "--host", "127.0.0.1", "--data", str(tmp_path / "d"), "--public-url", "http://h:1"],
        until="\x1b[0m\r\n\r\n",
    )
    try:
        links = json.loads((tmp_path / "d" / "links.json").read_text())
        assert links["organiser_url"] in out
        (first,) = links["meetings"].values()
        assert first["facilitator_url"] in out and first["screen_url"] in out
        results = zxingcpp.read_barcodes(qr_image(out))
        assert [r.text for r in results] == [first["facilitator_url"]]
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_port_in_use_is_said_before_anything_is_printed(tmp_path: Path) -> None:
    """Before, the links and QR were printed, then uvicorn failed to bind and exited."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc, out = run_on_a_terminal(
            ["--port", str(port), "--host", "127.0.0.1", "--data", str(tmp_path / "d")],
            until="--port",
            stderr_too=True,
        )
        result = subprocess.run(
            [sys.executable, "-m", "server", "--port", str(port), "--host", "127.0.0.1", "--data", str(tmp_path / "d")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    proc.wait(10)
    assert proc.returncode != 0
    assert f"port {port} is taken" in out and "facilitate" not in out and "organise" not in out
    assert result.returncode != 0 and f"port {port} is taken" in result.stderr and result.stdout == ""
    suggested = int(re.search(r"--port (\d+)", result.stderr).group(1))  # type: ignore[union-attr]
    assert suggested != port
    assert not (tmp_path / "d" / "links.json").exists() and not (tmp_path / "d" / "plaza.db").exists()


@pytest.mark.browser
async def test_the_organiser_page_on_a_phone(browser: Browser, server: ServerProcess) -> None:
    """On a 360x640 phone: paste the organiser link, see every meeting with its links, create one; axe finds
    nothing; the landing page then creates through the key this browser keeps."""
    server.create_meeting("Kitchen rota")
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(f"{server.http}/")  # no key in this browser yet: the landing page asks for the link
    await expect(page.get_by_label("Organiser link")).to_be_visible()
    await assert_accessible(page, "landing page asking for the organiser link")
    await page.goto(f"{server.http}/organise")
    await page.get_by_label("Paste the organiser link").fill("not it")
    await page.get_by_role("button", name="Open").click()
    await expect(page.get_by_role("alert")).to_have_text("That is not this server's organiser link.")
    await assert_accessible(page, "organiser page asking for the link")
    await page.get_by_label("Paste the organiser link").fill(server.organiser_url)
    await page.get_by_role("button", name="Open").click()
    await expect(page.get_by_role("heading", name="Meetings (2)")).to_be_visible()
    kitchen = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Kitchen rota"))
    await expect(kitchen).to_contain_text("Open")
    await expect(kitchen.get_by_role("link", name="Open the console of Kitchen rota")).to_have_attribute(
        "href", re.compile(r"/facilitate/[0-9a-f]+#key=")
    )
    await assert_accessible(page, "organiser page with two meetings")
    assert await inside(page, ["h1", "#title", "#create-button"]) == []

    await page.get_by_label("Meeting title").fill("Budget night")
    await page.get_by_role("button", name="Create meeting").click()
    await expect(page.get_by_role("heading", name="Meetings (3)")).to_be_visible()
    await expect(page.get_by_role("status")).to_contain_text("Created “Budget night”")
    focused = await page.evaluate("document.activeElement.id")
    assert focused.startswith("meeting-")
    await assert_accessible(page, "organiser page after creating")

    # The same browser's landing page creates with the key it keeps, and says where the meeting is listed.
    await page.goto(f"{server.http}/")
    await expect(page.get_by_text("This browser has the organiser link")).to_be_visible()
    await expect(page.get_by_label("Organiser link")).to_be_hidden()
    await page.get_by_label("Meeting title").fill("From the landing page")
    await page.get_by_role("button", name="Create meeting").click()
    await expect(page.get_by_text("is ready")).to_be_visible()
    await assert_accessible(page, "landing page after creating")
    await page.get_by_role("link", name="organiser page").click()
    await expect(page.get_by_role("heading", name="From the landing page")).to_be_visible()
    await context.close()


def test_plaza_secret_in_the_environment_gives_the_same_links_on_two_servers(tmp_path: Path) -> None:
    """Two servers with PLAZA_SECRET set alike (two machines on one Redis, or a platform without a lasting disk)
    have the same organiser key, and no secret file is written."""
    os.environ["PLAZA_SECRET"] = "a-secret-shared-by-the-servers-of-one-hall"
    try:
        a = ServerProcess(data=tmp_path / "a", port=free_port()).start()
        b = ServerProcess(data=tmp_path / "b", port=free_port()).start()
    finally:
        del os.environ["PLAZA_SECRET"]
    try:
        assert a.organiser_key == b.organiser_key
        assert not (tmp_path / "a" / "secret").exists()
    finally:
        a.stop()
        b.stop()


@pytest.mark.parametrize("started", [["--idle-unload", "1"]], indirect=True)
async def test_the_list_follows_a_meeting_through_loads_and_unloads(started: ServerProcess) -> None:
    """The organiser list keeps summaries of unloaded meetings (no replay per listing), and they stay true:
    listed open while unloaded, ended by its console once loaded again, then listed ended after it unloads."""
    made = started.create_meeting("Short one")
    assert wait_until(lambda: loaded(started) == 0, 10)

    def state() -> str:
        return next(m["state"] for m in listing(started)[1]["meetings"] if m["id"] == made["id"])

    assert state() == "open" and loaded(started) == 0  # listing does not load it
    async with PlazaClient(started.ws, "json") as console:
        await console.hello("facilitator", meeting=made["id"], key=key_of(made["facilitator_url"]))
        await console.request("end_meeting")
        assert state() == "ended"
    assert wait_until(lambda: loaded(started) == 0, 10)
    assert state() == "ended"
