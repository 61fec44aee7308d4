"""Replay equals the live state, for random scripts across every feature (hypothesis).

A script is a list of steps from the facilitator, several phones and the hub's own timers:
the stack, the agenda, proposals and votes, signals and written points, breakout rooms and the
meeting itself.  Each step is decided on the live state with the inputs the hub would draw (a
clock that moves on, seeds, receipts, who is present); refusals are skipped, as the hub skips
them.  The log, through the store's encoding, must fold back to exactly the live state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import msgpack
from hypothesis import given, settings
from hypothesis import strategies as st

import server.features  # noqa: F401  (registers the rooms feature, as the server does)
from server.agenda import core as ag
from server.audio import core as ac
from server.cafe import core as cc
from server.cafe import views as cv
from server.core import event as events
from server.core import meeting as m
from server.core import registry
from server.core.errors import Rejection
from server.core.inputs import Inputs
from server.decisions import core as dc
from server.decisions import rules
from server.openspace import core as oc
from server.openspace import views as osv
from server.rooms import core as rc
from server.rooms import views as rv
from server.signals import core as sg
from server.stack import core as sk
from server.translations import core as tc
from server.translations import feature as tf

FACILITATOR = m.Actor(m.Role.FACILITATOR)
SYSTEM = m.Actor(m.Role.SYSTEM)
KEY = "facilitator-secret"
PHONES = ["p0", "p1", "p2", "p3", "p4", "p5"]
AWAY = "p5"  # joined, but never connected: not present


def nth(ids: Iterable[Any], i: int, missing: Any) -> Any:
    """The ``i``-th of ``ids`` (wrapping round), or ``missing`` when there are none."""
    items = sorted(ids)
    return items[i % len(items)] if items else missing


class Script:
    """A meeting driven step by step as the hub drives it, keeping its log."""

    def __init__(self, present_order: int = 0) -> None:
        self.now = 1000.0
        self.present_order = present_order
        self.log: list[tuple[int, events.Event]] = list(
            enumerate(
                m.create(
                    meeting_id="m", title="T", code="AAAAAA", facilitator_secret=KEY, screen_key="s", now=self.now
                ),
                start=1,
            )
        )
        self.state = m.fold(self.log)
        self.joined = 0
        self.receipts = 0
        self.accepted = 0
        for pid in PHONES:
            self.decide(m.Join(name=pid), m.Actor(m.Role.PHONE), participant_id=pid, token=f"t-{pid}")
        self.decide(sk.SetGroups(("A", "B")), FACILITATOR)

    def decide(self, command: Any, actor: m.Actor, **inputs: Any) -> None:
        try:
            evs = m.decide(self.state, command, actor, Inputs(now=self.now, **inputs))
        except Rejection:
            return
        self.accepted += 1
        for ev in evs:
            self.log.append((self.state.seq + 1, ev))
            self.state = m.fold([self.log[-1]], self.state)

    def present(self) -> frozenset[str]:
        """Everyone who joined and was not removed, but the one who never connected."""
        here = [p.id for p in self.state.participants.values() if not p.removed and p.id != AWAY]
        return frozenset(here if self.present_order == 0 else reversed(here))

    def by(self, who: str, command: Any, **inputs: Any) -> None:
        actor = FACILITATOR if who == "fac" else m.Actor(m.Role.PHONE, participant_id=who)
        self.decide(command, actor, **inputs)

    def room(self, i: int) -> str:
        """-1: the plenary; otherwise the latest round's ``i``-th room, or a room that doesn't exist."""
        if i < 0:
            return rc.PLENARY
        last = rv.rooms_of(self.state).last
        return last.rooms[i] if last is not None and i < len(last.rooms) else "b9-9"

    def stack(self, room: str) -> sk.StackState:
        try:
            return m.stack_in(self.state, room)
        except Rejection:
            return self.state.stack

    def entry(self, i: int, room: str) -> int:
        return nth((e.id for e in self.stack(room).entries), i, 999)

    def run(self, steps: list[tuple[Any, ...]]) -> Script:
        for op, *args in steps:
            self.now += 1
            OPS[op](self, *args)
        return self

    def timers(self) -> None:
        """The hub's timers fire (early ones too: a change of plan makes them a no-op)."""
        for feature in registry.features():
            if feature.timers is not None:
                for _, command in feature.timers(self.state):
                    self.decide(command, SYSTEM)


# --- steps: op -> how the script runs it -------------------------------------------------------

VOTES: list[dict[str, Any]] = [
    {"subject": "question", "question": "Q?", "ballot": "yes_no", "rule": "majority"},
    {"subject": "question", "question": "Q?", "ballot": "yes_no", "rule": "fraction", "fraction": "2/3"},
    {"subject": "question", "question": "Q?", "ballot": "consensus", "rule": "consensus", "secret": True},
    {"subject": "question", "question": "Q?", "ballot": "consensus", "rule": "modified_consensus", "threshold": 60},
    {"subject": "question", "question": "Q?", "ballot": "choice", "options": ("A", "B", "C"), "rule": "plurality"},
    {
        "subject": "question",
        "question": "Days?",
        "ballot": "choice",
        "options": ("Mon", "Tue"),
        "multi": True,
        "rule": "plurality",
        "hidden": True,
    },
    {"subject": "agenda", "ballot": "yes_no", "rule": "majority"},
    {"subject": "proposal", "ballot": "yes_no", "rule": "majority", "quorum_share": 50},
    {"subject": "amendment", "ballot": "yes_no", "rule": "majority"},
]


def _open_vote(s: Script, preset: int, target: int) -> None:
    fields = dict(VOTES[preset])
    if fields["subject"] == "proposal":
        fields["target"] = nth(s.state.decisions.proposals, target, 999)
    elif fields["subject"] == "amendment":
        fields["target"] = nth(s.state.decisions.amendments, target, 999)
    s.by("fac", dc.OpenVote(**fields), seal=f"seal{s.now}")


