"""The phone in other languages, in Chromium (issue #15).

An Arabic phone (?lang=ar) lays out right to left and joins, raises a hand and votes in Arabic, with
a Latin name kept whole inside the Arabic words; the place reason and the outcome, worded by the
server from keys, are Arabic too.  The pseudo-language (?lang=qps: every English string accented,
40% longer and wrapped in ⟦ ⟧) at 360×740: nothing overflows sideways, the buttons that matter are
inside the screen, and every word on the page came from a catalogue.  The picker in the masthead
switches language in one tap and the phone remembers it.  ``PLAZA_SHOTS=<folder>`` writes the
screenshots (phone-ar-*.png, phone-qps-*.png) to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import ServerProcess, key_of
from tests.pages import assert_accessible, inside
from tests.test_browser import TIMEOUT_MS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
T = TIMEOUT_MS
SHOTS = os.environ.get("PLAZA_SHOTS")
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
ARABIC = re.compile(r"[\u0600-\u06FF]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
ISOLATES = re.compile(r"[\u2066-\u2069]")

PAGE_ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def no_page_errors() -> Any:
    PAGE_ERRORS.clear()
    yield
    assert not PAGE_ERRORS, PAGE_ERRORS


@pytest.fixture
async def facilitator(server: ServerProcess, meeting: dict[str, Any]) -> AsyncIterator[PlazaClient]:
    con = PlazaClient(server.ws, fmt="json")
    await con.connect()
    await con.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    yield con
    await con.close()


async def open_phone(browser: Browser, url: str) -> Page:  # noqa: F811
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    page.set_default_timeout(T)
    await page.goto(url)
    return page


async def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SHOTS) / name))


async def text_of(page: Page, selector: str) -> str:
    """An element's text without the bidi isolates that wrap names and numbers in right-to-left text."""
    return ISOLATES.sub("", await page.locator(selector).inner_text()).strip()


async def open_vote(facilitator: PlazaClient, question: str) -> int:
    await facilitator.request("open_vote", subject="question", question=question, ballot="yes_no", rule="majority")
    view = await facilitator.wait_view("facilitator", lambda v: bool(v.get("vote")) and v["vote"]["open"])
    return int(view["vote"]["vote"])


# Sideways overflow: the page, and each container on it, no wider than its box.
OVERFLOW = """() => {
  const bad = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) bad.push(`page ${root.scrollWidth} > ${root.clientWidth}`);
  const boxes = document.querySelectorAll(
    'body, main, header, section, .card, .masthead, .hand-bar, .top-bars, form, fieldset, .kind-grid, .signals, li');
  for (const e of boxes) {
    if (e.closest('[hidden]') || !e.getClientRects().length) continue;
    if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible') {
      bad.push(`${e.tagName}#${e.id}.${e.className} scrolls sideways ${e.scrollWidth} > ${e.clientWidth}`);
    }
    const r = e.getBoundingClientRect();
    if (r.left < -1 || r.right > innerWidth + 1) {
      bad.push(`${e.tagName}#${e.id}.${e.className} sticks out: ${r.left}..${r.right}`);
    }
  }
  return bad;
}"""

# Every word on show comes from a catalogue: a visible text with Latin letters and no ⟦ is English
# that nobody put in a catalogue (what people typed, passed in ``own``, aside).
UNWORDED = """(own) => {
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const openMarks = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!e || e.closest('[hidden], script, style, select, .visually-hidden') || !e.checkVisibility()) continue;
    let text = n.textContent.replace(/[\\u2066-\\u2069]/g, '').trim();
    for (const words of own) text = text.split(words).join('');
    if (!/[A-Za-z]{2,}/.test(text)) continue;
    // A pseudo string may be split over nodes (its params are other nodes): inside ⟦…⟧ is worded.
    const whole = e.closest('p, h1, h2, h3, h4, li, label, button, legend, summary, a, span')?.textContent || text;
    if (whole.includes('⟦')) continue;
    bad.push(text.slice(0, 80));
  }
  return bad;
}"""


