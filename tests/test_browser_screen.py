"""The big screen in Chromium at 1920×1080 and 1280×720: nothing that matters is ever clipped.

One meeting is driven over the real protocol through the states a hall sees (an item under way with
a speaker, 3/6/12/30 waiting, the room's temperature and a temperature check; a vote open while the
stack is long; every kind of outcome; a secret vote open and closed), with long names in many
scripts.  In each state, every name, the "+N more", the temperature, the check, the vote's lines, the
outcome's lines, the speaking-now line and the QR must be inside the viewport and every clipping
ancestor (``tests.pages.inside``: ``to_be_visible()`` can't tell), the QR must decode and be big
enough to scan from the back of the hall (45% of the height, as in the report-back), and axe must
find nothing.  The screen and a room's device ask for a Wake Lock and offer full screen; the room's
device shows its stack, broadcast and crowd unclipped and passes axe; so does the minutes page.
One browser, the same two screen pages through every state.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import ServerProcess, key_of
from tests.pages import assert_accessible, inside
from tests.test_browser import TIMEOUT_MS, browser, decode_qr, watch_requests  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1280, 720)]
# Long names in many scripts: 40 characters (the most a name may have), one with no space at all.
NAMES = [
    "Chidi Chukwuemeka Okonkwo-Adebayo Nwosu",
    "María de los Ángeles García Fernández",
    "Wolfeschlegelsteinhausenbergerdorffvoral",
    "Світлана Олександрівна Коваленко-Шевчук",
    "Nguyễn Thị Minh Khai Phương Thảo Trần Lê",
    "محمد بن عبد الرحمن بن عبد الله الفلاني",
    "Αλέξανδρος Παπαδόπουλος-Κωνσταντινίδης",
    "अनुष्का शर्मा वर्मा",
    "Bo",
    "李小龙",
    "Zoë",
    "Yael Cohen-Levi",
]
PEOPLE = [*NAMES, *(f"Person {i}" for i in range(len(NAMES), 34))][:34]
QR_SHARE = 0.45  # once the meeting is live the QR is at least this share of the screen's height

# What must never be clipped, in every state (hidden elements are skipped by ``inside``).
MUST_SHOW = [
    "#qr",
    "#code",
    "#present",
    "#item-title",
    "#item-countdown",
    "#speaker-name",
    "#countdown",
    "#next-list .who",
    "#next-more",
    "#temperature-label",
    "#temperature .bar",
    "#vote-label",
    "#vote-question",
    "#vote-rule",
    "#outcome",
    "#outcome-words",
    "#tally .choice-name",
    "#tally .choice-n",
    "#tally .choice-names",
    "#reasons li",
    "#reasons-more",
    "#turnout",
    "#stack-panel .now .label",
    "#point-text",
]


DEVICE_MUST_SHOW = [
    "#name",
    "#count",
    "#question",
    "#countdown",
    "#broadcast-text",
    "#speaker",
    "#speaker-countdown",
    "#next .who",
    "#next li.more",
    "#people .who",
    "#people-more",
    "#qr",
    "#fullscreen",
]

# Counts the page's Wake Lock requests (the real request still goes ahead).
WAKE_SPY = """
window.wakeRequests = 0;
if (navigator.wakeLock) {
  const request = navigator.wakeLock.request.bind(navigator.wakeLock);
  navigator.wakeLock.request = (type) => { window.wakeRequests += 1; return request(type); };
}
"""


WHOLE_NAMES = """() => [...document.querySelectorAll('#tally .choice-names')]
  .filter((e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)
  .map((e) => e.textContent)"""


# Every visible element with text of its own whose box the operator's full-screen button's box
# intersects (not the button itself, what it holds or what holds it): none, idle or not.
COVERED_BY_BUTTON = """() => {
  const button = document.querySelector('#fullscreen');
  if (!button || button.hidden || !button.getClientRects().length) return [];
  const b = button.getBoundingClientRect();
  const bad = [];
  for (const e of document.body.querySelectorAll('*')) {
    if (e === button || e.contains(button) || button.contains(e) || e.closest('[hidden]')) continue;
    const own = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!own || !e.getClientRects().length || getComputedStyle(e).visibility === 'hidden') continue;
    const r = e.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    if (r.left < b.right - 0.5 && b.left < r.right - 0.5 && r.top < b.bottom - 0.5 && b.top < r.bottom - 0.5) {
      bad.push(`${e.tagName.toLowerCase()}#${e.id}.${e.className} "${e.textContent.trim().slice(0, 40)}"`);
    }
  }
  return bad;
}"""


class Hall:
    """A console and many phones over the real protocol."""

    def __init__(self, server: ServerProcess, meeting: dict[str, Any]) -> None:
        self.server = server
        self.meeting = meeting
        self.console = PlazaClient(server.ws, "json")
        self.phones: dict[str, PlazaClient] = {}

    async def start(self, names: list[str]) -> None:
        await self.console.connect()
        await self.console.hello("facilitator", meeting=self.meeting["id"], key=key_of(self.meeting["facilitator_url"]))

        async def one(name: str) -> tuple[str, PlazaClient]:
            phone = PlazaClient(self.server.ws, "json")
            await phone.connect()
            await phone.hello("phone", code=self.meeting["code"])
            await phone.request("join", name=name)
            return name, phone

        self.phones = dict(await asyncio.gather(*(one(n) for n in names)))

    async def close(self) -> None:
        for client in (self.console, *self.phones.values()):
            await client.close()

    async def fac(self, kind: str, **fields: Any) -> dict[str, Any]:
        return await self.console.request(kind, **fields)

    async def hands(self, names: list[str]) -> None:
        for name in names:  # one after the other: the stack's order is the order of the hands
            await self.phones[name].request("raise_hand")

    async def vote(
        self, ballots: dict[str, str | list[str]], reasons: dict[str, str] | None = None, **fields: Any
    ) -> int:
        await self.fac("open_vote", **fields)
        view = await self.console.wait_view("facilitator", lambda v: v["vote"] is not None and v["vote"]["open"])
        vote = view["vote"]["vote"]
        for name, choice in ballots.items():
            extra = {"reason": reasons[name]} if reasons and name in reasons else {}
            many = {"choices": choice} if isinstance(choice, list) else {"choice": choice}
            await self.phones[name].request("cast_ballot", vote=vote, **many, **extra)
        return int(vote)

    async def close_vote(self, vote: int) -> None:
        await self.fac("close_vote", vote=vote)


async def settled(page: Page) -> None:
    """Two animation frames: whatever the page fits after a view has been laid out."""
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


async def check(pages: list[Page], state: str, *, axe: bool = False, shots: str | None = None) -> None:
    for page in pages:
        await settled(page)
        size = page.viewport_size
        where = f"{state} at {size['width']}×{size['height']}" if size else state
        if shots:
            await page.screenshot(path=f"{shots}/{state.replace(' ', '_')}-{size['width'] if size else 0}.png")
        assert await inside(page, MUST_SHOW) == [], where
        # A roll-call line holds whole names only: nothing in it is hidden, the rest are "and N more".
        assert await page.evaluate(WHOLE_NAMES) == [], where
        # The full-screen button covers no text, whether the mouse has rested or not.
        assert await page.evaluate(COVERED_BY_BUTTON) == [], where
        if axe:
            await assert_accessible(page, f"the screen, {where}")


async def qr_size(page: Page) -> tuple[float, float]:
    """The QR's rendered side in CSS pixels and as a share of the viewport's height; it must decode."""
    assert decode_qr(await page.screenshot()).startswith("http")
    box = await page.locator("#qr").bounding_box()
    assert box is not None
    side = min(box["width"], box["height"])
    return side, side / page.viewport_size["height"]  # type: ignore[index]


async def shown_names(page: Page) -> tuple[list[str], str]:
    """The names the "Next" list shows, and its "+N more" line ("" if none)."""
    names = await page.locator("#next-list .who").evaluate_all(
        "(l) => l.filter((e) => e.offsetParent !== null).map((e) => e.textContent)"
    )
    more = page.locator("#next-more")
    return names, (await more.text_content() or "") if await more.is_visible() else ""


async def assert_all_accounted(page: Page, waiting: int) -> None:
    """Every person waiting is either named or counted in "+N more"."""
    names, more = await shown_names(page)
    extra = int(m.group(1)) if (m := re.search(r"\+(\d+) more", more)) else 0
    assert len(names) + extra == waiting, (names, more)
    assert len(names) >= 3, names  # the next three are always named


async def run_states(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
    shots: str | None = None,
) -> None:
    seen: list[str] = []
    pages = []
    for width, height in SIZES:
        page = await browser.new_page(viewport={"width": width, "height": height})
        await page.add_init_script(WAKE_SPY)
        watch_requests(page, seen)
        await page.goto(meeting["screen_url"])
        pages.append(page)
    hall = Hall(server, meeting)
    try:
        await hall.start(PEOPLE)
        for page in pages:
            await expect(page.locator("#present")).to_have_text(str(len(PEOPLE)))
            # The screen asks to stay awake, and whoever sets it up can make it full screen.
            assert await page.evaluate("window.wakeRequests") >= 1
            await expect(page.get_by_role("button", name="Full screen")).to_be_attached()

        # The agenda, approved; an item under way; a speaker and three waiting; the room's temperature.
        await hall.fac("add_item", title="Rent strike: do we stop paying in April?", minutes=30)
        await hall.fac("add_item", title="Kitchen rota", minutes=15)
        agenda = await hall.vote({n: "yes" for n in PEOPLE[:5]}, subject="agenda", ballot="yes_no", rule="majority")
        await hall.close_vote(agenda)
        await hall.fac("dismiss_vote", vote=agenda)
        items = (await hall.console.wait_view("facilitator", lambda v: v["agenda"]["approved"]))["agenda"]["items"]
        await hall.fac("start_item", item=items[0]["item"])
        await hall.hands(PEOPLE[:4])
        await hall.fac("next_speaker")
        for name, signal in zip(PEOPLE[10:16], ["agree", "agree", "agree", "unsure", "disagree", "agree"], strict=True):
            await hall.phones[name].request("signal", signal=signal)
        for page in pages:
            await expect(page.locator("#speaker-name")).to_have_text(PEOPLE[0])
            await expect(page.locator("#next-list .who")).to_have_count(3)
            await expect(page.locator("#temperature")).to_be_visible()
        await check(pages, "3 waiting with temperature", shots=shots)
        for page in pages:
            await assert_all_accounted(page, 3)
            side, share = await qr_size(page)
            assert share >= QR_SHARE, f"the QR is {side:.0f} px, {share:.0%} of the screen's height"

        # A temperature check with its question and counts.
        await hall.fac("start_check", question="Are we ready to decide on the rent strike today?", seconds=300)
        check_id = (await hall.console.wait_view("facilitator", lambda v: v["temperature"]["check"] is not None))[
            "temperature"
        ]["check"]["check"]
        for name, signal in zip(PEOPLE[10:15], ["agree", "agree", "unsure", "disagree", "agree"], strict=True):
            await hall.phones[name].request("answer_check", check=check_id, signal=signal)
        for page in pages:
            await expect(page.locator("#temperature-label")).to_contain_text("Are we ready to decide")
            await expect(page.locator("#n-agree")).to_have_text("3")
        await check(pages, "3 waiting with a check", axe=True, shots=shots)

        # 6, 12 and 30 waiting: every one named or counted.
        for before, waiting in ((3, 6), (6, 12), (12, 30)):
            await hall.hands(PEOPLE[before + 1 : waiting + 1])
            for page in pages:
                await expect(page.locator("#waiting")).to_contain_text(f"{waiting} on the stack")
            await check(pages, f"{waiting} waiting", shots=shots)
            for page in pages:
                await assert_all_accounted(page, waiting)
                if waiting == 6:
                    names, more = await shown_names(page)
                    assert len(names) == 6 and not more, (names, more)  # six fit: nobody is left to "+N"

        # A vote opens while 30 wait: the stack folds into a line under it, no name cut in half.
        yes_no = {"subject": "question", "ballot": "yes_no", "rule": "majority"}
        open_vote = await hall.vote(
            {n: "no" if i % 7 == 3 else "abstain" if i % 11 == 5 else "yes" for i, n in enumerate(PEOPLE[:30])},
            question="We stop paying rent in April unless the landlord fixes the heating and the damp in every flat.",
            **yes_no,
        )
        for page in pages:
            await expect(page.locator("#turnout")).to_have_text(re.compile("^30 ballots"))
        await check(pages, "vote open with 30 waiting", axe=True, shots=shots)
        for page in pages:
            await assert_all_accounted(page, 30)

        # Every kind of outcome, with the speaking-now line under it.
        await hall.close_vote(open_vote)
        for page in pages:
            await expect(page.locator("#outcome")).to_have_text("Passed")
        await check(pages, "passed with names", axe=True, shots=shots)

        failed = await hall.vote(
            {n: "no" for n in PEOPLE[:6]} | {PEOPLE[6]: "yes"}, question="Paint the hall pink?", **yes_no
        )
        await hall.close_vote(failed)
        for page in pages:
            await expect(page.locator("#outcome")).to_have_text("Failed")
        await check(pages, "failed", shots=shots)

        safety = (
            "It breaks our safety policy: nobody may be left alone with the boiler, and this plan does exactly that."
        )
        floors = "We agreed last month that the rota is decided by the tenants of each floor, not the whole assembly."
        reasons = {PEOPLE[1]: safety, PEOPLE[5]: floors, PEOPLE[3]: "I can live with it but I will not take part."}
        blocked = await hall.vote(
            {
                PEOPLE[0]: "agree",
                PEOPLE[1]: "block",
                PEOPLE[2]: "agree",
                PEOPLE[3]: "stand_aside",
                PEOPLE[4]: "agree",
                PEOPLE[5]: "block",
            },
            reasons,
            subject="question",
            question="The caretaker alone keeps the boiler room key and the rota.",
            ballot="consensus",
            rule="consensus",
        )
        await hall.close_vote(blocked)
        for page in pages:
            await expect(page.locator("#outcome")).to_have_text("Blocked")
            await expect(page.locator("#reasons li")).not_to_have_count(0)
        await check(pages, "blocked with names and reasons", axe=True, shots=shots)

        quorum = await hall.vote(
            {n: "yes" for n in PEOPLE[:3]}, question="Join the city-wide tenants' union?", quorum_share=50, **yes_no
        )
        await hall.close_vote(quorum)
        for page in pages:
            await expect(page.locator("#outcome")).to_have_text("No quorum")
        await check(pages, "no quorum", shots=shots)

        options = [
            "Saturday mornings, 10:00 to 12:00, in the community room on the ground floor",
            "Sunday afternoons",
            "Wednesday evenings after work, 19:00",
            "The first Monday of every month",
            "Online, any evening",
            "Thursday lunchtime in the courtyard, weather permitting",
        ]
        choice = await hall.vote(
            {n: options[i % len(options)] for i, n in enumerate(PEOPLE[:20])},
            subject="question",
            question="When should the kitchen rota meet?",
            ballot="choice",
            rule="plurality",
            options=options,
        )
        await hall.close_vote(choice)
        for page in pages:
            await expect(page.locator("#outcome")).to_have_text(re.compile("."))
            await expect(page.locator("#tally .choice")).to_have_count(len(options))
        await check(pages, "choice with six options", axe=True, shots=shots)

        # A secret vote: while it is open, turnout only; once closed, the outcome says it was secret.
        secret = await hall.vote(
            {n: "yes" if i % 3 else "no" for i, n in enumerate(PEOPLE[:7])},
            question="Elect Bo as treasurer?",
            secret=True,
            **yes_no,
        )
        for page in pages:
            await expect(page.locator("#turnout")).to_have_text(re.compile("^7 ballots"))
            await expect(page.locator("#tally .choice")).to_have_count(0)
            await expect(page.locator("#vote-label")).to_contain_text("Secret")
        await check(pages, "secret vote open", shots=shots)
        await hall.close_vote(secret)
        for page in pages:
            await expect(page.locator("#outcome")).to_have_text("Passed")
            await expect(page.locator("#vote-panel")).to_contain_text("Secret ballot")
            await expect(page.locator("#tally .choice-names")).to_have_count(0)
        await check(pages, "secret vote closed", shots=shots)

        # A breakout round: a room's device keeps awake, offers full screen, and axe finds nothing on it.
        await hall.fac("start_breakouts", rooms=2, question="What should the rota look like?", minutes=10)
        links = (await hall.fac("room_links"))["links"]
        device = await browser.new_page(viewport={"width": 1280, "height": 800})
        await device.add_init_script(WAKE_SPY)
        watch_requests(device, seen)
        await device.goto(next(iter(links.values())))
        await expect(device.locator("#question")).to_have_text("What should the rota look like?")
        await expect(device.get_by_role("button", name="Full screen")).to_be_visible()
        assert await device.evaluate("window.wakeRequests") >= 1
        # Its stack with long names, a broadcast and a crowd: every name whole, or counted.
        room = next(iter(links))
        here = [
            n for n, phone in hall.phones.items() if ((phone.view("me") or {}).get("rooms") or {}).get("room") == room
        ]
        await hall.hands(here[:7])
        await hall.phones[here[0]].request("next_speaker")
        await hall.fac(
            "broadcast", text="Two minutes left: choose your rapporteur and write down the three ideas you liked most."
        )
        await expect(device.locator("#next .who").first).to_have_text(here[1])
        await expect(device.locator("#broadcast-text")).to_contain_text("Two minutes left")
        await settled(device)
        assert await inside(device, DEVICE_MUST_SHOW) == []
        await assert_accessible(device, "a room's device")
        await hall.fac("end_breakouts")

        # The report-back: a room's report above the stack, and the QR still big.
        await hall.fac("show_report", room=next(iter(links)))
        for page in pages:
            await expect(page.locator("#report-title")).to_have_text(re.compile("^Report from "))
        await check(pages, "report-back", shots=shots)
        for page in pages:
            assert await inside(page, ["#report-title", "#report-by", "#report-text"]) == []
            side, share = await qr_size(page)
            assert share >= QR_SHARE, f"the QR is {side:.0f} px, {share:.0%} of the screen's height in the report-back"

        # The minutes page, with all of that in it.
        minutes = await browser.new_page(viewport={"width": 1280, "height": 800})
        watch_requests(minutes, seen)
        await minutes.goto(f"{server.http}/minutes/{meeting['id']}")
        await expect(minutes.locator("#title")).to_have_text(re.compile("^Minutes: "))
        await assert_accessible(minutes, "the minutes")
        await expect(minutes.locator("#body")).not_to_contain_text("1 turns")
    finally:
        await hall.close()
    assert seen and all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen), seen


async def test_the_screen_never_clips(browser: Browser, server: ServerProcess, meeting: dict[str, Any]) -> None:  # noqa: F811
    await run_states(browser, server, meeting)


REASONS_SHOWN = """() => [...document.querySelectorAll('#reasons li')]
  .filter((e) => !e.closest('[hidden]') && e.getClientRects().length).length"""


async def reasons_accounted(page: Page, given: int) -> tuple[int, str]:
    """Every reason given is shown or counted in "+N more reasons (in the minutes)"; (shown, the note)."""
    shown = await page.evaluate(REASONS_SHOWN)
    note = page.locator("#reasons-more")
    more = (await note.text_content() or "") if await note.count() and await note.is_visible() else ""
    extra = int(m.group(1)) if (m := re.search(r"\+(\d+) more reasons? \(in the minutes\)", more)) else 0
    assert shown + extra == given, (shown, more)
    assert shown >= min(given, 3), shown
    return shown, more


async def test_every_reason_shown_or_counted_and_the_button_covers_nothing(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """A consensus vote with eight reasons: as many shown as fit, the rest counted, never dropped.

    And the full-screen button, there until the mouse rests, covers no text: not the "+N more
    waiting" under a blocked outcome with 13 waiting at 1280×720 (it sat on it, unclipped).
    """
    pages = []
    for width, height in SIZES:
        page = await browser.new_page(viewport={"width": width, "height": height})
        await page.goto(meeting["screen_url"])
        pages.append(page)
    hall = Hall(server, meeting)
    try:
        await hall.start(PEOPLE[:16])
        for page in pages:
            await expect(page.locator("#present")).to_have_text("16")
        await hall.hands(PEOPLE[:14])
        await hall.fac("next_speaker")
        for page in pages:
            await expect(page.locator("#waiting")).to_contain_text("13 on the stack")
            # Whoever sets the screen up has just moved the mouse: the button is showing.
            await page.mouse.move(10, 10)
            await page.mouse.move(20, 20)

        consensus = {"subject": "question", "ballot": "consensus", "rule": "consensus"}
        safety = (
            "It breaks our safety policy: nobody may be left alone with the boiler, and this plan does exactly that."
        )
        blocked = await hall.vote(
            {PEOPLE[0]: "agree", PEOPLE[1]: "block", PEOPLE[2]: "agree", PEOPLE[3]: "stand_aside"},
            {PEOPLE[1]: safety, PEOPLE[3]: safety},
            # As long as this, the "+10 more waiting" ends the stack's line at the screen's foot, on the right.
            question="The caretaker alone keeps the boiler room key and the rota, and nobody else may hold a copy"
            " of either, not even the committee or the landlord's agent.",
            **consensus,
        )
        await hall.close_vote(blocked)
        for page in pages:
            await expect(page.locator("#outcome")).to_have_text("Blocked")
            await expect(page.locator("#reasons li")).to_have_count(2)
            await expect(page.locator("#next-more")).to_have_text(re.compile(r"^\+\d+ more waiting$"))
        await check(pages, "blocked with 13 waiting", axe=True)
        for page in pages:
            await assert_all_accounted(page, 13)
            await expect(page.locator("#fullscreen")).to_be_visible()
            assert await page.evaluate(COVERED_BY_BUTTON) == [], page.viewport_size
            await reasons_accounted(page, 2)
        await hall.fac("dismiss_vote", vote=blocked)

        # Eight phones block and stand aside in turn, each with a reason of its own.
        voters = PEOPLE[4:12]
        eight = await hall.vote(
            {n: "block" if i % 2 == 0 else "stand_aside" for i, n in enumerate(voters)},
            {
                n: f"Reason {i + 1}: the rota leaves floor {i + 1} without anyone on Sundays, and we said it must not."
                for i, n in enumerate(voters)
            },
            question="The rota is decided by the whole assembly from now on.",
            **consensus,
        )
        await hall.close_vote(eight)
        for page in pages:
            await expect(page.locator("#outcome")).to_have_text("Blocked")
            await expect(page.locator("#turnout")).to_have_text(re.compile("^8 ballots"))
        await check(pages, "blocked with eight reasons", axe=True)
        for page in pages:
            await reasons_accounted(page, 8)
            assert await inside(page, ["#reasons li", "#reasons-more"]) == [], page.viewport_size
            assert await page.evaluate(COVERED_BY_BUTTON) == [], page.viewport_size
    finally:
        await hall.close()