def _cast(s: Script, who: str, choice: int, two: bool, reason: str) -> None:
    vote = s.state.decisions.current_vote
    if vote is None:
        s.by(who, dc.CastBallot(999, ("yes",)))
        return
    options = list(vote.options) or list(rules.CHOICES[vote.ballot])
    choices = (
        (options[choice % len(options)], options[(choice + 1) % len(options)])
        if two
        else (options[choice % len(options)],)
    )
    s.receipts += 1
    s.by(who, dc.CastBallot(vote.id, choices, reason), receipt=f"R{s.receipts:04d}")


def _room_next(s: Script, who: str, i: int) -> None:
    s.by(who, sk.NextSpeaker(room=s.room(i) if who == "fac" else ""))


def _start(s: Script, n: int, per_room: bool, mode: str, mix: bool, capacity: int, seed: int) -> None:
    size = {"per_room": n + 1} if per_room else {"rooms": n}
    command = rc.StartBreakouts(**size, mode=mode, mix_groups=mix, capacity=capacity, question="Q")
    s.by("fac", command, present=s.present(), seed=seed, key=KEY)


def _join(s: Script, name: str, i: int) -> None:
    s.joined += 1
    pid = f"late{s.joined}"
    s.decide(m.Join(name=name, room=s.room(i)), m.Actor(m.Role.PHONE), participant_id=pid, token=f"t-{pid}")


def _wait(s: Script, seconds: int) -> None:
    s.now += seconds


def _os_id(s: Script, kind: str, i: int) -> str:
    """The ``i``-th topic, slot or space of the Open Space (-1: "", past the end: one that doesn't exist)."""
    os = osv.openspace_of(s.state)
    ids = {"topic": os.topics, "slot": os.slots, "space": os.spaces}[kind]
    if i < 0:
        return ""
    return nth(ids, i, {"topic": "o99", "slot": "t99", "space": "s99"}[kind])


def _note(s: Script, i: int) -> tuple[str, int]:
    """The ``i``-th note of any room (a breakout room's or a topic circle's; -1: the newest) with its room,
    or one that doesn't exist."""
    rooms = [(r.id, r.notes) for r in rv.rooms_of(s.state).rooms.values()]
    rooms += [(t, c.notes) for t, c in osv.openspace_of(s.state).circles.items()]
    notes = sorted((n.id, room) for room, notes in rooms for n in notes)
    if not notes:
        return "", 999
    note_id, room = notes[i % len(notes)]
    return room, note_id


def _edit_note(s: Script, who: str, i: int, text: str) -> None:
    _, note_id = _note(s, i)
    s.by(who, rc.EditNote(note_id, text))


def _remove_note(s: Script, who: str, i: int) -> None:
    room, note_id = _note(s, i)
    s.by(who, rc.RemoveNote(note_id, room if who == "fac" else ""))


def _table(s: Script, i: int) -> str:
    """The ``i``-th café table (-1: "", past the end: one that doesn't exist)."""
    if i < 0:
        return ""
    return nth(cv.cafe_of(s.state).tables, i, "c99")


def _other_table(s: Script, who: str, i: int) -> str:
    """The ``i``-th café table but the one ``who`` sits at (-1: "", to free the seat)."""
    cafe = cv.cafe_of(s.state)
    return "" if i < 0 else nth((t for t in cafe.tables if t != cafe.seat_of(who)), i, "c99")


def _cafe_note(s: Script, i: int) -> int:
    """The ``i``-th note at any café table, or one that doesn't exist."""
    return nth((n.id for t in cv.cafe_of(s.state).tables.values() for n in t.notes), i, 999)


def _os_harvest(s: Script, who: str, i: int, text: str, names: bool) -> None:
    command = oc.WriteHarvest(_os_id(s, "topic", i), key_points=text, participants=("Ana", "Bo") if names else None)
    s.by(who, command)


def _tr_translate(s: Script, lang: str, i: int, text: str) -> None:
    """The translator of ``lang`` translates the ``i``-th text on show (or one that isn't)."""
    kind, _, item = nth(tf.originals(s.state), i, "proposal:999").partition(":")
    s.decide(tc.Translate(kind, item, text), m.Actor(m.Role.TRANSLATOR, channel=lang))


def _booth(channel: str, name: str = "") -> m.Actor:
    return m.Actor(m.Role.INTERPRETER, channel=channel, name=name)


