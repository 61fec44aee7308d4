"""The audio and interpretation pages in Chromium, through the real server, without needing sound to flow.

A language channel added on the console reaches a phone's "Listen to" choice; a captioner's line
reaches the phone under the player and, once the console puts the channel on the big screen, the
screen's captions bar (which never covers the QR); two interpreters name themselves in the booth,
one goes live, offers the handover and the other takes over, each page saying who is live; a
captioner's page shows only the captions; with audio off on the server the phone has no sound card.
In another language (issue #15) the booth speaks Spanish, French or Arabic (right to left), fits a
small phone in the pseudo-language, and a Spanish phone's sound card is Spanish.  axe finds nothing on
any of them.  Chromium runs with fake media devices (the interpreter's "Enter the booth" opens the
microphone).  ``PLAZA_SHOTS=<folder>`` also writes screenshots to look at.
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
from tests.pages import INSIDE, assert_accessible, inside
from tests.test_browser import ARGS, CHROMIUM, TIMEOUT_MS
from tests.test_browser_pages_languages import with_lang
from tests.test_browser_phone_languages import OVERFLOW, UNWORDED

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


# --- in the reader's language (issue #15) ----------------------------------------------------------

ARABIC = re.compile(r"[\u0600-\u06FF]")


async def booth_links(server: ServerProcess, meeting: dict[str, Any]) -> tuple[PlazaClient, dict[str, str]]:
    """A console client and the interpreter and captioner links of a new channel "Español" (es)."""
    con = await console_client(server, meeting)
    await con.request("add_channel", name="Español", language="es", room="")
    view = await con.wait_view("facilitator", lambda v: bool(v.get("audio", {}).get("channels")))
    channel = view["audio"]["channels"][0]["id"]
    return con, (await con.request("channel_links"))["links"][channel]


async def clash(server: ServerProcess, meeting: dict[str, Any], link: str, name: str) -> PlazaClient:
    """A booth partner who presses "Go live" over the live voice (refused: the pages show the clash)."""
    fields = link_fields(link)
    partner = PlazaClient(server.ws, fmt="json")
    await partner.connect()
    await partner.hello("interpreter", meeting=meeting["id"], key=fields["key"], channel=fields["channel"])
    await partner.request("booth_join", name=name)
    with pytest.raises(Exception, match="channel_live"):
        await partner.request("go_live")
    return partner


async def test_the_booth_speaks_spanish_and_arabic_right_to_left(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    """The interpreter's page at ?lang=es and ?lang=ar: every button, the captions and the red warning in that
    language, refusals from the server's catalogue; Arabic lays out right to left; the picker switches in place."""
    errors: list[str] = []
    con, links = await booth_links(server, meeting)

    spanish = await new_page(browser, errors, viewport={"width": 1280, "height": 800})
    await spanish.goto(with_lang(links["interpreter"], "es"))
    await expect(spanish.locator("html")).to_have_attribute("lang", "es")
    await expect(spanish.get_by_role("heading", name="¿Quién está en la cabina?")).to_be_visible()
    await spanish.get_by_role("button", name="Entrar en la cabina").click()
    await expect(spanish.locator("#name-error")).to_have_text("Escribe primero tu nombre.")
    await spanish.get_by_label("Tu nombre").fill("Ana")
    await spanish.get_by_role("button", name="Entrar en la cabina").click()
    await spanish.get_by_role("button", name="Entrar en directo").click()
    await expect(spanish.locator("#onair-badge")).to_have_text("Estás en directo")
    await expect(spanish.get_by_role("button", name="Ofrecer el relevo")).to_be_visible()
    await expect(spanish.get_by_role("button", name="Parar")).to_be_visible()
    await expect(spanish.locator("#clock .clock-words")).to_have_text("desde el último relevo")
    await expect(spanish.get_by_role("heading", name="Subtítulos", exact=True)).to_be_visible()
    await expect(spanish.get_by_role("button", name="Enviar subtítulo")).to_be_visible()
    await expect(spanish.locator("#channel-where")).to_have_text("Plenario")
    await expect(spanish.get_by_label("Interpretas desde")).to_be_visible()
    assert await spanish.title() == "Cabina · Español — Plaza"
    # A refusal is the server's error.<code> in Spanish (Ana is live already).
    await spanish.evaluate("document.querySelector('#go-live').hidden = false")
    await spanish.locator("#go-live").click()
    await expect(spanish.locator("#booth-error")).to_have_text("Ya estás en directo.")

    # A partner presses "Go live" over Ana: the red warning, in Spanish.
    partner = await clash(server, meeting, links["interpreter"], "Bo")
    await expect(spanish.locator("#clash")).to_be_visible()
    await expect(spanish.locator("#clash .clash-title")).to_have_text("Dos voces en directo en este canal")
    await expect(spanish.locator("#clash-text")).to_contain_text("pulsó «Entrar en directo»")
    await assert_accessible(spanish, "the booth in Spanish, with a clash")
    await shot(spanish, "audio-booth-es.png", full_page=True)

    # The picker: French in one step, the dynamic words too, nothing typed lost.
    await spanish.get_by_label("Línea de subtítulo (Intro envía)").fill("Hola")
    await spanish.get_by_label("Idioma").select_option("fr")
    await expect(spanish.locator("html")).to_have_attribute("lang", "fr")
    await expect(spanish.locator("#onair-badge")).to_have_text("Vous êtes en direct")
    await expect(spanish.get_by_role("button", name="Proposer la relève")).to_be_visible()
    await expect(spanish.locator("#clash .clash-title")).to_have_text("Deux voix en direct sur ce canal")
    await expect(spanish.locator("#caption-text")).to_have_value("Hola")
    await expect(spanish.locator("#caption-count")).to_have_text("4 / 300")

    # Arabic: right to left, its own words; the Latin names keep their direction.
    arabic = await new_page(browser, errors, **PHONE)
    await arabic.goto(with_lang(links["interpreter"], "ar"))
    html = arabic.locator("html")
    await expect(html).to_have_attribute("lang", "ar")
    await expect(html).to_have_attribute("dir", "rtl")
    await expect(arabic.get_by_role("heading", name="من في المقصورة؟")).to_be_visible()
    await arabic.get_by_label("اسمك").fill("Cy")
    await arabic.get_by_role("button", name="ادخل المقصورة").click()
    await expect(arabic.get_by_role("button", name="ابدأ البث")).to_be_disabled()  # Ana is live
    await expect(arabic.locator("#live-who")).to_have_text("Ana")
    await expect(arabic.locator("#onair-badge")).to_have_text("على الهواء")
    await expect(arabic.locator("#clash .clash-title")).to_have_text("صوتان على الهواء في هذه القناة")
    await expect(arabic.get_by_role("heading", name="العناوين الفرعية", exact=True)).to_be_visible()
    assert ARABIC.search(await arabic.locator("#offer-state").inner_text())
    assert await arabic.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    # Mirrored: the brand starts on the right, the picker's label is right of its select.
    brand = await arabic.locator("#brand").bounding_box()
    label = await arabic.locator("label[for=language]").bounding_box()
    picker = await arabic.locator("#language").bounding_box()
    assert brand and brand["x"] + brand["width"] > 360 - 20, f"the brand does not start on the right: {brand}"
    assert label and picker and label["x"] > picker["x"], "the picker is not mirrored"
    # Ana hands over: Cy takes over in Arabic, and offers it back.
    await spanish.get_by_role("button", name="Proposer la relève").click()
    await expect(arabic.locator("#handover-text")).to_contain_text("يعرض عليك التسليم")
    await arabic.get_by_role("button", name="تسلّم").click()
    await expect(arabic.locator("#onair-badge")).to_have_text("أنت على الهواء")
    await expect(arabic.get_by_role("button", name="اعرض التسليم")).to_be_visible()
    await expect(arabic.locator("#clock .clock-words")).to_have_text("منذ آخر تسليم")
    await expect(arabic.locator("#clock-time")).to_have_text(re.compile(r"^0:0\d$"))
    await assert_accessible(arabic, "the booth in Arabic, live")
    await shot(arabic, "audio-booth-ar.png", full_page=True)

    # The captioner's page in Spanish: the captions only, worded.
    captioner = await new_page(browser, errors, **PHONE)
    await captioner.goto(with_lang(links["captioner"], "es"))
    await expect(captioner.get_by_role("heading", name="Subtítulos · Español (es)")).to_be_visible()
    await expect(captioner.locator("#brand")).to_have_text("Plaza · subtítulos")
    await expect(captioner.get_by_role("button", name="Entrar en directo")).to_have_count(0)
    await captioner.get_by_label("Línea de subtítulo (Intro envía)").fill("Buenas tardes")
    await captioner.get_by_role("button", name="Enviar subtítulo").click()
    await expect(arabic.locator("#recent .text")).to_have_text(["Buenas tardes"])

    # A link without its key says so in Arabic, the part of the link left to right.
    broken = await new_page(browser, errors, **PHONE)
    await broken.goto(with_lang(links["interpreter"].split("#")[0], "ar"))
    await expect(broken.locator("#problem-heading")).to_have_text("هذا الرابط لا يعمل")
    await expect(broken.locator("#problem-text code")).to_have_attribute("dir", "ltr")
    await expect(broken.locator("#problem-text code")).to_have_text("#key=")
    await partner.close()
    await con.close()
    assert errors == []


