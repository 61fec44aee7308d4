"""A whole Open Space in Chromium: ten phones post, co-convene and mark topics on the marketplace, the
schedule is made, the big screen shows the wall, phones check in to circles and move (the headcounts
follow on the wall and the console), a hand goes up in one circle only, two reporters write their
harvest, the news wall page shows it live, phones place dots, one takes a priority forward, and the
proceedings hold all of it.  Axe runs on the phone in each Open Space state and on the news wall, and
what matters is on a 360×640 screen."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from server.client import PlazaClient
from tests.conftest import ServerProcess, key_of
from tests.pages import assert_accessible, inside
from tests.test_browser import PHONE, TIMEOUT_MS, browser, watch_requests  # noqa: F401  (fixture)
from tests.test_openspace_socket import paced

pytestmark = pytest.mark.browser
T = TIMEOUT_MS

NAMES = ["Ana", "Bo", "Cleo", "Dev", "Eli", "Fran", "Gus", "Hana", "Ivo", "Jun"]
THEME = "How do we run the community kitchen?"
POSTS = [  # (who posts, title, one line) in order: o1, o2, …
    ("Ana", "Rota for the kitchen", "Who cooks when, and who cleans"),
    ("Bo", "Compost", ""),
    ("Cleo", "<b>Bikes</b> & sheds", "Where do the <i>bikes</i> go?"),
    ("Dev", "Budget", "What we spend on food"),
    ("Eli", "Garden beds", ""),
    ("Ana", "A fridge for leftovers", ""),
]
WANTS = {  # who wants which topics (by title)
    "Ana": ["Compost"],
    "Bo": ["Rota for the kitchen", "Budget"],
    "Cleo": ["Rota for the kitchen", "Garden beds"],
    "Dev": ["Compost", "<b>Bikes</b> & sheds"],
    "Eli": ["Rota for the kitchen", "A fridge for leftovers"],
    "Fran": ["Budget", "Garden beds"],
    "Gus": ["Rota for the kitchen", "Compost", "Budget"],
    "Hana": ["<b>Bikes</b> & sheds", "A fridge for leftovers"],
    "Ivo": ["Garden beds", "Compost"],
    "Jun": ["Rota for the kitchen", "<b>Bikes</b> & sheds"],
}
SPACES = [("Big tree", 30), ("Kitchen", 8), ("Shed", 6)]
WIDE = {"width": 1920, "height": 1080}
PAGE_ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def no_page_errors() -> Iterator[None]:
    """No test passes with an uncaught exception on a page (a render that died halfway)."""
    PAGE_ERRORS.clear()
    yield
    assert not PAGE_ERRORS, PAGE_ERRORS


@pytest.fixture
async def console(server: ServerProcess, meeting: dict[str, Any]) -> AsyncIterator[PlazaClient]:
    """The facilitator, over the socket (the console's page is not under test here)."""
    con = PlazaClient(server.ws, fmt="json")
    await con.connect()
    await con.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    paced(con)
    yield con
    await con.close()


async def open_page(browser: Browser, url: str, seen: list[str], **context: Any) -> Page:  # noqa: F811
    ctx = await browser.new_context(**context)
    page = await ctx.new_page()
    page.on("pageerror", lambda error: PAGE_ERRORS.append(f"{url}: {error}"))
    watch_requests(page, seen)
    await page.goto(url)
    return page


async def join(browser: Browser, url: str, name: str, seen: list[str]) -> Page:  # noqa: F811
    page = await open_page(browser, url, seen, **PHONE)
    await page.get_by_label("Your name").fill(name)
    await page.get_by_role("button", name="Join").click()
    await expect(page.get_by_role("heading", name=f"You're in, {name}.")).to_be_visible()
    return page


def topic_item(page: Page, title: str) -> Locator:
    """A topic on the phone's marketplace, by its exact title."""
    return page.locator("#os-topic-list > li").filter(
        has=page.locator(".os-topic-title", has_text=re.compile(f"^{re.escape(title)}$"))
    )


async def above_hand_bar(page: Page, selectors: list[str]) -> list[str]:
    """Inside the viewport and every clipping ancestor, and not under the hand bar fixed at the bottom."""
    bad = await inside(page, selectors)
    bar = "(() => { const b = [...document.querySelectorAll('.hand-bar')].find((e) => e.getClientRects().length);"
    bar += " return b ? b.getBoundingClientRect().top : innerHeight; })()"
    top = await page.evaluate(bar)
    for selector in selectors:
        bottom = await page.evaluate(f"document.querySelector({json.dumps(selector)}).getBoundingClientRect().bottom")
        if bottom > top + 0.5:
            bad.append(f"{selector} under the hand bar ({bottom:.0f} > {top:.0f})")
    return bad


async def headcounts(console: PlazaClient, want: dict[str, int]) -> None:
    """The console's wall shows these headcounts (topic -> people checked in)."""

    def shows(v: dict[str, Any]) -> bool:
        counts = {c["topic"]: c["headcount"] for c in v["openspace"]["wall"]["cells"]}
        return all(counts.get(t) == n for t, n in want.items())

    await console.wait_view("facilitator", shows, timeout=T / 1000)


async def screen_headcounts(screen: Page, want: dict[str, int]) -> None:
    for topic, n in want.items():
        await expect(screen.locator(f'[data-topic="{topic}"] .headcount')).to_have_text(str(n), timeout=T)


async def test_a_whole_open_space(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
    console: PlazaClient,
) -> None:
    """Marketplace, wall, circles with the Law of Two Feet, harvest, news wall, dots, a priority taken
    forward, and the proceedings, from ten phones in Chromium."""
    seen: list[str] = []
    start = int(time.time()) + 3 * 3600  # far enough that the server's timers start no slot by themselves
    await console.request("set_part", part="openspace")
    await console.request("set_theme", theme=THEME)
    await console.request("set_topic_limit", limit=2)
    for name, capacity in SPACES:
        await console.request("add_space", name=name, capacity=capacity)
    for i in range(2):
        await console.request("add_slot", start=start + 3600 * i, end=start + 3600 * i + 3000)

    screen = await open_page(browser, meeting["screen_url"], seen, viewport=WIDE)
    phones = {name: await join(browser, meeting["join_url"], name, seen) for name in NAMES}
    ana = phones["Ana"]

    # The theme, and the marketplace's form on the first screen of a 360×640 phone.
    await expect(ana.locator("#os-heading")).to_have_text(THEME)
    assert await above_hand_bar(ana, ["#os-heading", "#os-title"]) == []
    await expect(ana.locator("#os-posted")).to_have_text("You posted 0 of 2 topics.")
    await assert_accessible(ana, "the phone on the marketplace, nothing posted yet")

    # The marketplace: topics posted from the phones, the counter against the limit, a refusal.
    for who, title, line in POSTS:
        page = phones[who]
        await page.get_by_label("Your topic", exact=True).fill(title)
        await expect(page.locator("#os-title-count")).to_have_text(f"{len(title)} / 80")
        if line:
            await page.get_by_label("One line about it (optional)").fill(line)
        await page.get_by_role("button", name="Post topic").click()
        await expect(page.get_by_label("Your topic", exact=True)).to_have_value("")
        await expect(topic_item(page, title)).to_have_count(1)
    await expect(ana.locator("#os-posted")).to_have_text("You posted 2 of 2 topics: the most each person may post.")
    await ana.get_by_label("Your topic", exact=True).fill("Knives")
    await ana.get_by_role("button", name="Post topic").click()
    await expect(ana.locator("#os-post-error")).to_have_text("Each person may convene 2 topics.")
    await expect(ana.get_by_label("Your topic", exact=True)).to_have_value("Knives")  # refused: what was typed stays
    topics = {title: f"o{i}" for i, (_, title, _) in enumerate(POSTS, 1)}
    conveners = {title: who for who, title, _ in POSTS}

    # Names and titles are text: Cleo's markup shows as typed, and makes no element.
    bikes = topic_item(ana, "<b>Bikes</b> & sheds")
    await expect(bikes.locator(".os-topic-description")).to_have_text("Where do the <i>bikes</i> go?")
    assert await ana.locator("#os-topic-list b, #os-topic-list i").count() == 0

    # Fran co-convenes Compost; the conveners are named on every phone.
    fran = phones["Fran"]
    await topic_item(fran, "Compost").get_by_role("button", name="Co-convene: Compost").click()
    await expect(topic_item(ana, "Compost").locator(".os-topic-by")).to_have_text("Convened by Bo with Fran")
    await expect(topic_item(fran, "Compost").get_by_role("button", name="Stop co-convening: Compost")).to_be_visible()
    await expect(topic_item(phones["Bo"], "Compost").locator(".os-topic-tag")).to_have_text("You convene this")

    # Everyone marks the topics they want ("I want to go" is a toggle).
    for who, titles in WANTS.items():
        for title in titles:
            button = topic_item(phones[who], title).get_by_role("button", name=f"I want to go: {title}")
            await button.click()
            await expect(button).to_have_attribute("aria-pressed", "true")
    rota = topic_item(ana, "Rota for the kitchen")  # hers: she convenes it, and wants no "I want to go"
    await expect(rota.locator(".os-topic-tag")).to_be_visible()
    await expect(rota.get_by_role("button")).to_have_count(0)
    await expect(topic_item(fran, "Compost").locator(".os-topic-tag")).to_be_hidden()
    await assert_accessible(ana, "the phone on the marketplace, topics posted and marked, a refusal shown")

    # Dev can't do the first slot; his Budget goes in the second.
    dev = phones["Dev"]
    slots = await console.wait_view("facilitator", lambda v: len(v["openspace"]["wall"]["slots"]) == 2)
    first, second = [s["slot"] for s in slots["openspace"]["wall"]["slots"]]
    unavailable = dev.locator("#os-unavailable").get_by_role("checkbox").first
    await unavailable.check()
    await expect(dev.locator("#os-unavailable-slots")).to_have_attribute("data-synced", first)  # the server has it
    marks = sum(len(titles) for titles in WANTS.values())
    await console.wait_view(
        "facilitator", lambda v: sum(t["interest"] for t in v["openspace"]["topics"]) == marks, timeout=T / 1000
    )

    # The big screen shows the marketplace filling up, then the wall.
    await console.request("make_schedule")
    view = await console.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None, timeout=T / 1000)
    schedule = view["openspace"]["schedule"]
    assert schedule["unplaced"] == [] and schedule["conflicts"] <= schedule["naive"], schedule
    cells = {c["topic"]: (c["slot"], c["space"]) for c in view["openspace"]["wall"]["cells"]}
    assert len(cells) == len(POSTS) and cells[topics["Budget"]][0] == second, cells
    space_names = {s["space"]: s["name"] for s in view["openspace"]["wall"]["spaces"]}
    for title, topic in topics.items():
        cell = screen.locator(f'[data-topic="{topic}"]')
        await expect(cell).to_contain_text(title, timeout=T)
        assert await inside(screen, [f'[data-topic="{topic}"]']) == [], title

    # Each phone shows each topic's slot and space, and its own topics on the wall.
    for title, topic in topics.items():
        await expect(topic_item(phones["Gus"], title).locator(".os-topic-cell")).to_contain_text(
            space_names[cells[topic][1]]
        )
    await expect(phones["Gus"].locator("#os-mine-list > li")).to_have_count(3)

    # The first slot starts: "Your topics now" with where to go, and every circle to check in to.
    gus = phones["Gus"]
    await gus.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")  # down the marketplace
    await console.request("start_slot", slot=first)
    now = sorted((t for t, (slot, _) in cells.items() if slot == first), key=lambda t: cells[t][1])
    titles = {t: title for title, t in topics.items()}
    x, y = now[0], now[1]
    cx, cy = conveners[titles[x]], conveners[titles[y]]
    others = [n for n in NAMES if n not in (cx, cy) and n not in ("Fran",)]  # Fran co-convenes
    in_x, in_y = [cx, *others[:3]], [cy, *others[3:5]]

    def where(topic: str) -> str:
        return f"{titles[topic]}, {space_names[cells[topic][1]]}"

    gus_now = [titles[t] for t in now if titles[t] in WANTS["Gus"]]
    await expect(gus.locator("#os-now-heading")).to_have_text("Your topics now:")
    await expect(gus.locator("#os-now-list > li")).to_have_count(len(gus_now))
    for title in gus_now:
        await expect(gus.locator("#os-now-list")).to_contain_text(
            f"{title} — go to {space_names[cells[topics[title]][1]]}"
        )
    await expect(gus.locator("#os-circle-list > li")).to_have_count(len(now))
    # Gus was down the marketplace: the slot's start comes to the top of his screen, "Show" goes there.
    words = ", ".join(f"{t} ({space_names[cells[topics[t]][1]]})" for t in gus_now)
    words = f"Your topics now: {words}" if gus_now else "The circles have started: go to any of them."
    await expect(gus.locator("#attention-text")).to_have_text(words)
    assert await inside(gus, ["#attention-text", "#attention-go"]) == []
    await gus.locator("#attention-go").click()
    await expect(gus.locator("#attention")).to_be_hidden()
    assert await above_hand_bar(gus, ["#os-now-heading", "#os-now-list"]) == []

    for who in in_x + in_y:
        target = x if who in in_x else y
        await phones[who].get_by_role("button", name=f"I'm here: {where(target)}", exact=True).click()
        await expect(phones[who].locator("#os-circle-heading")).to_have_text(titles[target])
    await headcounts(console, {x: len(in_x), y: len(in_y)})
    await screen_headcounts(screen, {x: len(in_x), y: len(in_y)})
    reporter = phones[cx]
    await expect(reporter.locator("#os-circle-where")).to_have_text(f"{space_names[cells[x][1]]} · reporter: {cx}")
    await expect(reporter.locator("#os-here")).to_contain_text(f"You're checked in to {titles[x]}")
    assert await above_hand_bar(reporter, ["#os-circle-heading", "#floor"]) == []

    # The Law of Two Feet: one moves from x to y, one from y to x, one checks out.
    a, b = in_x[1], in_y[1]
    await phones[a].get_by_role("button", name=f"Move to {where(y)}", exact=True).click()
    await expect(phones[a].locator("#os-circle-heading")).to_have_text(titles[y])
    await headcounts(console, {x: len(in_x) - 1, y: len(in_y) + 1})
    await screen_headcounts(screen, {x: len(in_x) - 1, y: len(in_y) + 1})
    await phones[b].get_by_role("button", name=f"Move to {where(x)}", exact=True).click()
    await headcounts(console, {x: len(in_x), y: len(in_y)})
    await screen_headcounts(screen, {x: len(in_x), y: len(in_y)})
    leaver = in_y[2]
    await phones[leaver].get_by_role("button", name="Check out (between circles)").click()
    await expect(phones[leaver].locator("#os-circle")).to_be_hidden()
    await expect(phones[leaver].locator("#os-here")).to_have_text("You're not checked in to a circle.")
    await headcounts(console, {x: len(in_x), y: len(in_y) - 1})
    await screen_headcounts(screen, {x: len(in_x), y: len(in_y) - 1})

    # A hand raised in circle x is on x's own stack, not on y's.
    raiser = in_x[2]
    await expect(phones[raiser].locator("#floor-heading")).to_have_text(f"Speaking now in {titles[x]}")
    await phones[raiser].get_by_role("button", name="Raise hand").click()
    await expect(phones[raiser].get_by_text("You're next (New point)")).to_be_visible()
    await expect(reporter.locator("#floor-next")).to_have_text(f"Next: {raiser} (New point).")
    # A note in circle x: its phones and its reporter's harvest form have it; circle y's don't.
    circle = phones[raiser].locator("#os-circle")
    await circle.get_by_label("Note for the circle").fill("Ask the <school> about the ovens")
    await circle.get_by_role("button", name="Add note").click()
    await expect(reporter.locator("#os-notes")).to_have_text("Ask the <school> about the ovens — " + raiser)
    await expect(reporter.locator("form.harvest .harvest-notes")).to_contain_text("Ask the <school> about the ovens")
    await asyncio.sleep(1.0)  # time enough for a stray update to reach circle y
    await expect(phones[cy].locator("#floor-next")).to_have_text("Nobody is waiting.")
    assert await phones[cy].locator("#os-notes li").count() == 0
    await assert_accessible(reporter, "the phone checked in to a circle, with its stack and the harvest form")

    # The harvest: x's reporter writes it, and who took part is everyone who checked in (a, who moved
    # on, too), listed before the first save; y's reporter then adds a name to that list and saves again.
    form = reporter.locator("form.harvest")
    await expect(form.get_by_role("heading", name=f"Report: {titles[x]}")).to_be_visible()
    people = form.get_by_label("Who took part (one name per line)")
    for who in (*in_x, b):  # before the first save, already filled from the check-ins
        await expect(people).to_have_value(re.compile(f"(^|\n){who}(\n|$)"))
    await form.get_by_label("Key points").fill("A rota on the wall by the door.\nTwo people per shift.")
    await form.get_by_label("Proposals").fill("Start the rota on Monday.")
    await form.get_by_label("Next steps").fill(f"{cx} prints the rota.")
    await form.get_by_role("button", name="Put it on the news wall").click()
    await expect(form.locator(".harvest-status")).to_have_text(re.compile("^Saved .*: on the news wall.$"))
    await expect(form.get_by_role("button", name="Save the report")).to_be_visible()
    for who in (*in_x, b):
        await expect(people).to_have_value(re.compile(f"(^|\n){who}(\n|$)"))

    news = await open_page(browser, f"{server.http}/news/{meeting['id']}", seen, **PHONE)
    await expect(news.locator("#reports > li")).to_have_count(1)
    await expect(news.locator("#reports > li").first).to_contain_text("A rota on the wall by the door.")

    y_form = phones[cy].locator("form.harvest")
    y_people = y_form.get_by_label("Who took part (one name per line)")
    await y_form.get_by_label("Key points").fill("Bikes inside <the shed> & a rack by the gate.")
    await y_form.get_by_role("button", name="Put it on the news wall").click()
    await expect(y_form.locator(".harvest-status")).to_have_text(re.compile("^Saved "))
    await expect(y_people).to_have_value(re.compile(f"(^|\n){a}(\n|$)"))
    await y_people.press("Control+End")
    await y_people.press_sequentially("\nZoe (on the phone line)")
    await y_form.get_by_role("button", name="Save the report").click()
    await expect(y_form.locator(".harvest-status")).to_have_text(re.compile("^Saved "))

    # The news wall, live: the second report comes in at the top, as text.
    await expect(news.locator("#reports > li")).to_have_count(2)
    top = news.locator("#reports > li").first
    await expect(top.locator(".report-title")).to_have_text(titles[y])
    await expect(top).to_contain_text("Bikes inside <the shed> & a rack by the gate.")
    await expect(top).to_contain_text("Zoe (on the phone line)")
    await expect(news.locator("#summary")).to_have_text(f"2 reports · newest: {titles[y]}")
    assert await news.locator("#reports b, #reports i").count() == 0
    assert await inside(news, ["#title", "#reports > li:first-child .report-title"]) == []
    await assert_accessible(news, "the news wall on a phone, two reports")
    projector = await open_page(browser, f"{server.http}/news/{meeting['id']}", seen, viewport=WIDE)
    await expect(projector.locator("#reports > li")).to_have_count(2)
    assert await inside(projector, ["#title", "#theme", ".report-title", ".report-by"]) == []  # side by side
    size = await projector.evaluate("parseFloat(getComputedStyle(document.querySelector('.report-text')).fontSize)")
    assert size >= 22, size  # readable across a room
    await expect(ana.locator("#os-news-list > li")).to_have_count(2)
    assert await ana.locator("#os-news-link").get_attribute("href") == f"/news/{meeting['id']}"

    # Convergence: dots on the reports, from the phones.
    await console.request("end_slot", slot=first)
    await expect(reporter.locator("#os-circle")).to_be_hidden()
    jun = phones["Jun"]
    await jun.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    await console.request("open_dots", dots=5)
    for page in phones.values():
        await expect(page.locator("#os-dots-left")).to_have_text("5 of 5 dots left")
    # Dot-voting opening comes to the top of Jun's screen; "Vote" takes him to his dots.
    await expect(jun.locator("#attention-text")).to_have_text("Dot-voting is open: you have 5 dots.")
    await jun.locator("#attention-go").click()
    assert await above_hand_bar(jun, ["#os-dots-left", "#os-dot-list > li:first-child .dot-more"]) == []
    voters = {name: (3, 1) for name in NAMES[:6]} | {name: (0, 2) for name in NAMES[6:9]}
    for name, (on_x, on_y) in voters.items():
        page = phones[name]
        for topic, n in ((x, on_x), (y, on_y)):
            for _ in range(n):
                before = await page.locator("#os-dots-left").text_content()
                await page.get_by_role("button", name=f"Put a dot on {titles[topic]}").click()
                await expect(page.locator("#os-dots-left")).not_to_have_text(before or "")
    await expect(phones["Ana"].locator("#os-dots-left")).to_have_text("1 of 5 dots left")
    await phones["Ana"].get_by_role("button", name=f"Take a dot off {titles[x]}").click()
    await expect(phones["Ana"].locator("#os-dots-left")).to_have_text("2 of 5 dots left")
    await phones["Ana"].get_by_role("button", name=f"Put a dot on {titles[x]}").click()
    for left in range(4, -1, -1):
        await jun.get_by_role("button", name=f"Put a dot on {titles[y]}").click()
        await expect(jun.locator("#os-dots-left")).to_have_text(f"{left} of 5 dots left")
    await expect(jun.get_by_role("button", name=f"Put a dot on {titles[x]}")).to_be_disabled()
    await expect(jun.locator("#os-dot-list > li", has_text=titles[y]).locator(".os-dot-count")).to_have_text(
        f"●●●●● 5 dots on {titles[y]}"
    )
    assert await above_hand_bar(jun, ["#os-dots-left"]) == []
    await assert_accessible(jun, "the phone during dot-voting")

    await console.request("close_dots")
    total_x, total_y = 6 * 3, 6 * 1 + 3 * 2 + 5  # 18 and 17
    view = await console.wait_view(
        "facilitator", lambda v: (v["openspace"]["convergence"] or {}).get("open") is False, timeout=T / 1000
    )
    ranked = [(p["topic"], p["dots"]) for p in view["openspace"]["convergence"]["priorities"]]
    assert ranked == [(x, total_x), (y, total_y)], ranked

    # A priority taken forward, from a phone.
    hana = phones["Hana"]
    item = hana.locator("#os-priority-list > li").first
    await expect(item.locator(".os-priority-title")).to_have_text(titles[x])
    await expect(item.locator(".os-priority-dots")).to_have_text(f"{total_x} dots")
    await item.get_by_role("button", name=f"I'll take this forward: {titles[x]}").click()
    await expect(item.get_by_role("button", name=f"I'll take this forward: {titles[x]}")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(ana.locator("#os-priority-list > li").first.locator(".os-priority-by")).to_have_text(
        "Taken forward by Hana"
    )
    await console.wait_view(
        "facilitator",
        lambda v: v["openspace"]["convergence"]["priorities"][0]["adopted_by"] == ["Hana"],
        timeout=T / 1000,
    )
    await expect(news.locator("#priority-list > li").first).to_contain_text("taken forward by Hana")
    await hana.evaluate("window.scrollTo(0, 0)")
    assert await above_hand_bar(hana, ["#os-priority-list > li:first-child button"]) == []
    await assert_accessible(hana, "the phone with the ranked priorities, one taken forward")

    # The proceedings hold the theme, the wall as it ran, both reports, the ranking and the adoption.
    status, body, _ = await asyncio.to_thread(server.get, f"/api/meetings/{meeting['id']}/proceedings.json")
    assert status == 200
    data = json.loads(body)
    assert data["theme"] == THEME
    walled = {t["title"]: t for slot in data["wall"] for t in slot["topics"]}
    assert set(walled) == set(topics), walled
    assert walled[titles[x]]["came"] == len(in_x) + 1 and walled["Compost"]["coconveners"] == ["Fran"]
    reports = {r["title"]: r for r in data["reports"]}
    assert set(reports) == {titles[x], titles[y]}
    assert set(reports[titles[x]]["participants"]) == {*in_x, b}
    assert reports[titles[x]]["next_steps"] == f"{cx} prints the rota."
    assert "Zoe (on the phone line)" in reports[titles[y]]["participants"]
    assert [(p["title"], p["dots"]) for p in data["ranking"]] == [(titles[x], total_x), (titles[y], total_y)]
    assert [(p["title"], p["adopted_by"]) for p in data["adopted"]] == [(titles[x], ["Hana"])]
    status, body, _ = await asyncio.to_thread(server.get, f"/api/meetings/{meeting['id']}/proceedings.md")
    md = body.decode()
    assert status == 200 and THEME in md
    for text in (
        f"### {titles[x]}",
        "> A rota on the wall by the door.",
        "Zoe (on the phone line)",
        f"1. {titles[x]} ({total_x} dots)",
        f"- {titles[x]}: adopted by Hana",
    ):
        assert text in md, text
    assert seen and all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen), seen


