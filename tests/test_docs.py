"""The docs keep up with the code: every message, error code and setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

from server.config import OPTIONS
from server.protocol import MESSAGES

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text()
README = (ROOT / "README.md").read_text()


def error_codes_in_source() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "server").rglob("*.py"):
        text = path.read_text()
        codes.update(re.findall(r'Rejection\(\s*"([a-z_]+)"', text))
        codes.update(re.findall(r'"code": "([a-z_]+)"', text))
    return codes


def test_every_client_message_type_is_documented() -> None:
    """Each message type a client may send appears in docs/protocol.md with its fields."""
    for kind, fields in MESSAGES.items():
        assert f"`{kind}`" in PROTOCOL, kind
        for name in fields:
            assert f"`{name}`" in PROTOCOL, (kind, name)


def test_every_error_code_is_documented() -> None:
    """Each error code the server can send has a row in docs/protocol.md."""
    codes = error_codes_in_source()
    assert {"bad_frame", "not_allowed", "rate_limited"} <= codes  # the scan finds codes at all
    missing = sorted(code for code in codes if f"| `{code}` |" not in PROTOCOL)
    assert not missing, missing


def test_every_setting_is_in_the_readme() -> None:
    """Each flag and its environment variable appear in the README's settings table."""
    for name, var, _, _ in OPTIONS:
        assert f"`--{name.replace('_', '-')}`" in README, name
        assert f"`{var}`" in README, var