OPS: dict[str, Callable[..., None]] = {
    # the meeting
    "join": _join,
    "rename": lambda s, who, name: s.by(who, m.Rename(name)),
    "remove": lambda s, who: s.by("fac", m.RemoveParticipant(who)),
    "end_meeting": lambda s: s.by("fac", m.EndMeeting()),
    "wait": _wait,
    "timers": Script.timers,
    # the stack
    "raise": lambda s, who, kind: s.by(who, sk.RaiseHand(kind)),
    "lower": lambda s, who: s.by(who, sk.LowerHand()),
    "next": _room_next,
    "end_turn": lambda s, who, i: s.by(who, sk.EndTurn(room=s.room(i) if who == "fac" else "")),
    "skip": lambda s, e, i: s.by("fac", sk.SkipEntry(s.entry(e, s.room(i)), room=s.room(i))),
    "remove_entry": lambda s, e, i: s.by("fac", sk.RemoveEntry(s.entry(e, s.room(i)), room=s.room(i))),
    "move_entry": lambda s, e, pos, i: s.by("fac", sk.MoveEntry(s.entry(e, s.room(i)), pos, room=s.room(i))),
    "extend": lambda s, sec, i: s.by("fac", sk.ExtendTime(float(sec), room=s.room(i))),
    "stack_open": lambda s, b, i: s.by("fac", sk.SetStackOpen(b, room=s.room(i))),
    "stack_settings": lambda s, prog, prio, limit, i: s.by(
        "fac", sk.SetStackSettings(progressive=prog, priority_counts=prio, time_limit=limit, room=s.room(i))
    ),
    "opt": lambda s, who, b: s.by(who, sk.OptPriority(b)),
    "set_groups": lambda s, groups: s.by("fac", sk.SetGroups(groups)),
    "declare": lambda s, who, group: s.by(who, sk.DeclareGroup(group)),
    # the agenda
    "add_item": lambda s, title, minutes: s.by("fac", ag.AddItem(title, minutes=minutes)),
    "propose_item": lambda s, who, title: s.by(who, ag.ProposeItem(title)),
    "accept_item": lambda s, i: s.by("fac", ag.AcceptItem(nth((x.id for x in s.state.agenda.items), i, "a99"))),
    "decline_item": lambda s, i: s.by("fac", ag.DeclineItem(nth((x.id for x in s.state.agenda.items), i, "a99"))),
    "edit_item": lambda s, i, minutes: s.by(
        "fac", ag.EditItem(nth((x.id for x in s.state.agenda.items), i, "a99"), minutes=minutes)
    ),
    "move_item": lambda s, i, pos: s.by("fac", ag.MoveItem(nth((x.id for x in s.state.agenda.items), i, "a99"), pos)),
    "start_item": lambda s, i: s.by("fac", ag.StartItem(nth((x.id for x in s.state.agenda.items), i, "a99"))),
    "end_item": lambda s: s.by("fac", ag.EndItem()),
    # proposals and votes
    "propose": lambda s, who, text: s.by(who, dc.Propose(text)),
    "add_proposal": lambda s, text: s.by("fac", dc.AddProposal(text, proposer="Floor")),
    "amend": lambda s, who, i, text: s.by(who, dc.Amend(nth(s.state.decisions.proposals, i, 999), text)),
    "accept_amendment": lambda s, who, i: s.by(who, dc.AcceptAmendment(nth(s.state.decisions.amendments, i, 999))),
    "withdraw_amendment": lambda s, who, i: s.by(who, dc.WithdrawAmendment(nth(s.state.decisions.amendments, i, 999))),
    "withdraw_proposal": lambda s, who, i: s.by(who, dc.WithdrawProposal(nth(s.state.decisions.proposals, i, 999))),
    "open_vote": _open_vote,
    "cast": _cast,
    "close_vote": lambda s, i: s.by("fac", dc.CloseVote(nth(s.state.decisions.votes, i, 999)), present=s.present()),
    "cancel_vote": lambda s, i: s.by("fac", dc.CancelVote(nth(s.state.decisions.votes, i, 999))),
    "dismiss_vote": lambda s, i: s.by("fac", dc.DismissVote(nth(s.state.decisions.votes, i, 999))),
    "add_action": lambda s, i: s.by("fac", dc.AddAction(nth(s.state.decisions.votes, i, 999), "Do it", "p1")),
    "remove_action": lambda s, i: s.by("fac", dc.RemoveAction(nth(s.state.decisions.actions, i, 999))),
    # signals and written points
    "signal": lambda s, who, sig: s.by(who, sg.ShowSignal(sig)),
    "start_check": lambda s, seconds: s.by("fac", sg.StartCheck("Ready?", seconds)),
    "answer": lambda s, who, sig: s.by(who, sg.AnswerCheck(nth(s.state.signals.checks, -1, 999), sig)),
    "post_point": lambda s, who, text, anon: s.by(who, sg.PostPoint(text, anon)),
    "upvote": lambda s, who, i, up: s.by(who, sg.UpvotePoint(nth(s.state.signals.points, i, 999), up)),
    "withdraw_point": lambda s, who, i: s.by(who, sg.WithdrawPoint(nth(s.state.signals.points, i, 999))),
    "show_point": lambda s, i: s.by("fac", sg.ShowPoint(nth(s.state.signals.points, i, None))),
    "dismiss_point": lambda s, i: s.by("fac", sg.DismissPoint(nth(s.state.signals.points, i, 999))),
    "read_point": lambda s, i: s.by("fac", m.ReadPoint(nth(s.state.signals.points, i, 999))),
    # breakout rooms
    "start": _start,
    "move": lambda s, who, i: s.by("fac", rc.MoveToRoom(who, s.room(i))),
    "take": lambda s, who, i: s.by(who, rc.TakeRoom(s.room(i) if i >= 0 else "")),
    "note": lambda s, who, text: s.by(who, rc.AddNote(text)),
    "edit_note": _edit_note,
    "remove_note": _remove_note,
    "volunteer": lambda s, who: s.by(who, rc.VolunteerRapporteur()),
    "set_rapporteur": lambda s, i, who: s.by("fac", rc.SetRapporteur(s.room(i), who)),
    "report": lambda s, who, text: s.by(who, rc.WriteReport(text)),
    "close_room": lambda s, i: s.by("fac", rc.CloseRoom(s.room(i))),
    "broadcast": lambda s, text: s.by("fac", rc.BroadcastMessage(text)),
    "add_time": lambda s, seconds: s.by("fac", rc.AddTime(seconds)),
    "call_back": lambda s, seconds: s.by("fac", rc.CallBack(seconds)),
    "end_breakouts": lambda s: s.by("fac", rc.EndBreakouts()),
    "show_report": lambda s, i: s.by("fac", rc.ShowReport(s.room(i))),
    "call_rapporteur": lambda s, i: s.by("fac", rc.CallRapporteur(s.room(i))),
    # Open Space
    "os_part": lambda s, part: s.by("fac", oc.SetPart(part)),
    "os_theme": lambda s, text: s.by("fac", oc.SetTheme(text)),
    "os_limit": lambda s, n: s.by("fac", oc.SetTopicLimit(n)),
    "os_space": lambda s, name, capacity: s.by("fac", oc.AddSpace(name, capacity)),
    "os_edit_space": lambda s, i, capacity: s.by("fac", oc.EditSpace(_os_id(s, "space", i), capacity=capacity)),
    "os_remove_space": lambda s, i: s.by("fac", oc.RemoveSpace(_os_id(s, "space", i))),
    "os_slot": lambda s, start, length: s.by("fac", oc.AddSlot(int(s.now) + start, int(s.now) + start + length)),
    "os_edit_slot": lambda s, i, start: s.by(
        "fac", oc.EditSlot(_os_id(s, "slot", i), int(s.now) + start, int(s.now) + start + 300)
    ),
    "os_remove_slot": lambda s, i: s.by("fac", oc.RemoveSlot(_os_id(s, "slot", i))),
    "os_post": lambda s, who, title: s.by(who, oc.PostTopic(title, "One line")),
    "os_co": lambda s, who, i, join: s.by(who, oc.CoConvene(_os_id(s, "topic", i), join)),
    "os_mark": lambda s, who, i, on: s.by(who, oc.MarkInterest(_os_id(s, "topic", i), on)),
    "os_unavailable": lambda s, who, i: s.by(who, oc.SetUnavailable((_os_id(s, "slot", i),) if i >= 0 else ())),
    "os_withdraw": lambda s, who, i: s.by(who, oc.WithdrawTopic(_os_id(s, "topic", i))),
    "os_merge": lambda s, who, i, j: s.by(who, oc.MergeTopics(_os_id(s, "topic", i), _os_id(s, "topic", j))),
    "os_schedule": lambda s, seed: s.by("fac", oc.MakeSchedule(), seed=seed),
    "os_move": lambda s, who, i, slot, space: s.by(
        who,
        oc.MoveTopic(_os_id(s, "topic", i), _os_id(s, "slot", slot), _os_id(s, "space", space) if slot >= 0 else ""),
    ),
    "os_lock": lambda s, slot, space, on: s.by(
        "fac", oc.LockCell(_os_id(s, "slot", slot), _os_id(s, "space", space), on)
    ),
    "os_start": lambda s, i: s.by("fac", oc.StartSlot(_os_id(s, "slot", i))),
    "os_end": lambda s, i: s.by("fac", oc.EndSlot(_os_id(s, "slot", i))),
    "os_check_in": lambda s, who, i: s.by(who, oc.CheckIn(_os_id(s, "topic", i))),
    "os_note": lambda s, who, i, text: s.by(who, rc.AddNote(text, room=_os_id(s, "topic", i))),
    "os_links": lambda s: s.by("fac", oc.CircleLinks(), key=KEY),
    "os_reporter": lambda s, who, i, pid: s.by(who, oc.SetReporter(_os_id(s, "topic", i), pid)),
    "os_harvest": _os_harvest,
    "os_open_dots": lambda s, n: s.by("fac", oc.OpenDots(n)),
    "os_dots": lambda s, who, i, n: s.by(who, oc.PlaceDots(_os_id(s, "topic", i), n)),
    "os_close_dots": lambda s: s.by("fac", oc.CloseDots()),
    "os_adopt": lambda s, who, i, on: s.by(who, oc.AdoptPriority(_os_id(s, "topic", i), on)),
    "os_plan": lambda s, i: s.by("fac", oc.PlanActions(_os_id(s, "slot", i))),
    # World Café
    "cafe_setup": lambda s, size, rounds, minutes, changeover: s.by(
        "fac", cc.SetUpCafe(size, rounds, minutes, changeover, question="What matters?")
    ),
    "cafe_question": lambda s, n, text: s.by("fac", cc.SetQuestion(n, text)),
    "cafe_tables": lambda s, n: s.by("fac", cc.AddTables(n, ("Oak",)), key=KEY),
    "cafe_name": lambda s, i, name: s.by("fac", cc.NameTable(_table(s, i), name)),
    "cafe_remove_table": lambda s, i: s.by("fac", cc.RemoveTable(_table(s, i))),
    "cafe_host": lambda s, who, i: s.by("fac", cc.AppointHost(who, _table(s, i))),
    "cafe_unhost": lambda s, i: s.by("fac", cc.AppointHost("", _table(s, i))),
    "cafe_volunteer": lambda s, who, on: s.by(who, cc.VolunteerHost(on)),
    "cafe_pick": lambda s, seed: s.by("fac", cc.PickHosts(), present=s.present(), seed=seed),
    "cafe_seat": lambda s, seed: s.by("fac", cc.SeatCafe(), present=s.present(), seed=seed),
    "cafe_take": lambda s, who, i: s.by(who, cc.TakeSeat(_table(s, i))),
    "cafe_move": lambda s, who, i: s.by("fac", cc.MoveToTable(who, _other_table(s, who, i))),
    "cafe_leave": lambda s, who: s.by(who, cc.LeaveCafe()),
    "cafe_start": lambda s, seed: s.by("fac", cc.StartRound(), present=s.present(), seed=seed),
    "cafe_extend": lambda s, seconds: s.by("fac", cc.ExtendRound(seconds)),
    "cafe_end": lambda s: s.by("fac", cc.EndRound()),
    "cafe_pause": lambda s, on: s.by("fac", cc.PauseCafe(on)),
    "cafe_mark": lambda s, who, i, on: s.by(who, cc.MarkNote(_cafe_note(s, i), on)),
    "cafe_summary": lambda s, who, text: s.by(who, cc.WriteSummary(text)),
    "cafe_harvest": lambda s: s.by("fac", cc.OpenHarvest()),
    "cafe_show": lambda s, i: s.by("fac", cc.ShowTable(_table(s, i))),
    "cafe_star": lambda s, who, i, on: s.by(who, cc.StarNote(_cafe_note(s, i), on)),
    "cafe_close": lambda s: s.by("fac", cc.CloseHarvest()),
    # translations
    "tr_language": lambda s, lang: s.decide(tc.AddLanguage(lang), FACILITATOR, key=KEY),
    "tr_remove": lambda s, lang: s.by("fac", tc.RemoveLanguage(lang)),
    "tr_translate": _tr_translate,
    "tr_screen": lambda s, langs, mode: s.by("fac", tc.SetScreenLanguages(langs, mode)),
    # interpretation: channels, a booth's live voice and handovers, captions
    "au_channel": lambda s, name, lang: s.decide(ac.AddChannel(name, lang, ""), FACILITATOR, key=KEY),
    "au_edit": lambda s, ch, name: s.by("fac", ac.EditChannel(ch, name=name)),
    "au_remove": lambda s, ch: s.by("fac", ac.RemoveChannel(ch)),
    "au_join": lambda s, ch, name: s.decide(ac.BoothJoin(name), _booth(ch)),
    "au_live": lambda s, ch, name: s.decide(ac.GoLive(), _booth(ch, name)),
    "au_offer": lambda s, ch, name: s.decide(ac.OfferHandover(), _booth(ch, name)),
    "au_take": lambda s, ch, name: s.decide(ac.TakeOver(), _booth(ch, name)),
    "au_off": lambda s, ch, name: s.decide(ac.GoOff(), _booth(ch, name)),
    "au_retour": lambda s, ch, name, on: s.decide(ac.Retour(on), _booth(ch, name)),
    "au_caption": lambda s, ch, text: s.decide(ac.Caption(text), m.Actor(m.Role.CAPTIONER, channel=ch)),
    "au_screen": lambda s, ch: s.by("fac", ac.SetScreenCaptions(ch)),
}

