"""A general assembly end to end in Chromium: a screen, a console and three phones approve the agenda,
run the stack, pass a proposal by exactly 2/3, see a consensus vote blocked, and read the minutes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import ServerProcess
from tests.test_browser import browser, join_as, watch_requests  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


async def cast(phone: Page, choice: str, reason: str = "") -> None:
    vote = phone.locator("#vote")
    await vote.get_by_label(choice, exact=True).check()
    if reason:
        await vote.get_by_label(re.compile("Why do you block")).fill(reason)
    await vote.get_by_role("button", name=re.compile("Cast ballot|Change my ballot")).click()
    await expect(phone.locator("#my-ballot")).to_contain_text(f"Your ballot: {choice}.")


async def open_vote(console: Page, subject: str, ballot: str, rule: str, **extra: str) -> None:
    box = console.locator("#vote-box")
    if not await box.evaluate("d => d.open"):
        await box.locator("summary").click()
    await console.get_by_label("On", exact=True).select_option(label=subject)
    if "question" in extra:
        await console.get_by_label("Question", exact=True).fill(extra["question"])
    await console.get_by_label("Ballot", exact=True).select_option(label=ballot)
    await console.get_by_label("Decision rule").select_option(label=rule)
    if "fraction" in extra:
        await console.get_by_label("Fraction of yes and no").fill(extra["fraction"])
    await console.get_by_role("button", name="Open the vote").click()


async def test_a_general_assembly(browser: Browser, server: ServerProcess, meeting: dict[str, Any]) -> None:  # noqa: F811
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
    phones = (ana, bo, cleo)

    # The agenda: two items drafted, one proposed from a phone and accepted, then approved by a vote.
    for title, minutes in (("Kitchen rota", "15"), ("Rent strike", "30")):
        await console.get_by_label("New item").fill(title)
        await console.get_by_label("Time box (minutes)").fill(minutes)
        await console.get_by_role("button", name="Add item").click()
    await ana.locator("#propose-item-box summary").click()
    await ana.get_by_label("Item title").fill("Noise at night")
    await ana.get_by_role("button", name="Propose item").click()
    await console.get_by_role("button", name="Accept Noise at night").click()
    await expect(ana.locator("#agenda li")).to_have_count(3)
    await console.get_by_role("button", name="Put the agenda to a vote").click()
    await console.get_by_role("button", name="Open the vote").click()
    await expect(screen.locator("#vote-question")).to_contain_text("Approve the agenda: 1. Kitchen rota (15 min)")
    for phone in phones:
        await cast(phone, "Yes")
    await expect(screen.locator("#turnout")).to_have_text("3 ballots")
    await console.get_by_role("button", name="Close the vote").click()
    await expect(screen.locator("#outcome")).to_have_text("Passed")
    await expect(ana.locator("#outcome")).to_have_text("Passed")
    await expect(ana.locator("#agenda-state")).to_have_text("(approved)")

    # The first item: its countdown on the screen, and a fair stack.
    await console.get_by_role("button", name="Take it off the screen").click()
    await console.get_by_role("button", name="Start Kitchen rota").click()
    await expect(screen.locator("#item-title")).to_have_text("Kitchen rota")
    await expect(screen.locator("#item-countdown")).to_have_text(re.compile(r"^1[45]:\d\d left$"))
    await expect(screen.locator("#item-next")).to_have_text("Next: Rent strike")
    await ana.get_by_role("button", name="Raise hand").click()
    await console.get_by_role("button", name="Next speaker").click()
    await expect(screen.locator("#speaker-name")).to_have_text("Ana")
    await ana.get_by_role("button", name="Raise hand").click()
    await bo.get_by_role("button", name="Raise hand").click()
    await cleo.get_by_label("Direct response").check()
    await cleo.get_by_role("button", name="Raise hand").click()
    await expect(screen.locator("#next-list .who")).to_have_text(["Cleo", "Bo", "Ana"])
    queue = "Next: Cleo (Direct response), Bo (New point), Ana (New point)."
    await expect(bo.locator("#floor-next")).to_have_text(queue)  # the phones' live view
    await expect(ana.get_by_text("Why: you have spoken already: after those who haven't.")).to_be_visible()

    # A live signal, then a proposal from a phone passed by exactly 2/3.
    await bo.get_by_role("button", name="Agree", exact=True).first.click()
    await expect(screen.locator("#temperature")).to_be_visible()
    await bo.locator("#propose-box summary").click()
    await bo.get_by_label("Your proposal").fill("A weekly cleaning rota on the fridge door.")
    await bo.get_by_role("button", name="Propose", exact=True).click()
    await expect(ana.locator("#proposals .question")).to_have_text("A weekly cleaning rota on the fridge door.")
    await open_vote(
        console,
        "Proposal 1: A weekly cleaning rota on the fridge door.",  # the first proposal (ids are shared with votes)
        "Yes / No / Abstain",
        "Supermajority (2/3, 3/4…)",
        fraction="2/3",
    )
    await expect(screen.locator("#vote-rule")).to_have_text("2/3 majority of yes and no; abstentions don't count")
    await cast(ana, "Yes")
    await cast(bo, "Yes")
    await cast(cleo, "No")
    await expect(screen.locator("#tally .choice-n")).to_have_text(["2", "1", "0"])
    await expect(screen.locator("#tally .choice-names").first).to_have_text("Ana, Bo")  # an open, roll-call vote
    await expect(ana.locator("#vote-tally")).to_have_text("Yes 2 · No 1 · Abstain 0 — 3 ballots")  # the phones' tally
    # The stack folds into a line under the vote: the room still sees who speaks and who is next.
    await expect(screen.locator("#speaker-name")).to_have_text("Ana")
    # Wholly on screen, give or take a sub-pixel: the strip is sized in vmin, so edges land between pixels.
    await expect(screen.locator("#countdown")).to_be_in_viewport(ratio=0.99)
    await expect(screen.locator("#next-list .who").first).to_be_in_viewport(ratio=0.99)
    await console.get_by_role("button", name="Close the vote").click()
    await expect(screen.locator("#outcome")).to_have_text("Passed")
    await expect(screen.locator("#outcome-words")).to_contain_text("2 yes of 3 yes and no; 2/3 needed")
    await console.get_by_label("Action point for: A weekly cleaning rota").fill("Print the rota")
    await console.get_by_label("Who does it (A weekly cleaning rota").fill("Bo")
    await console.locator("#decisions li").last.get_by_role("button", name="Add action point").click()
    await expect(console.locator("#decisions")).to_contain_text("Print the rota — Bo")

    # A consensus question that one block stops.
    await open_vote(
        console,
        "A question",
        "Agree / Stand aside / Block",
        "Consensus (any block stops it)",
        question="Do we paint the kitchen red?",
    )
    await expect(screen.locator("#vote-question")).to_have_text("Do we paint the kitchen red?")
    await cast(ana, "Agree")
    await cast(bo, "Stand aside")
    await cleo.locator("#vote").get_by_label("Block", exact=True).check()
    await cleo.get_by_role("button", name="Cast ballot").click()
    await expect(cleo.locator("#ballot-error")).to_contain_text("A block is a serious objection: say why.")
    await cast(cleo, "Block", reason="Red paint here is toxic for the kids.")
    await console.get_by_role("button", name="Close the vote").click()
    await expect(screen.locator("#outcome")).to_have_text("Blocked")
    await expect(screen.locator("#outcome-words")).to_have_text("1 block: consensus stops at any block.")
    await expect(cleo.locator("#outcome")).to_have_text("Blocked")
    size = await screen.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= 1920 and size[1] <= 1080, size

    # After the meeting, the minutes on a phone.
    console.on("dialog", lambda d: d.accept())
    await console.get_by_role("button", name="End meeting").click()
    await console.get_by_role("button", name="End meeting", exact=True).last.click()
    await expect(ana.get_by_role("heading", name="This meeting has ended.")).to_be_visible()
    await ana.get_by_role("link", name="Read the minutes").click()
    await expect(ana.get_by_role("heading", name="Minutes: " + meeting["title"])).to_be_visible()
    await expect(ana.locator("#body")).to_contain_text("Kitchen rota (15 min)")
    await expect(ana.locator("#body")).to_contain_text("Passed: A weekly cleaning rota on the fridge door.")
    await expect(ana.locator("#body")).to_contain_text("Action: Print the rota (who: Bo)")
    await expect(ana.locator("#body")).to_contain_text("Block: “Red paint here is toxic for the kids.” (Cleo)")
    assert all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen)
