"""The printable harvest names its tables in the page's language (issue #15).

The record (``harvest.json``) gives each table's number and name; the page words "Table 1 — Oak" and
"table 1 — Oak" from its catalogue (``clients/i18n/harvest/``), so a Spanish page says "Mesa 1 — Oak",
an Arabic one "الطاولة 1 — Oak", and English reads as it did.  The table's name and the ideas stay as
written."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import ServerProcess
from tests.test_browser import TIMEOUT_MS, browser
from tests.test_i18n_records import a_harvest as harvest_of

__all__ = ["browser"]
pytestmark = pytest.mark.browser

IDEA = "Benches on every corner"
ISOLATES = re.compile("[\u2066-\u2069]")


async def a_harvest(server: ServerProcess, meeting: dict[str, Any]) -> None:
    """A café of four at Oak (host Ana) and Elm: one round, Ana's idea at Oak starred once, the harvest closed."""
    await harvest_of(server, meeting, ideas=(IDEA,), stars=(("Bo", IDEA),))


@pytest.mark.parametrize(
    ("lang", "title", "label", "stars"),
    [
        ("en", "Table 1 — Oak", "table 1 — Oak", "1 star"),
        ("es", "Mesa 1 — Oak", "mesa 1 — Oak", "1 estrella"),
        ("ar", "الطاولة 1 — Oak", "الطاولة 1 — Oak", "نجمة واحدة (1)"),
    ],
)
async def test_the_harvest_names_its_tables_in_the_pages_language(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any], lang: str, title: str, label: str, stars: str
) -> None:
    await a_harvest(server, meeting)
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    try:
        await page.goto(f"{server.http}/harvest/{meeting['id']}?lang={lang}")
        await expect(page.locator(".ranking li")).to_have_count(1)
        assert await text_of(page, ".ranking li") == f"{IDEA} — {label}, {stars}"
        assert await text_of(page, "section.report:has(.ideas) h3") == title
        aria = await page.locator("section.report:has(.ideas)").get_attribute("aria-label")
        assert ISOLATES.sub("", aria or "") == title
        assert (await text_of(page, "section.report:has(.ideas) .ideas li")).startswith(IDEA)
        assert await text_of(page, "table.wall tbody tr:first-child th") == title  # the round's seating
        other = "Mesa" if lang == "en" else "Table"  # (get_by_text ignores case)
        assert await page.get_by_text(f"{other} 1 — Oak").count() == 0
        # "Download as Markdown" asks for the page's language (English is the record as written).
        href = await page.locator("#md-link").get_attribute("href")
        assert href == f"/api/meetings/{meeting['id']}/harvest.md" + ("" if lang == "en" else f"?lang={lang}")
    finally:
        await page.close()


async def text_of(page: Page, selector: str) -> str:
    """An element's text without the bidi isolates that wrap names and numbers in right-to-left text."""
    return ISOLATES.sub("", await page.locator(selector).inner_text()).strip()