# --- strategies --------------------------------------------------------------------------------

phone = st.sampled_from(PHONES)
anyone = st.sampled_from(["fac", *PHONES])
index = st.integers(0, 5)
room_index = st.integers(-1, 4)  # -1: the plenary; 4 is past the rooms of any round here
text = st.one_of(
    st.sampled_from(["Paint it blue.", "Rent strike", "Why now?", "1. Fund\n\n2. News"]), st.text(max_size=12)
)
kind = st.sampled_from([k.value for k in sk.Kind])
sig = st.sampled_from(["agree", "unsure", "disagree", ""])


def step(op: str, *args: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[Any, ...]]:
    assert op in OPS, op
    return st.tuples(st.just(op), *args)


MEETING_STEPS = [
    step("join", st.sampled_from(["Ana", "Bo", ""]), room_index),
    step("rename", phone, st.sampled_from(["Ana", "Bo B", " "])),
    step("remove", phone),
    step("wait", st.integers(0, 120)),
    step("timers"),
    step("end_meeting"),
]
STACK_STEPS = [
    step("raise", phone, kind),
    step("raise", phone, st.just("new")),
    step("lower", phone),
    step("next", anyone, room_index),
    step("next", st.just("fac"), st.just(-1)),
    step("end_turn", anyone, room_index),
    step("end_turn", st.just("fac"), st.just(-1)),
    step("skip", index, room_index),
    step("remove_entry", index, room_index),
    step("move_entry", index, st.integers(0, 4), room_index),
    step("move_entry", index, st.integers(0, 4), st.just(-1)),
    step("skip", index, st.just(-1)),
    step("extend", st.sampled_from([1, 30, 600]), room_index),
    step("extend", st.just(30), st.just(-1)),
    step("stack_open", st.booleans(), room_index),
    step(
        "stack_settings",
        st.none() | st.booleans(),
        st.none() | st.booleans(),
        st.sampled_from([None, 5.0, 60.0]),
        room_index,
    ),
    step("opt", phone, st.booleans()),
    step("set_groups", st.sampled_from([("A", "B"), ("A",), ()])),
    step("declare", phone, st.sampled_from(["A", "B", "", "Z"])),
]
AGENDA_STEPS = [
    step("add_item", text, st.sampled_from([5, 10, 300])),
    step("propose_item", phone, text),
    step("accept_item", index),
    step("decline_item", index),
    step("edit_item", index, st.sampled_from([1, 20, 999])),
    step("move_item", index, st.integers(0, 4)),
    step("start_item", index),
    step("end_item"),
]
DECISION_STEPS = [
    step("propose", phone, text),
    step("add_proposal", text),
    step("amend", phone, index, text),
    step("accept_amendment", anyone, index),
    step("withdraw_amendment", anyone, index),
    step("withdraw_proposal", anyone, index),
    step("open_vote", st.integers(0, len(VOTES) - 1), index),
    step("cast", phone, index, st.booleans(), st.sampled_from(["", "Because."])),
    step("cast", phone, index, st.just(False), st.just("")),
    step("close_vote", st.just(-1)),
    step("close_vote", index),
    step("cancel_vote", index),
    step("dismiss_vote", index),
    step("add_action", index),
    step("remove_action", index),
]
SIGNAL_STEPS = [
    step("signal", phone, sig),
    step("start_check", st.sampled_from([1, 30, 400])),
    step("answer", phone, sig),
    step("post_point", phone, text, st.booleans()),
    step("upvote", phone, index, st.booleans()),
    step("withdraw_point", phone, index),
    step("show_point", index),
    step("dismiss_point", index),
    step("read_point", index),
]
ROOM_STEPS = [
    step(
        "start",
        st.integers(1, 4),
        st.booleans(),
        st.sampled_from(["random", "hand", "self"]),
        st.booleans(),
        st.integers(0, 3),
        st.integers(0, 2**63 - 1),
    ),
    step("move", phone, room_index),
    step("take", phone, room_index),
    step("note", phone, text),
    step("edit_note", phone, st.integers(-1, 5), text),
    step("remove_note", anyone, st.integers(-1, 5)),
    step("volunteer", phone),
    step("set_rapporteur", room_index, st.sampled_from(["", *PHONES])),
    step("report", phone, text),
    step("close_room", room_index),
    step("broadcast", text),
    step("add_time", st.sampled_from([-700, 0, 60, 4000])),
    step("call_back", st.sampled_from([0, 1, 30])),
    step("end_breakouts"),
    step("show_report", room_index),
    step("call_rapporteur", room_index),
]
OPENSPACE_STEPS = [
    step("os_part", st.sampled_from(["openspace", "assembly", "cafe"])),
    step("os_theme", text),
    step("os_limit", st.sampled_from([0, 1, 3])),
    step("os_space", st.sampled_from(["Tree", "Kitchen", "Shed", ""]), st.sampled_from([0, 1, 8, 30])),
    step("os_edit_space", index, st.sampled_from([1, 12])),
    step("os_remove_space", index),
    step("os_slot", st.sampled_from([-100, 10, 60, 600]), st.sampled_from([-5, 60, 300])),
    step("os_edit_slot", index, st.sampled_from([5, 900])),
    step("os_remove_slot", index),
    step("os_post", phone, text),
    step("os_co", phone, index, st.booleans()),
    step("os_mark", phone, index, st.booleans()),
    step("os_unavailable", phone, st.integers(-1, 3)),
    step("os_withdraw", anyone, index),
    step("os_merge", phone, index, index),
    step("os_schedule", st.integers(0, 2**63 - 1)),
    step("os_move", anyone, index, st.integers(-1, 3), st.integers(-1, 3)),
    step("os_lock", index, index, st.booleans()),
    step("os_start", index),
    step("os_end", index),
    step("os_check_in", phone, st.integers(-1, 5)),
    step("os_note", phone, st.integers(-1, 5), text),
    step("os_links"),
    step("os_reporter", anyone, index, phone),
    step("os_harvest", phone, index, text, st.booleans()),
    step("os_open_dots", st.sampled_from([0, 2, 5])),
    step("os_dots", phone, index, st.sampled_from([-1, 0, 1, 3, 6])),
    step("os_close_dots"),
    step("os_adopt", phone, index, st.booleans()),
    step("os_plan", index),
]
table_index = st.integers(-1, 4)  # -1: none; 4 is past the tables here
CAFE_STEPS = [
    step(
        "cafe_setup",
        st.sampled_from([2, 3, 4]),
        st.sampled_from([0, 1, 2, 3]),
        st.sampled_from([1, 20]),
        st.sampled_from([0, 60]),
    ),
    step("cafe_question", st.integers(0, 3), text),
    step("cafe_tables", st.sampled_from([0, 1, 3])),
    step("cafe_name", table_index, st.sampled_from(["Oak", "Elm", ""])),
    step("cafe_remove_table", table_index),
    step("cafe_host", phone, table_index),
    step("cafe_unhost", table_index),
    step("cafe_volunteer", phone, st.booleans()),
    step("cafe_pick", st.integers(0, 2**63 - 1)),
    step("cafe_seat", st.integers(0, 2**63 - 1)),
    step("cafe_take", phone, table_index),
    step("cafe_move", phone, table_index),
    step("cafe_leave", phone),
    step("cafe_start", st.integers(0, 2**63 - 1)),
    step("cafe_extend", st.sampled_from([-700, 0, 60])),
    step("cafe_end"),
    step("cafe_pause", st.booleans()),
    step("note", phone, text),
    step("cafe_mark", anyone, index, st.booleans()),
    step("cafe_summary", phone, text),
    step("cafe_harvest"),
    step("cafe_show", table_index),
    step("cafe_star", phone, index, st.booleans()),
    step("cafe_close"),
]
lang = st.sampled_from(["es", "ar"])
TRANSLATION_STEPS = [
    step("tr_language", lang),
    step("tr_remove", lang),
    step("tr_translate", lang, index, text),
    step("tr_screen", st.sampled_from([("es",), ("es", "en"), ("ar", "es")]), st.sampled_from(["side", "alternate"])),
]
channel = st.sampled_from(["ch1", "ch2", "ch9"])
booth_name = st.sampled_from(["Eva", "Max", "eva"])
AUDIO_STEPS = [
    step("au_channel", st.sampled_from(["Español", "English", "español"]), st.sampled_from(["es", "en", "x y"])),
    step("au_edit", channel, st.sampled_from(["Castellano", "English", ""])),
    step("au_remove", channel),
    step("au_join", channel, booth_name),
    step("au_live", channel, booth_name),
    step("au_offer", channel, booth_name),
    step("au_take", channel, booth_name),
    step("au_off", channel, booth_name),
    step("au_retour", channel, booth_name, st.booleans()),
    step("au_caption", channel, text),
    step("au_screen", st.sampled_from(["ch1", "ch2", "", "ch9"])),
]
ALL_STEPS = [
    *AUDIO_STEPS,
    *MEETING_STEPS,
    *STACK_STEPS,
    *AGENDA_STEPS,
    *DECISION_STEPS,
    *SIGNAL_STEPS,
    *ROOM_STEPS,
    *OPENSPACE_STEPS,
    *CAFE_STEPS,
    *TRANSLATION_STEPS,
]

