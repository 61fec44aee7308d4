"""The big screen's language, set from the console, and the pseudo-language through the screen and the console.

The console switches the big screen to Spanish, then to Spanish and English side by side, then
alternating: the screen's fixed words follow (checked as text on two screens, 1920×1080 and 1280×720),
with everything that matters still inside the viewport and every clipping ancestor.  The console's own
language is picked in its header and remembered on the device.  At ``?lang=qps`` (every English string
accented and 40% longer) the screen still fits 1920×1080 and 1280×720 with no scrollbar, and the console
has no horizontal overflow at 1280×800 or on a 390×844 phone.  ``PLAZA_SHOTS=<folder>`` writes screenshots.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import ServerProcess
from tests.pages import assert_accessible, inside
from tests.test_browser import TIMEOUT_MS, browser  # noqa: F401  (fixture)
from tests.test_browser_screen import MUST_SHOW, PEOPLE, SIZES, Hall, settled

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("PLAZA_SHOTS")
CONSOLE_SIZES = [(1280, 800), (390, 844)]

# The page scrolls neither way: the screen is a fixed 16:9 picture.
NO_SCROLLBARS = """() => {
  const root = document.documentElement;
  return root.scrollWidth <= root.clientWidth + 1 && root.scrollHeight <= root.clientHeight + 1
    && document.body.scrollWidth <= document.body.clientWidth + 1;
}"""

# Every visible element of the console wider than its box (a word or a row that overflows sideways),
# and whether the page itself scrolls sideways.
SIDEWAYS = """() => {
  const root = document.documentElement;
  const bad = root.scrollWidth > root.clientWidth + 1 ? [`the page: ${root.scrollWidth} > ${root.clientWidth}`] : [];
  const scrolls = (e) => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('[hidden], .visually-hidden, dialog:not([open])') || !e.getClientRects().length) continue;
    const style = getComputedStyle(e);
    const what = `${e.tagName}#${e.id}.${e.className}: ${e.textContent.trim().slice(0, 50)}`;
    const r = e.getBoundingClientRect();
    if ((r.right > innerWidth + 1 || r.left < -1) && !scrolls(e)) bad.push(`sticks out: ${what}`);
    else if (['auto', 'scroll', 'visible'].includes(style.overflowX) || e.tagName === 'SELECT') continue;
    else if (e.scrollWidth > e.clientWidth + 1 && !e.closest('table')) bad.push(`clips: ${what}`);
  }
  return bad;
}"""


def fragment(url: str) -> dict[str, str]:
    """A capability link's fragment (``#key=…&lang=…``) as a dict."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).fragment).items()}


def with_lang(url: str, lang: str) -> str:
    """A capability link with ``?lang=`` before its fragment (the key stays in the fragment)."""
    base, _, fragment = url.partition("#")
    return f"{base}?lang={lang}#{fragment}"


async def shot(page: Page, name: str) -> None:
    if SHOTS:
        size = page.viewport_size or {"width": 0, "height": 0}
        await page.screenshot(path=f"{SHOTS}/{name}-{size['width']}x{size['height']}.png")


async def fits(screens: list[Page], state: str) -> None:
    """Each screen: nothing that matters clipped, no scrollbar."""
    for page in screens:
        await settled(page)
        size = page.viewport_size
        where = f"{state} at {size['width']}×{size['height']}" if size else state
        assert await inside(page, MUST_SHOW) == [], where
        assert await page.evaluate(NO_SCROLLBARS), where


async def set_screen(console: Page, languages: list[str], mode: str = "side") -> None:
    await console.locator("#screen-lang-1").select_option(languages[0])
    await console.locator("#screen-lang-2").select_option(languages[1] if len(languages) > 1 else "")
    if len(languages) > 1:
        await console.locator(f'input[name="screen-mode"][value="{mode}"]').check()
    await console.locator("#screen-lang-set").click()


async def a_live_hall(hall: Hall) -> None:
    """An item under way, a speaker and people waiting, then a consensus vote with a block and its reason."""
    await hall.start(PEOPLE[:12])
    await hall.fac("add_item", title="Rent strike: do we stop paying in April?", minutes=30)
    agenda = await hall.vote({n: "yes" for n in PEOPLE[:5]}, subject="agenda", ballot="yes_no", rule="majority")
    await hall.close_vote(agenda)
    await hall.fac("dismiss_vote", vote=agenda)
    items = (await hall.console.wait_view("facilitator", lambda v: v["agenda"]["approved"]))["agenda"]["items"]
    await hall.fac("start_item", item=items[0]["item"])
    await hall.hands(PEOPLE[:8])
    await hall.fac("next_speaker")


