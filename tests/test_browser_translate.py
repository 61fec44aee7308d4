"""Translated content in Chromium: a translator translates a proposal on the translator's page (a laptop,
and the same page on a phone); a phone reading Spanish (?lang=es) shows the translation, marked as
one, with the original one tap away; an accepted amendment marks it out of date on the phone and on
the translator's page until it is translated again; the vote on it says it is on the original wording.
axe finds nothing on either page, and nothing is clipped or wider than the screen."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import ServerProcess, key_of
from tests.pages import assert_accessible, inside
from tests.test_browser import PHONE, TIMEOUT_MS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
T = TIMEOUT_MS
LAPTOP = {"viewport": {"width": 1280, "height": 800}}
SHOTS = os.environ.get("PLAZA_SHOTS")
ORIGINAL = "We buy a new oven."
AMENDED = "We buy a new oven and a fridge."
SPANISH = "Compramos un horno nuevo."
SPANISH_AMENDED = "Compramos un horno nuevo y una nevera."
WIDER_THAN_SCREEN = "document.documentElement.scrollWidth > document.documentElement.clientWidth"

# Parts of the cards that stick out sideways (below the fold is fine: the page scrolls down, not across).
ACROSS = """() => [...document.querySelectorAll('.item-label, .status, blockquote, textarea, button.save')]
  .filter((e) => { const r = e.getBoundingClientRect(); return r.left < -0.5 || r.right > innerWidth + 0.5; })
  .map((e) => `${e.className || e.tagName}: ${e.textContent.slice(0, 30)}`)"""

PAGE_ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def no_page_errors() -> Iterator[None]:
    PAGE_ERRORS.clear()
    yield
    assert not PAGE_ERRORS, PAGE_ERRORS


async def shot(page: Page, name: str) -> None:
    if SHOTS:
        await page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


async def open_page(browser: Browser, url: str, size: dict[str, Any]) -> Page:  # noqa: F811
    context = await browser.new_context(**size)
    page = await context.new_page()
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    page.set_default_timeout(T)
    await page.goto(url)
    return page


async def test_a_translator_translates_a_proposal_and_a_spanish_phone_shows_it(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    console = PlazaClient(server.ws, "json")
    await console.connect()
    await console.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    ana, bo = PlazaClient(server.ws, "json"), PlazaClient(server.ws, "json")
    for client, name in ((ana, "Ana"), (bo, "Bo")):
        await client.connect()
        await client.hello("phone", code=meeting["code"])
        await client.request("join", name=name)
    try:
        await ana.request("propose", text=ORIGINAL)
        await console.request("add_item", title="Budget", minutes=10)
        await console.request("add_translation_language", language="es")
        link = (await console.request("translator_links"))["links"]["es"]

        # The translator's page, on a laptop: the proposal with its original, a box, Save.
        desk = await open_page(browser, link, LAPTOP)
        await expect(desk.get_by_role("heading", level=1)).to_have_text("Translating into Spanish")
        card = desk.locator("li.item", has=desk.get_by_role("heading", name="Proposal 1"))
        await expect(card.locator("blockquote")).to_have_text(ORIGINAL)
        await expect(card.locator(".status")).to_have_text("Not translated")
        await card.get_by_label("Your translation").fill(SPANISH)
        await card.get_by_role("button", name="Save the translation of Proposal 1").click()
        await expect(card.locator(".saved")).to_have_text("Saved.")
        await expect(card.locator(".status")).to_have_text("Translated")
        await expect(desk.locator("#progress")).to_have_text("1 of 3 texts translated")
        item = desk.locator("li.item", has=desk.get_by_role("heading", name="Agenda item 1"))
        await item.get_by_label("Your translation").fill("Presupuesto")
        await item.get_by_label("Your translation").press("Control+Enter")
        await expect(item.locator(".status")).to_have_text("Translated")
        await assert_accessible(desk, "the translator's page, a proposal translated")
        assert not await desk.evaluate(WIDER_THAN_SCREEN)
        await shot(desk, "translate-laptop.png")

        # A phone reading Spanish: the translation, marked, the original one tap away.
        phone = await open_page(browser, meeting["join_url"] + "?lang=es", PHONE)
        await phone.locator("#name").fill("Eva")
        await phone.locator("#join-button").click()
        await expect(phone.locator("#joined")).to_be_visible()
        shown = phone.locator("#proposals li.proposal .question")
        await expect(shown.locator(".tr-text")).to_have_text(SPANISH)
        await expect(shown.locator(".tr-text")).to_have_attribute("lang", "es")
        await expect(shown.locator(".tr-mark")).to_have_text("Traducción")
        toggle = shown.get_by_role("button", name="Ver original")
        await expect(toggle).to_have_attribute("aria-pressed", "false")
        await shown.scroll_into_view_if_needed()
        assert await inside(phone, ["#proposals .tr-text", "#proposals .tr-toggle"]) == []
        assert not await phone.evaluate(WIDER_THAN_SCREEN)
        await assert_accessible(phone, "a Spanish phone with a translated proposal")
        await shot(phone, "translate-phone-es.png")
        await toggle.click()
        await expect(shown.locator(".tr-text")).to_have_text(ORIGINAL)
        back = shown.get_by_role("button", name="Ver traducción")
        await expect(back).to_be_focused()  # the keyboard stays on the toggle
        await expect(back).to_have_attribute("aria-pressed", "true")
        await back.click()
        await expect(shown.locator(".tr-text")).to_have_text(SPANISH)
        agenda = phone.locator("#agenda li").first
        await expect(agenda.locator(".tr-text")).to_have_text(re.compile(r"^Presupuesto \(10 min\)"))
        await expect(agenda.get_by_role("button", name="Ver original")).to_be_visible()

        # An amendment accepted: the translation is out of date, on the phone and on the translator's page.
        await bo.request("amend", proposal=1, text=AMENDED)
        await ana.wait_view("phone", lambda v: len(v["proposals"][0]["amendments"]) == 1, T / 1000)
        amendment = ana.view("phone")["proposals"][0]["amendments"][0]["amendment"]
        change = desk.locator("li.item", has=desk.get_by_role("heading", name="Amendment to proposal 1"))
        await change.get_by_label("Your translation").fill(SPANISH_AMENDED)
        await change.get_by_role("button", name=re.compile("^Save")).click()
        amended = phone.locator("#proposals .amendments li").first
        await expect(amended.locator(".tr-text")).to_contain_text(SPANISH_AMENDED)
        await expect(amended.locator(".tr-mark")).to_have_text("Traducción")
        await ana.request("accept_amendment", amendment=amendment)
        await expect(shown.locator(".tr-mark.tr-stale")).to_have_text("Traducción (desactualizada)")
        await expect(shown.locator(".tr-text")).to_have_text(SPANISH)
        await expect(card.locator(".status")).to_have_text("Out of date: the original changed")
        await expect(card.locator("blockquote")).to_have_text(AMENDED)
        await expect(card.get_by_label("Your translation")).to_have_value(SPANISH)  # to correct, not retype
        await shot(phone, "translate-phone-es-stale.png")

        # The translator updates it; the phone has the new one, up to date.
        await card.get_by_label("Your translation").fill(SPANISH_AMENDED)
        await card.get_by_label("Your translation").press("Control+Enter")
        await expect(shown.locator(".tr-text")).to_have_text(SPANISH_AMENDED)
        await expect(shown.locator(".tr-mark")).to_have_text("Traducción")
        await expect(card.locator(".status")).to_have_text("Translated")

        # A vote on it: its question translated, and the phone says the vote is on the original wording.
        await console.request("open_vote", subject="proposal", target=1, ballot="yes_no", rule="majority")
        vote_card = desk.locator("li.item", has=desk.get_by_role("heading", name="Vote question (open now)"))
        await expect(vote_card.locator("blockquote")).to_have_text(AMENDED)
        await vote_card.get_by_label("Your translation").fill(SPANISH_AMENDED)
        await vote_card.get_by_role("button", name=re.compile("^Save")).click()
        question = phone.locator("#vote-question")
        await expect(question.locator(".tr-text")).to_have_text(SPANISH_AMENDED)
        await expect(question.locator(".tr-vote")).to_be_visible()
        await assert_accessible(phone, "a Spanish phone with a translated vote")
        await shot(phone, "translate-phone-es-vote.png")

        # The same translator's page on a phone: one column, nothing wider than the screen.
        small = await open_page(browser, link, PHONE)
        small_card = small.locator("li.item", has=small.get_by_role("heading", name="Proposal 1"))
        await expect(small_card.get_by_label("Your translation")).to_have_value(SPANISH_AMENDED)
        assert not await small.evaluate(WIDER_THAN_SCREEN)
        assert await inside(small, ["h1", "#language-slot select"]) == []
        assert await small.evaluate(ACROSS) == []  # every card's parts fit across the screen
        await assert_accessible(small, "the translator's page on a phone")
        await shot(small, "translate-phone.png")

        # The page in Arabic (its own words; the texts stay as typed): right to left, nothing sideways.
        arabic = await open_page(browser, link.replace("#key=", "?lang=ar#key="), PHONE)
        await expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
        await expect(arabic.get_by_role("heading", level=1)).to_have_text(re.compile("^الترجمة إلى "))
        ar_card = arabic.locator('li.item[data-key="proposal:1"]')
        await expect(ar_card.locator(".item-label")).to_have_text("المقترح \u20681\u2069")  # the number isolated
        await expect(ar_card.locator(".status")).to_have_text("مترجم")
        assert not await arabic.evaluate(WIDER_THAN_SCREEN)
        assert await arabic.evaluate(ACROSS) == []
        await assert_accessible(arabic, "the translator's page in Arabic")
        await shot(arabic, "translate-phone-ar.png")

        # A link with a wrong key says so.
        wrong = await open_page(browser, link.replace("#key=", "#key=0"), LAPTOP)
        await expect(wrong.get_by_role("heading", level=1)).to_have_text("This link does not work")
        await expect(wrong.locator("#problem-text")).to_contain_text("wrong or missing")
    finally:
        for client in (console, ana, bo):
            await client.close()