# A tour that takes every step at least once, in an order where each is accepted.
TOUR: list[tuple[Any, ...]] = [
    ("rename", "p0", "Ana"),
    ("set_groups", ("A", "B", "C")),
    ("declare", "p1", "A"),
    ("opt", "p2", True),
    ("add_item", "Budget", 10),
    ("add_item", "Kitchen", 10),
    ("propose_item", "p3", "Bikes"),
    ("propose_item", "p3", "Noise"),
    ("accept_item", 2),
    ("decline_item", 3),
    ("edit_item", 0, 20),
    ("move_item", 1, 0),
    ("open_vote", 6, 0),
    *[("cast", pid, 0, False, "") for pid in PHONES],
    ("close_vote", -1),
    ("start_item", 0),
    ("raise", "p0", "new"),
    ("raise", "p1", "new"),
    ("raise", "p2", "process"),
    ("raise", "p3", "new"),
    ("move_entry", 3, 0, -1),
    ("next", "fac", -1),
    ("extend", 30, -1),
    ("stack_settings", False, True, 60.0, -1),
    ("stack_open", False, -1),
    ("skip", 0, -1),
    ("remove_entry", 0, -1),
    ("lower", "p2"),
    ("end_turn", "fac", -1),
    ("propose", "p0", "Paint it blue."),
    ("amend", "p1", 0, "Paint it green."),
    ("accept_amendment", "p0", 0),
    ("amend", "p2", 0, "Paint it red."),
    ("withdraw_amendment", "p2", 1),
    ("add_proposal", "Buy a bike shed."),
    ("withdraw_proposal", "fac", 1),
    ("open_vote", 7, 0),
    *[("cast", pid, 1, False, "") for pid in PHONES[:3]],
    ("close_vote", -1),
    ("add_action", -1),
    ("remove_action", 0),
    ("dismiss_vote", -1),
    ("open_vote", 2, 0),
    ("cast", "p0", 0, False, ""),
    ("cancel_vote", -1),
    ("open_vote", 2, 0),  # a secret vote, closed: its ballots are sealed, then shredded
    ("cast", "p0", 0, False, ""),
    ("cast", "p1", 2, False, "Not safe."),
    ("cast", "p0", 1, False, ""),
    ("close_vote", -1),
    ("dismiss_vote", -1),
    ("signal", "p0", "agree"),
    ("start_check", 30),
    ("answer", "p1", "unsure"),
    ("post_point", "p2", "Why now?", True),
    ("upvote", "p3", 0, True),
    ("show_point", 0),
    ("read_point", 0),
    ("post_point", "p2", "And then?", False),
    ("withdraw_point", "p2", 1),
    ("post_point", "p3", "Third point", False),
    ("dismiss_point", 2),
    ("start", 2, False, "hand", False, 0, 7),
    ("move", "p0", 0),
    ("move", "p1", 0),
    ("volunteer", "p0"),
    ("set_rapporteur", 0, "p1"),
    ("report", "p1", "1. Fund"),
    ("note", "p0", "Ask the Kitchen"),
    ("raise", "p0", "new"),
    ("next", "p1", -1),
    ("broadcast", "Five minutes left"),
    ("add_time", 60),
    ("close_room", 1),
    ("show_report", 0),
    ("end_breakouts",),
    ("call_rapporteur", 0),
    ("start", 1, True, "random", True, 0, 11),
    ("join", "Late", -1),
    ("move", "p2", -1),
    ("take", "p2", -1),
    ("call_back", 30),
    ("wait", 40),
    ("timers",),
    ("end_item",),
    # Open Space: a marketplace, the wall, a circle, its harvest, dots and an adopted priority
    ("os_part", "openspace"),
    ("os_theme", "How do we run the kitchen?"),
    ("os_limit", 4),
    ("os_space", "Tree", 30),
    ("os_space", "Kitchen", 8),
    ("os_space", "Shed", 5),
    ("os_edit_space", 1, 10),
    ("os_remove_space", 2),
    ("os_slot", 100, 500),
    ("os_slot", 700, 500),
    ("os_slot", 1300, 500),
    ("os_edit_slot", 2, 1400),
    ("os_remove_slot", 2),
    ("os_post", "p0", "Rota"),
    ("os_post", "p1", "Compost"),
    ("os_post", "p2", "Budget"),
    ("os_post", "p3", "Fridge"),
    ("os_co", "p4", 0, True),
    ("os_mark", "p5", 0, True),
    ("os_mark", "p2", 1, True),
    ("os_unavailable", "p3", 1),
    ("os_merge", "p3", 3, 1),
    ("os_withdraw", "p2", 2),
    ("os_schedule", 5),
    ("os_move", "fac", 0, -1, -1),
    ("os_move", "p0", 0, 1, 0),
    ("os_lock", 0, 1, True),
    ("os_start", 0),
    ("os_links",),
    ("os_check_in", "p2", 1),
    ("note", "p2", "Bring cups"),  # in the circle p2 checked in to: the rooms' notes, through the scopes
    ("edit_note", "p2", -1, "Bring mugs"),
    ("os_note", "p2", 1, "And a kettle"),
    ("remove_note", "p2", -1),
    ("remove_note", "fac", -1),
    ("os_reporter", "fac", 1, "p2"),
    ("os_harvest", "p2", 1, "Compost it", False),
    ("os_end", 0),
    ("os_open_dots", 5),
    ("os_dots", "p0", 1, 3),
    ("os_close_dots",),
    ("os_adopt", "p1", 1, True),
    ("os_plan", 1),
    # World Café: set-up, hosts (picked and appointed), the seating, two rounds, notes, the harvest
    ("os_part", "cafe"),
    ("cafe_setup", 4, 2, 20, 60),
    ("cafe_question", 2, "And what could you do?"),
    ("cafe_tables", 3),
    ("cafe_name", 1, "Elm"),
    ("cafe_remove_table", 2),
    ("cafe_volunteer", "p1", True),
    ("cafe_pick", 3),
    ("cafe_host", "p2", 1),
    ("cafe_seat", 9),
    ("cafe_start", 1),
    ("note", "p0", "Benches on every corner"),
    ("cafe_mark", "fac", 0, True),
    ("cafe_summary", "p1", "Welcome: we were on benches."),
    ("cafe_extend", 60),
    ("cafe_leave", "p3"),
    ("cafe_take", "p3", -1),
    ("cafe_move", "p3", 0),
    ("cafe_pause", True),
    ("cafe_end",),
    ("cafe_start", 2),
    ("wait", 1300),
    ("timers",),
    ("cafe_harvest",),
    ("cafe_show", 0),
    ("cafe_star", "p0", 0, True),
    ("cafe_close",),
    ("cafe_unhost", 1),
    # translations: a language, a text translated, the screen's languages, the language removed
    ("tr_language", "es"),
    ("tr_translate", "es", 0, "Título"),
    ("tr_screen", ("es", "en"), "alternate"),
    ("tr_remove", "es"),
    # interpretation: a channel, two interpreters, a clash, a handover, silence, retour, captions on the screen
    ("au_channel", "Español", "es"),
    ("au_edit", "ch1", "Castellano"),
    ("au_join", "ch1", "Eva"),
    ("au_join", "ch1", "Max"),
    ("au_live", "ch1", "Eva"),
    ("au_live", "ch1", "Max"),
    ("au_offer", "ch1", "Eva"),
    ("au_take", "ch1", "Max"),
    ("au_off", "ch1", "Max"),
    ("au_retour", "ch1", "Eva", True),
    ("au_caption", "ch1", "Hola a todas"),
    ("au_screen", "ch1"),
    ("au_remove", "ch1"),
    ("remove", "p4"),
    ("end_meeting",),
]


