"""Open Space on the big screen and the facilitator console, in Chromium, against a real server.

The console page itself sets the Open Space up (the part, the theme, 12 spaces, 8 slots in local
time), phones (PlazaClient) post and mark topics, and the console makes the schedule and shows its
conflict count next to the naive schedule's.  The big screen shows the marketplace, then the wall:
at 1920×1080 and 1280×720 every cell of 8 slots × 12 spaces is inside the viewport and every
clipping ancestor (``tests.pages.inside``), and no title is under 14 px.  Headcounts change live on
the screen as phones check in and move; a move by hand on the console shows how the conflict count
changed; a refusal shows the server's words.  Past 8 × 12 the screen shows the running and next
slots only; between slots the news wall takes turns with the wall; convergence shows the ranking and
who adopted what.  axe finds nothing on either page in any of these states.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaClient
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.pages import assert_accessible, inside
from tests.test_browser import TIMEOUT_MS, browser, watch_requests  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1280, 720)]
LAPTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
THEME = "How do we make our neighbourhood greener, safer and kinder by next summer?"
SPACES = [
    ("Big tree", 30),
    ("Kitchen", 8),
    ("Library", 12),
    ("Garden", 20),
    ("Rooftop", 15),
    ("Room 2", 10),
    ("Room 3", 10),
    ("Hall A", 40),
    ("Hall B", 40),
    ("Courtyard", 25),
    ("Studio", 6),
    ("Workshop", 12),
]
# Titles of every length up to 80 characters, in several scripts; one looks like HTML and must show as text.
TITLES = [
    "Compost for the whole street",
    "Bikes",
    "A tool library in the basement, open on Saturday mornings and Wednesday evenings",
    "Rent strike: how would it work?",
    "Childcare during assemblies",
    "<b>Tenants' union</b>",
    "Noise at night",
    "Street trees",
    "Food bank on Saturdays",
    "Café de langues / Language café",
    "Repair café",
    "Who cleans the stairs?",
    "Solar panels on the roof",
    "Safer crossings near the school",
    "Ремонт велосипедів",
    "Seed swap",
    "Elders' lunch club",
    "Skate park",
    "Car-free Sundays",
    "雨水の再利用",
]
PHONES = 27  # 80 topics (three each, the last one two) on 96 cells: some cells stay free for moves
WALL = [
    "#os-wall .os-cell",
    "#os-wall [data-topic]",
    "#os-wall th .os-head-main",
    "#os-wall th .os-head-sub",
    "#qr",
    "#code",
]


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """expect() waits as long as the pages do (TIMEOUT_FACTOR on a slow machine), for these tests only."""
    expect.set_options(timeout=TIMEOUT_MS)
    yield
    expect.set_options(timeout=5_000)


async def joined(server: ServerProcess, meeting: dict[str, Any], n: int) -> list[tuple[str, PlazaClient]]:
    """``n`` phones that joined, as (participant id, client)."""

    async def one(i: int) -> tuple[str, PlazaClient]:
        phone = PlazaClient(server.ws, fmt="json")
        await phone.connect()
        await phone.hello("phone", code=meeting["code"])
        ack = await phone.request(
            "join", name=["Ana María", "Chidi Okonkwo", "Світлана", "Bo"][i] if i < 4 else f"Person {i + 1}"
        )
        return ack["participant"], phone

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def facilitator(server: ServerProcess, meeting: dict[str, Any]) -> PlazaClient:
    con = PlazaClient(server.ws, fmt="json")
    await con.connect()
    await con.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    return con


async def screens(browser: Browser, meeting: dict[str, Any], seen: list[str]) -> list[Page]:  # noqa: F811
    pages = []
    for width, height in SIZES:
        page = await browser.new_page(viewport={"width": width, "height": height})
        watch_requests(page, seen)
        await page.goto(meeting["screen_url"])
        await expect(page.locator("#code")).to_have_text(meeting["code"])
        pages.append(page)
    return pages


async def console_page(browser: Browser, meeting: dict[str, Any], device: dict[str, Any], seen: list[str]) -> Page:  # noqa: F811
    context = await browser.new_context(**device)
    page = await context.new_page()
    watch_requests(page, seen)
    await page.goto(meeting["facilitator_url"])
    await expect(page.locator("#code")).to_have_text(meeting["code"])
    return page


async def settled(page: Page) -> None:
    """Two animation frames, then one more tick of the screen's clock (it fits on its ticks)."""
    await page.wait_for_timeout(600)
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def size_of(page: Page) -> str:
    v = page.viewport_size
    return f"{v['width']}×{v['height']}" if v else "?"


