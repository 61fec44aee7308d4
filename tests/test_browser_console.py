"""The facilitator's console as a driving seat, in Chromium, while phones (PlazaClient) raise hands
and vote: the live controls stay in view on a phone, a laptop's width is used, the keyboard
shortcuts listed on the page work (and never while typing), the "Open a vote" form starts afresh
after each vote, nothing typed in any field is lost to a view, and axe finds nothing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.pages import assert_accessible, inside
from tests.test_browser import TIMEOUT_MS, browser, watch_requests  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
NAMES = ["Ana", "Bo", "Cleo", "Dee", "Eve", "Finn", "Gus"]
LIVE = ["#speaker", "#console-countdown", "#next-speaker", "#extend", "#end-turn", "#live-queue li", "#close-vote"]


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """expect() waits as long as the pages do (TIMEOUT_FACTOR on a slow machine), for these tests only."""
    expect.set_options(timeout=TIMEOUT_MS)
    yield
    expect.set_options(timeout=5_000)


class Room:
    """A facilitator's protocol client and joined phones, by name."""

    def __init__(self, con: PlazaClient, phones: dict[str, PlazaClient]) -> None:
        self.con = con
        self.phones = phones

    async def close(self) -> None:
        for client in [self.con, *self.phones.values()]:
            await client.close()


@contextlib.asynccontextmanager
async def room(server: ServerProcess, meeting: dict[str, Any], names: list[str] = NAMES) -> AsyncIterator[Room]:
    con = PlazaClient(server.ws, fmt="json")
    await con.connect()
    await con.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))

    async def join(name: str) -> tuple[str, PlazaClient]:
        phone = PlazaClient(server.ws, fmt="json")
        await phone.connect()
        await phone.hello("phone", code=meeting["code"])
        await phone.request("join", name=name)
        return name, phone

    r = Room(con, dict(await asyncio.gather(*(join(n) for n in names))))
    try:
        yield r
    finally:
        await r.close()


async def speaker_and_six_waiting(r: Room) -> None:
    """Ana has the floor; the six others wait, in the order they raised their hands."""
    await r.phones["Ana"].request("raise_hand")
    await r.con.request("next_speaker")
    for name in NAMES[1:]:
        await r.phones[name].request("raise_hand")
    await r.con.wait_view("facilitator", lambda v: len(v["stack"]["entries"]) == 6)


async def open_vote(r: Room, question: str, **fields: Any) -> int:
    await r.con.request("open_vote", subject="question", question=question, ballot="yes_no", rule="majority", **fields)
    view = await r.con.wait_view("facilitator", lambda v: bool(v["vote"] and v["vote"]["open"]))
    return int(view["vote"]["vote"])


async def console(browser: Browser, meeting: dict[str, Any], device: dict[str, Any]) -> Page:  # noqa: F811
    context = await browser.new_context(**device)
    page = await context.new_page()
    watch_requests(page, [])
    await page.goto(meeting["facilitator_url"])
    await expect(page.locator("#code")).to_have_text(meeting["code"])
    return page


async def scroll(page: Page, where: str) -> None:
    full = "document.documentElement.scrollHeight"
    y = {"top": "0", "middle": f"{full} / 2", "bottom": full}[where]
    await page.evaluate(f"window.scrollTo(0, {y})")
    await page.wait_for_function(f"Math.abs(scrollY - Math.min({y}, {full} - innerHeight)) < 2")