# Openings a script may start with, so its random steps find something to act on.
OPENINGS: dict[str, list[tuple[Any, ...]]] = {
    "agenda approved, first item started": [
        ("add_item", "Budget", 10),
        ("add_item", "Kitchen", 10),
        ("open_vote", 6, 0),
        *[("cast", pid, 0, False, "") for pid in PHONES],
        ("close_vote", -1),
        ("start_item", 0),
    ],
    "a proposal with an amendment, a vote open": [
        ("propose", "p0", "Paint it blue."),
        ("amend", "p1", 0, "Paint it green."),
        ("open_vote", 0, 0),
        ("post_point", "p2", "Why now?", True),
        ("start_check", 30),
    ],
    "hands up and a speaker": [
        ("raise", "p0", "new"),
        ("raise", "p1", "process"),
        ("raise", "p2", "new"),
        ("next", "fac", -1),
    ],
    "every feature touched once": TOUR[:-1],  # all but the end of the meeting
    "an open space with a wall and a circle running": [
        ("os_space", "Tree", 30),
        ("os_space", "Kitchen", 8),
        ("os_slot", 100, 500),
        ("os_slot", 700, 500),
        *[("os_post", pid, f"Topic {pid}") for pid in PHONES[:4]],
        *[("os_mark", pid, t, True) for n, pid in enumerate(PHONES) for t in range(n % 4, 4, 2)],
        ("os_schedule", 3),
        ("os_start", 0),
        ("os_check_in", "p0", 0),
        ("os_check_in", "p1", 1),
        ("note", "p0", "Bring cups"),
    ],
    "a world café in its first round": [
        ("os_part", "cafe"),
        ("cafe_setup", 3, 3, 20, 60),
        ("cafe_tables", 3),
        ("cafe_host", "p0", 0),
        ("cafe_start", 5),
        ("note", "p1", "Benches"),
        ("cafe_volunteer", "p2", True),
    ],
    "breakout rooms running": [
        ("start", 2, False, "random", False, 0, 7),
        ("volunteer", "p0"),
        ("report", "p0", "1. Fund"),
        ("raise", "p1", "new"),
        ("raise", "p2", "new"),
    ],
}


