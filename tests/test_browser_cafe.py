"""A World Café in Chromium, through the real pages on a real server: the console switches the meeting
to the café, sets it up (tables of up to 5, two rounds, a question per round, three named tables),
one host is appointed and two are picked among phones that volunteered; "Seat everyone" shows the
plan's repeated pairs beside a random shuffle's; 13 phones each show their table at the top, round by
round ("Round 2: go to table 3 — Ash"), hosts stay, and the repeated pairs the phones show are the
console's; an idea written at a table shows on that table's device (opened from the console's device
links) and the host marks it; the big screen shows the question, the countdown and the table map, fits
1920×1080 and 1280×720, and in the harvest shows a table's ideas; phones star ideas; harvest.md has
them.  The printed table cards carry each table's QR.  axe on every page.

``PLAZA_SHOTS=docs/img`` also writes the README's screenshots (phone-cafe-move.png, screen-cafe.png,
cafe-cards.png)."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.client import PlazaError
from tests.conftest import ServerProcess
from tests.pages import assert_accessible, inside
from tests.test_browser import TIMEOUT_MS, browser, decode_qr, join_as, watch_requests  # noqa: F401  (fixture)
from tests.test_rooms_socket import phone_for
from tests.test_stack_socket import console_for

pytestmark = pytest.mark.browser

T = TIMEOUT_MS
NAMES = ["Ana", "Bo", "Cleo", "Dev", "Eli", "Fran", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lou", "Mo"]
TABLES = ["Oak", "Elm", "Ash"]
Q1 = "What would make our neighbourhood a place where everyone belongs?"
Q2 = "What could we start on next week?"
IDEA = "A street party <b>every</b> month"  # markup typed by someone stays text
SHOTS = os.environ.get("PLAZA_SHOTS")
SCREEN_PARTS = ["#cafe-label", "#cafe-question", "#cafe-countdown", "#cafe-map .cafe-tile", "#qr", "#code"]
SMALLEST_TILE_TYPE = """Math.min(...[...document.querySelectorAll('#cafe-map .cafe-tile p')]
  .map((p) => parseFloat(getComputedStyle(p).fontSize)))"""
LABEL = re.compile(r"table (\d) — (Oak|Elm|Ash)")


async def shot(page: Page, name: str) -> None:
    if SHOTS:
        await page.screenshot(path=str(Path(SHOTS) / name))


async def tables_of(phones: dict[str, Page], round_: int) -> dict[str, str]:
    """Each phone's table this round, read from the top of its page ("Round 2: go to table 3 — Ash")."""
    at = {}
    for name, phone in phones.items():
        go = phone.locator("#cafe-go")
        await expect(go).to_have_text(re.compile(rf"^Round {round_}: "), timeout=T)
        found = LABEL.search((await go.text_content()) or "")
        assert found, await go.text_content()
        at[name] = found.group(2)
    return at


def repeated_pairs(rounds: list[dict[str, str]]) -> int:
    """Pairs who sit at one table in more than one round (each extra meeting counts once)."""
    met: dict[tuple[str, str], int] = {}
    for seats in rounds:
        for a, b in itertools.combinations(sorted(seats), 2):
            if seats[a] == seats[b]:
                met[(a, b)] = met.get((a, b), 0) + 1
    return sum(n - 1 for n in met.values() if n > 1)


async def fits(screen: Page, what: str) -> None:
    for width, height in ((1920, 1080), (1280, 720)):
        await screen.set_viewport_size({"width": width, "height": height})
        await asyncio.sleep(0.4)  # the map's tiles are planned on the next frame
        bad = await inside(screen, [*SCREEN_PARTS, "#cafe-ideas .cafe-idea", "#cafe-top-list .cafe-idea", "#cafe-warn"])
        assert not bad, f"{what} at {width}x{height}: {bad}"
    await screen.set_viewport_size({"width": 1920, "height": 1080})


