"""Topic circles' device links and notes through the pure core: a space's device key recorded as a digest
only, what a space's device shows (the circle there now, who is in it, what is next), notes in a circle
through the rooms' own note commands (added, edited, taken back, refused with the rooms' codes and
changing nothing), a phone checked in on join from a circle's QR, whose views a note or a move touches,
and the log folding back to the same state."""

from __future__ import annotations

from typing import Any

import pytest

import server.features  # noqa: F401  (registers every feature, as the server does)
from server.core import meeting as m
from server.core import views
from server.openspace import core as oc
from server.openspace import views as ov
from server.rooms import core as rc
from server.stack import core as sk
from tests.test_openspace import FACILITATOR, T0, Space

KEY = "f"  # the facilitator secret tests.test_stack.Room creates its meeting with


def circles() -> tuple[Space, list[Any]]:
    """Rota (Big tree), Compost (Kitchen) and Knives (Hall) meet in the running slot t1, Budget in the Big
    tree in t2; every event from here on is kept, to fold again."""
    room = Space("ana", "bo", "cy", "dee", "eli")
    room.setup(slots=2)
    room.by("ana", oc.PostTopic("Rota"))
    room.by("bo", oc.PostTopic("Compost"))
    room.by("cy", oc.PostTopic("Budget"))
    room.by("dee", oc.PostTopic("Knives"))
    room.facilitate(oc.MoveTopic("o4", "t1", "s3"))
    room.facilitate(oc.MoveTopic("o1", "t1", "s1"))
    room.facilitate(oc.MoveTopic("o2", "t1", "s2"))
    room.facilitate(oc.MoveTopic("o3", "t2", "s1"))
    log: list[Any] = []
    do = room.do

    def recording(command: Any, actor: m.Actor, **inputs: Any) -> list[Any]:
        evs = do(command, actor, **inputs)
        log.extend(evs)
        return evs

    room.do = recording  # type: ignore[method-assign]
    room.start = room.state  # type: ignore[attr-defined]
    room.facilitate(oc.StartSlot("t1"))
    return room, log


def folded(room: Space, log: list[Any]) -> m.MeetingState:
    state = room.start  # type: ignore[attr-defined]
    for ev in log:
        state = m.apply(state, ev)
    return state


def test_a_spaces_device_key_is_recorded_as_a_digest_only_when_the_console_asks() -> None:
    room, log = circles()
    (ev,) = room.do(oc.CircleLinks(), FACILITATOR, key=KEY)
    assert isinstance(ev, oc.DeviceKeysSet) and sorted(ev.keys) == ["s1", "s2", "s3"]
    assert ev.keys["s1"] == m.digest(rc.room_key(KEY, "s1"))
    assert all(rc.room_key(KEY, sp) not in str(ev.to_dict()) for sp in ev.keys)  # no key in the log
    assert room.do(oc.CircleLinks(), FACILITATOR, key=KEY) == []  # asked again: nothing new to record
    room.facilitate(oc.AddSpace("Shed", 4))
    (ev,) = room.do(oc.CircleLinks(), FACILITATOR, key=KEY)
    assert list(ev.keys) == ["s4"]  # only the new space's
    room.refused("bad_key", oc.CircleLinks())  # no key to derive them from
    room.refused_by("not_allowed", "ana", oc.CircleLinks())
    assert folded(room, log) == room.state


def test_a_spaces_device_shows_the_circle_there_now_who_is_in_it_and_what_comes_next() -> None:
    room, log = circles()
    for who, topic in (("bo", "o1"), ("cy", "o1"), ("dee", "o2")):
        room.by(who, oc.CheckIn(topic))
    ctx = views.Context(connected=lambda: frozenset({"bo"}), join_url="http://x/j/AAAAAA")
    tree = views.feature_view(room.state, "room:s1", ctx)
    assert tree is not None
    assert (tree["room"], tree["name"], tree["space"], tree["device"]) == ("o1", "Rota", "Big tree", "s1")
    assert tree["question"] == "How do we run the co-op kitchen?" and tree["ends_at"] == T0 + 3000
    assert [(p["name"], p["present"]) for p in tree["people"]] == [("cy", False), ("bo", True)]  # newest first
    assert tree["headcount"] == 2 and tree["join_url"] == "http://x/j/AAAAAA?room=o1"
    assert tree["next"] == {"topic": "o3", "title": "Budget", "convener": "cy", "start": T0 + 3600, "end": T0 + 6600}
    room.facilitate(oc.AddSpace("Shed", 4))
    shed = views.feature_view(room.state, "room:s4", ctx)  # a space with no circle now, and none later
    assert shed is not None and shed["room"] is None and shed["next"] is None and shed["space"] == "Shed"
    assert views.feature_view(room.state, "room:s9", ctx) is None
    # Moves: the roster follows, in the order people came; the phones' view of a circle has no roster.
    room.by("bo", oc.CheckIn("o2"))
    tree = views.feature_view(room.state, "room:s1", ctx)
    assert [p["name"] for p in tree["people"]] == ["cy"] and tree["headcount"] == 1
    assert room.os.rosters == {"o1": ("cy",), "o2": ("dee", "bo")}
    assert views.feature_view(room.state, "room:o2", ctx)["people"] == []
    # The slot ends: the device says what meets there next.
    room.facilitate(oc.EndSlot("t1"))
    tree = views.feature_view(room.state, "room:s1", ctx)
    assert tree["room"] is None and tree["next"]["title"] == "Budget" and tree["headcount"] == 0
    assert room.os.rosters == {}
    room.facilitate(oc.StartSlot("t2"))
    tree = views.feature_view(room.state, "room:s1", ctx)
    assert (tree["room"], tree["name"], tree["next"]) == ("o3", "Budget", None)
    assert folded(room, log) == room.state


