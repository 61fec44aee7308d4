"""The speaking stack: ordering rules (table-driven), invariants (hypothesis), and refusals."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.core import meeting as m
from server.core.errors import Rejection
from server.core.inputs import Inputs
from server.stack import core as sk

FACILITATOR = m.Actor(m.Role.FACILITATOR)


class Room:
    """A meeting driven through the core's decide/apply, as the hub does, with a fake clock."""

    def __init__(self, *names: str) -> None:
        self.now = 1000.0
        self.state = m.fold(
            enumerate(
                m.create(
                    meeting_id="m", title="GA", code="AAAAAA", facilitator_secret="f", screen_key="s", now=self.now
                ),
                start=1,
            )
        )
        for name in names:
            self.do(m.Join(name=name), m.Actor(m.Role.PHONE), participant_id=name, token=f"t-{name}")

    def do(self, command: Any, actor: m.Actor, **inputs: Any) -> list[Any]:
        """Decide and apply ``command``; ``inputs``: what the hub would draw (ids, a receipt, who is here)."""
        self.now += 1
        evs = m.decide(self.state, command, actor, Inputs(now=self.now, **inputs))
        for ev in evs:
            self.state = m.apply(self.state, ev)
        return evs

    def by(self, name: str, command: Any) -> list[Any]:
        return self.do(command, m.Actor(m.Role.PHONE, participant_id=name))

    def raise_hand(self, name: str, kind: str = "new") -> None:
        self.by(name, sk.RaiseHand(kind=kind))

    def facilitate(self, command: Any) -> list[Any]:
        return self.do(command, FACILITATOR)

    def speak(self, name: str) -> None:
        """``name`` raises a new point and is called at once (the stack must be empty of others)."""
        self.raise_hand(name)
        self.facilitate(sk.NextSpeaker())
        assert self.speaker() == name

    def order(self) -> list[str]:
        return [p.entry.participant_id for p in sk.ordered(self.state.stack)]

    def reasons(self) -> dict[str, str]:
        return {p.entry.participant_id: p.reason for p in sk.ordered(self.state.stack)}

    def speaker(self) -> str | None:
        turn = self.state.stack.speaker
        return turn.participant_id if turn else None


# (hands raised in this order as (name, kind), expected speaking order)
ORDER_CASES = [
    ([("a", "new"), ("b", "new"), ("c", "new")], ["a", "b", "c"]),
    ([("a", "new"), ("b", "process")], ["b", "a"]),
    ([("a", "new"), ("b", "clarifying"), ("c", "information")], ["b", "c", "a"]),
    ([("a", "new"), ("b", "information"), ("c", "process"), ("d", "clarifying")], ["c", "b", "d", "a"]),
    ([("a", "process"), ("b", "process"), ("c", "new")], ["a", "b", "c"]),
]


@pytest.mark.parametrize(("hands", "expected"), ORDER_CASES)
def test_kinds_order_the_stack(hands: list[tuple[str, str]], expected: list[str]) -> None:
    room = Room(*[name for name, _ in hands])
    for name, kind in hands:
        room.raise_hand(name, kind)
    assert room.order() == expected


def test_a_direct_response_goes_right_after_the_current_speaker_ahead_of_new_points() -> None:
    room = Room("sp", "a", "b", "c")
    room.speak("sp")
    room.raise_hand("a")
    room.raise_hand("b", "direct")
    room.raise_hand("c", "clarifying")
    assert room.order() == ["c", "b", "a"]
    assert room.reasons()["b"] == "direct response: right after the current speaker"


def test_direct_response_needs_a_speaker() -> None:
    room = Room("a")
    with pytest.raises(Rejection) as err:
        room.raise_hand("a", "direct")
    assert err.value.code == "no_speaker"


def test_progressive_stack_puts_first_time_speakers_ahead_and_says_why() -> None:
    room = Room("veteran", "newcomer")
    room.speak("veteran")
    room.raise_hand("veteran")
    room.raise_hand("newcomer")
    assert room.order() == ["newcomer", "veteran"]
    assert room.reasons() == {
        "newcomer": "you haven't spoken yet",
        "veteran": "you have spoken already: after those who haven't",
    }
    room.facilitate(sk.SetStackSettings(progressive=False))
    assert room.order() == ["veteran", "newcomer"]
    assert room.reasons()["newcomer"] == "in the order hands went up"


