"""The phone in Chromium at 360×640: what needs you comes to you, a dead connection shows at once and
refuses taps, typing survives a busy room, the focus never falls to <body>, and axe finds nothing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.pages import assert_accessible, inside
from tests.test_browser import PHONE, TIMEOUT_MS, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
T = TIMEOUT_MS

# Record vibrations (headless Chromium has no vibrator): every call to navigator.vibrate lands here.
VIBRATIONS = "navigator.vibrate = (pattern) => { (window.__vibrations ||= []).push(pattern); return true; };"


PAGE_ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def no_page_errors() -> Iterator[None]:
    """No test passes with an uncaught exception on a phone (a render that died halfway)."""
    PAGE_ERRORS.clear()
    yield
    assert not PAGE_ERRORS, PAGE_ERRORS


async def open_phone(browser: Browser, url: str) -> Page:  # noqa: F811
    context = await browser.new_context(**PHONE)
    await context.add_init_script(VIBRATIONS)
    page = await context.new_page()
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    page.set_default_timeout(T)
    await page.goto(url)
    return page


async def join(page: Page, name: str) -> None:
    await page.get_by_label("Your name").fill(name)
    await page.get_by_role("button", name="Join").click()
    await expect(page.get_by_role("heading", name=f"You're in, {name}.")).to_be_visible()


async def phone_as(browser: Browser, meeting: dict[str, Any], name: str) -> Page:  # noqa: F811
    page = await open_phone(browser, meeting["join_url"])
    await join(page, name)
    return page


@pytest.fixture
async def facilitator(server: ServerProcess, meeting: dict[str, Any]) -> AsyncIterator[PlazaClient]:
    con = PlazaClient(server.ws, fmt="json")
    await con.connect()
    await con.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    yield con
    await con.close()


@pytest.fixture
async def others(server: ServerProcess, meeting: dict[str, Any]) -> AsyncIterator[dict[str, PlazaClient]]:
    """Three more phones in the room, as protocol clients."""
    phones = {}
    for name in ("Bo", "Cleo", "Dev"):
        phone = PlazaClient(server.ws, fmt="json")
        await phone.connect()
        await phone.hello("phone", code=meeting["code"])
        await phone.request("join", name=name)
        phones[name] = phone
    yield phones
    for phone in phones.values():
        await phone.close()


async def open_vote(facilitator: PlazaClient, question: str, ballot: str, rule: str, **fields: Any) -> int:
    """Open a question vote from the console; its id, from the console's view."""
    await facilitator.request("open_vote", subject="question", question=question, ballot=ballot, rule=rule, **fields)
    view = await facilitator.wait_view(
        "facilitator", lambda v: bool(v.get("vote")) and v["vote"]["open"] and v["vote"]["question"] == question
    )
    return int(view["vote"]["vote"])


async def scroll_to_bottom(page: Page) -> None:
    """Scroll to the very bottom (again on each try, in case the page grew meanwhile)."""
    await page.wait_for_function(
        """() => {
          window.scrollTo(0, document.documentElement.scrollHeight);
          return scrollY > 0 && scrollY + innerHeight >= document.documentElement.scrollHeight - 2;
        }"""
    )


async def focused(page: Page) -> str:
    """What has the focus: '#id', 'tag', or 'BODY'."""
    return str(
        await page.evaluate(
            "(() => { const a = document.activeElement; return a && a.id ? '#' + a.id : a ? a.tagName : 'none'; })()"
        )
    )


async def vibrations(page: Page) -> int:
    return int(await page.evaluate("(window.__vibrations || []).length"))


async def assert_attention(page: Page, text: str, spoken: str) -> None:
    """What needs you is in the bar at the top of the viewport, read out, with a vibration."""
    bar = page.locator("#attention")
    await expect(bar).to_be_visible()
    await expect(page.locator("#attention-text")).to_have_text(text)
    assert await inside(page, ["#attention", "#attention-text", "#attention-go"]) == []
    assert await page.evaluate("window.scrollY") > 200, "the page was scrolled back up: the test would prove nothing"
    await expect(page.locator("#announce")).to_have_text(spoken)
    assert await vibrations(page) >= 1


