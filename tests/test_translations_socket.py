"""Translated content over the real protocol: a language and its translator link, a translator's hello
and view, a translation reaching the phones and the big screen, an amendment and an edit making
translations out of date, the screen's languages, and every refusal (each leaving the log as it was)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from server.client import PlazaClient, PlazaError
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.test_openspace_socket import Refusals, paced, seq
from tests.test_rooms_socket import phone_for
from tests.test_stack_socket import console_for

T = 10 * TIMEOUT_FACTOR


def fragment(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).fragment).items()}


async def translator_for(server: ServerProcess, meeting: dict[str, Any], fmt: str, link: str) -> PlazaClient:
    frag = fragment(link)
    client = PlazaClient(server.ws, fmt)
    await client.connect()
    welcome = await client.hello("translator", meeting=meeting["id"], key=frag["key"], lang=frag["lang"])
    assert welcome["role"] == "translator"
    return client


async def translate(client: PlazaClient, **fields: Any) -> dict[str, Any]:
    """``translate``, unpaced (``paced`` takes ``kind`` as its own argument; a translator sends few)."""
    return await PlazaClient.request(client, "translate", **fields)


async def refused_translate(refused: Refusals, client: PlazaClient, code: str, **fields: Any) -> None:
    """``translate`` refused with ``code``, the log untouched (its field ``kind`` is Refusals' own argument's name)."""
    before = seq(refused.server, refused.meeting)
    with pytest.raises(PlazaError) as err:
        await translate(client, **fields)
    assert err.value.code == code, (fields, err.value.code)
    assert seq(refused.server, refused.meeting) == before, "changed the log"
    refused.codes.add(code)


def item(view: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
    return next((i for i in (view or {}).get("items", []) if i["key"] == key), None)


async def test_a_translator_over_the_wire(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    refused = Refusals(server, meeting)
    console = await console_for(server, meeting, fmt)
    screen = PlazaClient(server.ws, fmt)
    await screen.connect()
    await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    ana = await phone_for(server, meeting, fmt, "Ana")
    bo = await phone_for(server, meeting, fmt, "Bo")
    paced(console, ana, bo)
    clients = [console, screen, ana, bo]
    try:
        await console.request("add_item", title="Budget")
        await ana.request("propose", text="We buy a new oven.")
        await ana.wait_view("phone", lambda v: len(v["proposals"]) == 1, T)
        proposal = ana.view("phone")["proposals"][0]["proposal"]

        await refused(ana, "not_allowed", "add_translation_language", language="es")
        await refused(console, "bad_field", "add_translation_language", language="español")
        await console.request("add_translation_language", language="es")
        await console.request("add_translation_language", language="fr")
        await console.wait_view("facilitator", lambda v: v["translations"]["languages"] == ["es", "fr"], T)

        links = (await console.request("translator_links"))["links"]
        assert list(links) == ["es", "fr"]
        assert links["es"].startswith(f"{server.http}/translate/{meeting['id']}#key=")
        assert fragment(links["es"])["lang"] == "es"
        await refused(ana, "not_allowed", "translator_links")

        # Capability links: each opens only its own language.
        stranger = PlazaClient(server.ws, fmt)
        await stranger.connect()
        clients.append(stranger)
        es_key, fr_key = fragment(links["es"])["key"], fragment(links["fr"])["key"]
        for key, lang, code in [
            ("nope", "es", "bad_key"),
            (fr_key, "es", "bad_key"),  # another language's link
            (es_key, "de", "unknown_language"),
            (es_key, "", "unknown_language"),
        ]:
            with pytest.raises(PlazaError) as err:
                await stranger.hello("translator", meeting=meeting["id"], key=key, lang=lang)
            assert err.value.code == code, (lang, code)

        es = await translator_for(server, meeting, fmt, links["es"])
        fr = await translator_for(server, meeting, fmt, links["fr"])
        clients += [es, fr]
        paced(es, fr)
        key = f"proposal:{proposal}"
        await es.wait_view("translate", lambda v: item(v, key) is not None, T)
        view = es.view("translate")
        assert view["language"] == "es" and view["removed"] is False
        assert item(view, key)["original"] == "We buy a new oven."  # type: ignore[index]
        assert item(view, key)["translation"] is None  # type: ignore[index]

        # Refusals: only a translator, within the kind's limit, of a text that exists.
        await refused_translate(refused, ana, "not_allowed", kind="proposal", item=str(proposal), text="Hola")
        await refused_translate(refused, console, "not_allowed", kind="proposal", item=str(proposal), text="Hola")
        await refused_translate(refused, es, "too_long", kind="proposal", item=str(proposal), text="x" * 1001)
        await refused_translate(refused, es, "too_long", kind="theme", item="title", text="x" * 121)
        await refused_translate(refused, es, "unknown_item", kind="proposal", item="99", text="Hola")
        await refused_translate(refused, es, "bad_field", kind="speech", item="1", text="Hola")
        await refused_translate(refused, es, "bad_field", kind="proposal", item=str(proposal), text="x" * 6001)
        await refused(es, "not_allowed", "add_translation_language", language="de")

        await translate(es, kind="proposal", item=str(proposal), text="Compramos un horno nuevo.")
        await translate(fr, kind="proposal", item=str(proposal), text="Nous achetons un four neuf.")
        await translate(es, kind="agenda", item="a1", text="Presupuesto")
        fresh = {"text": "Compramos un horno nuevo.", "stale": False}
        await bo.wait_view(
            "phone", lambda v: len(v["translations"].get("es", {})) == 2 and "fr" in v["translations"], T
        )
        phone = bo.view("phone")["translations"]
        assert phone["es"][key] == fresh
        assert phone["fr"][key] == {"text": "Nous achetons un four neuf.", "stale": False}
        assert phone["es"]["agenda:a1"] == {"text": "Presupuesto", "stale": False}
        await screen.wait_view("screen", lambda v: v["translations"].get("es", {}).get(key) == fresh, T)
        await es.wait_view("translate", lambda v: item(v, key)["translation"] == fresh["text"], T)  # type: ignore[index]
        console_view = await console.wait_view(
            "facilitator", lambda v: v["translations"]["counts"]["es"]["translated"] == 2, T
        )
        assert console_view["translations"]["counts"]["fr"] == {"total": 3, "translated": 1, "stale": 0}

        # An amendment accepted changes the proposal: its translations are out of date until updated.
        await bo.request("amend", proposal=proposal, text="We buy a new oven and a fridge.")
        await ana.wait_view("phone", lambda v: len(v["proposals"][0]["amendments"]) == 1, T)
        amendment = ana.view("phone")["proposals"][0]["amendments"][0]["amendment"]
        await es.wait_view("translate", lambda v: item(v, f"amendment:{amendment}") is not None, T)
        await ana.request("accept_amendment", amendment=amendment)
        await bo.wait_view("phone", lambda v: v["translations"]["es"][key]["stale"] is True, T)
        assert bo.view("phone")["translations"]["fr"][key]["stale"] is True
        await es.wait_view("translate", lambda v: item(v, key)["stale"] is True, T)  # type: ignore[index]
        assert item(es.view("translate"), key)["original"] == "We buy a new oven and a fridge."  # type: ignore[index]
        await refused_translate(
            refused, es, "unknown_item", kind="amendment", item=str(amendment), text="Hola"
        )  # settled
        await translate(es, kind="proposal", item=str(proposal), text="Compramos un horno nuevo y una nevera.")
        await bo.wait_view("phone", lambda v: v["translations"]["es"][key]["stale"] is False, T)

        # An edited agenda item: the same.
        await console.request("edit_item", item="a1", title="Budget 2027")
        await bo.wait_view("phone", lambda v: v["translations"]["es"]["agenda:a1"]["stale"] is True, T)

        # The screen's languages.
        await refused(ana, "not_allowed", "screen_languages", languages=["es"], mode="side")
        await refused(console, "bad_field", "screen_languages", languages=["es", "en", "fr"], mode="side")
        await refused(console, "bad_field", "screen_languages", languages=["es", "en"], mode="scroll")
        await console.request("screen_languages", languages=["es", "en"], mode="alternate")
        await screen.wait_view(
            "screen", lambda v: v["translations"]["screen"] == {"languages": ["es", "en"], "mode": "alternate"}, T
        )

        # A removed language shuts its translator out (the open page is told through its view).
        await console.request("remove_translation_language", language="fr")
        await fr.wait_view("translate", lambda v: v["removed"] is True, T)
        await refused_translate(refused, fr, "unknown_language", kind="agenda", item="a1", text="Budget")
        await refused(console, "unknown_language", "remove_translation_language", language="fr")
        assert {"not_allowed", "too_long", "unknown_item", "unknown_language", "bad_field"} <= refused.codes
    finally:
        for client in clients:
            await client.close()
