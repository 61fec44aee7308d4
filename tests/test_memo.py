"""Memoised view parts: reused while their inputs are the same objects, kept per meeting, bounded."""

from __future__ import annotations

from server.core.memo import Memos


def test_two_meetings_keep_their_own_value_and_old_ones_are_dropped() -> None:
    memos = Memos(size=3)
    made: list[str] = []

    def make(what: str) -> object:
        made.append(what)
        return object()

    a_inputs, b_inputs = (frozenset({"ana"}),), (frozenset({"bo"}),)
    a = memos["a"](a_inputs, lambda: make("a"))
    b = memos["b"](b_inputs, lambda: make("b"))
    # Alternating between two meetings reuses each one's value: no rebuild on every publish.
    for _ in range(5):
        assert memos["a"](a_inputs, lambda: make("a")) is a
        assert memos["b"](b_inputs, lambda: make("b")) is b
    assert made == ["a", "b"]
    # A new object as input: rebuilt.  A mutable set: never reused.
    assert memos["a"]((frozenset({"ana"}),), lambda: make("a2")) is not a
    memos["a"](({"x"},), lambda: make("a3"))
    memos["a"](({"x"},), lambda: make("a4"))
    assert made[-3:] == ["a2", "a3", "a4"]
    # Bounded: the least recently used meeting's memo goes first.
    memos["c"]((), lambda: make("c"))
    memos["d"]((), lambda: make("d"))
    assert len(memos) == 3
    memos["b"](b_inputs, lambda: make("b again"))
    assert made[-1] == "b again"
