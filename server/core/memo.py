"""Reusing what views project from immutable state while it is the same objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Memo:
    """The last value of a pure function of immutable inputs, reused while they are the same objects.

    Views are projected from immutable state, and the hub's set of who is connected is one frozenset
    until someone comes or goes.  With 5,000 participants, the console's list of people and every
    room's members are then rebuilt only when participants, presence or that room changed, not on
    every hand raised.
    """

    __slots__ = ("inputs", "value")

    def __init__(self) -> None:
        self.inputs: tuple[Any, ...] | None = None
        self.value: Any = None

    def __call__(self, inputs: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        last = self.inputs
        if (
            last is None
            or len(last) != len(inputs)
            or any(a is not b for a, b in zip(last, inputs, strict=True))
            or any(type(x) is set for x in inputs)  # a mutable set of who is connected: no reuse
        ):
            self.value, self.inputs = make(), inputs
        return self.value


class Memos(dict[str, Memo]):
    """One :class:`Memo` per key (a room's id)."""

    def __missing__(self, key: str) -> Memo:
        memo = self[key] = Memo()
        return memo
