"""The JSON HTTP API and the pages, over a real server."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.conftest import ServerProcess


def test_create_meeting_returns_absolute_capability_links(server: ServerProcess) -> None:
    """POST /api/meetings answers 201 with id, code and absolute join/screen/facilitator URLs."""
    status, body = server.post("/api/meetings", {"title": "  Tenants'\tassembly "})
    assert status == 201
    assert body["title"] == "Tenants' assembly"
    code = body["code"]
    assert len(code) == 6 and set(code) <= set("ACEFHJKMNPRTWXY3479")
    assert body["join_url"] == f"{server.http}/j/{code}"
    assert body["screen_url"].startswith(f"{server.http}/screen/{body['id']}#key=")
    assert body["facilitator_url"].startswith(f"{server.http}/facilitate/{body['id']}#key=")
    assert body["screen_url"].split("#key=")[1] != body["facilitator_url"].split("#key=")[1]


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"not json", 400, "bad_json"),
        (b"[]", 400, "bad_field"),
        (b'{"title": 5}', 400, "bad_field"),
        (b'{"title": "   "}', 400, "bad_field"),
        (b'{"title": "ok", "admin": true}', 400, "bad_field"),  # unexpected fields are refused, not ignored
        (b'{"title": "g\\ud800"}', 400, "bad_field"),  # a lone surrogate: not valid text
        (b'{"title": "' + b"x" * 5000 + b'"}', 413, "too_large"),
    ],
)
def test_create_meeting_rejects_bad_bodies(server: ServerProcess, raw: bytes, status: int, code: str) -> None:
    """Bad bodies get a JSON error with a code, and create nothing."""
    got, body = server.post("/api/meetings", None, raw=raw)
    assert (got, body["error"]["code"]) == (status, code)


def test_meeting_facts_qr_and_health(server: ServerProcess, meeting: dict[str, Any]) -> None:
    """GET a meeting's public facts and its QR code (SVG); /healthz answers 200."""
    status, body, _ = server.get(f"/api/meetings/{meeting['id']}")
    facts = json.loads(body)
    assert status == 200 and facts["code"] == meeting["code"] and facts["present"] == 0 and facts["seq"] == 1
    assert "facilitator_url" not in facts and "screen_url" not in facts
    status, svg, kind = server.get(f"/api/meetings/{meeting['id']}/qr.svg")
    assert status == 200 and kind.startswith("image/svg+xml") and b"<svg" in svg
    assert server.get("/api/meetings/nope")[0] == 404
    assert server.get("/api/meetings/nope/qr.svg")[0] == 404
    status, body, _ = server.get("/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_typed_code_redirects_to_the_phone_page(server: ServerProcess, meeting: dict[str, Any]) -> None:
    """/j?code= normalises what a person typed and redirects to the phone page."""
    typed = f" {meeting['code'][:3].lower()}-{meeting['code'][3:].lower()} "

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(f"{server.http}/j?code={urllib.parse.quote(typed)}")
    assert err.value.code == 303 and err.value.headers["Location"] == f"/j/{meeting['code']}"


def test_pages_and_assets_are_served_locally(server: ServerProcess) -> None:
    """Every page references only assets Plaza serves itself."""
    for path in ["/", "/j/ABCDEF", "/screen/x", "/facilitate/x", "/organise"]:
        status, html, kind = server.get(path)
        assert status == 200 and kind.startswith("text/html")
        refs = [r.decode() for r in __import__("re").findall(rb'(?:src|href)="([^"#]+)"', html)]
        assert refs, path
        for ref in refs:
            assert ref.startswith("/"), (path, ref)
            assert server.get(ref)[0] == 200, (path, ref)