def test_priority_opt_in_counts_only_when_the_facilitator_lets_it() -> None:
    room = Room("a", "b", "c")
    room.raise_hand("a")
    room.raise_hand("b")
    room.by("b", sk.OptPriority(opted=True))
    assert room.order() == ["a", "b"]  # opted in, but the facilitator hasn't made it count
    room.facilitate(sk.SetStackSettings(priority_counts=True))
    assert room.order() == ["b", "a"]
    assert room.reasons()["b"] == "you haven't spoken yet (and priority)"
    # A priority voice who has spoken still goes after those who haven't, but ahead of other repeat speakers.
    room.facilitate(sk.NextSpeaker())
    room.facilitate(sk.NextSpeaker())  # b, then a have spoken
    room.raise_hand("a")
    room.raise_hand("b")
    room.raise_hand("c")
    assert room.order() == ["c", "b", "a"]
    assert room.reasons()["b"] == "priority you asked for"


def test_next_speaker_turns_countdown_and_statistics() -> None:
    room = Room("a", "b")
    room.facilitate(sk.SetStackSettings(time_limit=60))
    room.raise_hand("a")
    room.raise_hand("b")
    room.facilitate(sk.NextSpeaker())
    turn = room.state.stack.speaker
    assert turn is not None and turn.participant_id == "a" and turn.deadline == turn.started_at + 60
    room.facilitate(sk.ExtendTime(seconds=30))
    assert room.state.stack.speaker is not None and room.state.stack.speaker.deadline == turn.started_at + 90
    room.now += 40
    room.facilitate(sk.NextSpeaker())
    assert room.speaker() == "b" and room.order() == []
    room.facilitate(sk.NextSpeaker())  # nobody left: the turn ends
    assert room.speaker() is None
    stats = {row["participant"]: row for row in sk.statistics(room.state.stack, {"a": "A", "b": "B"}, room.now)}
    assert stats["a"]["turns"] == 1 and stats["a"]["seconds"] == 42.0
    assert stats["b"]["turns"] == 1 and stats["b"]["name"] == "B"
    with pytest.raises(Rejection) as err:
        room.facilitate(sk.NextSpeaker())
    assert err.value.code == "stack_empty"


def test_facilitator_moves_skips_removes_and_closes() -> None:
    room = Room("a", "b", "c", "d")
    for name in "abc":
        room.raise_hand(name)
    entry_c = room.state.stack.entry_of("c")
    assert entry_c is not None
    room.facilitate(sk.MoveEntry(entry_id=entry_c.id, position=0))
    assert room.order() == ["c", "a", "b"]
    assert room.reasons()["c"] == "moved by the facilitator"
    room.facilitate(sk.NextSpeaker())
    assert room.speaker() == "c"
    entry_a = room.state.stack.entry_of("a")
    assert entry_a is not None
    room.facilitate(sk.SkipEntry(entry_id=entry_a.id))
    assert room.order() == ["b"]
    room.facilitate(sk.SetStackOpen(open=False))
    with pytest.raises(Rejection) as err:
        room.raise_hand("d")
    assert err.value.code == "stack_closed"
    room.raise_hand("d", "process")  # a point of process is always heard
    assert room.order() == ["d", "b"]
    entry_b = room.state.stack.entry_of("b")
    assert entry_b is not None
    room.facilitate(sk.RemoveEntry(entry_id=entry_b.id))
    assert room.order() == ["d"]
    with pytest.raises(Rejection) as err:
        room.facilitate(sk.RemoveEntry(entry_id=entry_b.id))
    assert err.value.code == "unknown_entry"


def test_a_moved_entry_moves_up_as_the_stack_is_served() -> None:
    room = Room("a", "b", "c", "d")
    for name in "abcd":
        room.raise_hand(name)
    entry_d = room.state.stack.entry_of("d")
    assert entry_d is not None
    room.facilitate(sk.MoveEntry(entry_id=entry_d.id, position=1))
    assert room.order() == ["a", "d", "b", "c"]
    room.facilitate(sk.NextSpeaker())
    assert room.order() == ["d", "b", "c"]  # d is next now, not stuck in second place


@pytest.mark.parametrize(
    ("who", "command", "code"),
    [
        ("a", sk.RaiseHand(kind="shouting"), "bad_field"),
        ("a", sk.LowerHand(), "not_on_stack"),
        ("facilitator", sk.RaiseHand(), "not_allowed"),
        ("a", sk.NextSpeaker(), "not_allowed"),
        ("a", sk.SetStackSettings(progressive=False), "not_allowed"),
        ("facilitator", sk.SetStackSettings(time_limit=1), "bad_field"),
        ("facilitator", sk.ExtendTime(seconds=30), "no_speaker"),
        ("facilitator", sk.MoveEntry(entry_id=99, position=0), "unknown_entry"),
        ("removed", sk.RaiseHand(), "removed"),
    ],
)
def test_refusals_leave_the_stack_unchanged(who: str, command: Any, code: str) -> None:
    room = Room("a", "removed")
    room.facilitate(m.RemoveParticipant(participant_id="removed"))
    before = room.state
    actor = FACILITATOR if who == "facilitator" else m.Actor(m.Role.PHONE, participant_id=who)
    with pytest.raises(Rejection) as err:
        room.do(command, actor)
    assert err.value.code == code
    assert room.state.stack == before.stack


