"""The audio and interpretation pages in Chromium, through the real server, without needing sound to flow.

A language channel added on the console reaches a phone's "Listen to" choice; a captioner's line
reaches the phone under the player and, once the console puts the channel on the big screen, the
screen's captions bar (which never covers the QR); two interpreters name themselves in the booth,
one goes live, offers the handover and the other takes over, each page saying who is live; a
captioner's page shows only the captions; with audio off on the server the phone has no sound card.
axe finds nothing on any of them.  Chromium runs with fake media devices (the interpreter's "Enter
the booth" opens the microphone).  ``PLAZA_SHOTS=<folder>`` also writes screenshots to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from server.client import PlazaClient
from tests.conftest import ServerProcess, free_port, key_of
from tests.pages import INSIDE, assert_accessible
from tests.test_browser import ARGS, CHROMIUM, TIMEOUT_MS

pytestmark = pytest.mark.browser

MEDIA_ARGS = [*ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
SHOTS = os.environ.get("PLAZA_SHOTS")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server with its media process, as ``python -m server`` starts by default."""
    proc = ServerProcess(data=tmp_path / "data", port=free_port(), media=True)
    try:  # a start that times out must not leave the server (and its media process) running
        yield proc.start()
    finally:
        proc.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=MEDIA_ARGS)
        yield b
        await b.close()


async def shot(page: Page, name: str, full_page: bool = False) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SHOTS) / name), full_page=full_page)


async def new_page(browser: Browser, errors: list[str], **context: Any) -> Page:
    page = await (await browser.new_context(**context)).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


async def console_client(server: ServerProcess, meeting: dict[str, Any]) -> PlazaClient:
    con = PlazaClient(server.ws, fmt="json")
    await con.connect()
    await con.hello("facilitator", meeting=meeting["id"], key=key_of(meeting["facilitator_url"]))
    return con


async def joined_phone(browser: Browser, meeting: dict[str, Any], name: str, errors: list[str]) -> Page:
    page = await new_page(browser, errors, **PHONE)
    await page.goto(meeting["join_url"])
    await expect(page.locator("#connection")).to_be_hidden()  # connected: a tap before that is refused
    await page.get_by_label("Your name").fill(name)
    await page.get_by_role("button", name="Join").click()
    await expect(page.locator("#joined")).to_be_visible()
    return page


