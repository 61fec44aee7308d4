"""Secrets and capability keys: what the log keeps of a secret, and keys derived from the facilitator's."""

from __future__ import annotations

import hashlib
import hmac


def digest(secret: str) -> str:
    """What the log keeps of a secret: its SHA-256, never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def derived_key(facilitator_secret: str, purpose: str, subject: str) -> str:
    """A capability link's key (a room's device, a booth, a translator...), derived from the facilitator's secret.

    Derived, never drawn: a console holding the facilitator's secret can show the link again, and the
    log keeps only its :func:`digest`.  ``purpose`` keeps keys for different uses of one subject apart.
    """
    mac = hmac.new(facilitator_secret.encode(), f"plaza {purpose} key {subject}".encode(), hashlib.sha256).digest()
    return mac[:12].hex()


def secret_matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)
