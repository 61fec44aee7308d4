"""Interpretation over the real protocol: channels and their capability links, a booth's handover with
a clash on the way, captions reaching the phones and the big screen, the minutes, and every refusal
(each leaving the log as it was).  The server here runs with ``--media off``: the signalling's own
refusals are checked too; media flowing is tests/test_audio_media.py's."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from server.client import PlazaClient, PlazaError
from tests.conftest import TIMEOUT_FACTOR, ServerProcess, key_of
from tests.test_openspace_socket import Refusals, paced
from tests.test_rooms_socket import phone_for
from tests.test_stack_socket import console_for

T = 10 * TIMEOUT_FACTOR


def fragment(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).fragment).items()}


async def booth_for(server: ServerProcess, meeting: dict[str, Any], fmt: str, link: str, role: str) -> PlazaClient:
    frag = fragment(link)
    client = PlazaClient(server.ws, fmt)
    await client.connect()
    await client.hello(role, meeting=meeting["id"], key=frag["key"], channel=frag["channel"])
    return client


async def test_a_booth_over_the_wire(server: ServerProcess, meeting: dict[str, Any], fmt: str) -> None:
    refused = Refusals(server, meeting)
    console = await console_for(server, meeting, fmt)
    screen = PlazaClient(server.ws, fmt)
    await screen.connect()
    welcome = await screen.hello("screen", meeting=meeting["id"], key=key_of(meeting["screen_url"]))
    assert welcome["media"] is False and welcome["ice_servers"] == []
    ana = await phone_for(server, meeting, fmt, "Ana")
    paced(console, ana)
    clients = [console, screen, ana]
    try:
        await refused(ana, "not_allowed", "add_channel", name="Español", language="es")
        await refused(console, "bad_field", "add_channel", name="Español", language="español!")
        await refused(console, "unknown_room", "add_channel", name="Español", language="es", room="b7-1")
        ack = await console.request("add_channel", name="Español", language="es")
        await refused(console, "name_taken", "add_channel", name="español", language="es")
        await console.request("add_channel", name="English", language="en")
        assert ack["seq"] > 0
        await ana.wait_view("phone", lambda v: len(v["audio"]["channels"]) == 2, T)
        assert [c["name"] for c in ana.view("phone")["audio"]["channels"]] == ["Español", "English"]

        with_links = await console.request("channel_links")
        links = with_links["links"]["ch1"]
        assert links["interpreter"].startswith(f"{server.http}/interpret/{meeting['id']}#key=")
        assert fragment(links["captioner"])["role"] == "captioner"
        await refused(ana, "not_allowed", "channel_links")

        # Capability links: each opens only its own door.
        stranger = PlazaClient(server.ws, fmt)
        await stranger.connect()
        clients.append(stranger)
        frag = fragment(links["interpreter"])
        for role, key, channel, code in [
            ("interpreter", "nope", "ch1", "bad_key"),
            ("interpreter", fragment(links["captioner"])["key"], "ch1", "bad_key"),  # the captioner's link
            ("interpreter", frag["key"], "ch2", "bad_key"),  # another channel's
            ("interpreter", frag["key"], "ch9", "unknown_channel"),
            ("captioner", frag["key"], "ch1", "bad_key"),
        ]:
            with pytest.raises(PlazaError) as err:
                await stranger.hello(role, meeting=meeting["id"], key=key, channel=channel)
            assert err.value.code == code, (role, channel)

        eva = await booth_for(server, meeting, fmt, links["interpreter"], "interpreter")
        max_ = await booth_for(server, meeting, fmt, links["interpreter"], "interpreter")
        cap = await booth_for(server, meeting, fmt, links["captioner"], "captioner")
        clients += [eva, max_, cap]
        paced(eva, max_, cap)
        await eva.wait_view("booth", lambda v: v["channel"]["name"] == "Español", T)
        assert [c["name"] for c in eva.view("booth")["channels"]] == ["English"]
        await refused(eva, "booth_join_first", "go_live")
        await refused(cap, "not_allowed", "booth_join", name="Cap")
        await refused(ana, "not_allowed", "go_live")
        assert (await eva.request("booth_join", name=" Eva  "))["name"] == "Eva"
        assert (await max_.request("booth_join", name="Max"))["name"] == "Max"
        await eva.request("go_live")
        await eva.wait_view("booth", lambda v: v["live"] == "Eva", T)

        # Max presses Go live while Eva is live: refused, and both booth pages see the clash.
        with pytest.raises(PlazaError) as err:
            await max_.request("go_live")
        assert err.value.code == "channel_live" and "Eva" in str(err.value)
        for page in (eva, max_):
            await page.wait_view("booth", lambda v: (v["clash"] or {}).get("by") == "Max" and v["live"] == "Eva", T)
        await refused(max_, "no_handover_offered", "take_over")
        await refused(max_, "not_live", "offer_handover")
        await eva.request("offer_handover")
        await max_.wait_view("booth", lambda v: v["offer"] == "Eva", T)
        await max_.request("take_over")
        for page in (eva, max_):
            await page.wait_view("booth", lambda v: v["live"] == "Max" and v["offer"] is None, T)
        since = max_.view("booth")["since"]
        assert abs(since - time.time()) < 30
        await console.wait_view("facilitator", lambda v: v["audio"]["channels"][0]["handovers"] == 1, T)

        # Captions: from the captioner and the interpreter, to phones (live view) and the big screen.
        await cap.request("caption", text="Bienvenidas todas")
        await max_.request("caption", text="Primer punto del orden del día")
        await refused(cap, "bad_field", "caption", text="   ")
        await refused(cap, "bad_field", "caption", text="x" * 301)
        await refused(ana, "not_allowed", "caption", text="prank")
        await ana.wait_view(
            "live",
            lambda v: (
                [c["text"] for c in v["audio"]["captions"].get("ch1", [])][-1:] == ["Primer punto del orden del día"]
            ),
            T,
        )
        await refused(console, "unknown_channel", "screen_captions", channel="ch9")
        await console.request("screen_captions", channel="ch1")
        await screen.wait_view("screen", lambda v: (v["audio"]["captions"] or {}).get("channel") == "ch1", T)
        assert [x["text"] for x in screen.view("screen")["audio"]["captions"]["lines"]] == [
            "Bienvenidas todas",
            "Primer punto del orden del día",
        ]

        # Signalling with audio off: refused with a code, and nothing else disturbed.
        for client in (ana, eva, console):
            with pytest.raises(PlazaError) as err:
                await client.request("audio_offer", sdp="v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", mic=True)
            assert err.value.code == "media_off"
        await refused(ana, "unknown_channel", "audio_listen", channel="ch9")
        await ana.request("audio_listen", channel="ch1")
        await refused(ana, "not_allowed", "audio_source", source="floor")
        await refused(eva, "bad_field", "audio_source", source="ch1")
        await refused(eva, "unknown_channel", "audio_source", source="ch7")
        await eva.request("audio_source", source="ch2")
        await refused(ana, "bad_field", "audio_offer", sdp="x" * 12_001)

        # The minutes list the channel, its interpreters and the handover.
        with urllib.request.urlopen(f"{server.http}/api/meetings/{meeting['id']}/minutes.json") as r:
            data = json.load(r)
        (es, _en) = data["audio"]
        assert es["interpreters"] == ["Eva", "Max"] and es["handovers"] == 1
        assert [t["how"] for t in es["turns"]] == ["live", "handover"]
        with urllib.request.urlopen(f"{server.http}/api/meetings/{meeting['id']}/minutes.md") as r:
            text = r.read().decode()
        assert "## Interpretation" in text and "handover: Eva → Max" in text

        await console.request("remove_channel", channel="ch1")
        await eva.wait_view("booth", lambda v: v["channel"]["removed"], T)
        await screen.wait_view("screen", lambda v: v["audio"]["captions"] is None, T)
        assert {"not_allowed", "booth_join_first", "no_handover_offered", "unknown_channel"} <= refused.codes
    finally:
        for client in clients:
            await client.close()


def test_https_for_microphones(tmp_path: Any) -> None:
    """``--tls-cert``/``--tls-key``: Plaza serves https (a phone's browser opens its microphone only on a
    secure page), and the links it gives are https."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from server.testing import free_port

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "plaza.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    proc = ServerProcess(
        data=tmp_path / "data",
        port=free_port(),
        scheme="https",
        extra_args=["--tls-cert", str(tmp_path / "cert.pem"), "--tls-key", str(tmp_path / "key.pem")],
    ).start()
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(f"{proc.http}/healthz", context=insecure) as r:
            assert json.load(r)["status"] == "ok"
        links = json.loads((tmp_path / "data" / "links.json").read_text())
        assert links["organiser_url"].startswith("https://"), links
    finally:
        proc.stop()