async def test_an_arabic_phone_joins_raises_a_hand_and_votes(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    page = await open_phone(browser, meeting["join_url"] + "?lang=ar")
    html = page.locator("html")
    await expect(html).to_have_attribute("lang", "ar")
    await expect(html).to_have_attribute("dir", "rtl")
    await expect(page.get_by_role("heading", name="انضم إلى هذا الاجتماع")).to_be_visible()
    await shot(page, "phone-ar-join.png")
    await page.get_by_label("اسمك").fill("Ana Lopez")
    await page.get_by_role("button", name="انضم", exact=True).click()
    await expect(page.locator("#joined-heading")).to_contain_text("Ana Lopez")
    assert await page.locator("#joined-heading bdi").inner_text() == "Ana Lopez"  # the Latin name isolated
    assert ARABIC.search(await text_of(page, "#joined-heading"))

    # Right to left: the masthead starts on the right, the hand bar's button is on the left.
    brand = await page.locator(".brand").bounding_box()
    picker = await page.locator("#language").bounding_box()
    assert brand and picker and brand["x"] > picker["x"], "the masthead is not mirrored"
    kind = await page.locator(".hand-bar-kind").bounding_box()
    raise_ = await page.get_by_role("button", name="ارفع يدك").bounding_box()
    assert kind and raise_ and kind["x"] > raise_["x"], "the hand bar is not mirrored"
    assert await page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"

    # A hand goes up: its place in Arabic, the kind too; the reason worded from the server's key.
    await page.get_by_role("button", name="ارفع يدك").click()
    await expect(page.get_by_role("button", name="أنزل يدك")).to_be_visible()
    assert await text_of(page, "#my-place") == "أنت التالي (مداخلة جديدة)"
    reason = await text_of(page, "#my-reason")
    await shot(page, "phone-ar-hand.png")

    # A vote: the choices and the button in Arabic; the ballot said back in Arabic.
    vote = await open_vote(facilitator, "Do we paint the kitchen red?")
    await expect(page.locator("#vote-heading")).to_have_text("تصويت — مفتوح")
    await page.locator("#vote").scroll_into_view_if_needed()
    await page.get_by_role("radio", name="نعم").check()
    await page.get_by_role("button", name="صوّت", exact=True).click()
    await expect(page.locator("#my-ballot")).to_contain_text("تصويتك: ")
    assert "نعم" in await text_of(page, "#my-ballot")
    rule = await text_of(page, "#vote-rule")
    await shot(page, "phone-ar-vote.png")
    await facilitator.request("close_vote", vote=vote)
    await expect(page.locator("#outcome")).to_have_text("أُقرّ")
    outcome = await text_of(page, "#outcome-words")
    tally = await text_of(page, "#vote-tally")
    assert "ورقة تصويت واحدة" in tally, tally  # Arabic's own plural for one ballot
    await page.locator("#vote").scroll_into_view_if_needed()
    await shot(page, "phone-ar-outcome.png")
    await assert_accessible(page, "the Arabic phone after a vote")

    # What the server words (the place reason, the rule, the outcome) is Arabic, from its keys.
    for what, words in (("place reason", reason), ("rule", rule), ("outcome", outcome)):
        assert ARABIC.search(words) and not LATIN_WORD.search(words), f"the {what} is not in Arabic: {words!r}"


async def test_the_pseudo_language_fits_a_small_phone(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    page = await open_phone(browser, meeting["join_url"] + "?lang=qps")
    await expect(page.locator("#join-heading")).to_contain_text("⟦")
    assert await page.evaluate(OVERFLOW) == []
    assert await inside(page, ["#name", "#join-button", "#language"]) == []
    await shot(page, "phone-qps-join.png")
    await page.locator("#name").fill("Ana")
    await page.locator("#join-button").click()
    await expect(page.locator("#joined-heading")).to_contain_text("Ana")
    await expect(page.locator("#raise")).to_contain_text("⟦")

    await page.locator("#raise").click()
    await expect(page.locator("#lower")).to_be_visible()
    vote = await open_vote(facilitator, "Do we paint the kitchen red?")
    await expect(page.locator("#vote")).to_be_visible()
    await page.locator("#vote").scroll_into_view_if_needed()
    await shot(page, "phone-qps-vote.png")
    await page.locator('#ballot-choices input[value="yes"]').check()
    await page.locator("#cast").click()
    await expect(page.locator("#my-ballot")).to_contain_text("⟦")
    await facilitator.request("close_vote", vote=vote)
    await expect(page.locator("#outcome")).to_contain_text("⟦")

    # Nothing sticks out sideways anywhere on the page, and the buttons that matter are on screen.
    assert await page.evaluate(OVERFLOW) == []
    assert await inside(page, ["#lower", "#my-place", "#attention-go"]) == []
    for selector in ("#cast", "#outcome", "#feel button", "#joined-heading", ".masthead"):
        for element in await page.locator(selector).all():
            if await element.is_visible():
                await element.scroll_into_view_if_needed()
                box = await element.bounding_box()
                assert box and box["x"] >= -1 and box["x"] + box["width"] <= 361, f"{selector} outside: {box}"
    await page.evaluate("window.scrollTo(0, 0)")
    assert await inside(page, ["#language", "#title", "#joined-heading"]) == []
    await shot(page, "phone-qps-top.png")
    await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    await shot(page, "phone-qps-bottom.png")

    # Every word on the page came from a catalogue (names and the question were typed by people).
    unworded = await page.evaluate(UNWORDED, ["Ana", "Test assembly", "Do we paint the kitchen red?", "Plaza"])
    assert unworded == [], f"English on the page that no catalogue words: {unworded}"


async def test_the_language_picker_switches_in_one_tap_and_is_remembered(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
) -> None:
    context = await browser.new_context(**PHONE, locale="es-MX")
    page = await context.new_page()
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    page.set_default_timeout(T)
    # First visit: the browser's language (es-MX -> Spanish).
    await page.goto(meeting["join_url"])
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await expect(page.get_by_role("heading", name="Únete a esta reunión")).to_be_visible()
    await page.get_by_label("Tu nombre").fill("Ana")
    await page.get_by_role("button", name="Entrar", exact=True).click()
    await expect(page.get_by_role("heading", name="Ya estás dentro, Ana.")).to_be_visible()
    # One tap in the masthead: French, everything re-worded in place, nothing typed lost.
    box = page.get_by_label("Tu punto o pregunta")
    await box.fill("Un point à moi")
    await page.get_by_label("Idioma").select_option("fr")
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.get_by_role("heading", name="Vous y êtes, Ana.")).to_be_visible()
    await expect(page.get_by_role("button", name="Lever la main")).to_be_visible()
    await expect(page.get_by_label("Votre point ou question")).to_have_value("Un point à moi")
    # Remembered on this phone: a reload is French, though the browser says Spanish.
    await page.reload()
    await expect(page.get_by_role("button", name="Lever la main")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('plaza.lang')") == "fr"
    # An unknown language in the address is English, without an error.
    await page.goto(meeting["join_url"] + "?lang=xx")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("button", name="Raise hand")).to_be_visible()
    await context.close()


async def test_a_first_visit_follows_the_requests_accept_language(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
) -> None:
    # The header says Arabic while navigator.languages says English: the server's reading of the
    # request decides a first visit, and the page is right to left from its first paint.
    context = await browser.new_context(**PHONE, extra_http_headers={"Accept-Language": "ar,en;q=0.5"})
    page = await context.new_page()
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    page.set_default_timeout(T)
    await page.goto(meeting["join_url"])
    assert not (await page.evaluate("navigator.language")).startswith("ar")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.get_by_role("button", name="انضم", exact=True)).to_be_visible()
    await context.close()
