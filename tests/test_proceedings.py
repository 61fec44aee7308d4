"""An Open Space's proceedings over a real server: ``/api/meetings/{id}/proceedings.json`` and ``.md``
(the theme, the wall as it ran, every report with who took part, the dot-vote ranking, the adopted
priorities with who adopted them) and the printable page ``/proceedings/{id}`` in Chromium, with axe."""

from __future__ import annotations

import json
import time
from typing import Any

from playwright.async_api import Browser, expect

from tests.conftest import TIMEOUT_FACTOR, ServerProcess
from tests.pages import assert_accessible
from tests.test_browser import browser  # noqa: F401  (the fixture)
from tests.test_openspace_socket import paced
from tests.test_rooms_socket import close_all, phone_for
from tests.test_stack_socket import console_for

T = 10 * TIMEOUT_FACTOR


async def an_open_space(server: ServerProcess, meeting: dict[str, Any]) -> None:
    """Theme, two spaces, two slots, three topics on the wall; the first slot runs with check-ins; two
    reports; dots; a ranking; one priority adopted by two people."""
    console = await console_for(server, meeting, "json")
    ana, bo, cy = [await phone_for(server, meeting, "json", n) for n in ("Ana", "Bo", "Cy <b>")]
    paced(console, ana, bo, cy)
    start = int(time.time()) + 3600
    try:
        await console.request("set_part", part="openspace")
        await console.request("set_theme", theme="How do we run the kitchen?")
        await console.request("add_space", name="Big tree", capacity=30)
        await console.request("add_space", name="Kitchen", capacity=8)
        await console.request("add_slot", start=start, end=start + 3000)
        await console.request("add_slot", start=start + 3600, end=start + 6600)
        await ana.request("post_topic", title="Rota", description="Who cooks when")
        await bo.request("post_topic", title="Compost")
        await cy.request("post_topic", title="Budget")
        await bo.request("co_convene", topic="o3")
        for phone, topics in ((ana, ["o2"]), (bo, ["o1"]), (cy, ["o1", "o2"])):
            for t in topics:
                await phone.request("mark_interest", topic=t)
        await console.request("make_schedule")
        for t in ("o1", "o2", "o3"):  # then laid out by hand, so the test knows where each is
            await console.request("move_topic", topic=t, slot="")
        await console.request("move_topic", topic="o1", slot="t1", space="s1")
        await console.request("move_topic", topic="o2", slot="t1", space="s2")
        await console.request("move_topic", topic="o3", slot="t2", space="s1")
        await console.request("start_slot", slot="t1")
        await bo.request("check_in", topic="o1")
        await cy.request("check_in", topic="o1")
        await cy.request("check_in", topic="o2")  # the Law of Two Feet
        await ana.request("write_harvest", topic="o1", key_points="Cook in pairs\nA rota on the door", next_steps="Ask")
        await bo.request("write_harvest", topic="o2", proposals="A second bin")
        await console.request("end_slot", slot="t1")
        await console.request("open_dots", dots=3)
        await ana.request("place_dots", topic="o2", dots=1)
        await bo.request("place_dots", topic="o1", dots=2)
        await cy.request("place_dots", topic="o1", dots=3)
        await console.request("close_dots")
        await ana.request("adopt_priority", topic="o1")
        await cy.request("adopt_priority", topic="o1")
    finally:
        await close_all(console, ana, bo, cy)


