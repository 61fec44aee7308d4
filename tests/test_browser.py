"""End to end in Debian's headless Chromium: screen, QR, phones, console, kill -9 and restart."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.async_api import Browser, Page, Request, async_playwright, expect

from tests.conftest import TIMEOUT_FACTOR, ServerProcess, free_port

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying hosts a venue (and CI) can't reach.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TIMEOUT_MS = 10_000 * TIMEOUT_FACTOR


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        await b.close()


def watch_requests(page: Page, seen: list[str]) -> None:
    def record(request: Request) -> None:
        seen.append(request.url)

    page.on("request", record)
    page.set_default_timeout(TIMEOUT_MS)


def decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    texts = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert texts, "no QR code found on the screen"
    return texts[0]


async def phone_page(browser: Browser, url: str, seen: list[str]) -> Page:
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    watch_requests(page, seen)
    await page.goto(url)
    return page


async def test_scan_join_console_screen_and_survive_kill(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    """Scan the screen's QR, join from a phone, see it on console and screen; after kill -9 the phone is still in."""
    seen: list[str] = []
    screen = await browser.new_page(viewport={"width": 1280, "height": 720})
    watch_requests(screen, seen)
    await screen.goto(meeting["screen_url"])
    await expect(screen.locator("#code")).to_have_text(meeting["code"])
    await expect(screen.locator("#qr")).to_have_js_property("complete", True)
    await screen.wait_for_function("document.querySelector('#qr').naturalWidth > 0")
    join_url = decode_qr(await screen.screenshot())
    assert join_url == meeting["join_url"]

    console = await browser.new_page(viewport={"width": 1024, "height": 768})
    watch_requests(console, seen)
    await console.goto(meeting["facilitator_url"])
    await expect(console.locator("#nobody")).to_be_visible()

    phone = await phone_page(browser, join_url, seen)
    await phone.get_by_label("Your name").fill("Ana María")
    await phone.get_by_label("Your name").press("Enter")  # keyboard works as well as taps
    await expect(phone.get_by_role("heading", name="You're in, Ana María.")).to_be_visible()
    token = await phone.evaluate(f"localStorage.getItem('plaza.token.{meeting['code']}')")
    assert token

    await expect(console.locator(".person .name")).to_have_text(["Ana María"])
    await expect(console.locator("#present")).to_have_text("1")
    await expect(screen.locator("#present")).to_have_text("1")
    await expect(screen.locator("#present-label")).to_have_text("person here")

    # Pull the plug, and bring it back on the same data folder.
    server.kill()
    await expect(phone.locator("#connection")).to_have_text("Reconnecting…")
    await expect(screen.locator("#connection")).to_be_visible()
    server.start()
    await expect(phone.locator("#connection")).to_be_hidden(timeout=TIMEOUT_MS * 2)
    await expect(phone.get_by_role("heading", name="You're in, Ana María.")).to_be_visible()
    await expect(phone.get_by_label("Your name")).to_be_hidden()
    assert await phone.evaluate(f"localStorage.getItem('plaza.token.{meeting['code']}')") == token
    await expect(screen.locator("#present")).to_have_text("1", timeout=TIMEOUT_MS * 2)
    await expect(console.locator(".person .where")).to_have_text(["here"], timeout=TIMEOUT_MS * 2)

    # A reload is the same participant too, without the join form.
    await phone.reload()
    await expect(phone.get_by_role("heading", name="You're in, Ana María.")).to_be_visible()

    # Every asset came from Plaza itself: no CDN, no external fonts or scripts.
    assert seen and all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen), seen