def replayed(log: list[tuple[int, events.Event]]) -> m.MeetingState:
    """The log as a restart reads it: through the store's encoding, folded from scratch."""
    stored = [(seq, msgpack.unpackb(msgpack.packb(ev.to_dict()))) for seq, ev in log]
    return m.fold((seq, events.from_dict(data)) for seq, data in stored)


def shredded(log: list[tuple[int, events.Event]]) -> list[tuple[int, events.Event]]:
    """The log as the store gives it back once secret votes closed: their ballots can't be opened."""
    shred = {ev.shred for _, ev in log if isinstance(ev, dc.VoteClosed | dc.VoteCancelled) and ev.shred}
    return [
        (seq, events.Sealed() if isinstance(ev, dc.BallotCast) and ev.sealed_by in shred else ev) for seq, ev in log
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(OPENINGS)), unique=True),
    st.lists(st.one_of(*ALL_STEPS), min_size=10, max_size=80),
)
def test_replaying_any_meeting_equals_the_live_state(openings: list[str], steps: list[tuple[Any, ...]]) -> None:
    """Whatever the facilitator, the phones and the timers did, replaying the log gives exactly the live state."""
    script = Script().run([*(s for name in openings for s in OPENINGS[name]), *steps])
    assert [seq for seq, _ in script.log] == list(range(1, len(script.log) + 1))
    assert replayed(script.log) == script.state
    assert replayed(shredded(script.log)) == script.state  # closed secret votes need none of their ballots


def test_the_tour_takes_every_step_and_records_every_kind_of_event() -> None:
    """Each step of the tour is accepted, and together they record every event type the features register."""
    script = Script()
    for s in TOUR:
        before = (script.accepted, len(script.log))
        script.run([s])
        if s[0] != "wait":
            assert script.accepted > before[0] and len(script.log) > before[1], s
    assert {s[0] for s in TOUR} == set(OPS)
    # (``sealed`` is made by the store, not decided: a shredded secret ballot as it is read back)
    assert {ev.type for _, ev in script.log} == set(events.registered()) - {"sealed"}
    assert any(isinstance(ev, dc.BallotCast) and ev.sealed_by for _, ev in script.log)  # the tour has a secret vote
    assert replayed(script.log) == script.state
