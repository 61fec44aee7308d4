"""A whole breakout round in Chromium, through the real pages: the console starts it, eight phones go
to their rooms, two room devices follow their own stacks, a broadcast reaches everyone, rapporteurs
write their reports, the call-back brings everyone home, and the report-back shows each report."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import TIMEOUT_FACTOR, ServerProcess
from tests.test_browser import TIMEOUT_MS, browser, join_as, watch_requests  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

NAMES = ["Ana", "Bo", "Cleo", "Dev", "Eli", "Fran", "Gus", "Hana"]
ROOMS = ["Garden", "Kitchen", "Library"]
QUESTION = "What should we do with the empty lot?"
BROADCAST = "Two minutes left: choose your rapporteur."
REPORTS = {
    "Garden": "We want:\n- a community garden\n- a tool library",
    "Kitchen": "A shared kitchen on Saturdays.\nBo will ask the council.",
}
T = TIMEOUT_MS  # expect() waits 5 s unless told
BACK_SECONDS = max(5, round(5 * TIMEOUT_FACTOR))  # long enough to see it tick on a loaded machine


async def device_page(browser: Browser, url: str, seen: list[str]) -> Page:  # noqa: F811
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    watch_requests(page, seen)
    await page.goto(url)
    return page


async def test_a_whole_breakout_round(browser: Browser, server: ServerProcess, meeting: dict[str, Any]) -> None:  # noqa: F811
    """Start, rooms, separate stacks, broadcast, reports, call-back and report-back, all from the real pages."""
    seen: list[str] = []
    screen = await browser.new_page(viewport={"width": 1280, "height": 720})
    watch_requests(screen, seen)
    await screen.goto(meeting["screen_url"])
    console = await browser.new_page(viewport={"width": 1280, "height": 900})
    watch_requests(console, seen)
    await console.goto(meeting["facilitator_url"])
    phones = {name: await join_as(browser, meeting["join_url"], name, seen) for name in NAMES}
    await expect(screen.locator("#present")).to_have_text(str(len(NAMES)), timeout=T)

    # The facilitator starts the round from the console's form.
    await console.get_by_label("How many rooms").fill("3")
    await console.get_by_label("Room names, one per line (optional)").fill("\n".join(ROOMS))
    await console.get_by_label("Question or task for the rooms").fill(QUESTION)
    await console.get_by_label("Duration (minutes)").fill("10")
    await console.get_by_label("At random, balanced").check()
    await console.get_by_role("button", name="Start breakouts").click()
    await expect(console.locator("#bo-countdown")).to_have_text(re.compile(r"^(9:[0-5][0-9]|10:00)$"), timeout=T)

    # Every phone says where to go, at the top of its screen.
    rooms: dict[str, list[str]] = defaultdict(list)
    for name, phone in phones.items():
        await expect(phone.locator("#room-go")).to_have_text(re.compile(rf"^Go to ({'|'.join(ROOMS)})$"), timeout=T)
        await expect(phone.locator("#room-go")).to_be_in_viewport(ratio=0.99, timeout=T)
        await expect(phone.locator("#room-question")).to_have_text(QUESTION, timeout=T)
        rooms[(await phone.locator("#room-name").text_content()) or ""].append(name)
    assert sorted(len(people) for people in rooms.values()) == [2, 3, 3], rooms  # random, balanced
    a, b = "Garden", "Kitchen"
    in_a, in_b = rooms[a], rooms[b]

    # Two rooms' devices, opened from the links on the console's room cards.
    devices = {}
    for room in (a, b):
        link = console.get_by_role("link", name=f"Room device link: {room} (view only, opens in a new tab)")
        await expect(link).to_be_visible(timeout=T)
        url = await link.get_attribute("href")
        assert url and url.startswith(f"{server.http}/room/{meeting['id']}/") and "#key=" in url, url
        devices[room] = await device_page(browser, url, seen)
        await expect(devices[room].locator("#name")).to_have_text(room, timeout=T)
        await expect(devices[room].locator("#question")).to_have_text(QUESTION, timeout=T)
        await expect(devices[room].locator("#people .who")).to_have_count(len(rooms[room]), timeout=T)

    # A hand raised in room A is on A's stack only.
    raiser = in_a[0]
    await phones[raiser].get_by_role("button", name="Raise hand").click()
    await expect(phones[raiser].get_by_text("You're next (New point)")).to_be_visible(timeout=T)
    await expect(devices[a].locator("#next .who")).to_have_text([raiser], timeout=T)
    await expect(phones[in_a[1]].locator("#floor-next")).to_have_text(f"Next: {raiser} (New point).", timeout=T)
    await asyncio.sleep(1.5)  # time enough for a stray update to reach room B
    assert await phones[in_b[0]].locator("#floor-next").text_content() == "Nobody is waiting."
    assert raiser not in ((await phones[in_b[0]].locator("#stack-cards").text_content()) or "")
    assert raiser not in ((await devices[b].locator(".floor").text_content()) or "")

    # A broadcast from the console reaches every phone, both devices and the big screen.
    await console.get_by_label("Message to every room").fill(BROADCAST)
    await console.get_by_role("button", name="Send to all rooms").click()
    await expect(screen.locator("#bo-broadcast-text")).to_have_text(BROADCAST, timeout=T)
    for page in (*devices.values(), *phones.values()):
        await expect(page.locator("#broadcast-text")).to_have_text(BROADCAST, timeout=T)

    # A rapporteur in each of two rooms volunteers and writes the report; it saves by itself.
    for room in (a, b):
        writer = phones[rooms[room][-1]]
        await writer.get_by_role("button", name="I'll report back").click()
        box = writer.get_by_label("The room's report")
        await expect(box).to_be_focused(timeout=T)
        await box.press_sequentially(REPORTS[room])
        await expect(writer.locator("#report-status")).to_have_text(re.compile(r"^Saved "), timeout=T)
        reader = phones[rooms[room][0]]
        await expect(reader.locator("#report-by")).to_contain_text(f"{rooms[room][-1]} reports back", timeout=T)
        await expect(reader.locator("#report-read")).to_have_text(REPORTS[room], timeout=T)
        card = console.locator("#bo-rooms > li", has=console.get_by_role("heading", name=room))
        await expect(card.locator(".bo-report-text")).to_have_text(REPORTS[room], timeout=T)
    await expect(devices[a].locator("#people .reports .who")).to_have_text([in_a[-1]], timeout=T)

    # The call-back: a short countdown everywhere, then everyone is in the plenary.
    await console.get_by_label("Return countdown (seconds)").fill(str(BACK_SECONDS))
    await console.get_by_role("button", name="Call everyone back").click()
    clocks = "|".join(f"{s // 60}:{s % 60:02d}" for s in range(BACK_SECONDS + 1))
    ticking = re.compile(f"^({clocks})$")
    await asyncio.gather(
        expect(screen.locator("#bo-countdown")).to_have_text(re.compile(f"^Back in ({clocks})$"), timeout=T),
        expect(console.locator("#bo-countdown")).to_have_text(re.compile(f"^Back in ({clocks})$"), timeout=T),
        *(expect(d.locator("#return-countdown")).to_have_text(ticking, timeout=T) for d in devices.values()),
        *(expect(p.locator("#room-go-words")).to_have_text("Closing:", timeout=T) for p in phones.values()),
        *(expect(p.locator("#room-return-countdown")).to_have_text(ticking, timeout=T) for p in phones.values()),
    )
    for phone in phones.values():
        await expect(phone.get_by_role("heading", name="You're back in the plenary")).to_be_visible(timeout=T)
        await expect(phone.locator("#back-words")).to_have_text(
            "The breakout round has ended. Welcome back.", timeout=T
        )
        await expect(phone.locator("#room-top")).to_be_hidden(timeout=T)
        await expect(phone.locator("#broadcast")).to_be_hidden(timeout=T)
    await expect(screen.locator("#breakouts")).to_be_hidden(timeout=T)
    for device in devices.values():
        await expect(device.get_by_role("heading", name=re.compile("This room is closed"))).to_be_visible(timeout=T)

    # The report-back: room A's report on the big screen, then room B's.
    for room in (a, b):
        await console.get_by_role("button", name=f"Show report on screen: {room}").click()
        await expect(screen.locator("#report-title")).to_have_text(f"Report from {room}", timeout=T)
        await expect(screen.locator("#report-by")).to_have_text(f"Rapporteur: {rooms[room][-1]}", timeout=T)
        await expect(screen.locator("#report-text")).to_have_text(REPORTS[room], timeout=T)
        await expect(phones[in_a[0]].locator("#shown-report-room")).to_have_text(room, timeout=T)

    # The minutes keep both rooms and their reports.
    status, body, _ = await asyncio.to_thread(server.get, f"/api/meetings/{meeting['id']}/minutes.md")
    assert status == 200
    minutes = body.decode()
    for room in (a, b):
        assert f"### {room}" in minutes
        assert f"Rapporteur: {rooms[room][-1]}" in minutes
        for line in REPORTS[room].split("\n"):
            assert f"> {line}" in minutes
    assert QUESTION in minutes
    assert seen and all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen), seen
