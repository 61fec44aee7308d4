"""Rejections: why the core refused a command, as a stable code and a sentence."""

from __future__ import annotations

from collections.abc import Mapping


class Rejection(Exception):
    """A command the meeting cannot accept.

    ``code`` is stable (clients and tests switch on it); ``reason`` is a sentence
    a person understands (in English).  ``field`` names the offending field when there is one.
    ``params`` are the variable parts of that sentence (a name, a limit), so a page can word
    ``error.<code>`` in its reader's language from the catalogues (``clients/i18n/server/``).
    """

    def __init__(
        self, code: str, reason: str, field: str | None = None, params: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.field = field
        self.params = dict(params) if params else None

    def as_message(self) -> dict[str, object]:
        message: dict[str, object] = {"type": "error", "code": self.code, "message": self.reason}
        if self.field is not None:
            message["field"] = self.field
        if self.params:
            message["params"] = self.params
        return message
