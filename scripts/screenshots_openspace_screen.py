"""Refresh the README's Open Space screenshots of the big screen and the console:
docs/img/screen-marketplace.png (the marketplace filling up), docs/img/screen-wall.png (the wall
with the first slot running and live headcounts) and docs/img/console-openspace.png (the console's
wall after "Make the schedule" and a move by hand, with the conflict counts).

.venv/bin/python -m scripts.screenshots_openspace_screen     (starts its own server on a free port)
PLAZA_SHOTS=/tmp/shots .venv/bin/python -m scripts.screenshots_openspace_screen     (writes elsewhere)
"""

from __future__ import annotations

import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

from server.client import PlazaClient
from server.testing import ServerProcess, free_port
from tests.test_browser import ARGS, CHROMIUM

OUT = Path(os.environ.get("PLAZA_SHOTS") or Path(__file__).resolve().parent.parent / "docs" / "img")

THEME = "How do we make Parc Central a place for everyone?"
SPACES = [("Big tree", 30), ("Kitchen", 10), ("Library", 12), ("Bandstand", 40), ("Rose garden", 15), ("Boathouse", 8)]
TOPICS = [
    ("Bo", "Shade and water fountains"),
    ("Chidi", "A tool library in the old kiosk"),
    ("Dee", "Night lighting on the east path"),
    ("Eun-ji", "Kids' corner: who keeps it safe?"),
    ("Farid", "Monthly repair café"),
    ("Grace", "Benches that face each other"),
    ("Hamza", "A community fridge against food waste"),
    ("Ines", "Dogs off the lead: where and when?"),
    ("Jun", "Football pitch bookings that are fair"),
    ("Kofi", "Music on Sunday afternoons"),
    ("Lena", "Composting the leaves instead of burning them"),
    ("Bo", "Toilets that open before 10"),
    ("Chidi", "Skate ramps for the teenagers"),
    ("Mei", "Wildflower meadow by the pond"),
    ("Dee", "Bike racks at every gate"),
    ("Nadia", "A noticeboard in five languages"),
    ("Omar", "Litter picking with the school"),
    ("Grace", "Accessible paths for wheelchairs and buggies"),
    ("Pablo", "Free yoga on the lawn"),
    ("Lena", "A map of trees, with their stories"),
]
OTHERS = [
    "Quinn",
    "Rosa",
    "Sami",
    "Tomás",
    "Uma",
    "Vik",
    "Wren",
    "Xia",
    "Yusuf",
    "Zoë",
    "Ana María",
    "Ben",
    "Carmen",
    "Dmitri",
    "Elif",
    "Femi",
    "Gita",
]


async def phone(server: ServerProcess, code: str, name: str) -> tuple[str, PlazaClient]:
    client = PlazaClient(server.ws, "msgpack")
    await client.connect()
    await client.hello("phone", code=code)
    ack = await client.request("join", name=name)
    return ack["participant"], client


