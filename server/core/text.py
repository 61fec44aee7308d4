"""User text, as every feature package normalises it (pure)."""

from __future__ import annotations

import unicodedata

from server.core.errors import Rejection


def clean_text(value: str, limit: int, what: str, field_name: str) -> str:
    """Normalise user text: NFC, no control characters, single spaces, 1..limit chars."""
    text = unicodedata.normalize("NFC", value)
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise Rejection("bad_field", f"The {what} can't be empty.", field_name, {"what": what})
    if len(text) > limit:
        raise Rejection(
            "bad_field", f"The {what} can be at most {limit} characters.", field_name, {"what": what, "max": limit}
        )
    return text


def optional_text(value: str, limit: int, what: str, field_name: str) -> str:
    """Like :func:`clean_text`, but blank is allowed (and becomes \"\")."""
    return clean_text(value, limit, what, field_name) if value.strip() else ""