async def test_conveners_move_merge_and_withdraw_their_own_topics_from_the_phone(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
    console: PlazaClient,
) -> None:
    """A convener's tools on the phone: move the topic on the wall, merge a topic with too little
    interest into another, withdraw one; someone else's topic offers none of them, and a refusal
    shows next to the topic."""
    seen: list[str] = []
    start = int(time.time()) + 3 * 3600
    await console.request("set_part", part="openspace")
    for name, capacity in SPACES:
        await console.request("add_space", name=name, capacity=capacity)
    for i in range(2):
        await console.request("add_slot", start=start + 3600 * i, end=start + 3600 * i + 3000)
    ana = await join(browser, meeting["join_url"], "Ana", seen)
    bo = await join(browser, meeting["join_url"], "Bo", seen)
    cleo = await join(browser, meeting["join_url"], "Cleo", seen)
    for page, title in ((ana, "Rota for the kitchen"), (cleo, "Knives"), (bo, "Compost"), (bo, "Worms")):
        await page.get_by_label("Your topic", exact=True).fill(title)
        await page.get_by_role("button", name="Post topic").click()
        await expect(topic_item(page, title)).to_have_count(1)
    wants_rota = topic_item(bo, "Rota for the kitchen").get_by_role("button", name="I want to go: Rota for the kitchen")
    await wants_rota.click()
    await console.request("make_schedule")
    view = await console.wait_view("facilitator", lambda v: all(t["slot"] for t in v["openspace"]["topics"]))
    by_title = {t["title"]: t for t in view["openspace"]["topics"]}
    first, second = [s["slot"] for s in view["openspace"]["wall"]["slots"]]

    # Bo's phone has no tools on Ana's topic; Ana's has them on hers.
    await expect(topic_item(bo, "Rota for the kitchen").locator(".os-manage")).to_be_hidden()
    rota = topic_item(ana, "Rota for the kitchen")
    await rota.get_by_text("Manage this topic").click()
    other = second if by_title["Rota for the kitchen"]["slot"] == first else first
    await rota.get_by_label("Slot").select_option(other)
    await rota.get_by_label("Space").select_option(label="Shed (6)")
    await rota.get_by_role("button", name="Move").click()
    await expect(rota.locator(".os-manage-done")).to_have_text("Moved.")
    await expect(rota.locator(".error-text")).to_have_text("")
    moved = await console.wait_view(
        "facilitator",
        lambda v: any(t["title"] == "Rota for the kitchen" and t["slot"] == other for t in v["openspace"]["topics"]),
    )
    assert moved["openspace"]["last_move"]["title"] == "Rota for the kitchen"
    await assert_accessible(ana, "the phone with a convener's tools open")

    # A move into a taken cell is refused next to the topic, and changes nothing.
    compost = by_title["Compost"]
    await rota.get_by_label("Slot").select_option(compost["slot"])
    await rota.get_by_label("Space").select_option(compost["space"])
    await rota.get_by_role("button", name="Move").click()
    await expect(rota.locator(".error-text")).to_have_text(re.compile(r"\S"))
    await expect(rota.locator(".os-manage-done")).to_have_text("")
    after = await console.wait_view("facilitator", lambda v: True)
    assert {t["title"]: t["slot"] for t in after["openspace"]["topics"]}["Rota for the kitchen"] == other

    # Bo merges Worms (nobody wants it) into Compost, after confirming.
    worms = topic_item(bo, "Worms")
    await worms.get_by_text("Manage this topic").click()
    await worms.get_by_label("Too few people? Merge into").select_option(label="Compost")
    bo.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await worms.get_by_role("button", name="Merge").click()
    await expect(topic_item(bo, "Worms")).to_have_count(0)
    await expect(topic_item(ana, "Worms")).to_have_count(0)

    # Cleo withdraws Knives; a cancelled confirmation withdraws nothing.
    await expect(topic_item(ana, "Knives").locator(".os-manage")).to_be_hidden()
    knives = topic_item(cleo, "Knives")
    await knives.get_by_text("Manage this topic").click()
    cleo.once("dialog", lambda dialog: asyncio.ensure_future(dialog.dismiss()))
    await knives.get_by_role("button", name="Withdraw this topic").click()
    await asyncio.sleep(0.5)
    await expect(topic_item(cleo, "Knives")).to_have_count(1)
    cleo.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await knives.get_by_role("button", name="Withdraw this topic").click()
    await expect(topic_item(cleo, "Knives")).to_have_count(0)
    await expect(topic_item(ana, "Knives")).to_have_count(0)
    final = await console.wait_view("facilitator", lambda v: len(v["openspace"]["topics"]) == 2)
    assert sorted(t["title"] for t in final["openspace"]["topics"]) == ["Compost", "Rota for the kitchen"]


