"""Refresh the README's Open Space screenshots from the phone: docs/img/phone-marketplace.png (the
marketplace, topics marked), docs/img/phone-circle.png (checked in to a circle during a slot, with
the circle's stack) and docs/img/news-wall.png (the news wall page with two reports, on a phone).

.venv/bin/python -m scripts.screenshots_openspace     (starts its own server on a free port)
PLAZA_SHOTS=/tmp/shots .venv/bin/python -m scripts.screenshots_openspace     (writes elsewhere)
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Page, async_playwright

from server.client import PlazaClient
from server.testing import ServerProcess, free_port
from tests.test_browser import ARGS, CHROMIUM, PHONE

OUT = Path(os.environ.get("PLAZA_SHOTS") or Path(__file__).resolve().parent.parent / "docs" / "img")

THEME = "How do we make Parc Central a place for everyone?"
TOPICS = {  # who posts what (title, one line)
    "Bo": [("Shade and water fountains", "Summer is coming: where do we need them most?")],
    "Chidi": [("A tool library in the old kiosk", "Borrow a drill instead of buying one")],
    "Dee": [("Night lighting on the east path", "")],
    "Eun-ji": [("Kids' corner: who keeps it safe?", "Volunteers, rotas, a first-aid kit")],
    "Farid": [("Monthly repair café", "Bring it broken, take it home fixed")],
}
WANTS = {
    "Bo": ["o2", "o3"],
    "Chidi": ["o1", "o4"],
    "Dee": ["o1", "o2", "o5"],
    "Eun-ji": ["o1", "o3"],
    "Farid": ["o4", "o2"],
}
REPORTS = {
    "Bo": {
        "key_points": "Three fountains, not one: by the playground, the benches and the east gate.\n"
        "Shade sails over the playground before July.",
        "proposals": "Ask the council for the fountains in this year's budget.",
        "next_steps": "Bo writes to the council by Friday.\nDee maps the sunniest spots.",
    },
    "Chidi": {
        "key_points": "The kiosk is empty and the council would lend it.\n40 people would use a tool library.",
        "proposals": "Open it on Saturday mornings, run by volunteers.",
        "next_steps": "Chidi asks the council for the key.\nAn inventory of donated tools next month.",
    },
}


PEOPLE = [["Bo", "Dee", "Eun-ji", "Ana María", "Grace"], ["Chidi", "Farid", "Hamza", "Ines"]]


def tomorrow_at(hour: int, minute: int = 0) -> int:
    day = datetime.now() + timedelta(days=1)
    return int(day.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp())


async def phone_client(server: ServerProcess, meeting: dict[str, Any], name: str) -> PlazaClient:
    phone = PlazaClient(server.ws, "json")
    await phone.connect()
    await phone.hello("phone", code=meeting["code"])
    ack = await phone.request("join", name=name)
    phone.pid = ack["participant"]  # type: ignore[attr-defined]
    return phone


async def settle(page: Page) -> None:
    await page.evaluate("window.scrollTo(0, 0)")
    await asyncio.sleep(0.6)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(data=Path(tmp) / "data", port=free_port()).start()
        clients: list[PlazaClient] = []
        try:
            meeting = server.create_meeting("Spring gathering — Parc Central")
            facilitator = PlazaClient(server.ws, "json")
            await facilitator.connect()
            await facilitator.hello(
                "facilitator", meeting=meeting["id"], key=meeting["facilitator_url"].split("#key=")[1]
            )
            clients.append(facilitator)
            await facilitator.request("set_part", part="openspace")
            await facilitator.request("set_theme", theme=THEME)
            for name, capacity in (("Big tree", 30), ("Kitchen", 10), ("Library", 12)):
                await facilitator.request("add_space", name=name, capacity=capacity)
            for hour in (10, 11):
                await facilitator.request("add_slot", start=tomorrow_at(hour), end=tomorrow_at(hour, 50))
            phones = {name: await phone_client(server, meeting, name) for name in TOPICS}
            clients += phones.values()
            for name, topics in TOPICS.items():
                for title, description in topics:
                    await phones[name].request("post_topic", title=title, description=description)
            for name, wants in WANTS.items():
                for topic in wants:
                    await phones[name].request("mark_interest", topic=topic)
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                ana = await (await browser.new_context(**PHONE)).new_page()
                await ana.goto(meeting["join_url"])
                await ana.get_by_label("Your name").fill("Ana María")
                await ana.get_by_role("button", name="Join").click()
                await ana.get_by_role("heading", name="You're in, Ana María.").wait_for()
                await ana.get_by_label("Your topic", exact=True).fill("A community fridge against food waste")
                await ana.get_by_label("One line about it (optional)").fill("Who hosts it, who cleans it")
                await ana.get_by_role("button", name="Post topic").click()
                await ana.get_by_text("You posted 1 of 3 topics.").wait_for()
                await ana.get_by_role("button", name="I want to go: Shade and water fountains").click()
                await ana.get_by_role("button", name="I want to go: A tool library in the old kiosk").click()
                await ana.get_by_label("Your topic", exact=True).fill("Benches that face each")
                OUT.mkdir(parents=True, exist_ok=True)
                await ana.locator("#os-topic-list li").nth(5).wait_for()
                await ana.evaluate(
                    "scrollTo(0, document.querySelector('#os-posted').getBoundingClientRect().top + scrollY - 12)"
                )
                await asyncio.sleep(0.6)
                await ana.screenshot(path=OUT / "phone-marketplace.png")

                # The wall, then the first slot: Ana checks in to a circle, where someone raises a hand and
                # someone adds a note.
                await ana.get_by_label("Your topic", exact=True).fill("")
                await facilitator.request("make_schedule")
                await facilitator.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None)
                wall = (await facilitator.wait_view("facilitator"))["openspace"]["wall"]
                first = wall["slots"][0]["slot"]
                posters = [name for name, topics in TOPICS.items() for _ in topics]  # o1, o2, … in order
                # Ana's own circle if it meets now (she is its reporter: the harvest form shows), else one
                # she wants, else any.
                ana_topic = f"o{len(posters) + 1}"
                now = [c for c in wall["cells"] if c["slot"] == first]
                circle = next(
                    (c for c in now if c["topic"] == ana_topic),
                    next((c for c in now if c["topic"] in ("o1", "o2")), now[0]),
                )
                convener = "Ana María" if circle["topic"] == ana_topic else posters[int(circle["topic"][1:]) - 1]
                others = [name for name in phones if name != convener]
                if convener != "Ana María":  # she wants the circle she goes to: it is one of her topics now
                    want = ana.get_by_role("button", name=f"I want to go: {circle['title']}")
                    if await want.get_attribute("aria-pressed") != "true":
                        await want.click()
                        await ana.locator(f"#os-mine-list li:has-text('{circle['title']}')").wait_for()
                await facilitator.request("start_slot", slot=first)
                for name in (convener, *others[:2]) if convener in phones else others[:3]:
                    await phones[name].request("check_in", topic=circle["topic"])
                await phones[others[0]].request("raise_hand")
                await phones[others[1]].request("add_note", text="Ask the school if we can use their hall")
                await ana.get_by_role("button", name=f"I'm here: {circle['title']}", exact=False).click()
                await ana.locator("#os-circle").wait_for()
                await ana.get_by_text(f"Next: {others[0]}").wait_for()
                await ana.evaluate(
                    "scrollTo(0, document.querySelector('#os-now').getBoundingClientRect().top + scrollY - 12)"
                )
                await asyncio.sleep(0.6)
                await ana.screenshot(path=OUT / "phone-circle.png")
                if os.environ.get("PLAZA_SHOTS"):  # further down: the circle's stack and notes, for looking at
                    await ana.evaluate("document.querySelector('#os-circle').scrollIntoView({block: 'start'})")
                    await asyncio.sleep(0.3)
                    await ana.screenshot(path=OUT / "phone-circle-stack.png")
                    await ana.screenshot(path=OUT / "phone-circle-full.png", full_page=True)

                # Two reports on the news wall, seen on a phone.
                for (name, report), people in zip(REPORTS.items(), PEOPLE, strict=True):
                    topic = "o1" if name == "Bo" else "o2"
                    await phones[name].request("write_harvest", topic=topic, participants=people, **report)
                news = await (await browser.new_context(**PHONE)).new_page()
                await news.goto(f"{server.http}/news/{meeting['id']}")
                await news.get_by_text("Reporter: Chidi").wait_for()
                await settle(news)
                await news.screenshot(path=OUT / "news-wall.png")
                if os.environ.get("PLAZA_SHOTS"):  # a look at the news wall on a projector, not for the README
                    wide = await browser.new_page(viewport={"width": 1920, "height": 1080})
                    await wide.goto(f"{server.http}/news/{meeting['id']}")
                    await wide.get_by_text("Reporter: Chidi").wait_for()
                    await settle(wide)
                    await wide.screenshot(path=OUT / "news-wall-projector.png")
                await browser.close()
        finally:
            for client in clients:
                await client.close()
            server.stop()


if __name__ == "__main__":
    started = time.monotonic()
    asyncio.run(main())
    print(f"written to {OUT} in {time.monotonic() - started:.1f} s")
