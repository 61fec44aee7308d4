"""What each audience sees of a World Café (pure).

Sections of the shared views, under ``cafe``:

- ``screen``: the phase, the round and its question (large), its times (``warn_at``: a minute
  before the end), the table map (number, name, host, headcount) and, in the harvest, the table
  whose ideas are on show and the most starred ideas;
- ``phone``: the phase, the round, its question and times; in the harvest every table's ideas
  (without star counts: each star would resend them to every phone; a phone's own stars are in
  its ``me``);
- ``facilitator``: the settings, every table with its host and people, the volunteers, the
  seating's figures (repeated pairs, a random shuffle's mean, a lower bound) and the repeats now,
  the rounds held, who has no seat, and the harvest's live ranking;
- ``me``: where you sit (or go) this round, "Round 2: go to table 7 — Oak", the table you host
  with who is coming to it and your summary, whether you volunteered, your stars.

``room:c<n>``: a table as a room (its phones and its device): its people with the host marked
(``new``: who is coming to it this round), the round's question and countdown, its notes with
the strongest marked, the host's summary and its speaking stack.  The same fields as a breakout
room's view (``rooms.views.room_view``), so the room device page shows a table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Set
from typing import Any

from server.cafe import core as cc
from server.cafe import seating
from server.core import meeting as m
from server.core.memo import Memos
from server.rooms import views as rv

EMPTY = cc.CafeState()


def cafe_of(state: m.MeetingState) -> cc.CafeState:
    return m.part(state, "cafe", EMPTY)  # type: ignore[no-any-return]


def _name(state: m.MeetingState, pid: str | None) -> str:
    p = state.participants.get(pid) if pid else None
    return p.name if p else ""


def _part(state: m.MeetingState) -> str:
    """Which part of the meeting runs (one switch, ``set_part``, recorded by Open Space's ``part_set``)."""
    os = m.part(state, "openspace", None)
    return str(os.part) if os is not None else "assembly"


@dataclasses.dataclass(frozen=True)
class _Index:
    """Who sits where this round and who is new at each table: built once per state, so each phone's
    ``me`` and each table's view cost what is their own (3,000 phones at 600 tables at a round change)."""

    current: int
    at: dict[str, list[str]]  # table -> its people this round, the host first
    seats: dict[str, str]  # participant -> table this round
    new: dict[str, frozenset[str]]  # table -> who sits there this round but not in the round before
    host_of: dict[str, str]  # participant -> the table they host


_INDEX = Memos()


def index(state: m.MeetingState, cs: cc.CafeState) -> _Index:
    return _INDEX[state.id]((cs.plan, cs.rounds, cs.hosts, cs.harvest), lambda: _build(cs))  # type: ignore[no-any-return]


def _build(cs: cc.CafeState) -> _Index:
    current = cs.current
    at = cc.seated_people(cs, current) if current else {}
    before = cs.seats(current - 1) if current > 1 else {}
    new = {t: frozenset(p for p in people if before.get(p) != t) for t, people in at.items()}
    return _Index(current, at, dict(cs.seats(current)), new, {h: t for t, h in cs.hosts.items()})


def _round_fields(cs: cc.CafeState) -> dict[str, Any]:
    """The round people are at (or going to), its question and times, for every view."""
    running = cs.running
    number = cs.current or (cs.rounds[-1].number if cs.rounds else 0)
    held = cs.rounds[number - 1] if 0 < number <= len(cs.rounds) else None
    return {
        "phase": cs.phase,
        "round": number or None,
        "rounds": cs.rounds_total,
        "question": cs.question(number) if number else cs.question(1),
        "started_at": held.started_at if held else None,
        "ends_at": held.ends_at if held else None,
        "warn_at": running.ends_at - cc.WARN_SECONDS if running else None,
        "ended_at": held.ended_at if held else None,
        "next_at": cs.next_at,
        "paused": cs.paused,
        "minutes": cs.minutes,
    }


def _label(cs: cc.CafeState, table: str) -> str:
    t = cs.tables.get(table)
    return t.label if t else ""


def _seat(cs: cc.CafeState, idx: _Index, pid: str) -> dict[str, Any] | None:
    table = idx.seats.get(pid)
    if not table:
        return None
    t = cs.tables[table]
    number = idx.current
    host = idx.host_of.get(pid) == table
    stays = pid not in idx.new.get(table, frozenset()) and number > 1
    going = cs.running is None  # between rounds (or before the first): where to go next
    if not going:
        go = f"Round {number}: {t.label}"
    elif host:
        go = f"Round {number}: stay at {t.label}: you host it"
    elif stays:
        go = f"Round {number}: stay at {t.label}"
    else:
        go = f"Round {number}: go to {t.label}"
    return {
        "round": number,
        "table": t.id,
        "number": t.number,
        "name": t.name,
        "label": t.label,
        "text": f"Round {number}: {t.label}",
        "go": go,
        "moving": going and not stays and not host,  # phones show it large and vibrate once
        "host": host,
    }


def me_section(state: m.MeetingState, pid: str) -> dict[str, Any] | None:
    cs = cafe_of(state)
    if cs is EMPTY:
        return None
    idx = index(state, cs)
    hosted = idx.host_of.get(pid)
    hosting = None
    if hosted:
        t = cs.tables[hosted]
        people = idx.at.get(hosted, [])
        hosting = {
            "table": t.id,
            "number": t.number,
            "name": t.name,
            "label": t.label,
            "summary": t.summary,
            "people": len(people),
            "coming": [_name(state, p) for p in people if p in idx.new.get(hosted, frozenset()) and p != pid],
        }
    return {
        "seat": _seat(cs, idx, pid),
        "hosting": hosting,
        "volunteered": pid in cs.volunteers,
        "stars": sorted(cs.stars.get(pid, frozenset())),
    }


def _note_round(cs: cc.CafeState, at: float) -> int:
    """The round a note belongs to: the last one started by then (notes between rounds: the one just sat)."""
    number = 1
    for rnd in cs.rounds:
        if rnd.started_at <= at:
            number = rnd.number
    return number


def _notes(state: m.MeetingState, cs: cc.CafeState, table: cc.Table, stars: bool = False) -> list[dict[str, Any]]:
    out = []
    for n in table.notes:
        note: dict[str, Any] = {
            "note": n.id,
            "text": n.text,
            "by": _name(state, n.participant_id),
            "round": _note_round(cs, n.at),
            "strong": n.id in table.strong,
        }
        if stars:
            note["stars"] = cs.star_counts.get(n.id, 0)
        out.append(note)
    return out


def table_view(state: m.MeetingState, table_id: str, connected: Set[str], join_url: str) -> dict[str, Any] | None:
    """One table (``room:c7``), for the phones seated at it and its device."""
    cs = cafe_of(state)
    table = cs.tables.get(table_id)
    if table is None:
        return None
    idx = index(state, cs)
    people = idx.at.get(table_id, [])
    new = idx.new.get(table_id, frozenset())
    host = cs.hosts.get(table_id)
    rounds = _round_fields(cs)
    host_person = {"id": host, "name": _name(state, host)} if host else None
    return {
        "room": table.id,
        "cafe": True,
        "name": table.name or f"Table {table.number}",
        "label": table.label,
        "title": table.title,
        "number": table.number,
        **rounds,
        "mode": "cafe",
        "mode_words": "World Café: hosts stay, travellers move",
        "return_at": None,
        "broadcast": None,
        "broadcast_at": None,
        "ended": cs.running is None,
        "closed": not cs.table_open(table_id),
        "join_url": f"{join_url}?room={table.id}" if join_url else None,
        "people": [
            {
                "id": pid,
                "name": _name(state, pid),
                "present": pid in connected,
                "host": pid == host,
                "rapporteur": pid == host,
                "new": pid in new and pid != host,
            }
            for pid in people
        ],
        "host": host_person,
        "rapporteur": host_person,
        "coming": [_name(state, p) for p in people if p in new and p != host],
        "summary": table.summary,
        "summary_at": table.summary_at,
        "report": table.summary,
        "report_at": table.summary_at,
        "notes": _notes(state, cs, table),
        "stack": rv.stack_view(state, table.stack, rv.ROOM_NEXT),
    }


def table_deps(state: m.MeetingState, table_id: str) -> tuple[Any, ...]:
    cs = cafe_of(state)
    return (
        cs.tables.get(table_id),
        cs.plan,
        cs.rounds,
        cs.hosts,
        cs.questions,
        cs.next_at,
        cs.paused,
        cs.harvest,
        cs.rounds_total,
        cs.minutes,
        state.participants,
    )


_MAP = Memos()  # meeting id -> the screen's table map


def table_map(state: m.MeetingState, cs: cc.CafeState, connected: Set[str]) -> list[dict[str, Any]]:
    """The tables in use this round (every table before seating): number, name, host, headcount."""

    def build() -> list[dict[str, Any]]:
        idx = index(state, cs)
        used = [t for t in cs.tables if idx.at.get(t)] if idx.current else list(cs.tables)
        return [
            {
                "table": t,
                "number": cs.tables[t].number,
                "name": cs.tables[t].name,
                "host": _name(state, cs.hosts.get(t)) or None,
                "people": len(idx.at.get(t, [])),
                "present": sum(1 for p in idx.at.get(t, []) if p in connected),
            }
            for t in used
        ]

    return _MAP[state.id]((cs.plan, cs.rounds, cs.hosts, cs.tables, cs.harvest, state.participants, connected), build)  # type: ignore[no-any-return]


def _idea(state: m.MeetingState, cs: cc.CafeState, note_id: int, stars: int) -> dict[str, Any] | None:
    for table in cs.tables.values():
        for n in table.notes:
            if n.id == note_id:
                return {
                    "note": n.id,
                    "text": n.text,
                    "table": table.id,
                    "number": table.number,
                    "label": table.label,
                    "strong": n.id in table.strong,
                    "stars": stars,
                }
    return None


def ranking(state: m.MeetingState, cs: cc.CafeState, top: int | None = None) -> list[dict[str, Any]]:
    """The most starred ideas, most first: as recorded at the close, else live."""
    ranked = list(cs.ranking) if cs.harvest == "closed" else cc.ranked(cs)
    out = []
    for note_id, stars in ranked[:top] if top else ranked:
        idea = _idea(state, cs, note_id, stars)
        if idea is not None:
            out.append(idea)
    return out


def _shown(state: m.MeetingState, cs: cc.CafeState) -> dict[str, Any] | None:
    table = cs.tables.get(cs.shown) if cs.shown else None
    if table is None:
        return None
    notes = _notes(state, cs, table, stars=True)
    notes.sort(key=lambda n: (not n["strong"], -n["stars"], n["note"]))  # the strongest first
    return {
        "table": table.id,
        "number": table.number,
        "name": table.name,
        "label": table.label,
        "host": _name(state, cs.hosts.get(table.id)) or None,
        "summary": table.summary,
        "notes": notes,
    }


def screen_section(state: m.MeetingState, connected: Set[str]) -> dict[str, Any] | None:
    cs = cafe_of(state)
    if cs is EMPTY:
        return None
    return {
        "part": _part(state),
        **_round_fields(cs),
        "tables": table_map(state, cs, connected),
        "harvest": None
        if not cs.harvest
        else {"open": cs.harvest == "open", "shown": _shown(state, cs), "top": ranking(state, cs, cc.HARVEST_TOP)},
    }


def phone_section(state: m.MeetingState) -> dict[str, Any] | None:
    cs = cafe_of(state)
    if cs is EMPTY:
        return None
    return {
        "part": _part(state),
        **_round_fields(cs),
        "volunteering": not cs.plan and not cs.rounds,  # "I'll host a table" while the café is set up
        "harvest": None
        if not cs.harvest
        else {
            "open": cs.harvest == "open",
            "shown": cs.shown or None,
            "tables": [
                {
                    "table": t.id,
                    "number": t.number,
                    "name": t.name,
                    "label": t.label,
                    "ideas": [{"note": n.id, "text": n.text, "strong": n.id in t.strong} for n in t.notes],
                }
                for t in cs.tables.values()
                if t.notes
            ],
            "ranking": [{"note": n, "stars": s} for n, s in cs.ranking] if cs.harvest == "closed" else None,
        },
    }


_REPEATS = Memos()  # meeting id -> repeated pairs over what was sat and the seats planned


def repeats_now(state: m.MeetingState, cs: cc.CafeState) -> int:
    def count() -> int:
        planned = [
            tuple(p)
            for n in range(len(cs.rounds) + 1, cs.rounds_total + 1)
            for p in cc.seated_people(cs, n).values()
            if p
        ]
        return seating.repeated_pairs([*cc.history(cs), *planned])

    return _REPEATS[state.id]((cs.plan, cs.sat, cs.rounds), count)  # type: ignore[no-any-return]


def facilitator_section(state: m.MeetingState, connected: Set[str]) -> dict[str, Any]:
    cs = cafe_of(state)
    idx = index(state, cs)
    figures = cs.figures
    seated = set(idx.seats)
    return {
        "part": _part(state),
        **_round_fields(cs),
        "settings": {
            "table_size": cs.table_size,
            "rounds": cs.rounds_total,
            "minutes": cs.minutes,
            "changeover": cs.changeover,
            "questions": list(cs.questions),
        },
        "tables": [
            {
                "table": t.id,
                "number": t.number,
                "name": t.name,
                "label": t.label,
                "host": None if t.id not in cs.hosts else {"id": cs.hosts[t.id], "name": _name(state, cs.hosts[t.id])},
                "people": [
                    {"id": p, "name": _name(state, p), "present": p in connected, "new": p in idx.new.get(t.id, ())}
                    for p in idx.at.get(t.id, [])
                ],
                "present": sum(1 for p in idx.at.get(t.id, []) if p in connected),
                "notes": len(t.notes),
                "strong": len(t.strong),
                "summary": t.summary,
            }
            for t in cs.tables.values()
        ],
        "capacity": cc.capacity(cs, idx.current) if idx.current else cs.table_size,
        "volunteers": [
            {"id": p, "name": _name(state, p), "present": p in connected, "hosts": idx.host_of.get(p)}
            for p in cs.volunteers
        ],
        "seating": None
        if figures is None
        else {
            "repeats": figures.repeats,
            "random_mean": figures.random_mean,
            "shuffles": figures.shuffles,
            "lower_bound": figures.lower_bound,
            "saved": round(figures.random_mean - figures.repeats, 2),
            "from_round": figures.from_round,
            "seed": figures.seed,
            "at": figures.at,
        },
        "repeats_now": repeats_now(state, cs) if cs.plan else None,
        "held": [
            {
                "round": r.number,
                "question": r.question,
                "started_at": r.started_at,
                "ends_at": r.ends_at,
                "ended_at": r.ended_at,
            }
            for r in cs.rounds
        ],
        "unseated": [
            {"id": p.id, "name": p.name}
            for p in state.participants.values()
            if not p.removed and p.id in connected and p.id not in seated
        ]
        if idx.current
        else [],
        "harvest": None
        if not cs.harvest
        else {"open": cs.harvest == "open", "shown": cs.shown or None, "ranking": ranking(state, cs)},
        "caps": {
            "tables": cc.TABLES_MAX,
            "table_size": list(cc.TABLE_SIZE_RANGE),
            "rounds": list(cc.ROUNDS_RANGE),
            "minutes": list(cc.MINUTES_RANGE),
            "changeover": list(cc.CHANGEOVER_RANGE),
        },
    }


_PER_TABLE = frozenset({"stack", "notes", "strong", "summary", "summary_at"})


def touched(before: cc.CafeState | None, after: cc.CafeState | None) -> frozenset[str] | None:
    """Only some tables' stacks, notes, marks or summaries changed, or some people's stars or
    volunteering: the people seated at those tables (their room view), the host (their ``me`` shows the
    summary), the starrers and volunteers (their ``me``); else None (anyone)."""
    if before is None or after is None:
        return None
    for f in dataclasses.fields(after):
        if f.name not in ("tables", "stars", "star_counts", "volunteers"):
            if getattr(before, f.name) is not getattr(after, f.name):
                return None
    who: set[str] = set()
    if before.tables is not after.tables:
        if before.tables.keys() != after.tables.keys():
            return None
        changed = set()
        for tid, table in after.tables.items():
            old = before.tables[tid]
            if old is table:
                continue
            for f in dataclasses.fields(table):
                if f.name not in _PER_TABLE and getattr(old, f.name) != getattr(table, f.name):
                    return None
            changed.add(tid)
        current = after.current
        who |= {p for p, t in after.seats(current).items() if t in changed}
        who |= {h for t, h in after.hosts.items() if t in changed}
    if before.stars is not after.stars:
        who |= {p for p in before.stars.keys() | after.stars.keys() if before.stars.get(p) is not after.stars.get(p)}
    if before.volunteers is not after.volunteers:
        who |= set(before.volunteers) ^ set(after.volunteers)
    return frozenset(who)