async def wall_font(page: Page) -> float:
    """The smallest computed font size of a wall title shown, in CSS pixels."""
    sizes = await page.locator("#os-wall [data-topic] .os-title").evaluate_all(
        "(l) => l.filter((e) => e.offsetParent !== null).map((e) => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes
    return float(min(sizes))


def free_cells(view: dict[str, Any], slot: str) -> list[str]:
    """The spaces with no topic and no lock in ``slot``."""
    taken = {c["space"] for c in view["wall"]["cells"] if c["slot"] == slot}
    locked = {c["space"] for c in view["wall"]["locked_empty"] if c["slot"] == slot}
    return [sp["space"] for sp in view["wall"]["spaces"] if sp["space"] not in taken | locked]


def movable(view: dict[str, Any], slots: list[str]) -> tuple[dict[str, Any], str, str]:
    """A topic in one of ``slots`` and a free cell of another where none of its conveners is busy."""
    conveners = {t["topic"]: set(t["conveners_ids"]) for t in view["topics"]}
    for cell in view["wall"]["cells"]:
        if cell["slot"] not in slots:
            continue
        busy = {c["slot"] for c in view["wall"]["cells"] if conveners[c["topic"]] & conveners[cell["topic"]]}
        for slot in slots:
            if slot not in busy and free_cells(view, slot):
                return cell, slot, free_cells(view, slot)[0]
    raise AssertionError("no topic can move")


async def wait_topics(con: PlazaClient, n: int) -> dict[str, Any]:
    return (await con.wait_view("facilitator", lambda v: len(v["openspace"]["topics"]) == n, timeout=20))["openspace"]


async def test_console_sets_up_schedules_and_moves_and_the_screen_shows_the_wall(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """From the console page: the part, the theme, 12 spaces and 8 slots; the marketplace on the screen;
    Make the schedule (its counts on the console); the 8 × 12 wall inside both screens at 14 px or more;
    live headcounts; a move by hand with its change in conflicts; a refusal in the server's words; axe."""
    seen: list[str] = []
    con = await facilitator(server, meeting)
    pages = await screens(browser, meeting, seen)
    page = await console_page(browser, meeting, LAPTOP, seen)
    phones: list[tuple[str, PlazaClient]] = []
    try:
        # The part: Open Space, and the big screen follows.
        await page.get_by_label("Open Space", exact=True).check()
        for screen in pages:
            await expect(screen.locator("#openspace")).to_be_visible()
            await expect(screen.locator("#os-market-empty")).to_be_visible()
        setup = page.locator("#os-setup")
        if not await setup.evaluate("(d) => d.open"):
            await page.locator("#os-setup > summary").click()
        await page.get_by_label("Theme or question").fill(THEME)
        await page.get_by_role("button", name="Save the theme").click()
        for screen in pages:
            await expect(screen.locator("#os-theme")).to_have_text(THEME)

        # Twelve spaces, each with its places.
        for name, places in SPACES:
            await page.get_by_label("New space").fill(name)
            await page.get_by_label("Places", exact=True).fill(str(places))
            await page.get_by_role("button", name="Add space").click()
            await expect(page.get_by_label(f"Name of {name}")).to_have_value(name)
        await expect(page.locator("#os-spaces > li")).to_have_count(12)
        # Refused by the server, in its words: a second space of the same name.
        await page.get_by_label("New space").fill("Kitchen")
        await page.get_by_role("button", name="Add space").click()
        await expect(page.locator("#os-error")).to_contain_text("Kitchen")
        await page.get_by_label("New space").fill("")
        # A space edited in its row; one added by mistake removed (the console asks first); the topic limit.
        await page.get_by_label("Places in Studio").fill("8")
        await page.get_by_role("button", name="Save Studio").click()
        await con.wait_view(
            "facilitator",
            lambda v: [8] == [s["capacity"] for s in v["openspace"]["wall"]["spaces"] if s["name"] == "Studio"],
        )
        await page.get_by_label("New space").fill("Spare room")
        await page.get_by_role("button", name="Add space").click()
        await expect(page.locator("#os-spaces > li")).to_have_count(13)
        await page.get_by_role("button", name="Remove Spare room").click()
        await page.locator("#confirm-ok").click()
        await expect(page.locator("#os-spaces > li")).to_have_count(12)
        # Each space's device link: view only, one per space, keyed for that space.
        await page.get_by_role("button", name="Show the spaces' device links").click()
        links = page.locator("#os-link-list a")
        await expect(links).to_have_count(12)
        await expect(links.first).to_have_text(f"Device link: {SPACES[0][0]} (view only, opens in a new tab)")
        href = await links.first.get_attribute("href")
        assert href is not None and re.search(r"/room/[^/]+/s1#key=[0-9a-f]{16,}$", href), href
        await page.get_by_label("Topics each person may convene").fill("4")
        await page.get_by_role("button", name="Save the limit").click()
        await con.wait_view("facilitator", lambda v: v["openspace"]["topic_limit"] == 4)

        # Eight slots tomorrow, typed in local time: the server gets epoch seconds.
        day = await page.evaluate(
            "(() => { const d = new Date(Date.now() + 86400000); const two = (n) => String(n).padStart(2, '0');"
            " return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`; })()"
        )
        for i in range(8):
            await page.get_by_label("Day", exact=True).fill(day)
            await page.get_by_label("Starts", exact=True).fill(f"{9 + i:02d}:00")
            await page.get_by_label("Ends", exact=True).fill(f"{9 + i:02d}:50")
            await page.get_by_role("button", name="Add slot").click()
            await expect(page.locator("#os-slots > li")).to_have_count(i + 1)
        # One more, then removed; the last one ends five minutes later (edited in its row).
        await page.get_by_role("button", name="Add slot").click()  # the form suggests the slot after the last
        await expect(page.locator("#os-slots > li")).to_have_count(9)
        await page.get_by_role("button", name=re.compile(r"^Remove slot 9 ")).click()
        await page.locator("#confirm-ok").click()
        await expect(page.locator("#os-slots > li")).to_have_count(8)
        await page.get_by_label("End of slot 8").fill("16:55")
        await page.get_by_role("button", name="Save slot 8").click()
        view = (
            await con.wait_view(
                "facilitator",
                lambda v: (
                    len(v["openspace"]["wall"]["slots"]) == 8
                    and v["openspace"]["wall"]["slots"][-1]["end"] - v["openspace"]["wall"]["slots"][-1]["start"]
                    == 55 * 60
                ),
            )
        )["openspace"]
        first = view["wall"]["slots"][0]
        nine = await page.evaluate(f"new Date('{day}T09:00').getTime() / 1000")
        assert (first["start"], first["end"]) == (nine, nine + 50 * 60)
        assert [s["name"] for s in view["wall"]["spaces"]] == [n for n, _ in SPACES]
        assert view["theme"] == THEME

        # The marketplace fills up from the phones; the screen shows the counts and the newest topics.
        phones = await joined(server, meeting, PHONES)
        posted = 0
        for _ in range(3):
            for _pid, phone in phones:
                if posted == 80:
                    break
                title = TITLES[posted % len(TITLES)] + (
                    "" if posted < len(TITLES) else f" ({posted // len(TITLES) + 1})"
                )
                await phone.request("post_topic", title=title[:80])
                posted += 1
        topics = [t["topic"] for t in (await wait_topics(con, 80))["topics"]]
        for i, (_, phone) in enumerate(phones):  # five marks each, spread over the marketplace
            for k in range(5):
                await phone.request("mark_interest", topic=topics[(i * 7 + k * 13) % len(topics)])
        marks = PHONES * 5
        for screen in pages:
            await expect(screen.locator("#os-market-counts")).to_have_text(
                f"80 topics posted · {marks} marks of interest"
            )
            await expect(screen.locator("#os-newest li")).to_have_count(12)
            await expect(screen.locator("#os-newest li").first).to_contain_text("(4)")  # the newest first
            await settled(screen)
            assert await inside(screen, ["#os-newest li", "#os-theme", "#os-market-counts", "#qr", "#code"]) == [], (
                size_of(screen)
            )
            await assert_accessible(screen, f"the screen's marketplace at {size_of(screen)}")
        await expect(page.locator("#os-market-count")).to_have_text(f"(80 topics, {marks} marks)")
        await assert_accessible(page, "the console's marketplace at 1366×900")

        # Make the schedule from the console: its conflicts next to the naive schedule's.
        await page.get_by_role("button", name="Make the schedule").click()
        view = (await con.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None, timeout=30))[
            "openspace"
        ]
        made = view["schedule"]
        await expect(page.locator("#os-made")).to_have_text(str(made["conflicts"]))
        await expect(page.locator("#os-naive")).to_have_text(str(made["naive"]))
        await expect(page.locator("#os-saved")).to_have_text(str(made["naive"] - made["conflicts"]))
        await expect(page.locator("#os-lower")).to_have_text(str(made["lower_bound"]))
        await expect(page.locator("#os-now")).to_have_text(str(view["conflicts"]))
        assert made["lower_bound"] <= made["conflicts"] <= made["naive"]
        assert len(view["wall"]["cells"]) == 80
        await expect(page.locator("#os-grid [data-topic]")).to_have_count(80)

        # The wall on both screens: 96 cells, every one inside, titles as text, 14 px or more at 1280×720.
        for screen in pages:
            await expect(screen.locator("#os-wall [data-topic]")).to_have_count(80)
            await expect(screen.locator("#os-wall .os-cell")).to_have_count(96)
            await settled(screen)
            assert await inside(screen, WALL) == [], size_of(screen)
            assert await wall_font(screen) >= (20 if size_of(screen) == "1920×1080" else 14), size_of(screen)
            await expect(
                screen.locator("#os-wall [data-topic] .os-title", has_text="<b>Tenants' union</b>").first
            ).to_be_visible()
            assert await screen.locator("#os-wall b").count() == 0  # shown as text, never parsed
            await assert_accessible(screen, f"the screen's wall at {size_of(screen)}")

        # The first slot starts from the console; phones check in and move: headcounts change live.
        await page.get_by_role("button", name=re.compile(r"^Start the slot .* now$")).click()
        view = (await con.wait_view("facilitator", lambda v: v["openspace"]["wall"]["running"] is not None))[
            "openspace"
        ]
        running = view["wall"]["running"]
        here = [c["topic"] for c in view["wall"]["cells"] if c["slot"] == running]
        assert len(here) >= 2, here
        a, b = here[0], here[1]
        for screen in pages:
            await expect(screen.locator(f'[data-topic="{a}"] .headcount')).to_have_text("0")
            await expect(screen.locator("#os-clock-label")).to_contain_text("Now")
        await phones[0][1].request("check_in", topic=a)
        await phones[1][1].request("check_in", topic=a)
        for screen in pages:
            await expect(screen.locator(f'[data-topic="{a}"] .headcount')).to_have_text("2")
        await phones[1][1].request("check_in", topic=b)  # the Law of Two Feet
        for screen in pages:
            await expect(screen.locator(f'[data-topic="{a}"] .headcount')).to_have_text("1")
            await expect(screen.locator(f'[data-topic="{b}"] .headcount')).to_have_text("1")
            await settled(screen)
            assert await inside(screen, [*WALL, "#os-wall .headcount", "#os-countdown"]) == [], size_of(screen)
            await assert_accessible(screen, f"the screen's wall with a slot running at {size_of(screen)}")
        await expect(page.locator("#os-running-text")).to_contain_text("2 people checked in")
        await expect(page.locator(f'#os-grid [data-topic="{a}"]')).to_contain_text("1 here")

        # A move by hand: a topic of a later slot into a free cell of another, where its convener is free.
        slots = [s["slot"] for s in view["wall"]["slots"]]
        mover, to_slot, free = movable(view, slots[1:])
        await page.locator(f'#os-grid [data-topic="{mover["topic"]}"]').click()
        await expect(page.locator("#os-sel-title")).to_contain_text(mover["title"])
        target = page.locator(f'#os-grid [data-cell="{to_slot}|{free}"]')
        await expect(target).to_have_text(re.compile("Move here"))
        await target.click()
        view = (await con.wait_view("facilitator", lambda v: v["openspace"]["last_move"] is not None))["openspace"]
        move = view["last_move"]
        assert move["topic"] == mover["topic"] and move["change"] == move["after"] - move["before"]
        change = f"+{move['change']}" if move["change"] > 0 else f"−{-move['change']}" if move["change"] < 0 else "±0"
        await expect(page.locator("#os-last-move")).to_have_text(
            re.compile(rf"conflicts {move['before']} → {move['after']} \({re.escape(change)}")
        )
        await expect(page.locator("#os-now")).to_have_text(str(view["conflicts"]))
        for screen in pages:
            await expect(screen.locator(f'[data-cell="{to_slot}|{free}"]')).to_have_attribute(
                "data-topic", mover["topic"]
            )

        # A locked cell refuses a move, in the server's words, until it is unlocked.
        lock_slot, empty = next(
            (s, sp["space"])
            for s in slots[1:]
            for sp in view["wall"]["spaces"]
            if s != to_slot and (s, sp["space"]) not in {(c["slot"], c["space"]) for c in view["wall"]["cells"]}
        )
        cell = page.locator(f'#os-grid [data-cell="{lock_slot}|{empty}"]')
        await cell.click()
        await expect(page.locator("#os-sel-title")).to_contain_text("Empty cell")
        await page.get_by_role("button", name="Lock the cell").click()
        await expect(cell).to_contain_text("Locked")
        await page.get_by_role("button", name="Done").click()
        await page.locator(f'#os-grid [data-topic="{mover["topic"]}"]').click()
        await cell.click()
        await expect(page.locator("#os-error")).to_have_text("That cell is locked.")
        await expect(page.locator("#os-grid [data-topic]")).to_have_count(80)
        await page.get_by_role("button", name="Done").click()
        await cell.click()
        await page.get_by_role("button", name="Unlock the cell").click()
        await expect(cell).not_to_contain_text("Locked")
        await con.wait_view("facilitator", lambda v: not v["openspace"]["wall"]["locked_empty"])
        await page.locator(f'#os-grid [data-topic="{mover["topic"]}"]').click()
        # The keyboard does it too: the box under the wall, to a slot where its convener is free.
        view = con.view("facilitator")["openspace"]  # type: ignore[index]
        conveners = {t["topic"]: set(t["conveners_ids"]) for t in view["topics"]}
        busy = {c["slot"] for c in view["wall"]["cells"] if conveners[c["topic"]] & conveners[mover["topic"]]}
        later = next(s for s in slots[1:] if s not in busy and free_cells(view, s))
        await page.get_by_label(f"Move “{mover['title']}” to").select_option(f"{later}|")
        await page.get_by_label(f"Move “{mover['title']}” to").press("Enter")
        await expect(page.locator("#os-error")).to_have_text("")
        view = (
            await con.wait_view(
                "facilitator",
                lambda v: any(
                    c["topic"] == mover["topic"] and c["slot"] == later for c in v["openspace"]["wall"]["cells"]
                ),
            )
        )["openspace"]
        await expect(page.locator("#os-last-move")).to_contain_text(
            f"conflicts {view['last_move']['before']} → {view['last_move']['after']}"
        )

        await assert_accessible(page, "the console's wall with a slot running at 1366×900")
        small = await console_page(browser, meeting, PHONE, seen)
        await expect(small.locator("#os-grid [data-topic]")).to_have_count(80)
        await assert_accessible(small, "the console's wall with a slot running at 390×844")
        assert await small.evaluate("document.documentElement.scrollWidth") <= 390  # the wall scrolls in its own box
        assert seen and all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen), seen
    finally:
        for _, phone in phones:
            await phone.close()
        await con.close()