def test_a_spaces_device_view_is_reused_until_its_own_circle_changes() -> None:
    """``view_deps``: a move between two other circles leaves a device's inputs the same objects, so the
    hub reuses its view (20 devices, 150 moves a second)."""
    room, _ = circles()
    room.by("ana", oc.CheckIn("o1"))

    def same(a: Any, b: Any) -> bool:
        return a is not None and b is not None and all(x is y for x, y in zip(a, b, strict=True))

    deps = views.feature_view_deps(room.state, "room:s1")
    room.by("bo", oc.CheckIn("o2"))
    room.by("bo", oc.CheckIn("o4"))
    assert same(deps, views.feature_view_deps(room.state, "room:s1"))
    room.by("cy", oc.CheckIn("o1"))
    assert not same(deps, views.feature_view_deps(room.state, "room:s1"))


def test_notes_in_a_circle_are_the_rooms_notes() -> None:
    """A phone checked in to a circle adds, edits and takes back notes with the rooms' own commands; the
    circle's phones, its device and its reporter see them; the facilitator can take any back."""
    room, log = circles()
    for who, topic in (("bo", "o1"), ("cy", "o1"), ("dee", "o2")):
        room.by(who, oc.CheckIn(topic))
    (ev,) = room.by("bo", rc.AddNote("Bring cups"))
    assert (ev.room, ev.note_id) == ("o1", 1)
    room.by("cy", rc.AddNote("<b>Rota</b> on the door", room="o1"))  # naming the room it is in
    room.by("bo", rc.EditNote(1, "Bring mugs"))
    room.by("bo", rc.EditNote(1, "Bring mugs"))  # unchanged: nothing recorded
    assert [(n.id, n.text) for n in room.os.circles["o1"].notes] == [(1, "Bring mugs"), (2, "<b>Rota</b> on the door")]
    ctx = views.Context(connected=lambda: frozenset())
    phones = views.feature_view(room.state, "room:o1", ctx)
    assert phones["notes"] == [
        {"note": 1, "text": "Bring mugs", "by": "bo"},
        {"note": 2, "text": "<b>Rota</b> on the door", "by": "cy"},  # text, as typed
    ]
    assert views.feature_view(room.state, "room:s1", ctx)["notes"] == phones["notes"]
    me = views.me_view(room.state, "ana")["openspace"]  # Rota's convener reports for it, checked in or not
    assert me["report_notes"] == {"o1": phones["notes"]}
    assert views.me_view(room.state, "bo")["openspace"]["report_notes"] == {}
    # A note in a breakout room and one in a circle share one numbering.
    room.by("dee", rc.AddNote("Compost bins"))
    assert room.os.circles["o2"].notes[0].id == 3
    room.by("cy", rc.RemoveNote(2))
    room.facilitate(rc.RemoveNote(1, room="o1"))
    assert room.os.circles["o1"].notes == ()
    assert folded(room, log) == room.state


