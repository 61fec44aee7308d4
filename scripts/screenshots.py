"""Refresh the README's screenshots: docs/img/{screen,phone,console}.png, the stack in use
(docs/img/{screen-stack,phone-stack,console-stack}.png), a vote (docs/img/{screen-vote,
phone-vote,screen-outcome}.png) and breakout rooms (docs/img/{screen-rooms,phone-room,
room-device,console-rooms,screen-report}.png), and the organiser page
(docs/img/organiser.png).

.venv/bin/python -m scripts.screenshots     (starts its own server on a free port)
PLAZA_SHOTS=/tmp/shots .venv/bin/python -m scripts.screenshots     (writes elsewhere)

Meetings are created with the server's organiser key (ServerProcess reads it from links.json).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright

from server.client import PlazaClient
from server.testing import ServerProcess, free_port
from tests.test_browser import ARGS, CHROMIUM, PHONE
from tests.test_browser_assembly import cast, open_vote

OUT = Path(os.environ.get("PLAZA_SHOTS") or Path(__file__).resolve().parent.parent / "docs" / "img")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(data=Path(tmp) / "data", port=free_port()).start()
        try:
            meeting = server.create_meeting("Neighbourhood assembly — Parc Central")
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                screen = await browser.new_page(viewport={"width": 1280, "height": 720})
                await screen.goto(meeting["screen_url"])
                console = await browser.new_page(viewport={"width": 420, "height": 640})
                await console.goto(meeting["facilitator_url"])
                phones = []
                for name in ["Ana María", "Bo", "Chidi", "Dee"]:
                    page = await (await browser.new_context(**PHONE)).new_page()
                    await page.goto(meeting["join_url"])
                    await page.get_by_label("Your name").fill(name)
                    await page.get_by_role("button", name="Join").click()
                    await page.get_by_text("You're in").wait_for()
                    phones.append(page)
                await screen.get_by_text("4 people here").wait_for()
                await console.locator("#present").get_by_text("4").wait_for()
                OUT.mkdir(parents=True, exist_ok=True)
                await screen.screenshot(path=OUT / "screen.png")
                await phones[0].screenshot(path=OUT / "phone.png")
                await console.screenshot(path=OUT / "console.png")
                # The stack in use: Ana speaks, Chidi responds directly, Bo and Dee have new points.
                await phones[0].get_by_role("button", name="Raise hand").click()
                await console.get_by_role("button", name="Next speaker").click()
                await phones[0].get_by_role("heading", name="You have the floor").wait_for()
                await phones[1].get_by_role("button", name="Raise hand").click()
                await phones[2].get_by_label("Direct response").check()
                await phones[2].get_by_role("button", name="Raise hand").click()
                await phones[3].get_by_label("Point of information").check()
                await phones[3].get_by_role("button", name="Raise hand").click()
                await phones[1].locator("#my-place").get_by_text("on the stack").wait_for()
                await screen.locator("#next-list li").nth(2).wait_for()
                await screen.screenshot(path=OUT / "screen-stack.png")
                await phones[1].screenshot(path=OUT / "phone-stack.png", full_page=True)
                await console.screenshot(path=OUT / "console-stack.png", full_page=True)
                # A 2/3 vote: three ballots in, then the close.
                await open_vote(
                    console,
                    "A question",
                    "Yes / No / Abstain",
                    "Supermajority (2/3, 3/4…)",
                    question="Do we hold the street party on 14 June?",
                    fraction="2/3",
                )
                for phone, choice in zip(phones, ["Yes", "Yes", "No"], strict=False):
                    await cast(phone, choice)
                await screen.locator("#turnout").get_by_text("3 ballots").wait_for()
                await phones[3].locator("#vote-tally").get_by_text("3 ballots").wait_for()
                await screen.screenshot(path=OUT / "screen-vote.png")
                await phones[3].locator("#vote").screenshot(path=OUT / "phone-vote.png")
                await console.get_by_role("button", name="Close the vote").click()
                await screen.locator("#outcome").get_by_text("Passed").wait_for()
                await screen.screenshot(path=OUT / "screen-outcome.png")
                await browser.close()
        finally:
            server.stop()


async def breakouts() -> None:
    """A breakout round: the screen's grid, a phone in its room, a room's device, the console, a report."""
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(data=Path(tmp) / "data", port=free_port()).start()
        clients: list[PlazaClient] = []
        try:
            meeting = server.create_meeting("Tenants' assembly")
            names = ["Bo", "Chidi", "Dee", "Eun-ji", "Farid", "Grace", "Hamza", "Ines", "Jun", "Kofi", "Lena"]
            for name in names:
                phone = PlazaClient(server.ws, "msgpack")
                await phone.connect()
                await phone.hello("phone", code=meeting["code"])
                await phone.request("join", name=name)
                clients.append(phone)
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                screen = await browser.new_page(viewport={"width": 1280, "height": 720})
                await screen.goto(meeting["screen_url"])
                console = await browser.new_page(viewport={"width": 1366, "height": 900})
                await console.goto(meeting["facilitator_url"])
                phone = await (await browser.new_context(**PHONE)).new_page()
                await phone.goto(meeting["join_url"])
                await phone.get_by_label("Your name").fill("Ana María")
                await phone.get_by_role("button", name="Join").click()
                await phone.get_by_text("You're in").wait_for()
                await screen.get_by_text("12 people here").wait_for()
                facilitator = PlazaClient(server.ws, "json")
                await facilitator.connect()
                await facilitator.hello(
                    "facilitator", meeting=meeting["id"], key=meeting["facilitator_url"].split("#key=")[1]
                )
                clients.append(facilitator)
                await facilitator.request(
                    "start_breakouts",
                    rooms=4,
                    names=["Garden", "Kitchen", "Library", "Rooftop"],
                    question="What would make the building safer at night?",
                    minutes=20,
                )
                await phone.locator("#room-top").wait_for()
                me = await clients[0].wait_view("me", lambda v: v.get("rooms") is not None)
                room = me["rooms"]["room"]
                await clients[0].request("raise_hand")
                await clients[0].request("volunteer_rapporteur")
                await clients[0].request("add_note", text="The back door lock is broken")
                await facilitator.request("broadcast", text="Ten minutes left: choose who reports back")
                links = (await facilitator.request("room_links"))["links"]
                device = await browser.new_page(viewport={"width": 1280, "height": 800})
                await device.goto(links[room])
                await device.get_by_text("Ten minutes left").first.wait_for()
                await screen.get_by_text("Ten minutes left").first.wait_for()
                await asyncio.sleep(1.5)
                await screen.screenshot(path=OUT / "screen-rooms.png")
                await phone.screenshot(path=OUT / "phone-room.png")
                await device.screenshot(path=OUT / "room-device.png")
                await console.locator("#breakouts").screenshot(path=OUT / "console-rooms.png")
                await clients[0].request(
                    "write_report",
                    text="1. Fix the back door lock this week\n2. Lights on the stairs, on a timer\n"
                    "3. A phone tree for the night shift workers",
                )
                await facilitator.request("call_back", seconds=0)
                await facilitator.request("show_report", room=room)
                await screen.get_by_text("Report from").wait_for()
                await asyncio.sleep(1.0)
                await screen.screenshot(path=OUT / "screen-report.png")
                await browser.close()
        finally:
            for client in clients:
                await client.close()
            server.stop()


async def organiser() -> None:
    """The organiser page on a laptop, with three meetings, one of them ended."""
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(data=Path(tmp) / "data", port=free_port(), extra_args=["--title", "Tenants' assembly"])
        server.start()
        try:
            ended = server.create_meeting("Kitchen rota — March")
            server.create_meeting("Neighbourhood assembly — Parc Central")
            async with PlazaClient(server.ws, "json") as console:
                await console.hello("facilitator", meeting=ended["id"], key=ended["facilitator_url"].split("#key=")[1])
                await console.request("end_meeting")
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = await browser.new_page(viewport={"width": 900, "height": 1100})
                await page.goto(server.organiser_url)
                await page.get_by_role("heading", name="Meetings (3)").wait_for()
                OUT.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=OUT / "organiser.png")
                await browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
    asyncio.run(breakouts())
    asyncio.run(organiser())
