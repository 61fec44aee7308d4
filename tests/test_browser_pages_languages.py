"""The other pages in other languages (issue #15): the landing page, the organiser's list, a breakout room's
device, the news wall, and the printable harvest, table cards, minutes and proceedings.

At ``?lang=ar`` each lays out right to left (``<html dir="rtl">``) and shows its own words in Arabic, from
its catalogue.  At ``?lang=qps`` (every English string accented and 40% longer) on a 360x740 phone and a
1280x800 laptop nothing runs out sideways: neither the page nor its main containers scroll horizontally.
Screenshots go to ``$PLAZA_SHOTS`` when it is set (to look at them)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import ServerProcess, key_of
from tests.test_browser import TIMEOUT_MS, browser
from tests.test_rooms_socket import phone_for
from tests.test_stack_socket import console_for

__all__ = ["browser"]
pytestmark = pytest.mark.browser

CATALOGUES = Path(__file__).resolve().parent.parent / "clients" / "i18n"
SHOTS = os.environ.get("PLAZA_SHOTS", "")
SIZES = [(360, 740), (1280, 800)]

# Whatever sticks out sideways: the page itself, or a main container wider than its box.
OVERFLOW = """() => {
  const boxes = [document.documentElement, document.body,
    ...document.querySelectorAll("main, header, section, aside, form, .card, .top, .stage, .side, dl, table")];
  return boxes.filter((b) => b.offsetParent !== null || b === document.documentElement || b === document.body)
    .filter((b) => b.scrollWidth > b.clientWidth + 1)
    .map((b) => `${b.tagName.toLowerCase()}#${b.id}.${b.className}: ${b.scrollWidth} > ${b.clientWidth}`);
}"""


def words(namespace: str, key: str) -> str:
    """The Arabic words of ``key`` up to its first parameter (what a page shows around the names)."""
    text = json.loads((CATALOGUES / namespace / "ar.json").read_text(encoding="utf-8"))[key]
    return str(text).split("{")[0].strip()


def with_lang(url: str, lang: str) -> str:
    """``url`` with ``?lang=`` before its fragment (the key of a capability link stays where it was)."""
    base, hash_mark, fragment = url.partition("#")
    return f"{base}{'&' if '?' in base else '?'}lang={lang}{hash_mark}{fragment}"


async def pages_of(server: ServerProcess, meeting: dict[str, Any]) -> dict[str, tuple[str, str, str, str]]:
    """Each page: its address, the element that shows its words, and that element's catalogue key."""
    console = await console_for(server, meeting, "json")
    people: list[PlazaClient] = [await phone_for(server, meeting, "json", n) for n in ("Amal", "Bruno", "Chiara")]
    try:
        await console.request("start_breakouts", rooms=2, question="What should we do about the empty lot?", minutes=10)
        await console.wait_view("facilitator", lambda v: bool(v["rooms"]["current"]))
        room = sorted((await console.request("room_links"))["links"].items())[0][1]
    finally:
        for client in (console, *people):
            await client.close()
    mid, key = meeting["id"], key_of(meeting["facilitator_url"])
    http = server.http
    return {
        "landing": (f"{http}/", "#join-heading", "landing", "landing.join.heading"),
        "organiser": (server.organiser_url, "#list-heading", "organiser", "organiser.list.heading"),
        "room": (room, "#kicker", "room", "room.kicker.room"),
        "news": (f"{http}/news/{mid}", "#title", "news", "news.heading_of"),
        "harvest": (f"{http}/harvest/{mid}", "#body", "harvest", "harvest.no_cafe"),
        "cafe-cards": (f"{http}/cafe-cards/{mid}#key={key}", "#title", "cafe-cards", "cafe-cards.heading_of"),
        "minutes": (f"{http}/minutes/{mid}", "#title", "minutes-page", "minutes-page.heading"),
        "proceedings": (f"{http}/proceedings/{mid}", "#body", "proceedings", "proceedings.no_open_space"),
    }


async def shoot(page: Page, name: str) -> None:
    if SHOTS:
        size = page.viewport_size or {"width": 0, "height": 0}
        path = os.path.join(SHOTS, f"pages-{name}-{size['width']}x{size['height']}.png")
        await page.screenshot(path=path, full_page=True)


async def test_each_page_in_arabic_lays_out_right_to_left(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    """Every page at ?lang=ar: <html lang="ar" dir="rtl">, its words in Arabic from its catalogue, nothing sideways."""
    pages = await pages_of(server, meeting)
    context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        for name, (url, selector, namespace, key) in pages.items():
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            await page.goto(with_lang(url, "ar"))
            await expect(page.locator(selector)).to_contain_text(words(namespace, key))
            lang_dir = await page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
            assert lang_dir == ["ar", "rtl"], name
            assert await page.evaluate(OVERFLOW) == [], name
            if name in ("minutes", "proceedings", "harvest"):  # the Markdown in the page's language too
                href = await page.locator("#md-link").get_attribute("href")
                assert href and href.endswith(f"/{name}.md?lang=ar"), (name, href)
            await shoot(page, f"{name}-ar")
            await page.close()
    finally:
        await context.close()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_the_pseudo_language_fits_every_page(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any], size: tuple[int, int]
) -> None:
    """At ?lang=qps (40% longer, accented) on a phone and a laptop: the words are the pseudo-language's and
    neither the page nor any main container is wider than its box."""
    pages = await pages_of(server, meeting)
    width, height = size
    context = await browser.new_context(viewport={"width": width, "height": height})
    try:
        for name, (url, selector, _namespace, _key) in pages.items():
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            await page.goto(with_lang(url, "qps"))
            await expect(page.locator(selector)).to_contain_text("⟦")
            assert await page.evaluate("document.documentElement.lang") == "en-XA", name
            assert await page.evaluate(OVERFLOW) == [], name
            await shoot(page, f"{name}-qps")
            await page.close()
    finally:
        await context.close()


async def test_the_landing_pages_links_and_file_names_read_left_to_right_in_arabic(
    browser: Browser, server: ServerProcess
) -> None:
    """In Arabic, a file name or an address inside the words is a <code dir="ltr"> (it would read backwards
    otherwise), and so are the new meeting's links."""
    context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(f"{server.http}/?lang=ar")
        await expect(page.locator("#organiser-note code")).to_have_text("links.json")
        await expect(page.locator("#organiser-help code")).to_have_text("…/organise#key=…")
        assert words("landing", "landing.create.organiser_help") in await page.locator("#organiser-help").inner_text()
        codes = await page.evaluate("[...document.querySelectorAll('code')].map((c) => [c.textContent, c.dir])")
        assert codes and all(direction == "ltr" for _, direction in codes), codes
        await page.get_by_label(words("landing", "landing.create.title")).fill("Asamblea")
        await page.locator("#organiser-link").fill(server.organiser_url)
        await page.locator("#create-button").click()
        await expect(page.locator("#created")).to_be_visible()
        for link in ("#facilitator-url", "#screen-url", "#join-url"):
            await expect(page.locator(link)).to_have_attribute("dir", "ltr")
            await expect(page.locator(link)).to_have_text(re.compile(r"^https?://"))
        await shoot(page, "landing-ar-created")
    finally:
        await context.close()