@pytest.mark.parametrize(
    ("what", "code", "who", "command"),
    [
        ("a note from a phone checked in nowhere", "not_in_room", "eli", rc.AddNote("Hello")),
        ("a note naming another circle", "not_in_room", "dee", rc.AddNote("Hello", room="o1")),
        ("a note naming a circle that doesn't exist", "unknown_room", "bo", rc.AddNote("Hello", room="o99")),
        ("a note naming a circle that hasn't started", "unknown_room", "bo", rc.AddNote("Hello", room="o3")),
        ("a blank note", "bad_field", "bo", rc.AddNote("   ")),
        ("a note of 201 characters", "bad_field", "bo", rc.AddNote("x" * 201)),
        ("someone else's note edited", "not_author", "cy", rc.EditNote(1, "Mine now")),
        ("someone else's note taken back", "not_author", "cy", rc.RemoveNote(1)),
        ("a note that doesn't exist", "unknown_note", "bo", rc.EditNote(99, "Hello")),
        ("a note of another circle", "unknown_note", "dee", rc.RemoveNote(1)),
        ("a note taken back by the facilitator with no room", "bad_field", "fac", rc.RemoveNote(1)),
        ("a note from a room device", "not_allowed", "device", rc.AddNote("Hello")),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_circles_note_refusals_have_the_rooms_codes_and_change_nothing(
    what: str, code: str, who: str, command: Any
) -> None:
    room, _ = circles()
    for phone, topic in (("bo", "o1"), ("cy", "o1"), ("dee", "o2")):
        room.by(phone, oc.CheckIn(topic))
    room.by("bo", rc.AddNote("Bring cups"))
    if who == "fac":
        room.refused(code, command)
    elif who == "device":
        room.refused(code, command, m.Actor(m.Role.ROOM))
    else:
        room.refused_by(code, who, command)


def test_notes_for_a_circle_that_ended_are_refused_room_closed() -> None:
    room, _ = circles()
    room.by("bo", oc.CheckIn("o1"))
    room.by("bo", rc.AddNote("Bring cups"))
    room.facilitate(oc.EndSlot("t1"))
    room.refused_by("room_closed", "bo", rc.AddNote("One more", room="o1"))
    room.refused_by("room_closed", "bo", rc.EditNote(1, "Mugs", room="o1"))
    room.refused("room_closed", rc.RemoveNote(1, room="o1"))
    room.refused_by("not_in_room", "bo", rc.AddNote("One more"))  # checked out when the slot ended
    assert [n.text for n in room.os.circles["o1"].notes] == ["Bring cups"]  # kept for the report


def test_a_note_touches_its_circles_phones_and_its_reporter_and_a_move_only_the_mover() -> None:
    room, _ = circles()
    for who, topic in (("bo", "o1"), ("cy", "o1"), ("dee", "o2")):
        room.by(who, oc.CheckIn(topic))
    before = room.state
    room.by("bo", rc.AddNote("Bring cups"))
    assert views.touched(before, room.state) == {"bo", "cy", "ana"}  # ana reports for Rota (its me)
    before = room.state
    room.by("bo", oc.CheckIn("o2"))  # no hand up: Rota's circle is the same object, its phones untouched
    assert views.touched(before, room.state) == {"bo"}
    room.by("cy", sk.RaiseHand(kind="new"))
    before = room.state
    room.by("cy", oc.CheckIn("o2"))  # a hand comes down in Rota: who was in Rota (nobody now), and cy
    assert views.touched(before, room.state) == {"cy", "bo"}  # cy is new to Compost: bo reports for it (me)


def test_a_phone_that_joins_from_a_circles_qr_is_checked_in_to_it() -> None:
    room, log = circles()
    evs = room.do(m.Join(name="Fay", room="o1"), m.Actor(m.Role.PHONE), participant_id="fay", token="t-fay")
    assert [type(e).__name__ for e in evs] == ["ParticipantJoined", "CheckedIn"]
    assert room.os.checkins["fay"] == "o1" and room.os.rosters["o1"] == ("fay",)
    evs = room.do(m.Join(name="Gil", room="o3"), m.Actor(m.Role.PHONE), participant_id="gil", token="t-gil")
    assert len(evs) == 1 and "gil" not in room.os.checkins  # o3 meets later: just joined
    room.do(rc.StartBreakouts(rooms=1), FACILITATOR, present=frozenset({"ana"}), seed=1, key=KEY)
    evs = room.do(m.Join(name="Hal", room="o1"), m.Actor(m.Role.PHONE), participant_id="hal", token="t-hal")
    assert "hal" not in room.os.checkins  # the breakout rooms place a late arrival first
    assert folded(room, log) == room.state


def test_a_removed_participant_leaves_the_circles_roster() -> None:
    room, log = circles()
    room.by("bo", oc.CheckIn("o1"))
    room.by("cy", oc.CheckIn("o1"))
    room.facilitate(m.RemoveParticipant("bo"))
    assert room.os.rosters == {"o1": ("cy",)} and "bo" not in room.os.checkins
    assert ov.space_view(room.state, "s1", frozenset(), "")["headcount"] == 1
    assert folded(room, log) == room.state
