"""Reusing what views project from immutable state while it is the same objects."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
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


class Memos:
    """One :class:`Memo` per key: a meeting's id, or (meeting id, room id).

    Keyed by meeting, so that two meetings in one process don't evict each other's value on
    every publish; bounded (least recently used first), so meetings unloaded from memory don't
    leave theirs behind for ever.
    """

    __slots__ = ("_memos", "size")

    def __init__(self, size: int = 4096) -> None:
        self._memos: OrderedDict[Hashable, Memo] = OrderedDict()
        self.size = size

    def __getitem__(self, key: Hashable) -> Memo:
        memo = self._memos.get(key)
        if memo is None:
            memo = self._memos[key] = Memo()
            if len(self._memos) > self.size:
                self._memos.popitem(last=False)
        else:
            self._memos.move_to_end(key)
        return memo

    def __len__(self) -> int:
        return len(self._memos)
