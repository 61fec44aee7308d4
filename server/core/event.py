"""Events as data: frozen dataclasses with a dotted ``type`` name, one registry.

Every feature package declares its events by subclassing :class:`Event` and
decorating with :func:`event`.  The store keeps events as plain dicts
(``{"type": ..., "at": ..., **fields}``), so the log stays readable by any
tool and survives refactors of the Python classes as long as names stay.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar

_REGISTRY: dict[str, type[Event]] = {}

E = TypeVar("E", bound="type[Event]")


@dataclasses.dataclass(frozen=True)
class Event:
    """Something that happened to a meeting.  ``at`` is the server time (epoch s)."""

    type: ClassVar[str] = ""
    at: float

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {"type": self.type, **data}


def event(name: str):  # type: ignore[no-untyped-def]
    """Register an :class:`Event` subclass under its wire name."""

    def register(cls: E) -> E:
        if name in _REGISTRY:
            raise ValueError(f"event type {name!r} registered twice")
        cls.type = name
        _REGISTRY[name] = cls
        return cls

    return register


def from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event read from the log.  Unknown fields are ignored."""
    cls = _REGISTRY[data["type"]]
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def registered() -> dict[str, type[Event]]:
    return dict(_REGISTRY)


@event("sealed")
@dataclasses.dataclass(frozen=True)
class Sealed(Event):
    """What the store gives back for an event it keeps sealed and can no longer open (a closed
    secret vote's ballot, whose key was destroyed: ``server/store/sealed.py``).  Folding it changes
    nothing: what the meeting needs of those events was recorded when the vote closed."""

    at: float = 0.0