async def test_past_eight_by_twelve_the_screen_shows_the_running_and_next_slots(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """With 10 slots and 14 spaces the screen shows two slots (the running one and the next), all inside."""
    seen: list[str] = []
    con = await facilitator(server, meeting)
    phones = await joined(server, meeting, 12)
    try:
        await con.request("set_part", part="openspace")
        for i in range(14):
            await con.request("add_space", name=f"Room {i + 1}", capacity=20)
        start = int(time.time()) + 24 * 3600
        for i in range(10):
            await con.request("add_slot", start=start + i * 3600, end=start + i * 3600 + 3000)
        for i, (_, phone) in enumerate(phones):
            for k in range(3):
                await phone.request("post_topic", title=f"{TITLES[(i + k * 7) % len(TITLES)]} ({i + 1}.{k + 1})"[:80])
        await wait_topics(con, 36)
        await con.request("make_schedule", timeout=30)
        view = (await con.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None))["openspace"]
        await con.request("start_slot", slot=view["wall"]["slots"][0]["slot"])
        pages = await screens(browser, meeting, seen)
        shown = {s["slot"] for s in view["wall"]["slots"][:2]}
        on_wall = [c for c in view["wall"]["cells"] if c["slot"] in shown]
        for screen in pages:
            await expect(screen.locator("#os-wall thead th")).to_have_count(2)
            await expect(screen.locator("#os-wall thead th").first).to_contain_text("Now")
            await expect(screen.locator("#os-wall thead th").nth(1)).to_contain_text("Next")
            await expect(screen.locator("#os-wall [data-topic]")).to_have_count(len(on_wall))
            await settled(screen)
            assert await inside(screen, WALL) == [], size_of(screen)
            assert await wall_font(screen) >= 14, size_of(screen)
            await assert_accessible(screen, f"the screen's running and next slots at {size_of(screen)}")
    finally:
        for _, phone in phones:
            await phone.close()
        await con.close()