async def test_the_booth_in_the_pseudo_language_fits_a_small_phone(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    """At ?lang=qps (every string 40% longer) on a 360x640 phone: nothing runs out sideways or is clipped,
    through the name step, live, a handover offered and a clash; every word came from a catalogue."""
    errors: list[str] = []
    con, links = await booth_links(server, meeting)
    page = await new_page(browser, errors, viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    await page.goto(with_lang(links["interpreter"], "qps"))
    await expect(page.locator("#name-heading")).to_contain_text("⟦")
    assert await page.evaluate("document.documentElement.lang") == "en-XA"
    assert await page.evaluate(OVERFLOW) == []
    assert await inside(page, ["#name", "#name-go", "#language", "#brand"]) == []
    await page.locator("#name").fill("Ana")
    await page.locator("#name-go").click()
    await expect(page.locator("#go-live")).to_contain_text("⟦")
    await page.locator("#go-live").click()
    await expect(page.locator("#onair-badge")).to_contain_text("⟦")
    await expect(page.locator("#clock")).to_be_visible()
    partner = await clash(server, meeting, links["interpreter"], "Bo")
    await expect(page.locator("#clash")).to_be_visible()
    await page.locator("#offer").click()
    await expect(page.locator("#withdraw")).to_be_visible()
    await expect(page.locator("#offer-state")).to_contain_text("⟦")
    await page.locator("#caption-text").fill("Hola a todas")
    await page.keyboard.press("Enter")
    await expect(page.locator("#recent .text")).to_have_text(["Hola a todas"])

    assert await page.evaluate(OVERFLOW) == []
    for selector in (
        "#clash",
        "#onair-badge",
        "#clock",
        "#go-off",
        "#withdraw",
        "#offer-state",
        "#partners",
        "#sound-heading",
        "#mute",
        "#retour",
        "#caption-text",
        "#caption-form button",
        "#recent li",
    ):
        for element in await page.locator(selector).all():
            if await element.is_visible():
                await element.scroll_into_view_if_needed()
                assert await inside(page, [selector]) == [], selector
    # (A caption's time is the browser's clock format, "08:38:13 AM" in English: not words to translate.)
    times = await page.locator("#recent .at").all_inner_texts()
    unworded = await page.evaluate(UNWORDED, ["Ana", "Bo", "Español (es)", "Español", "Hola a todas", *times])
    assert unworded == [], f"English on the booth that no catalogue words: {unworded}"
    await page.evaluate("window.scrollTo(0, 0)")
    await shot(page, "audio-booth-qps.png", full_page=True)
    await partner.close()
    await con.close()
    assert errors == []


async def test_the_phones_sound_card_in_spanish(
    browser: Browser, server: ServerProcess, meeting: dict[str, Any]
) -> None:
    """A Spanish phone's Listen panel: the choice, the floor under the interpretation, the captions and the
    state while listening, all in Spanish; the big screen's floor-audio toggle in Spanish too."""
    errors: list[str] = []
    con = await console_client(server, meeting)
    await con.request("add_channel", name="English", language="en", room="")
    phone = await new_page(browser, errors, **PHONE)
    await phone.goto(with_lang(meeting["join_url"], "es"))
    await expect(phone.locator("#connection")).to_be_hidden()
    await phone.get_by_label("Tu nombre").fill("Dana")
    await phone.get_by_role("button", name="Entrar", exact=True).click()
    card = phone.locator("#audio")
    await expect(card.get_by_role("heading", name="Sonido")).to_be_visible()
    intro = "Escucha la reunión en este teléfono, o síguela en otro idioma."
    await expect(card.locator("#audio-intro")).to_have_text(intro)
    choice = phone.get_by_label("Qué escuchar")
    await expect(choice.locator("option")).to_have_text(["La sala", "English (en) · nadie interpreta ahora"])
    await expect(card.get_by_role("button", name="Escuchar", exact=True)).to_be_visible()
    await expect(card.get_by_role("button", name="Unirse con audio")).to_be_visible()
    await choice.select_option("ch1")
    await expect(phone.get_by_label(re.compile("^Sala bajo la interpretación"))).to_be_visible()
    await expect(card.locator("#audio-floor-value")).to_have_text(re.compile(r"^30\s%$"))  # (a no-break space)
    await expect(card.get_by_role("heading", name="Subtítulos")).to_be_visible()
    await expect(card.locator("#audio-no-captions")).to_have_text("Aún no hay subtítulos en este canal.")
    await card.get_by_role("button", name="Escuchar", exact=True).click()
    await expect(card.locator("#audio-state")).to_have_text("Escuchando English (ahora nadie interpreta).")
    await expect(card.get_by_role("button", name="Salir del audio")).to_be_visible()
    await expect(card.locator("#audio-screen-off")).to_contain_text("Con la pantalla apagada")
    await assert_accessible(phone, "the Spanish phone listening to a channel")
    await shot(phone, "audio-phone-es.png", full_page=True)

    screen = await new_page(browser, errors, viewport={"width": 1920, "height": 1080})
    await screen.goto(with_lang(meeting["screen_url"], "es"))
    await expect(screen.locator("#floor-audio")).to_have_text("Audio de sala: apagado")
    await con.close()
    assert errors == []
