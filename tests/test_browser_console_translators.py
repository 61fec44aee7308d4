"""The console gives each translation language its translator link: a language added on the console
shows with its progress, its link opens the translator's page for that language, and removing it
closes that door. In Chromium, through the real server; Spanish console words when ?lang=es."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.conftest import ServerProcess
from tests.pages import assert_accessible
from tests.test_browser import TIMEOUT_MS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


async def test_the_console_adds_a_language_and_hands_out_its_translator_link(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    errors: list[str] = []
    console = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    console.set_default_timeout(TIMEOUT_MS)
    console.on("pageerror", lambda e: errors.append(str(e)))
    await console.goto(meeting["facilitator_url"])
    await expect(console.locator("#tr-none")).to_be_visible()
    await console.fill("#tr-code", "es")
    await console.click("#tr-add")
    await expect(console.locator("#tr-languages li")).to_have_count(1)
    await expect(console.locator("#tr-languages li").first).to_contain_text("Español (es)")
    await console.click("#tr-links")
    link = console.locator("#tr-link-list input").first
    await expect(link).not_to_have_value("")
    url = await link.input_value()
    assert url.startswith(f"{server.http}/translate/{meeting['id']}#key=") and url.endswith("&lang=es")
    await assert_accessible(console, "the console's translators")

    translator = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    translator.set_default_timeout(TIMEOUT_MS)
    translator.on("pageerror", lambda e: errors.append(str(e)))
    await translator.goto(url)
    await expect(translator.locator("#work")).to_be_visible()  # the link opened the translator's page
    await expect(translator.locator("#problem")).to_be_hidden()
    await expect(translator.locator("#heading")).to_contain_text("Spanish")

    # A bad code is refused with words, and nothing is added.
    await console.fill("#tr-code", "español!")
    await console.click("#tr-add")
    await expect(console.locator("#tr-error")).not_to_be_empty()
    await expect(console.locator("#tr-languages li")).to_have_count(1)

    await console.locator("#tr-languages button").first.click()
    await expect(console.locator("#tr-none")).to_be_visible()
    await expect(translator.locator("#removed")).to_be_visible()  # that door is closed now

    spanish = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
    await spanish.goto(meeting["facilitator_url"].replace("#", "?lang=es#"))
    await expect(spanish.locator("#tr-form legend")).to_have_text("Traducción")
    assert not errors, errors
