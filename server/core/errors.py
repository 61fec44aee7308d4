"""Rejections: why the core refused a command, as a stable code and a sentence."""

from __future__ import annotations


class Rejection(Exception):
    """A command the meeting cannot accept.

    ``code`` is stable (clients and tests switch on it); ``reason`` is a sentence
    a person understands.  ``field`` names the offending field when there is one.
    """

    def __init__(self, code: str, reason: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.field = field

    def as_message(self) -> dict[str, object]:
        message: dict[str, object] = {"type": "error", "code": self.code, "message": self.reason}
        if self.field is not None:
            message["field"] = self.field
        return message