@pytest.mark.parametrize(("width", "height", "share"), [(390, 844, 0.5), (360, 640, 0.6)])
async def test_live_controls_stay_in_view_on_a_phone(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
    width: int,
    height: int,
    share: float,
) -> None:
    """On a 390×844 (and a 360×640) phone with six waiting and a vote open, who speaks, Next speaker,
    +1 min, the stack and the vote's Close are on screen wherever the page is scrolled, in a panel
    that leaves most of the screen to the rest of the console."""
    async with room(server, meeting) as r:
        page = await console(browser, meeting, {**PHONE, "viewport": {"width": width, "height": height}})
        await speaker_and_six_waiting(r)
        await open_vote(r, "Do we paint the hall green?")
        await expect(page.locator("#speaker")).to_have_text("Ana")
        await expect(page.locator("#entries .name")).to_have_count(6)
        await expect(page.locator("#close-vote")).to_be_visible()
        await expect(page.get_by_role("button", name="+1 min", exact=True)).to_be_visible()
        full = await page.evaluate("document.documentElement.scrollHeight")
        assert full > 3 * height, full  # a long page: the point is what stays in view while it scrolls
        for where in ["top", "middle", "bottom"]:
            await scroll(page, where)
            assert await inside(page, LIVE) == [], where
            for selector in LIVE:
                assert await page.locator(selector).count(), selector
        # The short queue in the panel: the first names in order, then how many more.
        await expect(page.locator("#live-queue li")).to_have_text(["1. Bo", "2. Cleo", "3. Dee", "4. Eve", "+2 more"])
        panel = await page.locator("#live").bounding_box()
        assert panel and panel["height"] <= share * height, panel  # the rest of the screen is for the rest
        assert await page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sideways