async def test_news_wall_between_slots_and_convergence_on_the_screen(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """Between slots the news wall takes turns with the wall; dot-voting shows the reports, then the
    ranked priorities with their dots and who adopted them; everything inside, axe clean."""
    shots = os.environ.get("PLAZA_TEST_SHOTS")  # a folder: screenshots of each state, to look at
    seen: list[str] = []
    con = await facilitator(server, meeting)
    phones = await joined(server, meeting, 6)
    try:
        await con.request("set_part", part="openspace")
        await con.request("set_theme", theme=THEME)
        for name, places in SPACES[:3]:
            await con.request("add_space", name=name, capacity=places)
        start = int(time.time()) + 24 * 3600
        for i in range(2):
            await con.request("add_slot", start=start + i * 3600, end=start + i * 3600 + 3000)
        for i, (_, phone) in enumerate(phones[:4]):
            await phone.request("post_topic", title=TITLES[i])
        view = await wait_topics(con, 4)
        topics = [t["topic"] for t in view["topics"]]
        for i, (_, phone) in enumerate(phones):
            await phone.request("mark_interest", topic=topics[i % 4])
        await con.request("make_schedule", timeout=30)
        view = (await con.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None))["openspace"]
        first = view["wall"]["slots"][0]["slot"]
        await con.request("start_slot", slot=first)
        await con.request("end_slot", slot=first)
        reported = [c["topic"] for c in view["wall"]["cells"]][:2]
        writers = {t["topic"]: t["conveners_ids"][0] for t in view["topics"]}
        by_id = dict(phones)
        long = "\n".join(f"- point {i}: the stairs, the lights and the rota on the second floor" for i in range(13))
        await by_id[writers[reported[0]]].request(
            "write_harvest",
            topic=reported[0],
            key_points="Fix the back door lock\nLights on the stairs",
            next_steps="Ask the landlord",
        )
        await by_id[writers[reported[1]]].request(
            "write_harvest", topic=reported[1], key_points=long, proposals=long, next_steps=long
        )

        pages = await screens(browser, meeting, seen)
        news = [".os-report-title", ".os-report-by", ".os-report-more", "#os-page", "#qr", "#code"]
        for screen in pages:
            # The pages turn every 12 seconds: the wall, then the news wall (checked while it shows).
            for _ in range(3):
                await expect(screen.locator("#os-news")).to_be_visible(timeout=30_000 * TIMEOUT_FACTOR)
                await settled(screen)
                page_text = await screen.locator("#os-page").text_content()
                bad = await inside(screen, news)
                more = await screen.locator(".os-report-more").first.is_visible()  # the long one says it goes on
                count = await screen.locator("#os-reports li").count()
                if shots:
                    await screen.screenshot(path=f"{shots}/news-{size_of(screen)}.png")
                if await screen.locator("#os-news").is_visible():
                    break  # still the news page: what was measured was the news wall
            assert page_text and "News wall" in page_text, page_text
            assert bad == [], size_of(screen)
            assert more and count == 2, (more, count)
            await expect(screen.locator("#os-page")).to_contain_text("page", timeout=30_000 * TIMEOUT_FACTOR)
            await assert_accessible(screen, f"the screen's news wall at {size_of(screen)}")

        await con.request("open_dots", dots=5)
        await phones[0][1].request("place_dots", topic=reported[1], dots=3)
        await phones[1][1].request("place_dots", topic=reported[0], dots=1)
        for screen in pages:
            await expect(screen.locator("#os-dots-line")).to_contain_text("2 people have voted")
            await expect(screen.locator("#os-reports li")).to_have_count(2)
            await settled(screen)
            assert await inside(screen, ["#os-dots-line", *news]) == [], size_of(screen)
            await assert_accessible(screen, f"the screen's dot-voting at {size_of(screen)}")
            if shots:
                await screen.screenshot(path=f"{shots}/dots-{size_of(screen)}.png")

        await con.request("close_dots")
        await phones[2][1].request("adopt_priority", topic=reported[1])
        for screen in pages:
            await expect(screen.locator(".os-priority")).to_have_count(2)
            await expect(screen.locator(".os-priority").first).to_contain_text("3 dots")
            await expect(screen.locator(".os-priority .os-adopted").first).to_have_text("Taken forward by Світлана")
            await settled(screen)
            assert await inside(screen, [".os-priority", ".os-priority span", "#os-dots-line", "#qr", "#code"]) == [], (
                size_of(screen)
            )
            await assert_accessible(screen, f"the screen's priorities at {size_of(screen)}")
            if shots:
                await screen.screenshot(path=f"{shots}/priorities-{size_of(screen)}.png")
    finally:
        for _, phone in phones:
            await phone.close()
        await con.close()