async def test_a_joined_phone_that_scans_a_circles_qr_is_checked_in_there(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
    console: PlazaClient,
) -> None:
    """The QR on a space's device is the circle's join link (/j/CODE?room=o1): a phone that had joined
    already checks in there when it opens it, once (a reload later does not take it back)."""
    seen: list[str] = []
    start = int(time.time()) + 3 * 3600
    await console.request("set_part", part="openspace")
    for name, capacity in SPACES[:2]:
        await console.request("add_space", name=name, capacity=capacity)
    await console.request("add_slot", start=start, end=start + 3000)
    ana = await join(browser, meeting["join_url"], "Ana", seen)
    bo = await join(browser, meeting["join_url"], "Bo", seen)
    for page, title in ((ana, "Rota for the kitchen"), (bo, "Compost")):
        await page.get_by_label("Your topic", exact=True).fill(title)
        await page.get_by_role("button", name="Post topic").click()
        await expect(topic_item(page, title)).to_have_count(1)
    await console.request("make_schedule")
    view = await console.wait_view("facilitator", lambda v: all(t["slot"] for t in v["openspace"]["topics"]))
    await console.request("start_slot", slot=view["openspace"]["wall"]["slots"][0]["slot"])
    await ana.goto(f"{meeting['join_url']}?room=o2")  # Compost's circle, from its device's QR
    await headcounts(console, {"o2": 1, "o1": 0})
    await expect(ana.locator("#os-circle")).to_contain_text("Compost", timeout=T)
    assert "room=" not in ana.url
    await ana.get_by_role("button", name=re.compile("^Move to Rota")).click()  # the Law of Two Feet
    await headcounts(console, {"o2": 0, "o1": 1})
    await ana.reload()
    await expect(ana.locator("#os-circle")).to_contain_text("Rota for the kitchen", timeout=T)
    await asyncio.sleep(1.0)
    await headcounts(console, {"o2": 0, "o1": 1})  # the reload did not take her back