async def test_console_renames_removes_and_ends(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    """The console renames and removes participants and ends the meeting; phones and screen follow."""
    seen: list[str] = []
    console = await browser.new_page(viewport={"width": 390, "height": 844})  # the console on a phone
    watch_requests(console, seen)
    await console.goto(meeting["facilitator_url"])
    screen = await browser.new_page(viewport={"width": 1920, "height": 1080})
    watch_requests(screen, seen)
    await screen.goto(meeting["screen_url"])
    phones = []
    for name in ["Bo", "Prankster"]:
        page = await phone_page(browser, meeting["join_url"], seen)
        await page.get_by_label("Your name").fill(name)
        await page.get_by_role("button", name="Join").click()
        await expect(page.get_by_role("heading", name=f"You're in, {name}.")).to_be_visible()
        phones.append(page)
    bo, prankster = phones
    await expect(screen.locator("#present")).to_have_text("2")

    await console.get_by_role("button", name="Rename Bo").click()
    await console.get_by_label("New name for Bo").fill("Bo (note-taker)")
    await console.get_by_role("button", name="Save").click()
    await expect(bo.get_by_role("heading", name="You're in, Bo (note-taker).")).to_be_visible()

    await console.get_by_role("button", name="Remove from meeting: Prankster").click()
    await console.get_by_role("dialog").get_by_role("button", name="Remove from meeting").click()
    await expect(
        prankster.get_by_role("heading", name="The facilitator removed you from this meeting.")
    ).to_be_visible()
    await expect(screen.locator("#present")).to_have_text("1")
    await expect(console.locator(".person .name")).to_have_text(["Bo (note-taker)"])
    # The removed phone may join again, as a new participant the facilitator can see.
    await prankster.get_by_role("button", name="Join again").click()
    await prankster.get_by_label("Your name").fill("Dee")
    await prankster.get_by_role("button", name="Join").click()
    await expect(console.locator(".person .name")).to_have_text(["Bo (note-taker)", "Dee"])

    await console.get_by_role("button", name="End meeting").click()
    await console.get_by_role("dialog").get_by_role("button", name="End meeting").click()
    await expect(bo.get_by_role("heading", name="This meeting has ended.")).to_be_visible()
    await expect(screen.locator("#ended")).to_be_visible()
    await expect(console.get_by_role("button", name="End meeting")).to_be_disabled()


async def test_screen_fits_without_scrolling(browser: Browser, server: ServerProcess, meeting: dict[str, Any]) -> None:
    """The big screen shows everything with no scrolling at 1920×1080 and 1280×720, with a long title."""
    long = server.create_meeting("Assemblea popolare del quartiere — bilancio partecipativo 2027, seconda sessione")
    for m in (meeting, long):
        for width, height in [(1920, 1080), (1280, 720)]:
            page = await browser.new_page(viewport={"width": width, "height": height})
            await page.goto(m["screen_url"])
            await expect(page.locator("#code")).to_have_text(m["code"])
            size = await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            assert size[0] <= width and size[1] <= height, (m["title"], width, height, size)
            code_px = await page.evaluate("parseFloat(getComputedStyle(document.querySelector('#code')).fontSize)")
            assert code_px >= height * 0.1  # the code is legible from the back of a hall
            await page.close()


async def test_landing_creates_a_meeting_and_joins_by_typed_code(browser: Browser, server: ServerProcess) -> None:
    """From the landing page: create a meeting with the organiser link (creation is not open), see it
    listed on the organiser page with the same console link, then join it by typing its code in lower case."""
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(server.http + "/")
    await page.get_by_label("Meeting title").fill("Workplace assembly")
    await page.get_by_role("button", name="Create meeting").click()
    await expect(page.get_by_role("alert")).to_have_text("Please paste the organiser link.")
    await page.get_by_label("Organiser link").fill("http://elsewhere/organise#key=not-the-key")
    await page.get_by_role("button", name="Create meeting").click()
    await expect(page.get_by_role("alert")).to_have_text("That is not this server's organiser link.")
    await page.get_by_label("Organiser link").fill(server.organiser_url)
    await page.get_by_role("button", name="Create meeting").click()
    await expect(page.get_by_text("is ready")).to_be_visible()
    code = await page.locator("#created-code").text_content()
    assert code and len(code) == 6
    console_url = await page.get_by_role("link", name="Open the console").get_attribute("href")
    assert console_url and "#key=" in console_url

    await page.get_by_role("link", name="organiser page").click()
    listed = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Workplace assembly"))
    await expect(listed).to_contain_text(code)
    assert await listed.get_by_role("link", name="Open the console of Workplace assembly").get_attribute("href") == (
        console_url
    )

    phone = await (await browser.new_context(**PHONE)).new_page()
    phone.set_default_timeout(TIMEOUT_MS)
    await phone.goto(server.http + "/")
    await phone.get_by_label("Meeting code").fill(f" {code.lower()[:3]} {code.lower()[3:]} ")
    await phone.get_by_role("button", name="Join").click()
    await expect(phone.get_by_role("heading", name="Workplace assembly")).to_be_visible()
    assert phone.url.endswith(f"/j/{code}")

    await phone.goto(server.http + "/j/NOPE42")
    await expect(phone.get_by_role("heading", name="No meeting with that code.")).to_be_visible()


async def test_phone_resumes_after_wifi_drop(browser: Browser, server: ServerProcess, meeting: dict[str, Any]) -> None:
    """Offline then online: the phone shows it is reconnecting, then resumes without a reload."""
    page = await phone_page(browser, meeting["join_url"], [])
    await page.get_by_label("Your name").fill("Cleo")
    await page.get_by_role("button", name="Join").click()
    await expect(page.get_by_role("heading", name="You're in, Cleo.")).to_be_visible()
    await page.evaluate("window.__marker = 1")  # proves no reload happened
    # Cut the socket the way a Wi-Fi drop does, then bring the network back.
    await page.context.set_offline(True)
    # Offline mode alone keeps open sockets in headless Chromium, so drop them from the server side.
    server.kill()
    server.start()
    # Issue #11: the phone gives up its socket as soon as the browser says it is offline, and says so.
    await expect(page.locator("#connection")).to_contain_text("offline")
    await page.context.set_offline(False)
    await expect(page.locator("#connection")).to_be_hidden()
    await expect(page.get_by_role("heading", name="You're in, Cleo.")).to_be_visible()
    assert await page.evaluate("window.__marker") == 1


async def test_screen_on_one_process_phones_on_another(browser: Browser, tmp_path: Path, redis_url: str) -> None:
    """Two processes on one Redis: the screen on A follows phones on B, through B's death and return."""
    args = ["--redis-url", redis_url, "--presence-lease", "3"]
    a = ServerProcess(data=tmp_path / "a", port=free_port(), extra_args=args).start()
    b = ServerProcess(data=tmp_path / "b", port=free_port(), extra_args=args).start()
    try:
        meeting = a.create_meeting("Two doors, one hall")
        seen: list[str] = []
        screen = await browser.new_page(viewport={"width": 1920, "height": 1080})
        watch_requests(screen, seen)
        await screen.goto(meeting["screen_url"])
        await expect(screen.locator("#title")).to_have_text("Two doors, one hall")
        console = await browser.new_page(viewport={"width": 390, "height": 844})
        watch_requests(console, seen)
        await console.goto(meeting["facilitator_url"].replace(a.http, b.http))
        phones = []
        for name in ["Ana", "Bo", "Cleo"]:
            page = await phone_page(browser, f"{b.http}/j/{meeting['code']}", seen)
            await page.get_by_label("Your name").fill(name)
            await page.get_by_role("button", name="Join").click()
            await expect(page.get_by_role("heading", name=f"You're in, {name}.")).to_be_visible()
            phones.append(page)
        await expect(screen.locator("#present")).to_have_text("3")
        # The console on B renames a phone on B; the change goes through Redis like any other.
        await console.get_by_role("button", name="Rename Bo").click()
        await console.get_by_label("New name for Bo").fill("Bo (minutes)")
        await console.get_by_role("button", name="Save").click()
        await expect(phones[1].get_by_role("heading", name="You're in, Bo (minutes).")).to_be_visible()

        b.kill()  # process B dies with every phone on it
        await expect(screen.locator("#present")).to_have_text("0", timeout=TIMEOUT_MS * 2)
        b.start()  # it comes back (a proxy would have sent the phones to A meanwhile)
        for page, name in zip(phones, ["Ana", "Bo (minutes)", "Cleo"], strict=True):
            await expect(page.locator("#connection")).to_be_hidden(timeout=TIMEOUT_MS * 2)
            await expect(page.get_by_role("heading", name=f"You're in, {name}.")).to_be_visible()
        await expect(screen.locator("#present")).to_have_text("3")
        assert all(url.startswith((a.http, b.http, a.ws.rsplit("/", 1)[0], b.ws.rsplit("/", 1)[0])) for url in seen)
    finally:
        a.stop()
        b.stop()


async def join_as(browser: Browser, url: str, name: str, seen: list[str]) -> Page:
    page = await phone_page(browser, url, seen)
    await page.get_by_label("Your name").fill(name)
    await page.get_by_role("button", name="Join").click()
    await expect(page.get_by_role("heading", name=f"You're in, {name}.")).to_be_visible()
    return page


async def test_speaking_stack_from_phones_to_screen(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    """A direct response goes ahead of a new point; someone who hasn't spoken goes ahead of someone who has;
    every phone says where it stands and why; the screen shows the speaker, a countdown and who is next."""
    seen: list[str] = []
    screen = await browser.new_page(viewport={"width": 1920, "height": 1080})
    watch_requests(screen, seen)
    await screen.goto(meeting["screen_url"])
    console = await browser.new_page(viewport={"width": 390, "height": 844})
    watch_requests(console, seen)
    await console.goto(meeting["facilitator_url"])
    ana = await join_as(browser, meeting["join_url"], "Ana", seen)
    bo = await join_as(browser, meeting["join_url"], "Bo", seen)
    cleo = await join_as(browser, meeting["join_url"], "Cleo", seen)

    await ana.get_by_role("button", name="Raise hand").click()
    await expect(ana.get_by_text("You're next (New point)")).to_be_visible()
    await expect(ana.get_by_text("Why: you haven't spoken yet.")).to_be_visible()
    await console.get_by_role("button", name="Next speaker").click()
    await expect(screen.locator("#speaker-name")).to_have_text("Ana")
    await expect(screen.locator("#countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))
    await expect(ana.get_by_role("heading", name="You have the floor")).to_be_visible()
    await expect(ana.locator("#my-countdown")).to_have_text(re.compile(r"^[12]:\d\d$"))

    # While Ana speaks: Ana raises again, Bo a new point, Cleo a direct response to Ana.
    await ana.get_by_role("button", name="Raise hand").click()
    await bo.get_by_role("button", name="Raise hand").click()
    await cleo.get_by_label("Direct response").check()
    await cleo.get_by_role("button", name="Raise hand").click()
    await expect(cleo.get_by_text("You're next (Direct response)")).to_be_visible()
    await expect(cleo.get_by_text("Why: direct response: right after the current speaker.")).to_be_visible()
    await expect(bo.get_by_text("You're number 2 on the stack (New point)")).to_be_visible()
    await expect(ana.get_by_text("You're number 3 on the stack (New point)")).to_be_visible()
    await expect(ana.get_by_text("Why: you have spoken already: after those who haven't.")).to_be_visible()
    await expect(screen.locator("#next-list .who")).to_have_text(["Cleo", "Bo", "Ana"])
    await expect(screen.locator("#next-list .kind")).to_have_text(["Direct response", "New point", "New point"])
    await expect(console.locator("#entries .name")).to_have_text(["Cleo", "Bo", "Ana"])

    await console.get_by_role("button", name="Next speaker").click()
    await expect(screen.locator("#speaker-name")).to_have_text("Cleo")
    await expect(screen.locator("#next-list .who")).to_have_text(["Bo", "Ana"])
    await console.get_by_role("button", name="Next speaker").click()
    await expect(screen.locator("#speaker-name")).to_have_text("Bo")
    await expect(ana.get_by_text("You're next (New point)")).to_be_visible()
    # The big screen still fits a 16:9 projector without scrolling.
    size = await screen.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080, size
    assert all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen)
