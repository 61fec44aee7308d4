"""Breakout rooms on the big screen and the console, in Chromium: a round started from the console's
form, the rooms' grid that fits the screen (40 rooms on one page, more in turning pages), the
call-back countdown, and the report-back (a report on the screen, its rapporteur on the stack)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import ServerProcess, key_of
from tests.pages import INSIDE
from tests.test_browser import browser, watch_requests  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

GRID = [".tile", ".tile-name", ".tile-meta", "#bo-countdown", "#bo-question", "#bo-broadcast-text", "#qr", "#code"]


async def phones(
    server: ServerProcess, meeting: dict[str, Any], count: int, name: str = "Person"
) -> dict[str, PlazaClient]:
    """Phones that joined, by participant id."""

    async def one(i: int) -> tuple[str, PlazaClient]:
        phone = PlazaClient(server.ws, fmt="json")
        await phone.connect()
        await phone.hello("phone", code=meeting["code"])
        ack = await phone.request("join", name=f"{name} {i + 1}")
        return ack["participant"], phone

    return dict(await asyncio.gather(*(one(i) for i in range(count))))


async def console_client(server: ServerProcess, meeting: dict[str, Any]) -> PlazaClient:
    con = PlazaClient(server.ws, fmt="json")
    await con.connect()
    await con.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    return con


async def screens(browser: Browser, meeting: dict[str, Any], seen: list[str]) -> list[Page]:  # noqa: F811
    pages = []
    for width, height in ((1920, 1080), (1280, 720)):
        page = await browser.new_page(viewport={"width": width, "height": height})
        watch_requests(page, seen)
        await page.goto(meeting["screen_url"])
        pages.append(page)
    return pages


async def test_forty_rooms_fit_the_screen_and_sixty_turn_pages(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    seen: list[str] = []
    people = await phones(server, meeting, 90)
    con = await console_client(server, meeting)
    pages = await screens(browser, meeting, seen)
    await con.request("start_breakouts", rooms=40, question="What should we do about the empty lot?", minutes=10)
    await con.request("broadcast", text="Five minutes left: choose your rapporteur.")
    current = (await con.wait_view("facilitator", lambda v: bool(v["rooms"]["current"])))["rooms"]["current"]
    first = current["rooms"][0]
    await con.request("set_rapporteur", room=first["room"], participant=first["members"][0]["id"])
    for page in pages:
        await expect(page.locator(".tile")).to_have_count(40)
        await expect(page.locator("#bo-broadcast-text")).to_have_text("Five minutes left: choose your rapporteur.")
        await expect(page.locator(".tile").first).to_contain_text("Person")  # the rapporteur's name
        assert await page.evaluate(INSIDE, GRID) == []
        assert await page.locator("#bo-page").text_content() == ""

    await con.request("call_back", seconds=60)
    for page in pages:
        await expect(page.locator("#bo-countdown")).to_have_text(re.compile(r"^Back in 0:[0-9]{2}$|^Back in 1:00$"))
        assert await page.evaluate(INSIDE, GRID) == []

    # A second round of 60 rooms: two pages of 30 that turn every few seconds.
    await con.request("end_breakouts")
    await con.request("start_breakouts", rooms=60, minutes=10)
    for page in pages:
        await expect(page.locator(".tile")).to_have_count(30)
        await expect(page.locator("#bo-page")).to_contain_text("Page 1/2", timeout=12_000)
        await expect(page.locator("#bo-page")).to_contain_text("Page 2/2", timeout=12_000)
        await expect(page.locator(".tile").first).to_contain_text("31 Room 31")
        assert await page.evaluate(INSIDE, GRID) == []
    assert seen and all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen), seen
    for phone in [*people.values(), con]:
        await phone.close()


async def test_console_runs_a_round_and_the_report_back(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    seen: list[str] = []
    people = await phones(server, meeting, 6)
    screen = (await screens(browser, meeting, seen))[1]
    console = await browser.new_page(viewport={"width": 390, "height": 844})
    watch_requests(console, seen)
    await console.goto(meeting["facilitator_url"])

    await console.get_by_label("How many rooms").fill("2")
    await console.get_by_label("Room names, one per line (optional)").fill("Garden\nKitchen")
    await console.get_by_label("Question or task for the rooms").fill("Three ideas for the lot")
    await console.get_by_role("button", name="Start breakouts").click()
    await expect(console.locator("#bo-countdown")).to_have_text(re.compile(r"^(9:[0-5][0-9]|10:00)$"))
    await expect(console.get_by_label("Question or task for the rooms")).to_be_hidden()
    await expect(screen.locator(".tile")).to_have_count(2)
    await expect(screen.locator("#bo-question")).to_have_text("Three ideas for the lot")

    # A message typed while views arrive survives them; sending it reaches the screen.
    await console.get_by_label("Message to every room").fill("Two minutes left")
    more = await phones(server, meeting, 2, name="Late")
    await expect(console.locator("#bo-unplaced-count")).to_have_text("(0)")
    await expect(console.get_by_label("Message to every room")).to_have_value("Two minutes left")
    await console.get_by_role("button", name="Send to all rooms").click()
    await expect(screen.locator("#bo-broadcast-text")).to_have_text("Two minutes left")

    # The rapporteur of Garden is chosen on the console and writes the report from the phone.
    garden = console.locator("#bo-rooms > li").first
    await garden.get_by_label("Rapporteur of Garden").select_option(index=1)
    await expect(screen.locator(".tile").first).to_contain_text("Reporting: Person")
    con = await console_client(server, meeting)
    garden_now = await con.wait_view(
        "facilitator", lambda v: v["rooms"]["current"]["rooms"][0]["rapporteur"] is not None
    )
    room = garden_now["rooms"]["current"]["rooms"][0]
    rapporteur = next(m["id"] for m in room["members"] if m["name"] == room["rapporteur"])
    writer = {**people, **more}[rapporteur]
    await writer.request("write_report", text="We want:\n- a garden\n- a tool library")
    await expect(garden.locator(".bo-report-text")).to_have_text("We want:\n- a garden\n- a tool library")

    # Everyone back now, then the report-back.
    await console.get_by_role("button", name="Everyone back now").click()
    await console.get_by_role("dialog").get_by_role("button", name="Everyone back now").click()
    await expect(screen.locator("#breakouts")).to_be_hidden()
    await console.get_by_role("button", name="Show report on screen: Garden").click()
    await expect(screen.locator("#report-title")).to_have_text("Report from Garden")
    await expect(screen.locator("#report-text")).to_have_text("We want:\n- a garden\n- a tool library")
    assert await screen.evaluate(INSIDE, ["#report-title", "#report-by", "#report-text", "#qr", "#code"]) == []
    await console.get_by_role("button", name="Add rapporteur to stack: Person").click()
    await expect(screen.locator("#next-list .who, #speaker-name")).not_to_have_count(0)
    await expect(garden.locator(".bo-call")).to_have_text("Rapporteur is on the stack")
    await console.get_by_role("button", name="Hide from screen: Garden").click()
    await expect(screen.locator("#report")).to_be_hidden()
    assert all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen), seen
    for phone in [*people.values(), *more.values(), con]:
        await phone.close()