async def test_the_console_sets_the_big_screens_languages(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    screens = []
    for width, height in SIZES:
        page = await browser.new_page(viewport={"width": width, "height": height})
        await page.goto(meeting["screen_url"])
        screens.append(page)
    console = await browser.new_page(viewport={"width": 1280, "height": 800})
    await console.goto(meeting["facilitator_url"])
    hall = Hall(server, meeting)
    try:
        await a_live_hall(hall)
        for page in screens:  # English until the console says otherwise
            await expect(page.locator("#stack-panel .now .label")).to_have_text("Speaking now", timeout=TIMEOUT_MS)
            assert await page.evaluate("document.documentElement.lang") == "en"

        # Spanish: the fixed words, the kinds of places, the clock's words.
        await set_screen(console, ["es"])
        await expect(console.locator("#screen-lang-status")).to_contain_text("Español")
        for page in screens:
            await expect(page.locator("#stack-panel .now .label")).to_have_text("Habla ahora", timeout=TIMEOUT_MS)
            await expect(page.locator("#scan")).to_have_text("Escanea para unirte")
            await expect(page.locator("#next-list .kind").first).to_have_text("Nueva intervención")
            await expect(page.locator("#item-countdown")).to_contain_text("Quedan")
            assert await page.evaluate("document.documentElement.lang") == "es"
        await fits(screens, "Spanish")
        for page in screens:
            await shot(page, "screen-es")

        # Spanish and English side by side, with a vote under way.
        await set_screen(console, ["es", "en"], "side")
        await expect(console.locator("#screen-lang-status")).to_contain_text("Español + English")
        for page in screens:
            now = page.locator("#stack-panel .now .label")
            await expect(now).to_have_text("Habla ahora · Speaking now", timeout=TIMEOUT_MS)
            await expect(page.locator("#scan")).to_have_text("Escanea para unirte · Scan to join")
        vote = await hall.vote(
            {PEOPLE[0]: "agree", PEOPLE[1]: "block", PEOPLE[2]: "stand_aside"},
            {PEOPLE[1]: "We have not asked the tenants on the top floor yet."},
            subject="question",
            question="Do we start the rent strike on the first of April?",
            ballot="consensus",
            rule="consensus",
        )
        # A translator's Spanish for the question: each language shows its own (the original for English).
        await hall.fac("add_translation_language", language="es")
        link = (await hall.fac("translator_links"))["links"]["es"]
        translator = PlazaClient(server.ws, "json")
        await translator.connect()
        await translator.hello("translator", meeting=meeting["id"], key=fragment(link)["key"], lang="es")
        spanish = "¿Empezamos la huelga de alquileres el 1 de abril?"
        await translator.request("translate", kind="vote", item=str(vote), text=spanish)
        await translator.close()
        for page in screens:
            question = page.locator("#vote-question")
            await expect(question).to_have_text(f"{spanish} · Do we start the rent strike on the first of April?")
            label = page.locator("#vote-label")
            await expect(label).to_have_text("Votación — abierta · Vote — open", timeout=TIMEOUT_MS)
            await expect(page.locator("#tally .choice-name").first).to_have_text("De acuerdo · Agree")
        await fits(screens, "Spanish and English side by side, a vote open")
        await hall.close_vote(vote)
        for page in screens:
            await expect(page.locator("#outcome")).to_have_text("Bloqueada · Blocked", timeout=TIMEOUT_MS)
            await expect(page.locator("#reasons li").first).to_contain_text("We have not asked the tenants")
        await fits(screens, "Spanish and English side by side, a vote blocked")
        for page in screens:
            await shot(page, "screen-es-en-side")
            await assert_accessible(page, "the bilingual screen")
        await hall.fac("dismiss_vote", vote=vote)

        # Alternating: one language, then the other, every 8 seconds.
        await set_screen(console, ["es", "en"], "alternate")
        await expect(console.locator("#screen-lang-status")).to_contain_text("8")
        label = screens[1].locator("#stack-panel .now .label")
        seen: set[str] = set()
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and seen != {"Habla ahora", "Speaking now"}:
            seen.add(await label.text_content() or "")
            seen &= {"Habla ahora", "Speaking now", "Habla ahora · Speaking now"}
            await screens[1].wait_for_timeout(500)
        assert seen == {"Habla ahora", "Speaking now"}, seen
        await fits(screens, "alternating")

        # Back to English: exactly the words of before.
        await set_screen(console, ["en"])
        for page in screens:
            await expect(page.locator("#stack-panel .now .label")).to_have_text("Speaking now", timeout=TIMEOUT_MS)
            await expect(page.locator("#scan")).to_have_text("Scan to join")

        # The console's own language: picked in its header, remembered on this device.
        await console.locator("#console-language").select_option("es")
        await expect(console.locator("#next-speaker")).to_have_text("Siguiente turno")
        await expect(console.locator("#speaker-kind")).to_have_text("(Nueva intervención)")
        assert await console.evaluate("document.documentElement.lang") == "es"
        await console.reload()
        await expect(console.locator("#next-speaker")).to_have_text("Siguiente turno", timeout=TIMEOUT_MS)
        await expect(console.locator("#entries .skip").first).to_have_text("Saltar")
        await console.locator("#console-language").select_option("ar")
        await expect(console.locator("#next-speaker")).to_have_text("المتحدث التالي")
        assert await console.evaluate("document.documentElement.dir") == "rtl"
        assert await console.evaluate(SIDEWAYS) == []
        await shot(console, "console-ar")
        await assert_accessible(console, "the console in Arabic")
        await console.locator("#console-language").select_option("en")
        await expect(console.locator("#next-speaker")).to_have_text("Next speaker")
    finally:
        await hall.close()


async def test_the_pseudo_language_fits_the_screen_and_the_console(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    screens = []
    for width, height in SIZES:
        page = await browser.new_page(viewport={"width": width, "height": height})
        await page.goto(with_lang(meeting["screen_url"], "qps"))
        screens.append(page)
    consoles = []
    for width, height in CONSOLE_SIZES:
        page = await browser.new_page(viewport={"width": width, "height": height})
        await page.goto(with_lang(meeting["facilitator_url"], "qps"))
        consoles.append(page)
    hall = Hall(server, meeting)
    try:
        for page in screens:  # before the meeting is live: the QR and how to join
            await expect(page.locator("#scan")).to_contain_text("⟦", timeout=TIMEOUT_MS)
        await fits(screens, "qps, waiting to start")
        await a_live_hall(hall)
        for page in screens:
            await expect(page.locator("#stack-panel .now .label")).to_contain_text("⟦Šþéáķíñĝ", timeout=TIMEOUT_MS)
            await expect(page.locator("#item-countdown")).to_contain_text("⟦")
        await fits(screens, "qps, a speaker and seven waiting")
        for page in screens:
            await shot(page, "screen-qps-stack")

        vote = await hall.vote(
            {PEOPLE[0]: "agree", PEOPLE[1]: "block", PEOPLE[2]: "stand_aside", PEOPLE[3]: "agree"},
            {PEOPLE[1]: "We have not asked the tenants on the top floor yet.", PEOPLE[2]: "I will not strike myself."},
            subject="question",
            question="Do we start the rent strike on the first of April?",
            ballot="consensus",
            rule="consensus",
        )
        for page in screens:
            await expect(page.locator("#vote-label")).to_contain_text("⟦", timeout=TIMEOUT_MS)
        await fits(screens, "qps, a vote open")
        await hall.close_vote(vote)
        for page in screens:
            await expect(page.locator("#outcome")).to_contain_text("⟦", timeout=TIMEOUT_MS)
        await fits(screens, "qps, a vote blocked with reasons")
        for page in screens:
            await shot(page, "screen-qps-vote")

        # The console: no horizontal overflow anywhere, every section open.
        for page in consoles:
            await expect(page.locator("#next-speaker")).to_contain_text("⟦", timeout=TIMEOUT_MS)
            await expect(page.locator("#entries li").first).to_be_visible()
            await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
            await settled(page)
            size = page.viewport_size
            assert await page.evaluate(SIDEWAYS) == [], size
            await shot(page, "console-qps")
    finally:
        await hall.close()