async def main() -> None:
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(data=Path(tmp) / "data", port=free_port()).start()
        clients: list[PlazaClient] = []
        try:
            meeting = server.create_meeting("Spring gathering — Parc Central")
            con = PlazaClient(server.ws, "json")
            await con.connect()
            await con.hello("facilitator", meeting=meeting["id"], key=meeting["facilitator_url"].split("#key=")[1])
            clients.append(con)
            await con.request("set_part", part="openspace")
            await con.request("set_theme", theme=THEME)
            for name, places in SPACES:
                await con.request("add_space", name=name, capacity=places)
            # The first slot starts in a minute (it is started by hand just early, below): the wall's clock reads true.
            first = int(time.time()) + 60
            for i in range(4):
                await con.request("add_slot", start=first + i * 3900, end=first + i * 3900 + 3000)
            names = list(dict.fromkeys([n for n, _ in TOPICS] + OTHERS))
            people = dict([await phone(server, meeting["code"], n) for n in names])
            by_name = {c: pid for pid, c in zip(people, names, strict=True)}
            clients += people.values()
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                screen = await browser.new_page(viewport={"width": 1280, "height": 720})
                await screen.goto(meeting["screen_url"])
                # The marketplace: the topics come in, and people mark the ones they want.
                for name, title in TOPICS[:14]:
                    await people[by_name[name]].request("post_topic", title=title)
                for client in people.values():
                    for k in rnd.sample(range(14), 4):
                        await client.request("mark_interest", topic=f"o{k + 1}")
                await screen.get_by_text("14 topics posted").wait_for()
                await asyncio.sleep(1.0)
                OUT.mkdir(parents=True, exist_ok=True)
                await screen.screenshot(path=OUT / "screen-marketplace.png")

                for name, title in TOPICS[14:]:
                    await people[by_name[name]].request("post_topic", title=title)
                for client in people.values():
                    for k in rnd.sample(range(14, 20), 2):
                        await client.request("mark_interest", topic=f"o{k + 1}")

                # The console makes the schedule, and the facilitator moves one topic by hand.
                console = await browser.new_page(viewport={"width": 1440, "height": 1900})
                await console.goto(meeting["facilitator_url"])
                await console.get_by_role("button", name="Make the schedule").click()
                view = (await con.wait_view("facilitator", lambda v: v["openspace"]["schedule"] is not None))[
                    "openspace"
                ]
                slots = [s["slot"] for s in view["wall"]["slots"]]
                cells = view["wall"]["cells"]
                taken = {(c["slot"], c["space"]) for c in cells}
                conveners = {t["topic"]: set(t["conveners_ids"]) for t in view["topics"]}
                # Which move would help?  Try each on the server (and move it back); then make it on the page.
                best = None
                tries = 0
                for cell in [c for c in cells if c["slot"] in slots[1:]]:
                    if tries >= 12:
                        break
                    busy = {c["slot"] for c in cells if conveners[c["topic"]] & conveners[cell["topic"]]}
                    for slot in slots[1:]:
                        free = [sp["space"] for sp in view["wall"]["spaces"] if (slot, sp["space"]) not in taken]
                        if slot in busy or slot == cell["slot"] or not free:
                            continue
                        await con.request("move_topic", topic=cell["topic"], slot=slot, space=free[0])
                        after = await con.wait_view(
                            "facilitator",
                            lambda v, t=cell["topic"]: (v["openspace"]["last_move"] or {}).get("topic") == t,
                        )
                        change = after["openspace"]["last_move"]["change"]
                        await con.request("move_topic", topic=cell["topic"], slot=cell["slot"], space=cell["space"])
                        tries += 1
                        await asyncio.sleep(0.4)  # the console's messages are rate-limited too
                        if best is None or change < best[0]:
                            best = (change, cell["topic"], slot, free[0])
                    if best and best[0] < 0:
                        break
                assert best is not None
                await con.wait_view("facilitator", lambda v: v["openspace"]["conflicts"] == view["conflicts"])
                _, topic, slot, space = best
                await console.locator(f'#os-grid [data-topic="{topic}"]').click()
                await console.locator(f'#os-grid [data-cell="{slot}|{space}"]').click()
                await con.wait_view(
                    "facilitator",
                    lambda v: any(c["topic"] == topic and c["slot"] == slot for c in v["openspace"]["wall"]["cells"]),
                )

                # The first slot starts; people check in to its circles, and some move on.
                await con.request("start_slot", slot=slots[0])
                view = (await con.wait_view("facilitator", lambda v: v["openspace"]["wall"]["running"] is not None))[
                    "openspace"
                ]
                here = [c["topic"] for c in view["wall"]["cells"] if c["slot"] == slots[0]]
                for i, client in enumerate(people.values()):
                    if i % 7 != 6:  # a few butterflies
                        await client.request("check_in", topic=here[rnd.randrange(len(here))])
                await screen.get_by_text("Now ·").first.wait_for()
                await asyncio.sleep(1.5)
                await screen.screenshot(path=OUT / "screen-wall.png")

                if await console.locator("#os-market").evaluate("(d) => d.open"):
                    await console.locator("#os-market > summary").click()
                # A topic chosen, to show where it can go: the free cells say "Move here".
                await console.locator(f'#os-grid [data-cell^="{slots[2]}|"][data-topic]').first.click()
                if await console.locator("#os-toast").is_visible():
                    await console.get_by_role("button", name="Dismiss").click()
                await console.locator("#openspace").evaluate("(h) => h.scrollIntoView({block: 'start'})")
                await asyncio.sleep(1.0)
                # The Open Space panel down to the box under the wall, as the facilitator sees it.
                card = await console.locator("#openspace").bounding_box()
                end = await console.locator("#os-selected").bounding_box()
                assert card is not None and end is not None
                await console.screenshot(
                    path=OUT / "console-openspace.png",
                    clip={
                        "x": card["x"] - 8,
                        "y": card["y"] - 8,
                        "width": card["width"] + 16,
                        "height": end["y"] + end["height"] - card["y"] + 24,
                    },
                )
                await browser.close()
        finally:
            for client in clients:
                await client.close()
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