async def test_console_runs_slots_reporters_and_convergence(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """From the console: start a slot (checked-in count and headcounts), set a circle's reporter, end the
    slot, a refusal in the server's words, dot-voting opened and closed (voters, ranked priorities, who
    adopted them), and action planning into a later slot; axe on a laptop and a phone."""
    seen: list[str] = []
    con = await facilitator(server, meeting)
    phones = await joined(server, meeting, 5)
    by_id = dict(phones)
    names = {
        pid: name for pid, name in zip(by_id, ["Ana María", "Chidi Okonkwo", "Світлана", "Bo", "Person 5"], strict=True)
    }
    try:
        await con.request("set_part", part="openspace")
        for name, places in SPACES[:3]:
            await con.request("add_space", name=name, capacity=places)
        start = int(time.time()) + 24 * 3600
        for i in range(3):
            await con.request("add_slot", start=start + i * 3600, end=start + i * 3600 + 3000)
        for i, (_, phone) in enumerate(phones[:3]):
            await phone.request("post_topic", title=TITLES[-1 - i])
        view = await wait_topics(con, 3)
        for i, (_, phone) in enumerate(phones):
            await phone.request("mark_interest", topic=view["topics"][i % 3]["topic"])
        page = await console_page(browser, meeting, LAPTOP, seen)
        await page.get_by_role("button", name="Make the schedule").click()
        view = (await con.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None))["openspace"]
        first = view["wall"]["slots"][0]["slot"]
        in_first = [c for c in view["wall"]["cells"] if c["slot"] == first]
        assert in_first, view["wall"]["cells"]
        circle = in_first[0]

        # Dot-voting with no reports yet: refused, in the server's words.
        await page.get_by_role("button", name="Open dot-voting").click()
        await expect(page.locator("#os-error")).to_have_text("There are no reports to place dots on yet.")

        # The slot starts from the console; check-ins show as the count and the cell's headcount.
        await page.get_by_role("button", name=re.compile(r"^Start the slot .* now$")).click()
        await expect(page.locator("#os-running-text")).to_contain_text("0 people checked in")
        for pid in list(by_id)[3:5]:
            await by_id[pid].request("check_in", topic=circle["topic"])
        await expect(page.locator("#os-running-text")).to_contain_text("2 people checked in")
        await expect(page.locator(f'#os-grid [data-topic="{circle["topic"]}"]')).to_contain_text("2 here")

        # Its reporter: Bo instead of the convener, chosen on the console.
        bo = list(by_id)[3]
        await page.locator(f'#os-grid [data-topic="{circle["topic"]}"]').click()
        await page.get_by_label("Reporter", exact=True).select_option(bo)
        await page.get_by_role("button", name="Set reporter").click()
        await expect(page.locator("#os-sel-meta")).to_contain_text("reporter: Bo")
        convener = next(t for t in view["topics"] if t["topic"] == circle["topic"])["conveners_ids"][0]
        with pytest.raises(Exception, match="not_reporter"):
            await by_id[convener].request("write_harvest", topic=circle["topic"], key_points="Not mine to write")
        await by_id[bo].request(
            "write_harvest", topic=circle["topic"], key_points="Lights on the stairs", next_steps="Ask the landlord"
        )
        await expect(page.locator("#os-reports li")).to_have_count(1)
        await expect(page.locator("#os-reports li")).to_contain_text(f"by {names[bo]}")
        await page.get_by_role("button", name="Done").click()

        # The slot ends from the console (it asks first).
        await page.get_by_role("button", name="End this slot").click()
        await page.locator("#confirm-ok").click()
        await expect(page.locator("#os-running")).to_be_hidden()

        # Dot-voting: open with 3 dots each, two people place dots, close, a priority is adopted.
        await page.get_by_label("Dots each").fill("3")
        await page.get_by_role("button", name="Open dot-voting").click()
        await expect(page.locator("#os-voters")).to_contain_text("3 dots each · 0 people have placed dots")
        await phones[0][1].request("place_dots", topic=circle["topic"], dots=2)
        await phones[1][1].request("place_dots", topic=circle["topic"], dots=1)
        await expect(page.locator("#os-voters")).to_contain_text("2 people have placed dots")
        await assert_accessible(page, "the console during dot-voting at 1366×900")
        await page.get_by_role("button", name="Close dot-voting").click()
        await page.locator("#confirm-ok").click()
        await expect(page.locator("#os-priorities li")).to_have_count(1)
        await expect(page.locator("#os-priorities li")).to_contain_text("3 dots · not adopted yet")
        await phones[2][1].request("adopt_priority", topic=circle["topic"])
        await expect(page.locator("#os-priorities li")).to_contain_text("adopted by Світлана")

        # Action planning into a later slot with a free space: the adopted priority goes on the wall there.
        view = con.view("facilitator")["openspace"]  # type: ignore[index]
        later = next(s["slot"] for s in view["wall"]["slots"] if not s["started"] and free_cells(view, s["slot"]))
        await page.get_by_label("Action-planning slot").select_option(later)
        await page.get_by_role("button", name="Plan actions").click()
        view = (await con.wait_view("facilitator", lambda v: any(t["priority"] for t in v["openspace"]["topics"])))[
            "openspace"
        ]
        planned = next(t for t in view["topics"] if t["priority"])
        assert planned["slot"] == later
        await expect(page.locator(f'#os-grid [data-topic="{planned["topic"]}"]')).to_contain_text("locked")
        await assert_accessible(page, "the console after convergence at 1366×900")
        small = await console_page(browser, meeting, PHONE, seen)
        await expect(small.locator("#os-priorities li")).to_have_count(1)
        await assert_accessible(small, "the console after convergence at 390×844")
        assert seen and all(url.startswith((server.http, server.ws.rsplit("/", 1)[0])) for url in seen), seen
    finally:
        for _, phone in phones:
            await phone.close()
        await con.close()
