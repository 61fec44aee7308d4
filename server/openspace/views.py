"""What each audience sees of Open Space (pure).

Sections of the shared views, under ``openspace``:

- ``screen``: which part of the meeting is running, the theme, the marketplace (newest topics and
  their interest counts), the wall (slot × space grid; live headcounts during a slot), the news wall
  (reports), the dot-vote's ranking and who adopted each priority;
- ``phone``: the theme, every topic with its interest count and cell, the slots and spaces, the
  running slot, the news wall, dot-voting and the priorities;
- ``facilitator``: all of the phone's and the schedule's conflict count next to the naive one's
  (and a lower bound), the current count, the last move's change, the unplaced topics, locked cells;
- ``me``: the topics a phone convenes and wants, its unavailable slots, "your topics now" with
  where to go, its check-in, the circles it reports for, its dots and adoptions.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from server.core import meeting as m
from server.core.memo import Memos
from server.openspace import core as oc
from server.rooms import views as rv

EMPTY = oc.OpenSpaceState()
NEWEST = 12  # topics on the screen's marketplace


def openspace_of(state: m.MeetingState) -> oc.OpenSpaceState:
    return m.part(state, "openspace", EMPTY)  # type: ignore[no-any-return]


def _name(state: m.MeetingState, pid: str | None) -> str:
    p = state.participants.get(pid) if pid else None
    return p.name if p else ""


_CONFLICTS = Memos()  # meeting id -> the wall's conflict count now


def conflicts_now(state: m.MeetingState, os: oc.OpenSpaceState) -> int:
    return _CONFLICTS[state.id]((os.cells, os.interest), lambda: oc.conflict_count(os))  # type: ignore[no-any-return]


def _topic(state: m.MeetingState, os: oc.OpenSpaceState, t: oc.Topic) -> dict[str, Any]:
    cell = os.cells.get(t.id)
    return {
        "topic": t.id,
        "title": t.title,
        "description": t.description,
        "convener": _name(state, t.convener),
        "coconveners": [_name(state, p) for p in t.coconveners],
        "interest": len(os.interest.get(t.id, ())),
        "slot": cell[0] if cell else None,
        "space": cell[1] if cell else None,
        "priority": t.priority,
    }


def _slots(os: oc.OpenSpaceState) -> list[dict[str, Any]]:
    return [
        {
            "slot": s.id,
            "start": s.start,
            "end": s.end,
            "started": s.started,
            "running": s.running,
            "ended": s.ended_at is not None,
        }
        for s in os.slots.values()
    ]


def _spaces(os: oc.OpenSpaceState) -> list[dict[str, Any]]:
    return [{"space": s.id, "name": s.name, "capacity": s.capacity} for s in os.spaces.values()]


def wall(state: m.MeetingState, os: oc.OpenSpaceState) -> dict[str, Any]:
    """The slot × space grid: one entry per placed topic (and per locked cell); headcounts while running."""
    running = os.running
    counts = os.headcounts() if running is not None else {}
    cells = []
    for t, (slot, space) in os.cells.items():
        topic = os.topics[t]
        cells.append(
            {
                "slot": slot,
                "space": space,
                "topic": t,
                "title": topic.title,
                "convener": _name(state, topic.convener),
                "interest": len(os.interest.get(t, ())),
                "headcount": counts.get(t, 0) if running is not None and slot == running.id else None,
                "locked": (slot, space) in os.locked,
            }
        )
    empty_locked = [{"slot": s, "space": sp} for s, sp in sorted(os.locked) if os.at(s, sp) is None]
    return {
        "slots": _slots(os),
        "spaces": _spaces(os),
        "cells": cells,
        "locked_empty": empty_locked,
        "running": running.id if running is not None else None,
    }


def news(state: m.MeetingState, os: oc.OpenSpaceState) -> list[dict[str, Any]]:
    """Every report, in the order written: the news wall."""
    totals = os.dots.totals if os.dots is not None else {}
    return [
        {
            "topic": t,
            "title": os.topics[t].title,
            "reporter": _name(state, r.participant_id),
            "key_points": r.key_points,
            "proposals": r.proposals,
            "next_steps": r.next_steps,
            "participants": list(r.participants),
            "at": r.at,
            "dots": totals.get(t, 0) if os.dots is not None and not os.dots.open else None,
        }
        for t, r in os.reports.items()
    ]


def convergence(state: m.MeetingState, os: oc.OpenSpaceState) -> dict[str, Any] | None:
    if os.dots is None:
        return None
    return {
        "open": os.dots.open,
        "dots": os.dots.budget,
        "voters": len([p for p, v in os.dots.placed.items() if v]),
        "priorities": [
            {
                "rank": i,
                "topic": t,
                "title": os.topics[t].title,
                "dots": n,
                "adopted_by": [_name(state, p) for p in os.adopted.get(t, ())],
            }
            for i, (t, n) in enumerate(os.dots.ranking, 1)
        ],
    }


def _base(state: m.MeetingState, os: oc.OpenSpaceState) -> dict[str, Any]:
    return {"part": os.part, "theme": os.theme}


def screen_section(state: m.MeetingState) -> dict[str, Any] | None:
    os = openspace_of(state)
    if os is EMPTY:
        return None
    active = os.active_topics()
    return {
        **_base(state, os),
        "marketplace": {
            "topics": len(active),
            "newest": [_topic(state, os, t) for t in reversed(active[-NEWEST:])],
            "marks": sum(len(os.interest.get(t.id, ())) for t in active),
        },
        "wall": wall(state, os),
        "news": news(state, os),
        "convergence": convergence(state, os),
    }


def phone_section(state: m.MeetingState) -> dict[str, Any] | None:
    os = openspace_of(state)
    if os is EMPTY:
        return None
    # No interest counts and no count of dot-voters here: each mark or dot would change the view every
    # phone shares, and resend 120 topics to 1,500 phones.  The screen and the console have them; a
    # phone's own marks and dots are in its ``me``, which a mark or a dot touches alone (``touched``).
    convergence_ = convergence(state, os)
    if convergence_ is not None:
        convergence_.pop("voters")
    return {
        **_base(state, os),
        "topic_limit": os.topic_limit,
        "topics": [{k: v for k, v in _topic(state, os, t).items() if k != "interest"} for t in os.active_topics()],
        "slots": _slots(os),
        "spaces": _spaces(os),
        "running": os.running.id if os.running is not None else None,
        "news": news(state, os),
        "convergence": convergence_,
    }


def facilitator_section(state: m.MeetingState) -> dict[str, Any]:
    os = openspace_of(state)
    outcome = os.outcome
    move = os.last_move
    return {
        **_base(state, os),
        "topic_limit": os.topic_limit,
        "topics": [
            {**_topic(state, os, t), "conveners_ids": sorted(t.conveners), "reporter": _name(state, os.reporter(t.id))}
            for t in os.active_topics()
        ],
        "wall": wall(state, os),
        "schedule": None
        if outcome is None
        else {
            "conflicts": outcome.conflicts,
            "naive": outcome.naive,
            "lower_bound": outcome.lower_bound,
            "saved": outcome.naive - outcome.conflicts,
            "unplaced": [{"topic": t, "title": os.topics[t].title} for t in outcome.unplaced if t in os.topics],
            "at": outcome.at,
        },
        "conflicts": conflicts_now(state, os),
        "last_move": None
        if move is None
        else {
            "topic": move.topic,
            "title": os.topics[move.topic].title,
            "before": move.before,
            "after": move.after,
            "change": move.after - move.before,
        },
        "unscheduled": [{"topic": t.id, "title": t.title} for t in os.active_topics() if t.id not in os.cells],
        "checked_in": len(os.checkins),
        "news": news(state, os),
        "convergence": convergence(state, os),
        "caps": {"topics": oc.TOPICS_MAX, "spaces": oc.SPACES_MAX, "slots": oc.SLOTS_MAX},
    }


@dataclasses.dataclass(frozen=True)
class _Index:
    """Who convenes, posted and reports what, and the running slot's topics: built once per state, so
    each phone's ``me`` costs what is its own, not a pass over every topic (1,500 phones × 120 topics)."""

    convenes: dict[str, list[str]]
    posted: dict[str, int]
    reports_for: dict[str, list[str]]
    running: list[tuple[oc.Topic, str]]  # (topic, its space's name) in the running slot
    adopted: dict[str, list[str]]