async def test_a_world_cafe(browser: Browser, server: ServerProcess) -> None:  # noqa: F811
    meeting = server.create_meeting("Our street, together")
    seen: list[str] = []
    screen = await browser.new_page(viewport={"width": 1920, "height": 1080})
    watch_requests(screen, seen)
    await screen.goto(meeting["screen_url"])
    console = await browser.new_page(viewport={"width": 1280, "height": 900})
    watch_requests(console, seen)
    await console.goto(meeting["facilitator_url"])
    phones = {name: await join_as(browser, meeting["join_url"], name, seen) for name in NAMES}
    await expect(screen.locator("#present")).to_have_text(str(len(NAMES)), timeout=T)

    # Set-up from the console: the part, the settings, a question per round, three named tables.
    await console.get_by_role("button", name="Run the World Café now").click()
    await expect(console.get_by_role("button", name="Back to the general assembly")).to_be_visible(timeout=T)
    await console.locator("#cafe-setup > summary").click()
    await console.get_by_label("People per table (3–6)").fill("5")
    await console.get_by_label("Rounds", exact=True).fill("2")
    await console.get_by_label("Round length (minutes)").fill("5")
    await console.get_by_label(re.compile("^Pause between rounds")).fill("0")
    await console.get_by_role("button", name="Save the set-up").click()
    await expect(console.locator("#cafe-setup-rounds")).to_have_text("2 rounds of 5 min", timeout=T)
    for n, q in ((1, Q1), (2, Q2)):
        await console.get_by_label(f"Round {n}", exact=True).fill(q)
        await console.get_by_role("button", name=f"Save round {n}'s question").click()
        await expect(console.locator("#cafe-status")).to_have_text(f"Round {n}'s question saved.", timeout=T)
    await console.get_by_label("How many tables to add").fill("3")
    await console.get_by_label("Their names, one per line (optional)").fill("\n".join(TABLES))
    await console.get_by_role("button", name="Add tables").click()
    await expect(console.locator("#cafe-tables .cafe-table-title")).to_have_text(
        [f"Table {i} — {n}" for i, n in enumerate(TABLES, 1)], timeout=T
    )
    await expect(screen.locator("#cafe-map .cafe-tile")).to_have_count(3, timeout=T)
    await expect(screen.locator("#cafe-map .cafe-tile-title")).to_have_text(TABLES, timeout=T)

    # Hosts: two volunteer on their phones and Plaza picks them; Cleo is appointed to Ash.
    for name in ("Ana", "Bo"):
        await phones[name].get_by_role("button", name="I'll host a table").click()
        await expect(phones[name].locator("#cafe-volunteered")).to_be_visible(timeout=T)
    await assert_accessible(phones["Ana"], "a phone that volunteered to host")
    await expect(console.locator("#cafe-volunteers li")).to_have_count(2, timeout=T)
    await console.get_by_label("Host", exact=True).nth(2).select_option(label="Cleo")
    await console.get_by_role("button", name="Appoint").nth(2).click()
    await expect(console.locator("#cafe-tables > li").nth(2).locator(".cafe-table-meta")).to_contain_text(
        "host Cleo", timeout=T
    )
    await console.get_by_role("button", name="Pick hosts among the volunteers").click()
    metas = console.locator("#cafe-tables .cafe-table-meta")
    for i in range(3):
        await expect(metas.nth(i)).to_contain_text(re.compile("^host (Ana|Bo|Cleo) "), timeout=T)
    hosts = {}
    for i, table in enumerate(TABLES):
        hosts[table] = re.match(r"host (\w+)", (await metas.nth(i).text_content()) or "").group(1)  # type: ignore[union-attr]
    assert sorted(hosts.values()) == ["Ana", "Bo", "Cleo"] and hosts["Ash"] == "Cleo", hosts

    # Seat everyone: the plan's repeated pairs beside a random shuffle's mean and the lower bound.
    await console.get_by_role("button", name="Seat everyone").click()
    await expect(console.locator("#cafe-repeats")).to_have_text(re.compile(r"^\d+ repeated pairs?$"), timeout=T)
    await expect(console.locator("#cafe-random")).to_contain_text("A random shuffle: ", timeout=T)
    await expect(console.locator("#cafe-bound")).to_have_text(re.compile(r"^No plan can have fewer than \d+\.$"))
    planned = int(((await console.locator("#cafe-repeats").text_content()) or "").split()[0])
    mean = float(re.search(r"shuffle: ([\d.]+)", (await console.locator("#cafe-random").text_content()) or "").group(1))  # type: ignore[union-attr]
    bound = int(re.search(r"(\d+)\.$", (await console.locator("#cafe-bound").text_content()) or "").group(1))  # type: ignore[union-attr]
    assert bound <= planned <= mean, (bound, planned, mean)
    await assert_accessible(console, "the console with the café seated")

    # Every phone says where to go for round 1, at the top of the page; hosts are told they host.
    first = await tables_of(phones, 1)
    assert sorted(list(first.values()).count(t) for t in TABLES) == [4, 4, 5], first
    for table, host in hosts.items():
        assert first[host] == table
        await expect(phones[host].locator("#cafe-go")).to_have_text(re.compile(r": you host it$"), timeout=T)
    traveller = next(n for n in NAMES if n not in hosts.values())
    await expect(phones[traveller].locator("#cafe-go")).to_have_text(re.compile(r"^Round 1: go to table \d — "))
    await expect(phones[traveller].locator("#cafe-top")).to_be_in_viewport(ratio=0.99, timeout=T)

    # Round 1: the question and a countdown on the big screen and every phone.
    await console.get_by_role("button", name="Start round 1").click()
    await expect(screen.locator("#cafe-question")).to_have_text(Q1, timeout=T)
    await expect(screen.locator("#cafe-countdown")).to_have_text(re.compile(r"^[45]:\d\d$"), timeout=T)
    await expect(screen.locator("#cafe-label")).to_have_text("World Café · round 1 of 2", timeout=T)
    for phone in phones.values():
        await expect(phone.locator("#cafe-question")).to_have_text(Q1, timeout=T)
        await expect(phone.locator("#cafe-countdown")).to_have_text(re.compile(r"^[45]:\d\d$"), timeout=T)
    await assert_accessible(screen, "the big screen in a round")
    await fits(screen, "the big screen in a round")
    await shot(screen, "screen-cafe.png")

    # The Oak table's device, opened from the console's device links.
    await console.get_by_role("button", name="Show the tables' device links").click()
    link = console.get_by_role("link", name="Device link: Table 1 — Oak (view only, opens in a new tab)")
    url = await link.get_attribute("href")
    assert url and url.startswith(f"{server.http}/room/{meeting['id']}/c1#key="), url
    device = await browser.new_page(viewport={"width": 1280, "height": 800})
    watch_requests(device, seen)
    await device.goto(url)
    await expect(device.locator("#question")).to_have_text(Q1, timeout=T)

    # At the table: the people with the host marked; an idea written there reaches the device; the host marks it.
    oak = [n for n, t in first.items() if t == "Oak"]
    writer = next(n for n in oak if n != hosts["Oak"])
    page = phones[writer]
    await expect(page.locator("#cafe-table-heading")).to_have_text(f"At table 1 — Oak: {len(oak)} people", timeout=T)
    await expect(page.locator("#cafe-people li.host .person-name")).to_have_text(hosts["Oak"], timeout=T)
    await page.get_by_label("A key idea").fill(IDEA)
    await page.get_by_role("button", name="Add idea").click()
    await expect(page.locator("#cafe-notes .note-text")).to_have_text([IDEA], timeout=T)
    await expect(device.locator("#notes")).to_contain_text(IDEA, timeout=T)
    elm_phone = phones[next(n for n, t in first.items() if t == "Elm")]
    await expect(elm_phone.locator("#cafe-no-notes")).to_be_visible()
    host = phones[hosts["Oak"]]
    await host.get_by_role("button", name=f"Mark as strongest: {IDEA}").click()
    await expect(page.locator("#cafe-notes li.strong .cafe-strong-tag")).to_have_text("Strongest", timeout=T)
    await expect(device.locator("#notes .note-text")).to_have_text([f"★ {IDEA}"], timeout=T)
    await expect(device.locator("#people li.reports .tag")).to_have_text("table host")
    await expect(device.locator("#kicker")).to_have_text("World Café · table 1 · round 1 of 2")
    await assert_accessible(device, "a table's device in a round")
    await host.get_by_label("Your welcome summary for the next group").fill("We talked about streets.\nAnd parties.")
    await host.get_by_role("button", name="Save the summary").click()
    await expect(page.locator("#cafe-summary-shown")).to_have_text("We talked about streets.\nAnd parties.", timeout=T)
    # A hand raised at the table is on the table's own stack.
    await page.get_by_role("button", name="Raise hand").click()
    await expect(page.get_by_text("You're next (New point)")).to_be_visible(timeout=T)
    await expect(phones[hosts["Oak"]].locator("#floor-next")).to_have_text(f"Next: {writer} (New point).", timeout=T)
    await assert_accessible(page, "a phone at a table")
    await assert_accessible(host, "the host's phone")

    # The round ends: every phone says, at the top, where to go for round 2; hosts stay.
    await console.get_by_role("button", name="End the round now").click()
    second = await tables_of(phones, 2)
    for table, name in hosts.items():
        assert second[name] == table
        await expect(phones[name].locator("#cafe-go")).to_have_text(
            f"Round 2: stay at table {TABLES.index(table) + 1} — {table}: you host it", timeout=T
        )
    moved = [n for n in NAMES if first[n] != second[n]]
    assert moved
    for name in moved:  # unmissable: at the top of the page, or (scrolled away) in the bar that stays on top
        go = f"Round 2: go to table {TABLES.index(second[name]) + 1} — {second[name]}"
        await expect(phones[name].locator("#cafe-top")).to_have_class(re.compile(r"\bmoving\b"), timeout=T)
        if name == writer:
            await expect(phones[name].locator("#attention-text")).to_have_text(go, timeout=T)
            await expect(phones[name].locator("#attention")).to_be_in_viewport()
        else:
            await expect(phones[name].locator("#cafe-top")).to_be_in_viewport(ratio=0.99)
    mover = phones[next(n for n in moved if n != writer)]
    await expect(mover.locator("#announce")).to_contain_text("Round 2: go to table", timeout=T)
    await expect(host.locator("#cafe-coming")).to_have_text(re.compile(r"^Coming to your table: "), timeout=T)
    assert repeated_pairs([first, second]) == planned, (first, second, planned)
    await assert_accessible(mover, "a phone told where to go")
    await expect(mover.locator("#os")).to_be_hidden()  # the part switch made Open Space's state: no marketplace here
    await shot(mover, "phone-cafe-move.png")
    await expect(screen.locator("#cafe-label")).to_have_text("World Café · next: round 2 of 2", timeout=T)
    # The table's device stays open between rounds: the next round, and its people for it.
    await expect(device.locator("#kicker")).to_have_text("World Café · table 1 · round 2 of 2 next", timeout=T)
    await expect(device.locator("#closed")).to_be_hidden()
    await expect(device.locator("#clock-words")).to_have_text(re.compile("^Change tables: hosts stay"))
    await expect(device.locator("#people .who")).to_have_count(list(second.values()).count("Oak"), timeout=T)
    await fits(screen, "the big screen between rounds")

    # Round 2 and its end; then the harvest.
    await console.get_by_role("button", name="Start round 2").click()
    await expect(screen.locator("#cafe-question")).to_have_text(Q2, timeout=T)
    await expect(mover.locator("#cafe-go")).to_have_text(re.compile(r"^Round 2: table \d — "), timeout=T)
    await console.get_by_role("button", name="End the round now").click()
    await expect(console.locator("#cafe-round-line")).to_have_text("Every round is over: open the harvest.", timeout=T)
    await console.get_by_role("button", name="Open the harvest").click()
    await console.get_by_role("button", name="Show on the big screen: table 1 — Oak").click()
    await expect(screen.locator("#cafe-question")).to_have_text("Table 1 — Oak", timeout=T)
    await expect(screen.locator("#cafe-ideas .cafe-idea-text")).to_have_text([IDEA], timeout=T)
    await expect(screen.locator("#cafe-ideas .cafe-idea-meta")).to_have_text("strongest", timeout=T)
    await fits(screen, "the big screen in the harvest")
    await assert_accessible(screen, "the big screen in the harvest")
    star = phones["Mo"].get_by_role("button", name=f"Star: {IDEA}")
    await star.click()
    await expect(star).to_have_attribute("aria-pressed", "true", timeout=T)
    await expect(screen.locator("#cafe-ideas .cafe-idea-meta")).to_have_text("strongest · ★ 1", timeout=T)
    await assert_accessible(phones["Mo"], "a phone in the harvest")
    # No table on show: the big screen shows the most starred ideas from every table.
    await console.get_by_role("button", name="Hide the table on the big screen").click()
    await expect(screen.locator("#cafe-question")).to_have_text("The most starred ideas so far", timeout=T)
    await expect(screen.locator("#cafe-top-list .cafe-idea-text")).to_have_text([IDEA], timeout=T)
    await expect(screen.locator("#cafe-top-list .cafe-idea-meta")).to_have_text("strongest · Table 1 — Oak · ★ 1")
    await fits(screen, "the big screen with the most starred ideas")
    await console.get_by_role("button", name="Close the harvest").click()
    await expect(console.locator("#cafe-ranking li")).to_have_text(
        [f"{IDEA} — table 1 — Oak, 1 star, strongest"], timeout=T
    )
    await expect(phones["Mo"].locator("#cafe-ranking li")).to_have_count(1, timeout=T)
    with urllib.request.urlopen(f"{server.http}/api/meetings/{meeting['id']}/harvest.md") as reply:
        harvest = reply.read().decode()
    assert IDEA in harvest and Q1 in harvest and Q2 in harvest
    # The printable harvest page: the ranking, both rounds' questions and seating, the table's idea as text.
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    watch_requests(page, seen)
    await page.goto(f"{server.http}/harvest/{meeting['id']}")
    await expect(page.locator("#title")).to_have_text(re.compile("^World Café harvest: "), timeout=T)
    await expect(page.locator(".ranking li")).to_have_text([f"{IDEA} — table 1 — Oak, 1 star"])
    await expect(page.get_by_text(Q1, exact=True)).to_be_visible()
    await expect(page.get_by_text(Q2, exact=True)).to_be_visible()
    await expect(page.locator("section[aria-label='Table 1 — Oak'] .ideas li")).to_contain_text([f"★ {IDEA}"])
    assert await page.locator("#body b, #body i, #body script").count() == 0  # the idea's markup stays text
    await assert_accessible(page, "the printable harvest")

    # The printable table cards: one per table, number, name and the QR of its join link.
    cards = await browser.new_page(viewport={"width": 1280, "height": 900})
    watch_requests(cards, seen)
    await cards.goto(meeting["facilitator_url"].replace("/facilitate/", "/cafe-cards/"))
    await expect(cards.locator(".card-name")).to_have_text(TABLES, timeout=T)
    await expect(cards.locator(".card-number")).to_have_text(["1", "2", "3"])
    qr = cards.locator(".card-qr").nth(1)
    await expect(qr).to_have_js_property("complete", True, timeout=T)
    assert decode_qr(await qr.screenshot()).endswith(f"/j/{meeting['code']}?room=c2")
    await assert_accessible(cards, "the table cards")
    await shot(cards, "cafe-cards.png")
    await cards.emulate_media(media="print")
    await expect(cards.locator("#print")).to_be_hidden()

    # Nothing came from anywhere but this server.
    assert all(u.startswith(server.http) or u.startswith("ws") or u.startswith("data:") for u in seen), {
        u for u in seen if not u.startswith(server.http)
    }