async def test_the_proceedings_come_from_the_log_as_json_and_markdown(
    server: ServerProcess, meeting: dict[str, Any]
) -> None:
    mid = meeting["id"]
    status, body, kind = server.get(f"/api/meetings/{mid}/proceedings.json")
    assert status == 200 and kind.startswith("application/json")
    assert json.loads(body)["open_space"] is False  # before any Open Space: an empty record, not an error
    await an_open_space(server, meeting)
    server.stop()  # what a restarted server folds from the log, not what one process remembers
    server.start()
    status, body, kind = server.get(f"/api/meetings/{mid}/proceedings.json")
    assert status == 200
    data = json.loads(body)
    assert data["theme"] == "How do we run the kitchen?" and data["meeting"]["id"] == mid
    t1, t2 = data["wall"]
    assert t1["started_at"] and t1["ended_at"] and t2["started_at"] is None
    rota, compost = t1["topics"]
    assert (rota["title"], rota["space"], rota["convener"], rota["came"], rota["interest"]) == (
        "Rota",
        "Big tree",
        "Ana",
        2,
        2,
    )
    assert (compost["title"], compost["space"], compost["came"]) == ("Compost", "Kitchen", 1)
    assert [(t["title"], t["convener"], t["coconveners"]) for t in t2["topics"]] == [("Budget", "Cy <b>", ["Bo"])]
    reports = {r["title"]: r for r in data["reports"]}
    assert reports["Rota"]["participants"] == ["Bo", "Cy <b>"] and reports["Rota"]["reporter"] == "Ana"
    assert reports["Rota"]["key_points"] == "Cook in pairs\nA rota on the door"
    assert reports["Compost"]["participants"] == ["Cy <b>"] and reports["Compost"]["proposals"] == "A second bin"
    assert [(p["rank"], p["title"], p["dots"]) for p in data["ranking"]] == [(1, "Rota", 5), (2, "Compost", 1)]
    assert [(p["title"], p["adopted_by"]) for p in data["adopted"]] == [("Rota", ["Ana", "Cy <b>"])]

    status, body, kind = server.get(f"/api/meetings/{mid}/proceedings.md")
    assert status == 200 and kind.startswith("text/markdown")
    text = body.decode()
    for line in (
        "**Theme:** How do we run the kitchen?",
        "- **Rota** — Big tree; convened by Ana; 2 interested, 2 came",
        "- **Budget** — Big tree; convened by Cy <b> with Bo; 0 interested, 0 came",
        "Took part: Bo, Cy <b>",
        "> A rota on the door",
        "1. Rota (5 dots)",
        "2. Compost (1 dot)",
        "- Rota: adopted by Ana, Cy <b>",
    ):
        assert line in text, line

    status, body, _ = server.get(f"/api/meetings/{mid}/proceedings.html")
    assert status == 404 and json.loads(body)["error"]["code"] == "unknown_format"
    status, body, _ = server.get("/api/meetings/nosuchmeeting/proceedings.json")
    assert status == 404 and json.loads(body)["error"]["code"] == "unknown_meeting"


async def test_the_printable_page_shows_everything_and_is_accessible(
    browser: Browser,  # noqa: F811
    server: ServerProcess,
    meeting: dict[str, Any],
) -> None:
    await an_open_space(server, meeting)
    for viewport in ({"width": 360, "height": 640}, {"width": 1280, "height": 900}):
        context = await browser.new_context(viewport=viewport)
        page = await context.new_page()
        try:
            await page.goto(f"{server.http}/proceedings/{meeting['id']}")
            await expect(page.get_by_role("heading", name="Proceedings: Test assembly", level=1)).to_be_visible(
                timeout=T * 1000
            )
            await expect(page.get_by_text("How do we run the kitchen?")).to_be_visible()
            table = page.get_by_role("table")
            await expect(table).to_contain_text("Rota")
            await expect(table).to_contain_text("Cy <b> with Bo")  # a name is text, never HTML
            assert await page.locator("b").count() == 0
            report = page.get_by_role("region", name="Report: Rota")
            await expect(report).to_contain_text("Took part: Bo, Cy <b>.")
            await expect(report).to_contain_text("A rota on the door")
            await expect(page.get_by_role("list").filter(has_text="Rota — 5 dots")).to_be_visible()
            await expect(page.get_by_text("adopted by Ana, Cy <b>")).to_be_visible()
            await expect(page.get_by_role("button", name="Print the proceedings")).to_be_visible()
            await assert_accessible(page, f"the proceedings at {viewport['width']} px")
            overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
            assert not overflow, "the page scrolls sideways"
            # Printed: no buttons or links to click, the content kept.
            await page.emulate_media(media="print")
            await expect(page.get_by_role("button", name="Print the proceedings")).to_be_hidden()
            await expect(page.get_by_role("region", name="Report: Compost")).to_be_visible()
            pdf = await page.pdf(format="A4")
            assert pdf.startswith(b"%PDF")
        finally:
            await context.close()