_INDEX = Memos()  # meeting id -> the index of its Open Space part


def _index(os: oc.OpenSpaceState) -> _Index:
    convenes: dict[str, list[str]] = {}
    posted: dict[str, int] = {}
    reports_for: dict[str, list[str]] = {}
    running: list[tuple[oc.Topic, str]] = []
    slot = os.running
    for t in os.active_topics():
        for pid in (t.convener, *t.coconveners):
            convenes.setdefault(pid, []).append(t.id)
        posted[t.convener] = posted.get(t.convener, 0) + 1
        reports_for.setdefault(os.reporter(t.id), []).append(t.id)
        cell = os.cells.get(t.id)
        if slot is not None and cell is not None and cell[0] == slot.id:
            running.append((t, os.spaces[cell[1]].name if cell[1] in os.spaces else ""))
    adopted: dict[str, list[str]] = {}
    for t, who in os.adopted.items():
        for pid in who:
            adopted.setdefault(pid, []).append(t)
    return _Index(convenes, posted, reports_for, running, adopted)


def me_section(state: m.MeetingState, pid: str) -> dict[str, Any] | None:
    os = openspace_of(state)
    if os is EMPTY:
        return None
    index: _Index = _INDEX[state.id](
        (os.topics, os.cells, os.slots, os.spaces, os.reporters, os.adopted), lambda: _index(os)
    )
    mine = os.marks.get(pid, frozenset())
    dots = os.dots.placed.get(pid, {}) if os.dots is not None else {}
    names = state.participants
    return {
        "convenes": index.convenes.get(pid, []),
        "posted": index.posted.get(pid, 0),
        "wants": sorted(mine),
        "unavailable": [s for s in os.slots if s in os.unavailable.get(pid, frozenset())],
        "now": [
            {"topic": t.id, "title": t.title, "space": space, "convener": pid in t.conveners}
            for t, space in index.running
            if t.id in mine or pid in t.conveners
        ],
        "checked_in": os.checkins.get(pid),
        "reports_for": index.reports_for.get(pid, []),
        # the notes of the circles you report for (the circle's phones see them in its room view)
        "report_notes": {
            t: _notes(state, c)
            for t in index.reports_for.get(pid, ())
            if (c := os.circles.get(t)) is not None and c.notes
        },
        # who checked in to the circles you report for (the report's participants, before its first save)
        "report_people": {
            t: [names[p].name for p in came if p in names]
            for t in index.reports_for.get(pid, ())
            if (came := os.came.get(t))
        },
        "dots": dict(dots),
        "dots_left": (os.dots.budget - sum(dots.values())) if os.dots is not None and os.dots.open else None,
        "adopted": index.adopted.get(pid, []),
    }