async def test_sixty_tables_fit_the_big_screen(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """The table map holds 60 tables with a question at 1280×720 and 1920×1080: every tile inside the
    screen, none in type under 14 px; axe clean."""
    console = await console_for(server, meeting, "json")
    try:
        await console.request("set_part", part="cafe")
        await console.request("cafe_setup", question=Q1)
        names = [f"{a}{b} grove" for a in ("Oak", "Elm", "Ash", "Yew", "Fir", "Bay") for b in "ABCDEFGHIJ"]
        await console.request("add_tables", count=60, names=names)
        # The tables' device links (the console's "Show the tables' device links"): for the facilitator only.
        links = (await console.request("table_links"))["links"]
        assert list(links) == [f"c{n}" for n in range(1, 61)]
        assert links["c7"].startswith(f"{server.http}/room/{meeting['id']}/c7#key=")
        phone = await phone_for(server, meeting, "json", "Ana")
        with pytest.raises(PlazaError) as refused:
            await phone.request("table_links")
        assert refused.value.code == "not_allowed"
        await phone.close()
        screen = await browser.new_page(viewport={"width": 1280, "height": 720})
        await screen.goto(meeting["screen_url"])
        await expect(screen.locator("#cafe-map .cafe-tile")).to_have_count(60, timeout=T)
        await expect(screen.locator("#cafe-question")).to_have_text(Q1, timeout=T)
        await fits(screen, "60 tables")
        for width, height in ((1280, 720), (1920, 1080)):
            await screen.set_viewport_size({"width": width, "height": height})
            await asyncio.sleep(0.4)
            smallest = await screen.evaluate(SMALLEST_TILE_TYPE)
            assert smallest >= 14, (width, height, smallest)
        await assert_accessible(screen, "the big screen with 60 tables")
    finally:
        await console.close()


async def test_a_late_arrival_from_a_table_card_and_a_leaver(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    """A phone that joins from a table's card during a round is seated at that table (its page says so at
    the top); a phone that leaves has no seat ("Take a seat" seats it again, nobody else moving)."""
    console = await console_for(server, meeting, "json")
    others = [await phone_for(server, meeting, "json", name) for name in ("Ana", "Bo", "Cy", "Di", "Ed")]
    seen: list[str] = []
    try:
        await console.request("set_part", part="cafe")
        await console.request(
            "cafe_setup", table_size=4, rounds=2, minutes=5, changeover=0, question=Q1
        )  # 3 + 3: room at both
        await console.request("add_tables", count=2, names=["Oak", "Elm"])
        leaver = await join_as(browser, meeting["join_url"], "Flo", seen)
        await console.request("seat_cafe")
        await console.request("start_round")
        await expect(leaver.locator("#cafe-go")).to_have_text(re.compile(r"^Round 1: table \d — (Oak|Elm)$"), timeout=T)

        # Flo leaves: no seat, and the table's part of the page goes.
        await leaver.get_by_role("button", name="I'm leaving the café").click()
        await expect(leaver.get_by_role("heading", name="You have no seat yet")).to_be_visible(timeout=T)
        await expect(leaver.locator("#cafe-table")).to_be_hidden()

        # Gus scans table 2's card (/j/CODE?room=c2) and joins: seated at Elm at once.
        late = await join_as(browser, f"{meeting['join_url']}?room=c2", "Gus", seen)
        await expect(late.locator("#cafe-go")).to_have_text("Round 1: table 2 — Elm", timeout=T)
        await expect(late.locator("#cafe-table-heading")).to_have_text(re.compile(r"^At table 2 — Elm: \d people$"))
        await expect(late.locator("#cafe-question")).to_have_text(Q1)
        await assert_accessible(late, "a late arrival's phone")

        # Flo takes a seat again.
        await leaver.get_by_role("button", name="Take a seat").click()
        await expect(leaver.locator("#cafe-go")).to_have_text(re.compile(r"^Round 1: table \d — (Oak|Elm)$"), timeout=T)
        await expect(leaver.locator("#cafe-unseated")).to_be_hidden()
    finally:
        for client in (console, *others):
            await client.close()