def link_fields(url: str) -> dict[str, str]:
    """key, channel (and role) from a booth link's fragment."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).fragment).items()}


async def test_a_channel_from_the_console_reaches_the_phone_and_the_big_screen(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    errors: list[str] = []
    console = await new_page(browser, errors, viewport={"width": 1280, "height": 900})
    await console.goto(meeting["facilitator_url"])
    section = console.locator("#interpretation")
    add = section.get_by_role("group", name="New language channel")
    await add.get_by_label("Name").fill("Español")
    await add.get_by_label("Language code").fill("es")
    await expect(add.get_by_label("Where")).to_have_value("")  # the plenary
    await add.get_by_role("button", name="Add channel").click()
    row = section.locator(".in-channel")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Español (es)")
    await expect(row).to_contain_text("Plenary")
    await expect(row).to_contain_text("Nobody live")
    await expect(add.get_by_label("Name")).to_have_value("")
    await expect(section.get_by_label("Name of Español")).to_have_value("Español")  # its row's edit form

    phone = await joined_phone(browser, meeting, "Dana", errors)
    card = phone.locator("#audio")
    await expect(card).to_be_visible()
    choice = phone.get_by_label("Listen to")
    await expect(choice.locator("option")).to_have_text(["The floor", "Español (es) · nobody interpreting now"])
    await expect(phone.get_by_role("button", name="Listen", exact=True)).to_be_visible()
    await expect(phone.get_by_role("button", name="Join with audio")).to_be_visible()
    await expect(phone.get_by_label(re.compile("^Floor under interpretation"))).to_be_hidden()
    await choice.select_option(label="Español (es) · nobody interpreting now")
    await expect(phone.get_by_label(re.compile("^Floor under interpretation"))).to_be_visible()
    await expect(phone.locator("#audio-no-captions")).to_be_visible()

    # The links, with copy buttons; the captioner's line reaches the phone under the player.
    await section.get_by_role("button", name="Interpreter & captioner links").click()
    interpreter_link = section.get_by_role("textbox", name="Interpreter link for Español")
    captioner_link = section.get_by_role("textbox", name="Captioner link for Español")
    await expect(interpreter_link).to_have_value(re.compile(r"/interpret/.+#key=.+&channel=.+"))
    await expect(captioner_link).to_have_value(re.compile(r"&role=captioner$"))
    await expect(section.get_by_role("button", name="Copy the captioner link for Español")).to_be_visible()
    fields = link_fields(await captioner_link.input_value())
    captioner = PlazaClient(server.ws, fmt="json")
    await captioner.connect()
    await captioner.hello("captioner", meeting=meeting["id"], key=fields["key"], channel=fields["channel"])
    await captioner.request("caption", text="Buenas tardes a todas y todos.")
    await expect(phone.locator("#audio-caption-lines li")).to_have_text(["Buenas tardes a todas y todos."])
    await assert_accessible(phone, "the phone listening to a channel")
    await shot(phone, "audio-phone-listen.png")

    # The big screen shows the channel's captions once the console chooses it, under everything.
    screen = await new_page(browser, errors, viewport={"width": 1920, "height": 1080})
    await screen.goto(meeting["screen_url"])
    await expect(screen.locator("#code")).to_have_text(meeting["code"])
    await expect(screen.locator("#captions-bar")).to_be_hidden()
    await section.get_by_label("Captions on the big screen").select_option(label="Español")
    await expect(screen.locator("#captions-bar")).to_be_visible()
    await captioner.request("caption", text="Empezamos con el primer punto: el alquiler.")
    await expect(screen.locator(".captions-line")).to_have_text(
        ["Buenas tardes a todas y todos.", "Empezamos con el primer punto: el alquiler."]
    )
    await screen.wait_for_timeout(300)  # the layout above the bar fits itself again
    bar = await screen.locator("#captions-bar").bounding_box()
    for what in ("#qr", "#code", ".present"):
        box = await screen.locator(what).bounding_box()
        assert bar and box and box["y"] + box["height"] <= bar["y"] + 0.5, f"{what} runs under the captions bar"
    assert await screen.evaluate(INSIDE, ["#qr", "#code", ".captions-line"]) == []
    await assert_accessible(screen, "the big screen with captions")
    await shot(screen, "audio-screen-captions.png")
    await assert_accessible(console, "the console's interpretation section")
    await shot(console, "audio-console.png")

    await section.get_by_label("Captions on the big screen").select_option(label="None")
    await expect(screen.locator("#captions-bar")).to_be_hidden()
    await captioner.close()
    assert errors == []


async def test_interpreters_go_live_and_hand_over_in_the_booth(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    errors: list[str] = []
    con = await console_client(server, meeting)
    await con.request("add_channel", name="Español", language="es", room="")
    view = await con.wait_view("facilitator", lambda v: bool(v.get("audio", {}).get("channels")))
    channel = view["audio"]["channels"][0]["id"]
    links = (await con.request("channel_links"))["links"][channel]

    laptop = await new_page(browser, errors, viewport={"width": 1280, "height": 800})
    small = await new_page(browser, errors, **PHONE)
    for page, name in ((laptop, "Ana"), (small, "Bo")):
        await page.goto(links["interpreter"])
        await expect(page.get_by_role("heading", name="Español (es)")).to_be_visible()
        await assert_accessible(page, "the booth's name step")
        await page.get_by_label("Your name").fill(name)
        await page.get_by_role("button", name="Enter the booth").click()
        await expect(page.get_by_role("button", name="Go live")).to_be_visible()
    await expect(laptop.locator("#partners")).to_have_text("In the booth with you: Bo.")
    await expect(small.locator("#live-who")).to_have_text("Nobody is live: the channel is silent.")

    # Ana goes live: both pages say so; Bo can't go live over her.
    await laptop.get_by_role("button", name="Go live").click()
    await expect(laptop.locator("#onair-badge")).to_have_text("You are live")
    await expect(laptop.get_by_role("button", name="Stop")).to_be_visible()
    await expect(small.locator("#live-who")).to_have_text("Ana")
    await expect(small.get_by_role("button", name="Go live")).to_be_disabled()
    await expect(small.get_by_role("button", name="Take over")).to_be_hidden()
    await expect(laptop.locator("#clock-time")).to_have_text(re.compile(r"^0:0\d$"))
    await assert_accessible(laptop, "the booth, live")

    # Ana offers the handover; Bo takes over with one click.
    await laptop.get_by_role("button", name="Offer handover").click()
    await expect(laptop.locator("#offer-state")).to_contain_text("Handover offered")
    await expect(small.locator("#handover-text")).to_have_text("Ana offers you the handover.")
    await expect(small.get_by_role("button", name="Go live")).to_be_hidden()
    await assert_accessible(small, "the booth, a handover offered")
    await shot(small, "audio-booth-offer.png", full_page=True)
    await small.get_by_role("button", name="Take over").click()
    await expect(small.locator("#onair-badge")).to_have_text("You are live")
    await expect(laptop.locator("#live-who")).to_have_text("Bo")
    await expect(laptop.locator("#onair-badge")).to_have_text("Live")
    await con.wait_view(
        "facilitator",
        lambda v: v["audio"]["channels"][0]["live"] == "Bo" and v["audio"]["channels"][0]["handovers"] >= 1,
    )

    # A caption typed in one booth page (Enter sends) is in the other's recent captions.
    await laptop.get_by_label("Caption line (Enter sends)").fill("Hola a todas")
    await laptop.keyboard.press("Enter")
    await expect(small.locator("#recent .text")).to_have_text(["Hola a todas"])
    await expect(laptop.get_by_label("Caption line (Enter sends)")).to_have_value("")
    await shot(laptop, "audio-booth-laptop.png", full_page=True)

    # Back after a reload, Bo is still Bo (remembered on this device) and still live.
    await small.reload()
    await expect(small.locator("#onair-badge")).to_have_text("You are live")
    await expect(small.locator("#name-step")).to_be_hidden()
    await small.get_by_role("button", name="Stop").click()
    await expect(laptop.locator("#live-who")).to_have_text("Nobody is live: the channel is silent.")

    # The captioner's page: the captions, nothing else.
    captioner = await new_page(browser, errors, **PHONE)
    await captioner.goto(links["captioner"])
    await expect(captioner.get_by_role("heading", name="Captions · Español (es)")).to_be_visible()
    await expect(captioner.locator("#recent .text")).to_have_text(["Hola a todas"])
    await expect(captioner.get_by_role("button", name="Go live")).to_have_count(0)
    await captioner.get_by_label("Caption line (Enter sends)").fill("Second line")
    await captioner.get_by_role("button", name="Send caption").click()
    await expect(laptop.locator("#recent .text")).to_have_text(["Hola a todas", "Second line"])
    await assert_accessible(captioner, "the captioner's page")

    # A link with a wrong key says so.
    wrong = await new_page(browser, errors, **PHONE)
    await wrong.goto(re.sub(r"key=[^&]+", "key=wrong", links["interpreter"]))
    await expect(wrong.locator("#problem")).to_be_visible()
    await con.close()
    assert errors == []


async def test_one_room_device_with_audio_per_room(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    """A room device turns room audio on; a second device in the same room is refused, plainly (feedback)."""
    errors: list[str] = []
    con = await console_client(server, meeting)
    await con.request("start_breakouts", rooms=1, minutes=10)
    url = next(iter((await con.request("room_links"))["links"].values()))
    first = await new_page(browser, errors, viewport={"width": 1280, "height": 800})
    await first.goto(url)
    await expect(first.get_by_role("button", name="Room audio")).to_have_attribute("aria-pressed", "false")
    await first.get_by_role("button", name="Room audio").click()
    await expect(first.get_by_role("button", name="Room audio")).to_have_attribute("aria-pressed", "true")
    await expect(first.get_by_role("button", name="Mute the room")).to_be_visible()
    await first.wait_for_function("window.plazaAudio.state === 'connected'")
    second = await new_page(browser, errors, viewport={"width": 1280, "height": 800})
    await second.goto(url)
    await second.get_by_role("button", name="Room audio").click()
    await expect(second.get_by_role("alert")).to_have_text(
        "This room already has a device with audio on: two speakers in one room make feedback."
    )
    await expect(second.get_by_role("button", name="Room audio")).to_have_attribute("aria-pressed", "false")
    assert await second.evaluate(INSIDE, ["#ra-refused", "#ra-toggle", "#qr"]) == []
    await assert_accessible(second, "a second room device refused")
    await shot(second, "audio-room-refused.png")
    await first.get_by_role("button", name="Mute the room").click()
    await expect(first.get_by_role("button", name="Mute the room")).to_have_attribute("aria-pressed", "true")
    await expect(first.locator("#ra-state")).to_have_text("Muted: remote people don't hear the room.")
    await assert_accessible(first, "a room device with audio on, muted")
    await shot(first, "audio-room-on.png")
    await con.close()
    assert errors == []


async def test_no_sound_card_when_audio_is_off(browser: Browser, tmp_path: Path) -> None:
    server = ServerProcess(data=tmp_path / "data", port=free_port(), media=False)
    try:
        server.start()
        meeting = server.create_meeting()
        errors: list[str] = []
        phone = await joined_phone(browser, meeting, "Dana", errors)
        await expect(phone.locator("#hand-heading")).to_be_visible()
        await expect(phone.locator("#audio")).to_be_hidden()
        screen = await new_page(browser, errors, viewport={"width": 1920, "height": 1080})
        await screen.goto(meeting["screen_url"])
        await expect(screen.locator("#code")).to_have_text(meeting["code"])
        await expect(screen.locator("#floor-audio")).to_be_hidden()
        # A booth still works for captions, and says why there is no sound.
        con = await console_client(server, meeting)
        await con.request("add_channel", name="Español", language="es", room="")
        links = (await con.request("channel_links"))["links"]
        booth = await new_page(browser, errors, **PHONE)
        await booth.goto(next(iter(links.values()))["interpreter"])
        await booth.get_by_label("Your name").fill("Ana")
        await booth.get_by_role("button", name="Enter the booth").click()
        await expect(booth.locator("#media-off")).to_have_text(
            "Audio is off on this server: the booth works for captions only."
        )
        await expect(booth.get_by_role("button", name="Start sound")).to_be_hidden()
        await booth.get_by_label("Caption line (Enter sends)").fill("Hola")
        await booth.keyboard.press("Enter")
        await expect(booth.locator("#recent .text")).to_have_text(["Hola"])
        await con.close()
        assert errors == []
    finally:
        server.stop()