async def test_a_vote_opening_comes_to_the_top(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    ana = await phone_as(browser, meeting, "Ana")
    await scroll_to_bottom(ana)
    before = await vibrations(ana)
    vote = await open_vote(facilitator, "Do we paint the kitchen red?", "yes_no", "majority")
    await assert_attention(
        ana, "Vote open: Do we paint the kitchen red?", "A vote is open: Do we paint the kitchen red?"
    )
    assert await vibrations(ana) > before
    # "Vote now" brings the vote into view and gives it the focus; the bar has done its job.
    await ana.get_by_role("button", name="Vote now").click()
    await expect(ana.locator("#vote")).to_be_focused()
    assert await inside(ana, ["#vote-question"]) == []
    await expect(ana.locator("#attention")).to_be_hidden()
    # A vote that is already seen, or closed, never brings the bar back.
    await scroll_to_bottom(ana)
    await facilitator.request("close_vote", vote=vote)
    await expect(ana.locator("#outcome")).to_be_visible()
    await expect(ana.locator("#attention")).to_be_hidden()


async def test_the_floor_comes_to_the_top(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    ana = await phone_as(browser, meeting, "Ana")
    await ana.get_by_role("button", name="Raise hand").click()
    await expect(ana.get_by_text("You're next (New point)")).to_be_visible()
    await scroll_to_bottom(ana)
    await facilitator.request("next_speaker")
    await assert_attention(ana, "You have the floor. Speak now.", "You have the floor. Speak now.")
    await ana.locator("#attention-go").click()
    await expect(ana.locator("#speaking")).to_be_focused()
    assert await inside(ana, ["#my-countdown"]) == []
    # The turn ends: nothing stays on show about it.
    await scroll_to_bottom(ana)
    await facilitator.request("end_turn")
    await expect(ana.locator("#speaking")).to_be_hidden()
    await expect(ana.locator("#attention")).to_be_hidden()


async def test_a_room_comes_to_the_top_while_typing(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    """Moved to a room while writing a point at the bottom of the page: the bar says where to go, the
    page doesn't jump, the words and the caret stay; "Dismiss" hands the focus back."""
    ana = await phone_as(browser, meeting, "Ana")
    box = ana.get_by_label("Your point or question")
    await box.scroll_into_view_if_needed()
    await scroll_to_bottom(ana)
    await box.focus()
    await box.press_sequentially("Half a thought")
    await facilitator.request("start_breakouts", rooms=1, names=["Garden"], mode="random", question="What now?")
    await assert_attention(ana, "Go to Garden", "Go to Garden. What now?")
    await expect(box).to_be_focused()
    await expect(box).to_have_value("Half a thought")
    await box.press_sequentially(", finished.")
    await expect(box).to_have_value("Half a thought, finished.")
    await ana.get_by_role("button", name="Dismiss").click()
    await expect(ana.locator("#attention")).to_be_hidden()
    await expect(box).to_be_focused()
    assert await inside(ana, ["#room-go"]) != []  # nobody scrolled the page: it was the bar that told
    # A message from the facilitator to every room comes to the top too.
    await facilitator.request("broadcast", text="Five minutes left.")
    await assert_attention(ana, "Message: Five minutes left.", "Message from the facilitator: Five minutes left.")
    await expect(box).to_be_focused()


async def test_focus_after_join_raise_and_lower_and_raise_in_view(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
) -> None:
    ana = await open_phone(browser, meeting["join_url"])
    await ana.get_by_label("Your name").fill("Ana")
    await ana.get_by_role("button", name="Join").click()
    await expect(ana.get_by_role("heading", name="You're in, Ana.")).to_be_visible()
    await expect(ana.locator("#joined-heading")).to_be_focused()
    # On a 360×640 phone "Raise hand" is on screen without scrolling.
    assert await ana.evaluate("window.scrollY") == 0
    assert await inside(ana, ["#raise"]) == []
    await ana.get_by_role("button", name="Raise hand").click()
    await expect(ana.locator("#lower")).to_be_focused()
    await ana.keyboard.press("Enter")  # the keyboard carries on from there: Lower hand
    await expect(ana.locator("#raise")).to_be_focused()
    await expect(ana.locator("#hand-up")).to_be_hidden()
    await ana.keyboard.press("Enter")
    await expect(ana.locator("#lower")).to_be_focused()
    assert await focused(ana) != "BODY"


async def test_raise_hand_in_view_in_a_meeting_under_way(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
) -> None:
    """A long title, an item under way, someone speaking and someone waiting: on a 360×640 phone that
    has just joined, "Raise hand" is still on the first screen."""
    meeting = server.create_meeting("Tenants' assembly of the Rue des Lilas")
    con = PlazaClient(server.ws, fmt="json")
    await con.connect()
    await con.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    people = []
    for name in ("Bo", "Cleopatra Jones"):
        phone = PlazaClient(server.ws, fmt="json")
        await phone.connect()
        await phone.hello("phone", code=meeting["code"])
        await phone.request("join", name=name)
        people.append(phone)
    try:
        await con.request("add_item", title="Kitchen rota and cleaning", minutes=15)
        await con.request("open_vote", subject="agenda", ballot="yes_no", rule="majority")
        view = await con.wait_view("facilitator", lambda v: bool(v.get("vote")) and v["vote"]["open"])
        await people[0].request("cast_ballot", vote=view["vote"]["vote"], choice="yes")
        await con.request("close_vote", vote=view["vote"]["vote"])
        await con.request("dismiss_vote", vote=view["vote"]["vote"])
        view = await con.wait_view("facilitator", lambda v: bool(v["agenda"]["items"]))
        await con.request("start_item", item=view["agenda"]["items"][0]["item"])
        await people[0].request("raise_hand")
        await con.request("next_speaker")
        await people[1].request("raise_hand", kind="clarifying")

        ana = await phone_as(browser, meeting, "Ana")
        await expect(ana.locator("#item-title")).to_have_text("Kitchen rota and cleaning")
        await expect(ana.locator("#floor-speaker")).to_contain_text("Bo")
        await expect(ana.locator("#floor-next")).to_contain_text("Cleopatra Jones")
        assert await ana.evaluate("window.scrollY") == 0
        assert await inside(ana, ["#title", "#item", "#floor-speaker", "#raise"]) == []
    finally:
        for client in (con, *people):
            await client.close()


UNDER_BAR = """() => {
  // The controls (not in the hand bar) that the fixed hand bar covers, wholly or in part, as the page is scrolled now.
  const bar = [...document.querySelectorAll('.hand-bar')]
    .find((b) => b.getClientRects().length && !b.closest('[hidden]'));
  if (!bar) return ['no hand bar on screen'];
  const top = bar.getBoundingClientRect().top;
  const bad = [];
  for (const e of document.querySelectorAll('button, a[href], input, select, textarea, summary, [tabindex="0"]')) {
    if (bar.contains(e) || e.closest('[hidden]') || !e.checkVisibility()) continue;
    const r = e.getBoundingClientRect();
    const what = `${e.tagName}#${e.id} "${e.textContent.trim().slice(0, 30)}"`;
    if (r.bottom > top + 0.5 && r.top < innerHeight) bad.push(what);
  }
  return bad;
}"""


async def assert_raise_on_first_screen(page: Page, state: str) -> None:
    """Right after joining (or coming back), "Raise hand" is on screen without scrolling, and at the end of
    the page nothing is left under the hand bar (nor is a control reached by Tab)."""
    await expect(page.locator("#raise")).to_be_visible()
    assert await page.evaluate("window.scrollY") == 0, state
    assert await inside(page, ["#raise", "#raise-kind"]) == [], state
    await scroll_to_bottom(page)
    assert await page.evaluate(UNDER_BAR) == [], state
    await page.evaluate("window.scrollTo(0, 0)")
    await page.locator("#point-text").focus()  # as by Tab: scrolled into view, clear of the bar
    clear = (
        "document.querySelector('#point-text').getBoundingClientRect().bottom"
        " <= document.querySelector('#raise-bar').getBoundingClientRect().top"
    )
    assert await page.evaluate(clear), state
    await page.locator("#point-text").blur()
    await page.evaluate("window.scrollTo(0, 0)")


async def long_queue(server: ServerProcess, meeting: dict[str, Any], count: int) -> list[PlazaClient]:
    people = []
    for i in range(count):
        phone = PlazaClient(server.ws, fmt="json")
        await phone.connect()
        await phone.hello("phone", code=meeting["code"])
        await phone.request("join", name=f"Maximiliana Oyelaran-Kowalczyk {i + 1}")
        await phone.request("raise_hand")
        people.append(phone)
    return people


async def test_raise_hand_on_the_first_screen_after_an_outcome(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    """The last vote's outcome is still shown (not dismissed): "Raise hand" is still on the first screen."""
    vote = await open_vote(facilitator, "Do we paint the whole kitchen red before the summer?", "yes_no", "majority")
    await facilitator.request("close_vote", vote=vote)
    ana = await phone_as(browser, meeting, "Ana")
    await expect(ana.locator("#outcome")).to_be_visible()
    await assert_raise_on_first_screen(ana, "an outcome shown")
    await ana.get_by_role("button", name="Raise hand").click()
    await expect(ana.locator("#lower")).to_be_focused()
    assert await inside(ana, ["#lower", "#my-place"]) == []


async def test_raise_hand_on_the_first_screen_while_a_vote_is_open(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    await open_vote(facilitator, "Colour?", "choice", "plurality", options=["Red", "Blue", "Green", "Yellow"])
    ana = await phone_as(browser, meeting, "Ana")
    await expect(ana.locator("#vote").get_by_label("Yellow", exact=True)).to_be_visible()
    await assert_raise_on_first_screen(ana, "a vote open")
    await ana.get_by_label("Clarifying question").check()
    await expect(ana.locator("#raise-kind")).to_have_text("Clarifying question")
    await ana.get_by_role("button", name="Raise hand").click()
    await expect(ana.locator("#my-place")).to_have_text("You're next (Clarifying question)")
    assert await inside(ana, ["#lower", "#my-place"]) == []
    await ana.keyboard.press("Enter")
    await expect(ana.locator("#raise")).to_be_focused()


async def test_raise_hand_on_the_first_screen_with_a_long_queue(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    people = await long_queue(server, meeting, 11)
    try:
        ana = await phone_as(browser, meeting, "Ana")
        await expect(ana.locator("#floor-next")).to_contain_text("Maximiliana")
        await assert_raise_on_first_screen(ana, "11 people waiting")
        await ana.get_by_role("button", name="Raise hand").click()
        await expect(ana.locator("#my-place")).to_contain_text("number 12")
        assert await inside(ana, ["#lower", "#my-place"]) == []
        await scroll_to_bottom(ana)
        assert await ana.evaluate(UNDER_BAR) == []
    finally:
        for phone in people:
            await phone.close()


async def test_raise_hand_on_the_first_screen_back_from_a_breakout_round(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    ana = await phone_as(browser, meeting, "Ana")
    await facilitator.request("start_breakouts", rooms=1, names=["Garden"], mode="random", question="What now?")
    await expect(ana.locator("#room-name")).to_have_text("Garden")
    await facilitator.request("end_breakouts")
    await expect(ana.locator("#back-notice")).to_be_visible()
    await ana.evaluate("window.scrollTo(0, 0)")
    await assert_raise_on_first_screen(ana, "back in the plenary")
    await assert_accessible(ana, "the phone back in the plenary, with the hand bar")


async def test_direct_response_says_why_it_is_greyed_out(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
    others: dict[str, PlazaClient],
) -> None:
    ana = await phone_as(browser, meeting, "Ana")
    direct = ana.get_by_label("Direct response")
    why = "Direct response answers the current speaker: available when someone is speaking."
    await expect(direct).to_be_disabled()
    await expect(ana.locator("#direct-why")).to_have_text(why)
    await expect(ana.locator("#direct-why")).to_be_visible()
    await expect(direct).to_have_accessible_description(re.compile(re.escape(why)))
    await others["Bo"].request("raise_hand")
    await facilitator.request("next_speaker")
    await expect(direct).to_be_enabled()
    await expect(ana.locator("#direct-why")).to_be_hidden()
    await expect(direct).not_to_have_accessible_description(re.compile("available when"))


async def test_offline_shows_at_once_and_refuses_taps(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    """The Wi-Fi drops: the banner shows within a second; a tap is refused and never arrives later;
    when the connection is back the banner and the old error go."""
    ana = await phone_as(browser, meeting, "Ana")
    await expect(ana.locator("#connection")).to_be_hidden()
    await ana.context.set_offline(True)
    await expect(ana.locator("#connection")).to_be_visible(timeout=1000)
    await expect(ana.locator("#connection")).to_contain_text("offline", timeout=1000)
    await ana.get_by_role("button", name="Raise hand").click()
    await expect(ana.locator("#hand-error")).to_have_text(re.compile("^Not sent: this device is offline"), timeout=1000)
    await expect(ana.locator("#hand-down")).to_be_visible()
    await asyncio.sleep(1)
    await ana.context.set_offline(False)
    await expect(ana.locator("#connection")).to_be_hidden(timeout=T * 2)
    await expect(ana.locator("#hand-error")).to_have_text("")
    # The refused tap never reaches the meeting, not even late: the console's stack stays empty
    # while a hand raised after the reconnection does arrive.
    await asyncio.sleep(1.5 * TIMEOUT_FACTOR)
    view = await facilitator.wait_view(
        "facilitator", lambda v: any(p["name"] == "Ana" and p["present"] for p in v["participants"])
    )
    assert view["stack"]["entries"] == [], view["stack"]["entries"]
    await ana.get_by_role("button", name="Raise hand").click()
    await expect(ana.get_by_text("You're next (New point)")).to_be_visible()
    view = await facilitator.wait_view("facilitator", lambda v: len(v["stack"]["entries"]) == 1)
    assert [e["name"] for e in view["stack"]["entries"]] == ["Ana"]


class Room:
    """Other phones and the facilitator keep the room busy, and we wait until Ana's page has seen it."""

    def __init__(self, page: Page, facilitator: PlazaClient, others: dict[str, PlazaClient]) -> None:
        self.page = page
        self.facilitator = facilitator
        self.others = others

    async def stir(self) -> None:
        """Hands go up and down on other phones: Ana's page re-renders each time."""
        for name, phone in self.others.items():
            await phone.request("raise_hand")
            await expect(self.page.locator("#floor-next")).to_contain_text(name)
            await phone.request("lower_hand")
            await expect(self.page.locator("#floor-next")).not_to_contain_text(name)

    async def ballots(self, vote: str, choice: str, reason: str = "") -> None:
        """The others cast ballots: the page's turnout moves with each."""
        for i, phone in enumerate(self.others.values(), 1):
            fields = {"vote": vote, "choice": choice}
            if reason:
                fields["reason"] = reason
            await phone.request("cast_ballot", **fields)
            await expect(self.page.locator("#vote-tally")).to_contain_text(re.compile(rf"\b{i + 1} ballots\b"))


async def type_through(page: Page, box: Any, first: str, rest: str, stir: Any) -> None:
    """Type, let the room move, type on: every word is there, and the focus and caret too."""
    await box.focus()
    await box.press_sequentially(first)
    await stir()
    await expect(box).to_be_focused()
    await expect(box).to_have_value(first)
    assert await box.evaluate("b => [b.selectionStart, b.selectionEnd]") == [len(first), len(first)]
    await box.press_sequentially(rest)
    await expect(box).to_have_value(first + rest)


async def test_typing_survives_a_busy_room(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
    facilitator: PlazaClient,
    others: dict[str, PlazaClient],
) -> None:
    """Every text field of the phone, and a choice being changed, while other phones raise hands,
    propose, amend, write and vote."""
    ana = await open_phone(browser, meeting["join_url"])
    room = Room(ana, facilitator, others)

    # The name, while people join.
    name = ana.get_by_label("Your name")
    await name.focus()
    await name.press_sequentially("An")
    await expect(ana.locator("#present")).to_have_text(str(len(others)))  # the view is in: Bo, Cleo and Dev
    present = len(others)
    late = PlazaClient(server.ws, fmt="json")
    await late.connect()
    await late.hello("phone", code=meeting["code"])
    await late.request("join", name="Eve")
    await expect(ana.locator("#present")).to_have_text(str(present + 1))
    await expect(name).to_be_focused()
    await name.press_sequentially("a")
    await expect(name).to_have_value("Ana")
    await ana.get_by_role("button", name="Join").click()
    await expect(ana.get_by_role("heading", name="You're in, Ana.")).to_be_visible()
    await late.close()

    # A proposal of Bo's, and Ana's own proposal half written.
    bo = others["Bo"]
    await bo.request("propose", text="Paint the kitchen red.")
    shown = await bo.wait_view("phone", lambda v: any(p["text"] == "Paint the kitchen red." for p in v["proposals"]))
    proposal = next(p["proposal"] for p in shown["proposals"] if p["text"] == "Paint the kitchen red.")
    await expect(ana.locator("#proposals .question")).to_have_text(["Paint the kitchen red."])
    await ana.locator("#propose-box summary").click()
    await type_through(ana, ana.get_by_label("Your proposal"), "We could ", "paint it blue.", room.stir)

    # An amendment to Bo's proposal while others amend it and another proposal comes in.
    card = ana.locator("#proposals > li", has_text="Paint the kitchen red.")
    await card.locator("summary").click()
    amend = card.get_by_label("New wording")

    async def amendments() -> None:
        await others["Cleo"].request("amend", proposal=proposal, text="Paint the kitchen pink.")
        await expect(card).to_contain_text("Paint the kitchen pink.")
        await others["Dev"].request("propose", text="Leave the kitchen alone.")
        await expect(ana.locator("#proposals .question")).to_have_count(2)
        await room.stir()

    await type_through(ana, amend, "Paint the kitchen ", "green.", amendments)
    await expect(card.locator("details")).to_have_attribute("open", "")

    # A written point, an agenda item, a new name: each while the room moves.
    await type_through(ana, ana.get_by_label("Your point or question"), "Who has ", "the key?", room.stir)
    await ana.locator("#propose-item-box summary").click()
    await type_through(ana, ana.get_by_label("Item title"), "Noise ", "at night", room.stir)
    await ana.locator("#rename summary").click()
    await type_through(ana, ana.get_by_label("New name"), "Ana ", "María", room.stir)

    # A consensus vote: Ana agreed, now blocks and writes why while the others vote.
    vote = await open_vote(facilitator, "Red?", "consensus", "consensus")
    box = ana.locator("#vote")
    await box.get_by_label("Agree", exact=True).check()
    await box.get_by_role("button", name="Cast ballot").click()
    await expect(ana.locator("#my-ballot")).to_contain_text("Your ballot: Agree.")
    await box.get_by_label("Block", exact=True).check()
    reason = box.get_by_label(re.compile("Why do you block"))
    await type_through(ana, reason, "Red paint ", "is toxic.", lambda: room.ballots(vote, "agree"))
    await expect(box.get_by_label("Block", exact=True)).to_be_checked()
    await facilitator.request("close_vote", vote=vote)
    await expect(ana.locator("#outcome")).to_be_visible()

    # A choice vote: Ana voted Red, picks Blue and moves on to the button while the others vote.
    vote = await open_vote(facilitator, "Colour?", "choice", "plurality", options=["Red", "Blue", "Green"])
    red, blue = box.get_by_label("Red", exact=True), box.get_by_label("Blue", exact=True)
    await red.check()
    await box.get_by_role("button", name="Cast ballot").click()
    await expect(ana.locator("#my-ballot")).to_contain_text("Your ballot: Red.")
    await blue.check()
    change = box.get_by_role("button", name="Change my ballot")
    await change.focus()
    shown = await bo.wait_view("phone", lambda v: bool(v.get("vote")) and v["vote"]["vote"] == vote)
    choice_id = next(c["choice"] for c in shown["vote"]["choices"] if c["label"] == "Green")
    await room.ballots(vote, choice_id)
    await expect(blue).to_be_checked()
    await expect(change).to_be_focused()
    await facilitator.request("close_vote", vote=vote)

    # A breakout room: a note and the report, while the room adds notes and takes turns.
    await facilitator.request("start_breakouts", rooms=1, names=["Garden"], mode="random")
    await expect(ana.locator("#room-name")).to_have_text("Garden")

    async def notes() -> None:
        for i, phone in enumerate(others.values(), 1):
            await phone.request("add_note", text=f"Note {i}")
            await expect(ana.locator("#room-notes li")).to_have_count(i + stirred["notes"])
        stirred["notes"] += len(others)
        await room.stir()

    stirred = {"notes": 0}
    await type_through(ana, ana.get_by_label("Add a note"), "We agree ", "on green.", notes)
    await ana.get_by_role("button", name="I'll report back").click()
    report = ana.get_by_label("The room's report")
    await expect(report).to_be_focused()
    await report.press_sequentially("Green ")
    await expect(ana.locator("#report-status")).to_have_text(re.compile("^Saved "))  # its echo is no news
    await report.press_sequentially("it ")
    await notes()
    await expect(report).to_be_focused()
    await expect(report).to_have_value("Green it ")
    await report.press_sequentially("is.")
    await expect(report).to_have_value("Green it is.")
    await expect(ana.locator("#report-status")).to_have_text(re.compile("^Saved "))
    await room.stir()
    await expect(report).to_have_value("Green it is.")


async def test_axe_on_every_state_of_the_phone(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
    others: dict[str, PlazaClient],
) -> None:
    """Before joining, with a stack, with each kind of open vote, after an outcome, with the bar at the
    top, offline, and in a breakout room: axe finds nothing."""
    ana = await open_phone(browser, meeting["join_url"])
    await expect(ana.get_by_label("Your name")).to_be_visible()
    await assert_accessible(ana, "the phone before joining")
    await join(ana, "Ana")
    await assert_accessible(ana, "the phone just joined, nobody speaking (Direct response greyed out)")

    bo, cleo, dev = others.values()
    await bo.request("raise_hand")
    await facilitator.request("next_speaker")
    await cleo.request("raise_hand", kind="clarifying")
    await dev.request("raise_hand")
    await expect(ana.locator("#floor-next")).to_contain_text("Dev")  # settled: no button moves under the tap
    await ana.get_by_role("button", name="Raise hand").click()
    await expect(ana.locator("#my-place")).to_contain_text("number 3")
    await bo.request("propose", text="Paint the kitchen red.")
    await cleo.request("post_point", text="Who has the key?", anonymous=False)
    await expect(ana.locator("#points .point")).to_have_count(1)
    await expect(ana.locator("#proposals .proposal")).to_have_count(1)
    await ana.locator("#proposals summary").click()
    await assert_accessible(ana, "the phone with a stack, a proposal and a point")

    await scroll_to_bottom(ana)
    vote = await open_vote(facilitator, "Do we paint it?", "yes_no", "majority")
    await expect(ana.locator("#attention")).to_be_visible()
    await assert_accessible(ana, "the phone with the bar at the top (a vote opened)")
    await ana.locator("#vote").get_by_label("Yes", exact=True).check()
    await ana.get_by_role("button", name="Cast ballot").click()
    await expect(ana.locator("#my-ballot")).to_contain_text("Your ballot: Yes.")
    await assert_accessible(ana, "the phone with an open yes/no vote")
    await facilitator.request("close_vote", vote=vote)
    await expect(ana.locator("#outcome")).to_be_visible()
    await assert_accessible(ana, "the phone after an outcome")

    vote = await open_vote(facilitator, "Red?", "consensus", "consensus")
    await ana.locator("#vote").get_by_label("Block", exact=True).check()
    await expect(ana.get_by_label(re.compile("Why do you block"))).to_be_visible()
    await assert_accessible(ana, "the phone with a consensus vote and a block's reason")
    await facilitator.request("close_vote", vote=vote)

    vote = await open_vote(facilitator, "Colour?", "choice", "plurality", options=["Red", "Blue", "Green"], secret=True)
    await expect(ana.locator("#vote").get_by_label("Blue", exact=True)).to_be_visible()
    await expect(ana.locator("#vote-heading")).to_have_text("Secret vote — open")
    # While a secret vote is open the phones get its turnout only (counts: null), and say so.
    shown = await bo.wait_view("phone", lambda v: bool(v.get("vote")) and v["vote"]["vote"] == vote)
    await bo.request("cast_ballot", vote=vote, choice=shown["vote"]["choices"][0]["choice"])
    await expect(ana.locator("#vote-tally")).to_have_text("1 ballot so far (results are shown when the vote closes)")
    await assert_accessible(ana, "the phone with a secret choice vote")
    await facilitator.request("close_vote", vote=vote)
    await expect(ana.locator("#vote-heading")).to_have_text("Secret vote — closed")

    await ana.context.set_offline(True)
    await expect(ana.locator("#connection")).to_be_visible()
    await assert_accessible(ana, "the phone offline")
    await ana.context.set_offline(False)
    await expect(ana.locator("#connection")).to_be_hidden(timeout=T * 2)

    await facilitator.request("start_breakouts", rooms=1, names=["Garden"], mode="random", question="What now?")
    await expect(ana.locator("#room-name")).to_have_text("Garden")
    await bo.request("add_note", text="Green, not red.")
    await expect(ana.locator("#room-notes li")).to_have_count(1)
    await ana.get_by_role("button", name="I'll report back").click()
    await expect(ana.get_by_label("The room's report")).to_be_focused()
    await assert_accessible(ana, "the phone in a breakout room, writing the report")


async def test_a_join_tapped_before_the_first_welcome_waits_for_it(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
) -> None:
    """A busy hall's Wi-Fi: the page is up but its socket's hello takes a moment.  Someone who types a
    name and taps Join at once is let in when the welcome comes, not told "no connection": nothing on
    the page can be out of date yet.  (Once connected, a tap while not connected is refused, as the
    stall test shows.)"""
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    page.set_default_timeout(T)
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    release = asyncio.Event()
    held: list[str | bytes] = []
    pages: list[Any] = []

    def route(ws: Any) -> None:
        pages.append(ws)
        server = ws.connect_to_server()

        def down(message: str | bytes) -> None:
            if release.is_set():
                ws.send(message)
            else:
                held.append(message)  # the welcome and the views, held back for now

        server.on_message(down)

    await page.route_web_socket(re.compile(r"/ws\b"), route)
    await page.goto(meeting["join_url"])
    await page.get_by_label("Your name").fill("Ana")
    await page.get_by_role("button", name="Join").click()
    await page.wait_for_timeout(1500)
    assert held, "the server said nothing: the test held nothing back"
    await expect(page.locator("#phone-error")).to_be_hidden()
    release.set()
    for message in held:
        pages[-1].send(message)
    await expect(page.get_by_role("heading", name="You're in, Ana.")).to_be_visible()
    await context.close()


async def test_a_silent_stall_refuses_the_next_tap(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
) -> None:
    """The Wi-Fi goes silent without the browser noticing (no offline event): a command that gets no
    answer in time marks the connection as stalled, and the next tap is refused on the phone instead of
    joining the first in the dead socket's queue; the socket is replaced, and the error clears."""
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    page.set_default_timeout(T)
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    sockets: list[dict[str, Any]] = []

    def route(ws: Any) -> None:
        state: dict[str, Any] = {"silent": False, "held": []}
        sockets.append(state)
        server = ws.connect_to_server()

        def up(message: str | bytes) -> None:
            if state["silent"]:
                state["held"].append(message)  # into the void, as over a dead link
            else:
                server.send(message)

        def down(message: str | bytes) -> None:
            if not state["silent"]:
                ws.send(message)

        ws.on_message(up)
        server.on_message(down)

    await page.route_web_socket(re.compile(r"/ws\b"), route)
    await page.goto(meeting["join_url"])
    await join(page, "Ana")
    first = sockets[-1]
    first["silent"] = True
    await page.get_by_role("button", name="Raise hand").click()
    await expect(page.locator("#connection")).to_have_text(re.compile("^No answer from the meeting"), timeout=T)
    await page.get_by_role("button", name="Agree", exact=True).first.click()
    await expect(page.locator("#phone-error")).to_have_text(re.compile("^Not sent: no connection"))
    assert ['"raise_hand"' in m for m in first["held"]][:1] == [True], first["held"]
    assert not any('"signal"' in str(m) for m in first["held"]), "the refused tap went into the dead socket"
    # The ping finds nothing: the socket is replaced (the raise is reported as unsure meanwhile), and
    # once the new socket is open the old errors go.
    await expect(page.locator("#connection")).to_be_hidden(timeout=T * 2)
    assert len(sockets) >= 2
    await expect(page.locator("#phone-error")).to_have_text("")
    await expect(page.locator("#hand-error")).to_have_text("")
    await page.get_by_role("button", name="Raise hand").click()
    await expect(page.get_by_text("You're next (New point)")).to_be_visible()


async def test_a_tap_after_a_quiet_spell_waits_for_proof_of_life(
    browser: Browser,  # noqa: F811
    meeting: dict[str, Any],
    facilitator: PlazaClient,
) -> None:
    """The link dies silently during a quiet spell; then "Lower hand": the phone pings first, gets no
    answer, and never sends it (no "Lower hand" arriving after the floor was given); the hand stays up."""
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    page.set_default_timeout(T)
    page.on("pageerror", lambda error: PAGE_ERRORS.append(str(error)))
    sockets: list[dict[str, Any]] = []

    def route(ws: Any) -> None:
        state: dict[str, Any] = {"silent": False, "held": []}
        sockets.append(state)
        server = ws.connect_to_server()
        ws.on_message(lambda m: state["held"].append(m) if state["silent"] else server.send(m))
        server.on_message(lambda m: None if state["silent"] else ws.send(m))

    await page.route_web_socket(re.compile(r"/ws\b"), route)
    await page.goto(meeting["join_url"])
    await join(page, "Ana")
    await page.get_by_role("button", name="Raise hand").click()
    await expect(page.get_by_text("You're next (New point)")).to_be_visible()
    await asyncio.sleep(4.5)  # quiet: nothing from the meeting for longer than the phone trusts
    first = sockets[-1]
    first["silent"] = True
    await page.get_by_role("button", name="Lower hand").click()
    await expect(page.locator("#hand-error")).to_have_text(re.compile("^Not sent: no connection"), timeout=T * 2)
    assert any('"ping"' in str(m) for m in first["held"]), first["held"]
    assert not any('"lower_hand"' in str(m) for m in first["held"]), "the tap went into the dead link"
    await expect(page.locator("#connection")).to_be_hidden(timeout=T * 2)
    await expect(page.locator("#hand-error")).to_have_text("")
    await expect(page.get_by_text("You're next (New point)")).to_be_visible()
    view = await facilitator.wait_view("facilitator", lambda v: bool(v["stack"]["entries"]))
    assert [e["name"] for e in view["stack"]["entries"]] == ["Ana"]
