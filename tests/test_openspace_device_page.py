"""A space's device in Chromium (``clients/room/`` on an Open Space space's link): the topic circle meeting
there now, worded as a circle, with its headcount, who just came, the theme, the slot's countdown, who
speaks and who is next, its notes and a QR that decodes to the circle's join link; between circles,
what meets there next.  At 1920×1080, 1280×720 and a tablet standing up, nothing that matters is clipped
and axe finds nothing.  Screenshots go to ``$PLAZA_SHOTS`` when it is set (to look at them)."""

from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import ServerProcess, key_of
from tests.pages import assert_accessible, inside
from tests.test_browser import browser, decode_qr, watch_requests  # noqa: F401  (fixture)
from tests.test_browser_screen import DEVICE_MUST_SHOW, NAMES, settled
from tests.test_openspace_socket import paced
from tests.test_rooms_socket import close_all, phone_for
from tests.test_stack_socket import console_for

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1280, 720), (800, 1280)]
SHOTS = os.environ.get("PLAZA_SHOTS", "")


async def shoot(page: Page, name: str) -> None:
    if SHOTS:
        size = page.viewport_size or {"width": 0, "height": 0}
        await page.screenshot(path=os.path.join(SHOTS, f"space-device-{name}-{size['width']}x{size['height']}.png"))


async def test_a_spaces_device_shows_its_circle_and_what_comes_next(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    console = await console_for(server, meeting, "json")
    people = [await phone_for(server, meeting, "json", n) for n in NAMES]
    paced(console, *people)
    clients: list[PlazaClient] = [console, *people]
    seen: list[str] = []
    try:
        start = int(time.time()) + 3600
        await console.request("set_part", part="openspace")
        await console.request("set_theme", theme="How do we share the work of the co-op kitchen fairly?")
        await console.request("add_space", name="Under the big tree", capacity=40)
        await console.request("add_space", name="Kitchen", capacity=8)
        for i in range(2):
            await console.request("add_slot", start=start + 3600 * i, end=start + 3600 * i + 3000)
        await people[0].request("post_topic", title="A cooking rota that the night shift can keep to as well")
        await people[1].request("post_topic", title="Compost")
        await people[2].request("post_topic", title="Who buys the oil, and with what money")
        for topic, slot, space in (("o1", "t1", "s1"), ("o2", "t1", "s2"), ("o3", "t2", "s1")):
            await console.request("move_topic", topic=topic, slot=slot, space=space)
        await console.request("start_slot", slot="t1")
        link = (await console.request("circle_links"))["links"]["s1"]
        assert key_of(link)
        pages = []
        for width, height in SIZES:
            page = await browser.new_page(viewport={"width": width, "height": height})
            watch_requests(page, seen)
            await page.goto(link)
            pages.append(page)
        for page in pages:
            await expect(page.locator("#name")).to_have_text("A cooking rota that the night shift can keep to as well")
            await expect(page.locator("#kicker")).to_contain_text("Topic circle · Under the big tree")
            await expect(page.locator("#clock-words")).to_have_text("left in this slot")
        # People check in (ten of them), hands go up, one speaks, notes are added.
        for phone in people[:10]:
            await phone.request("check_in", topic="o1")
        for phone in people[3:9]:
            await phone.request("raise_hand")
        await people[3].request("next_speaker")
        await people[4].request("add_note", text="Night shift: cook the day before, label the boxes")
        await people[5].request("add_note", text="<b>Not</b> HTML")
        for page in pages:
            await expect(page.locator("#count")).to_have_text("10")
            await expect(page.locator("#count-label")).to_have_text("people checked in")
            await expect(page.locator("#people .who").first).to_have_text(NAMES[9])  # newest first
            await expect(page.locator("#speaker")).to_have_text(NAMES[3])
            await expect(page.locator("#notes .note-text").last).to_have_text("<b>Not</b> HTML")  # as text
            await expect(page.locator("#scan")).to_have_text("Scan to join and check in here")
            await expect(page.locator("#people-label")).to_have_text("In this circle")
            await settled(page)
            assert await inside(page, DEVICE_MUST_SHOW) == [], page.viewport_size
            await assert_accessible(page, f"a space's device, {page.viewport_size}")
            await shoot(page, "circle")
        qr = decode_qr(await pages[0].locator("#qr").screenshot())
        assert re.fullmatch(rf"{re.escape(server.http)}/j/{meeting['code']}\?room=o1", qr), qr
        # The slot ends: the device says what meets under the tree next.
        await console.request("end_slot", slot="t1")
        for page in pages:
            await expect(page.locator("#between-heading")).to_have_text("No topic circle here now")
            await expect(page.locator("#between-next")).to_contain_text("Who buys the oil, and with what money")
            await expect(page.locator("#between-space")).to_have_text("Open Space · Under the big tree")
            await settled(page)
            assert await inside(page, ["#between-heading", "#between-next", "#between-theme"]) == []
            await assert_accessible(page, f"a space's device between circles, {page.viewport_size}")
            await shoot(page, "between")
        # The next slot starts: the same device, the next circle, its own QR.
        await console.request("start_slot", slot="t2")
        await expect(pages[0].locator("#name")).to_have_text("Who buys the oil, and with what money")
        await expect(pages[0].locator("#qr")).to_have_attribute("src", re.compile(r"room=o3$"))
        assert seen and all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen)
    finally:
        await close_all(*clients)