DEVICE_PEOPLE = 40  # names on a circle's device, newest first (it shows what fits, then "+N more")


def _notes(state: m.MeetingState, circle: oc.Circle) -> list[dict[str, Any]]:
    return [{"note": n.id, "text": n.text, "by": _name(state, n.participant_id)} for n in circle.notes]


def _circle(state: m.MeetingState, os: oc.OpenSpaceState, topic_id: str, join_url: str) -> dict[str, Any] | None:
    """A circle's fields as a breakout room's view has them (``rooms.views.room_view``), with the round's
    as the slot's; ``people`` is filled in for its device only (see :func:`space_view`)."""
    circle = os.circles.get(topic_id)
    topic = os.topics.get(topic_id)
    if circle is None or topic is None:
        return None
    cell = os.cells.get(topic_id)
    slot = os.slots.get(cell[0]) if cell else None
    space = os.spaces.get(cell[1]) if cell else None
    reporter = os.reporter(topic_id)
    report = os.reports.get(topic_id)
    return {
        "room": topic_id,
        "circle": True,
        "name": topic.title,
        "space": space.name if space else None,
        "number": None,
        "round": None,
        "question": os.theme,
        "mode": "open_space",
        "mode_words": "Open Space: go where you learn or contribute",
        "started_at": slot.started_at if slot else None,
        "ends_at": slot.end if slot else None,
        "return_at": None,
        "broadcast": None,
        "broadcast_at": None,
        "ended": not circle.open,
        "closed": not circle.open,
        "join_url": f"{join_url}?room={topic_id}" if join_url else None,
        "people": [],
        "rapporteur": {"id": reporter, "name": _name(state, reporter)} if reporter else None,
        "report": report.key_points if report else "",
        "report_at": report.at if report else None,
        "notes": _notes(state, circle),
        "stack": rv.stack_view(state, circle.stack, rv.ROOM_NEXT),
    }


def circle_view(state: m.MeetingState, topic_id: str, join_url: str = "") -> dict[str, Any] | None:
    """A topic circle as a room (``room:o7``), for the phones checked in to it: its name, space, the theme,
    the slot's times, its stack, notes and reporter.  Not who is in it: that changes with every move, and
    150 phones would each get a new view for it; the circle's device and the wall's headcount show it."""
    return _circle(state, openspace_of(state), topic_id, join_url)


def circle_deps(state: m.MeetingState, topic_id: str) -> tuple[Any, ...]:
    os = openspace_of(state)
    return (
        os.circles.get(topic_id),
        os.topics.get(topic_id),
        os.cells,
        os.slots,
        os.spaces,
        os.theme,
        os.reporters,
        os.reports,
        state.participants,
    )


_DEVICES = Memos()  # meeting id -> space -> (the circle meeting there now, the next one there)


def _devices(state: m.MeetingState, os: oc.OpenSpaceState) -> dict[str, tuple[str | None, str | None]]:
    return _DEVICES[state.id](  # type: ignore[no-any-return]
        (os.cells, os.slots, os.spaces), lambda: {sp: oc.space_device(os, sp) for sp in os.spaces}
    )