async def test_a_laptop_uses_its_width(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """At 1366×768 the live controls, the agenda and the people sit side by side, and the page is short."""
    async with room(server, meeting) as r:
        page = await console(browser, meeting, LAPTOP)
        await speaker_and_six_waiting(r)
        await open_vote(r, "Do we paint the hall green?")
        for title in ["Welcome", "Budget", "Kitchen rota", "Any other business"]:
            await r.con.request("add_item", title=title, minutes=10)
        await expect(page.locator("#entries .name")).to_have_count(6)
        await expect(page.locator("#agenda-items li")).to_have_count(4)
        live = await page.locator("#next-speaker").bounding_box()
        agenda = await page.locator("section[aria-labelledby=agenda-heading]").bounding_box()
        people = await page.locator("section[aria-labelledby=people-heading]").bounding_box()
        assert live and agenda and people
        assert live["x"] + live["width"] <= agenda["x"], (live, agenda)  # side by side
        assert agenda["y"] < live["y"] + live["height"]
        assert agenda["x"] + agenda["width"] <= people["x"], (agenda, people)  # a third column
        size = await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        assert size[0] <= 1366 and size[1] <= 768, size  # one screen: it was 3,400 pixels in one narrow column
        # Each column scrolls on its own: at the bottom of the people, the live controls have not moved.
        await page.get_by_role("button", name="End meeting").scroll_into_view_if_needed()
        await page.locator("#people li").last.scroll_into_view_if_needed()
        last = "#people li:last-child .remove"
        assert await inside(page, ["#next-speaker", "#extend", "#close-vote", "#speaker", last]) == []
        await page.get_by_label("Progressive stack (people who haven't spoken go first)").scroll_into_view_if_needed()
        assert await inside(page, ["#live", "#next-speaker", last]) == []


async def test_a_laptop_page_never_scrolls_into_a_blank_screen(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """At 1366×768 with a long stack and a vote open, the document itself never scrolls (only each
    column does): the wheel over the header and PageDown leave the live controls where they were."""
    names = NAMES + [f"Person {i}" for i in range(20)]
    async with room(server, meeting, names) as r:
        page = await console(browser, meeting, LAPTOP)
        for name in names:
            await r.phones[name].request("raise_hand")
        await r.con.request("next_speaker")
        for i in range(4):  # decisions far down the agenda column, each with its action-point form
            question = f"Earlier question {i}?"
            await r.con.request("open_vote", subject="question", question=question, ballot="yes_no", rule="majority")
            view = await r.con.wait_view(
                "facilitator", lambda v, q=question: bool(v["vote"]) and v["vote"]["question"] == q
            )
            done = view["vote"]["vote"]
            await r.con.request("close_vote", vote=done)
            await r.con.request("dismiss_vote", vote=done)
        await open_vote(r, "Do we paint the hall green?")
        await expect(page.locator("#entries .name")).to_have_count(len(names) - 1)
        await expect(page.locator("#close-vote")).to_be_visible()
        sizes = "[document.scrollingElement.scrollHeight, innerHeight, document.scrollingElement.scrollWidth]"
        height, inner, width = await page.evaluate(sizes)
        assert height <= inner and width <= 1366, (height, inner, width)
        header = await page.locator("header.top").bounding_box()
        assert header
        await page.mouse.move(header["x"] + header["width"] / 2, header["y"] + header["height"] / 2)
        await page.mouse.wheel(0, 400)
        await page.wait_for_timeout(300)
        assert await page.evaluate("document.scrollingElement.scrollTop") == 0
        assert await inside(page, LIVE) == []
        await page.mouse.click(header["x"] + 5, header["y"] + header["height"] / 2)
        for _ in range(3):
            await page.keyboard.press("PageDown")
        await page.wait_for_timeout(300)
        assert await page.evaluate("document.scrollingElement.scrollTop") == 0
        assert await inside(page, LIVE) == []
        # Each column still scrolls, by keyboard too: Tab into the stack column, and PageDown moves it.
        col = page.locator(".col-live")
        assert await col.evaluate("c => c.scrollHeight > c.clientHeight")
        await col.focus()
        await page.keyboard.press("End")
        await page.wait_for_function("document.querySelector('.col-live').scrollTop > 0")
        assert await page.evaluate("document.scrollingElement.scrollTop") == 0


async def test_keyboard_shortcuts(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """Each shortcut listed on the page works, and none fires while typing in a field."""
    async with room(server, meeting) as r:
        page = await console(browser, meeting, LAPTOP)
        await speaker_and_six_waiting(r)
        vote = await open_vote(r, "Do we paint the hall green?")
        await expect(page.locator("#close-vote")).to_be_visible()

        # Listed on the page, visibly, and on each button for screen readers.
        keys = page.get_by_role("region", name="Keyboard shortcuts")
        await expect(keys).to_be_visible()
        listed = [("N", "Next speaker"), ("+", "minute"), ("E", "End the turn"), ("C", "Close the open"), ("V", "vote")]
        for key, what in listed:
            await expect(keys.locator("div", has=page.locator("kbd", has_text=key)).first).to_contain_text(what)
        for selector, key in [("#next-speaker", "N"), ("#extend", "Plus ="), ("#end-turn", "E"), ("#close-vote", "C")]:
            await expect(page.locator(selector)).to_have_attribute("aria-keyshortcuts", key)

        # Typing in a field: every key is text, no shortcut fires.
        before = r.con.view("facilitator")
        assert before is not None
        deadline = before["stack"]["speaker"]["deadline"]
        for label in ["New item", "Record a proposal made aloud", "Temperature check on"]:
            field = page.get_by_label(label, exact=True)
            await field.press_sequentially("n+=ec v")
            await expect(field).to_have_value("n+=ec v")
        await page.wait_for_timeout(1000)  # anything a shortcut sent would be acknowledged by now
        now = r.con.view("facilitator")
        assert now is not None
        assert now["stack"]["speaker"]["name"] == "Ana" and now["stack"]["speaker"]["deadline"] == deadline
        assert now["vote"]["open"] and len(now["stack"]["entries"]) == 6
        await expect(page.locator("#vote-box")).not_to_have_attribute("open", "")

        # Out of the field, each key does what the list says.
        await page.evaluate("document.activeElement.blur()")
        await page.keyboard.press("n")
        await expect(page.locator("#speaker")).to_have_text("Bo")
        view = await r.con.wait_view("facilitator", lambda v: v["stack"]["speaker"]["name"] == "Bo")
        deadline = view["stack"]["speaker"]["deadline"]
        await page.keyboard.press("+")
        view = await r.con.wait_view("facilitator", lambda v: v["stack"]["speaker"]["deadline"] >= deadline + 59)
        await page.keyboard.press("=")
        await r.con.wait_view("facilitator", lambda v: v["stack"]["speaker"]["deadline"] >= deadline + 119)
        await page.keyboard.press("E")
        await expect(page.locator("#speaker")).to_have_text("Nobody")
        # C asks first: a stray key records no outcome. Escape (or Cancel) leaves the vote open.
        await page.keyboard.press("c")
        dialog = page.get_by_role("dialog")
        await expect(dialog).to_be_visible()
        await expect(dialog).to_contain_text("Close “Do we paint the hall green?” now?")
        await expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
        await page.keyboard.press("c")  # a second stray C while asked does nothing either
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        await page.wait_for_timeout(1000)  # a close sent would be acknowledged by now
        now = r.con.view("facilitator")
        assert now is not None and now["vote"]["vote"] == vote and now["vote"]["open"]
        await expect(page.locator("#close-vote")).to_be_visible()
        await page.evaluate("document.activeElement.blur()")
        await page.keyboard.press("c")
        await expect(dialog).to_be_visible()
        await page.keyboard.press("Tab")
        await expect(dialog.get_by_role("button", name="Close vote")).to_be_focused()
        await page.keyboard.press("Enter")
        await r.con.wait_view("facilitator", lambda v: v["vote"]["vote"] == vote and not v["vote"]["open"])
        await expect(page.locator("#vote-outcome")).to_be_visible()
        await expect(dialog).to_be_hidden()
        # A keyboard user taking someone off the stack stays on the stack, on the row that took its place.
        await page.get_by_role("button", name="Take off stack: Cleo").focus()
        await page.keyboard.press("Enter")
        await expect(page.locator("#entries .name")).to_have_text(["Dee", "Eve", "Finn", "Gus"])
        await expect(page.get_by_role("button", name="Take off stack: Dee")).to_be_focused()
        await page.keyboard.press("v")
        await expect(page.locator("#vote-box")).to_have_attribute("open", "")
        await expect(page.get_by_label("On", exact=True)).to_be_focused()
        # A shortcut with nothing to act on says so rather than doing something else.
        await page.evaluate("document.activeElement.blur()")
        await page.keyboard.press("c")
        await expect(page.locator("#console-error")).to_contain_text("Close the vote")


async def test_the_vote_form_starts_afresh_after_a_vote_opens(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """A secret ballot with a quorum does not leak into the next vote's form."""
    async with room(server, meeting, NAMES[:2]) as r:
        page = await console(browser, meeting, LAPTOP)
        await page.locator("summary", has_text="Open a vote").click()
        await page.get_by_label("Question", exact=True).fill("Who chairs next month?")
        await page.get_by_label("Ballot", exact=True).select_option("consensus")
        await page.get_by_label("Quorum (optional)").select_option("count")
        await page.get_by_label("Quorum value").fill("2")
        await page.get_by_label("Secret ballot").check()
        await page.get_by_label("Hide the results until the vote closes").check()
        await page.get_by_role("button", name="Open the vote").click()
        await expect(page.locator("#vote-question")).to_have_text("Who chairs next month?")
        view = await r.con.wait_view("facilitator", lambda v: bool(v["vote"] and v["vote"]["open"]))
        assert view["vote"]["secret"] and view["vote"]["hidden"] and view["vote"]["ballot"] == "consensus"
        await expect(page.locator("#vote-box")).not_to_have_attribute("open", "")
        await page.locator("summary", has_text="Open a vote").click()
        await expect(page.get_by_label("Question", exact=True)).to_have_value("")
        await expect(page.get_by_label("Ballot", exact=True)).to_have_value("yes_no")
        await expect(page.get_by_label("Decision rule")).to_have_value("majority")
        await expect(page.get_by_label("Quorum (optional)")).to_have_value("")
        await expect(page.get_by_label("Quorum value")).to_be_hidden()
        await expect(page.get_by_label("Secret ballot")).not_to_be_checked()
        await expect(page.get_by_label("Hide the results until the vote closes")).not_to_be_checked()


@contextlib.asynccontextmanager
async def busy(r: Room, vote: int) -> AsyncIterator[list[int]]:
    """Phones raise and lower hands and change their ballots, every few tens of milliseconds."""
    done = [0]
    stop = asyncio.Event()

    async def churn() -> None:
        i = 0
        while not stop.is_set():
            name = NAMES[1 + i % (len(NAMES) - 1)]
            phone = r.phones[name]
            with contextlib.suppress(Exception):
                await phone.request("raise_hand" if (i // (len(NAMES) - 1)) % 2 == 0 else "lower_hand")
                await phone.request("cast_ballot", vote=vote, choice=["yes", "no", "abstain"][i % 3])
            done[0] += 1
            i += 1
            await asyncio.sleep(0.03)

    task = asyncio.create_task(churn())
    try:
        yield done
    finally:
        stop.set()  # a cancel alone can be lost inside a request that is just being answered
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def more_churn(done: list[int], more: int = 12) -> None:
    """Wait (by time, with a deadline) until the busy room has done ``more`` hands and ballots."""
    mark, deadline = done[0], time.monotonic() + 60 * TIMEOUT_FACTOR
    while done[0] < mark + more:
        assert time.monotonic() < deadline, f"the busy room stopped: {done[0] - mark} of {more} in 60 s"
        await asyncio.sleep(0.05)


async def type_into(page: Page, label: str, text: str) -> None:
    field = page.get_by_label(label, exact=True)
    await field.fill("")
    await field.press_sequentially(text, delay=15)


async def test_typing_survives_a_busy_room(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """Text typed into every field of the console is still there after hands and ballots arrive."""
    async with room(server, meeting) as r:
        page = await console(browser, meeting, LAPTOP)
        first = await open_vote(r, "Paint the hall?")
        for name in NAMES:
            await r.phones[name].request("cast_ballot", vote=first, choice="yes")
        await r.con.request("close_vote", vote=first)
        vote = await open_vote(r, "Picnic on Sunday?")
        await expect(page.get_by_label("Action point for: Paint the hall?")).to_be_visible()
        await page.get_by_role("button", name="Rename Ana").click()
        await page.locator("summary", has_text="Open a vote").click()
        await page.locator("summary", has_text="Who spoke").click()

        typed: dict[str, str] = {}

        async def put(label: str, text: str) -> None:
            await type_into(page, label, text)
            typed[label] = text

        async with busy(r, vote) as done:
            await put("New item", "Bike repair café")
            await put("Time box (minutes)", "25")
            await put("Question", "Which day for the picnic?")
            await page.get_by_label("Ballot", exact=True).select_option("choice")
            await put("Options, one per line", "Saturday\nSunday")
            await page.get_by_label("Ballot", exact=True).select_option("yes_no")
            await page.get_by_label("Decision rule").select_option("fraction")
            await put("Fraction of yes and no", "3/4")
            await page.get_by_label("Ballot", exact=True).select_option("consensus")
            await page.get_by_label("Decision rule").select_option("modified_consensus")
            await put("Agree share that overrides blocks (%)", "80")
            await page.get_by_label("Quorum (optional)").select_option("count")
            await put("Quorum value", "12")
            await put("Record a proposal made aloud", "Plant trees along the canal")
            await put("Proposed by", "Dee")
            await put("Temperature check on", "Ready to decide on trees?")
            await put("Window (seconds)", "45")
            await put("Self-declared groups to compare (comma separated, up to 8)", "tenants, owners")
            await put("Action point for: Paint the hall?", "Buy paint")
            await put("Who does it (Paint the hall?)", "Cleo")
            await put("New name for Ana", "Ana (chair)")
            await put("How many rooms", "3")
            await put("Room names, one per line (optional)", "Garden\nKitchen")
            await put("Question or task for the rooms", "Three ideas for the lot")
            await put("Duration (minutes)", "15")
            await page.get_by_label("People choose their room").check()
            await put("Places per room (0 = no limit)", "5")
            await page.wait_for_function("true")  # let the page breathe
            await more_churn(done)  # a dozen more hands and ballots after the last keystroke
        assert done[0] > 20, done  # the room was busy while the facilitator typed
        await r.phones["Ana"].request("raise_hand")
        await expect(page.locator("#entries .name").last).to_have_text("Ana")
        for label, text in typed.items():
            await expect(page.get_by_label(label, exact=True)).to_have_value(text)

        # During breakouts: the message box and the return countdown.
        await r.con.request("start_breakouts", rooms=2, minutes=10)
        await expect(page.get_by_label("Message to every room")).to_be_visible()
        typed.clear()
        async with busy(r, vote) as done:
            await put("Message to every room", "Five minutes left")
            await put("Return countdown (seconds)", "90")
            await more_churn(done)
        await r.con.request("add_item", title="Last one")  # the console has seen every view before it
        await expect(page.locator("#agenda-items")).to_contain_text("Last one")
        for label, text in typed.items():
            await expect(page.get_by_label(label, exact=True)).to_have_value(text)


async def test_axe_finds_nothing_on_the_console(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """axe-core on the console with a stack, an open vote, an outcome and during breakouts, phone and laptop."""
    async with room(server, meeting) as r:
        pages = {"390×844": await console(browser, meeting, PHONE), "1366×768": await console(browser, meeting, LAPTOP)}
        await r.con.request("add_item", title="Kitchen rota", minutes=10)
        await r.phones["Bo"].request("propose_item", title="Noise at night")
        await r.con.request("add_proposal", text="A weekly cleaning rota", proposer="Cleo")
        await r.phones["Dee"].request("post_point", text="Who keeps the keys?", anonymous=False)
        await speaker_and_six_waiting(r)

        async def check(state: str) -> None:
            for size, page in pages.items():
                await assert_accessible(page, f"the console {state} at {size}")

        for page in pages.values():
            await expect(page.locator("#entries .name")).to_have_count(6)
            # "Remove" means one thing each: off the stack, or out of the meeting.
            await expect(page.get_by_role("button", name="Take off stack: Bo")).to_have_text("Take off stack")
            await expect(page.get_by_role("button", name="Move up: Cleo")).to_have_text("Move up")
            await expect(page.get_by_role("button", name="Remove from meeting: Bo")).to_have_text("Remove from meeting")
        await check("with a stack")

        vote = await open_vote(r, "Do we paint the hall green?", secret=True)
        for name in NAMES[:4]:
            await r.phones[name].request("cast_ballot", vote=vote, choice="yes")
        for page in pages.values():
            await expect(page.locator("#vote-tally")).to_contain_text("4 ballots")
        await check("with an open secret vote")

        await r.con.request("close_vote", vote=vote)
        for page in pages.values():
            await expect(page.locator("#vote-outcome")).to_be_visible()
        await check("after an outcome")

        await r.con.request("start_breakouts", rooms=3, minutes=10, question="Three ideas for the lot")
        for page in pages.values():
            await expect(page.locator("#bo-rooms > li")).to_have_count(3)
            await page.locator(".bo-members summary").first.click()
        await check("during breakouts")

        await r.con.request("end_breakouts")
        for page in pages.values():
            await expect(page.locator("#bo-after")).to_be_visible()
        await check("after breakouts")

        # The person's "Remove from meeting" asks first, and says what it does.
        page = pages["390×844"]
        await page.get_by_role("button", name="Remove from meeting: Gus").click()
        dialog = page.get_by_role("dialog")
        await expect(dialog).to_contain_text("Remove Gus from the meeting?")
        await dialog.get_by_role("button", name="Cancel").click()
        await expect(page.locator("#people .name")).to_contain_text(["Gus"])