def test_one_hand_per_person_and_removal_clears_theirs() -> None:
    room = Room("a", "b")
    room.raise_hand("a")
    with pytest.raises(Rejection) as err:
        room.raise_hand("a", "process")
    assert err.value.code == "already_on_stack"
    room.raise_hand("b")
    room.facilitate(m.RemoveParticipant(participant_id="a"))
    assert room.order() == ["b"]


# --- invariants ------------------------------------------------------------------------------

NAMES = ["p0", "p1", "p2", "p3", "p4", "p5"]
KINDS = [k.value for k in sk.Kind]
actions = st.lists(
    st.one_of(
        st.tuples(st.just("raise"), st.sampled_from(NAMES), st.sampled_from(KINDS)),
        st.tuples(st.just("lower"), st.sampled_from(NAMES), st.none()),
        st.tuples(st.just("next"), st.none(), st.none()),
        st.tuples(st.just("move"), st.integers(0, 5), st.integers(0, 5)),
        st.tuples(st.just("progressive"), st.booleans(), st.none()),
        st.tuples(st.just("opt"), st.sampled_from(NAMES), st.booleans()),
        st.tuples(st.just("counts"), st.booleans(), st.none()),
    ),
    max_size=40,
)


def run(room: Room, script: list[tuple[Any, Any, Any]]) -> None:
    for action, a, b in script:
        try:
            if action == "raise":
                room.raise_hand(a, b)
            elif action == "lower":
                room.by(a, sk.LowerHand())
            elif action == "next":
                room.facilitate(sk.NextSpeaker())
            elif action == "move":
                entries = room.state.stack.entries
                if entries:
                    room.facilitate(sk.MoveEntry(entry_id=entries[a % len(entries)].id, position=b % len(entries)))
            elif action == "progressive":
                room.facilitate(sk.SetStackSettings(progressive=a))
            elif action == "opt":
                room.by(a, sk.OptPriority(opted=b))
            elif action == "counts":
                room.facilitate(sk.SetStackSettings(priority_counts=a))
        except Rejection:
            pass


@settings(max_examples=200, deadline=None)
@given(actions)
def test_stack_invariants(script: list[tuple[Any, Any, Any]]) -> None:
    """No one twice; a point of process first (unless the facilitator moved someone); the order is
    explained, stable (sorting the order again changes nothing) and replays from the log."""
    room = Room(*NAMES)
    events: list[Any] = []
    original_do = room.do

    def recording(command: Any, actor: m.Actor) -> list[Any]:
        evs = original_do(command, actor)
        events.extend(evs)
        return evs

    room.do = recording  # type: ignore[method-assign]
    run(room, script)
    places = sk.ordered(room.state.stack)
    people = [p.entry.participant_id for p in places]
    assert len(people) == len(set(people))  # no one twice
    assert [p.position for p in places] == list(range(len(places)))
    assert all(p.reason for p in places)  # every place is explained
    unmoved = [p for p in places if p.entry.pinned is None]
    tiers = [sk.TIER[p.entry.kind] for p in unmoved]
    assert tiers == sorted(tiers)  # process < information/clarifying < direct < new
    if unmoved and any(p.entry.kind is sk.Kind.PROCESS for p in unmoved):
        assert unmoved[0].entry.kind is sk.Kind.PROCESS
    # Among new points with the same history and priority, first raised speaks first.
    news = [p.entry for p in unmoved if p.entry.kind is sk.Kind.NEW]
    if not room.state.stack.progressive:
        assert [e.id for e in news] == sorted(e.id for e in news)
    # The current speaker is not also waiting.
    speaker = room.state.stack.speaker
    assert (
        speaker is None or speaker.participant_id not in people or speaker.entry_id not in {p.entry.id for p in places}
    )
    # Replaying the log gives the same stack.
    replay = Room(*NAMES)
    for ev in events:
        replay.state = m.apply(replay.state, ev)
    assert replay.state.stack == room.state.stack