def space_view(state: m.MeetingState, space_id: str, connected: Any, join_url: str) -> dict[str, Any] | None:
    """What a space's device shows (``room:s2``, its link from ``circle_links``): the circle meeting there
    now, as a checked-in phone sees it, with who is checked in (``people``: the last 40 to come, newest
    first) and its
    ``headcount``; between circles, ``room`` is null and ``next`` says what meets there next."""
    os = openspace_of(state)
    space = os.spaces.get(space_id)
    if space is None:
        return None
    now, upcoming = _devices(state, os).get(space_id, (None, None))
    data = _circle(state, os, now, join_url) if now else None
    if data is None:
        data = {"room": None, "circle": True, "name": "", "question": os.theme, "closed": False, "ended": False}
        data.update(people=[], notes=[], stack=None, rapporteur=None, join_url=None)
    roster = os.rosters.get(now or "", ())
    reporter = os.reporter(now) if now else None
    data["people"] = [  # newest first: who just came looks for their name (and every arrival shows)
        {"id": pid, "name": _name(state, pid), "present": pid in connected, "rapporteur": pid == reporter}
        for pid in reversed(roster[-DEVICE_PEOPLE:])
    ]
    data["headcount"] = len(roster)
    data["device"] = space_id
    data["space"] = space.name
    nxt = os.topics.get(upcoming) if upcoming else None
    slot = os.slots.get(os.cells[nxt.id][0]) if nxt is not None else None
    data["next"] = (
        None
        if nxt is None or slot is None
        else {
            "topic": nxt.id,
            "title": nxt.title,
            "convener": _name(state, nxt.convener),
            "start": slot.start,
            "end": slot.end,
        }
    )
    return data


def space_deps(state: m.MeetingState, space_id: str) -> tuple[Any, ...]:
    """What a space's device view is projected from: the circle there now (its roster: a move elsewhere
    changes nothing here) and the next one; the wall, the theme and the names."""
    os = openspace_of(state)
    now, upcoming = _devices(state, os).get(space_id, (None, None))
    return (
        os.cells,
        os.slots,
        os.spaces,
        os.theme,
        os.topics.get(now or ""),
        os.circles.get(now or ""),
        os.rosters.get(now or ""),
        os.topics.get(upcoming or ""),
        os.reporters,
        os.reports,
        state.participants,
    )


_PER_PERSON = frozenset({"checkins", "came", "moves", "interest", "marks", "dots", "circles", "rosters"})


def touched(before: oc.OpenSpaceState | None, after: oc.OpenSpaceState | None) -> frozenset[str] | None:
    """Only check-ins, marks or placed dots changed: the phones that checked in, marked or placed
    dots; else None (anyone).

    A check-in changes the wall's headcounts (screen, console) and the mover's own ``me``; a mark
    the topic's interest count (screen, console) and the marker's ``me``; a dot the totals and the
    voter's ``me``.  No other phone's ``me`` reads them, so 3,000 phones moving between circles, or
    1,500 marking topics, don't recompute 3,000 ``me``s each time.
    """
    if before is None or after is None:
        return None
    for f in dataclasses.fields(after):
        if f.name not in _PER_PERSON and getattr(before, f.name) is not getattr(after, f.name):
            return None
    a, b = before.dots, after.dots
    if a is not b:
        if a is None or b is None or (a.budget, a.open, a.ranking) != (b.budget, b.open, b.ranking):
            return None
    who = {p for p in before.checkins.keys() | after.checkins.keys() if before.checkins.get(p) != after.checkins.get(p)}
    if before.circles is not after.circles:  # a hand or a note in a circle: its phones (their room view, me)
        if before.circles.keys() != after.circles.keys():
            return None
        changed = {t for t, c in after.circles.items() if before.circles[t] is not c}
        for t in changed:
            who |= {*before.rosters.get(t, ()), *after.rosters.get(t, ())}
            if t in after.topics and (t not in before.circles or before.circles[t].notes is not after.circles[t].notes):
                who.add(after.reporter(t))  # its notes are in the reporter's me
    if before.came is not after.came:  # someone came to a circle for the first time: its reporter's me
        who |= {after.reporter(t) for t in after.came if t in after.topics and before.came.get(t) is not after.came[t]}
    who |= {p for p in before.marks.keys() | after.marks.keys() if before.marks.get(p) is not after.marks.get(p)}
    if a is not None and b is not None and a is not b:
        who |= {p for p in a.placed.keys() | b.placed.keys() if a.placed.get(p) is not b.placed.get(p)}
    return frozenset(who)
