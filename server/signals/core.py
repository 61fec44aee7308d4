"""Hand signals, temperature checks and written points (pure).

**Live signals**: during discussion anyone may show agree / unsure / disagree (Occupy's
fingers up, sideways, down).  The room sees only an anonymous aggregate that fades:
each person's latest signal counts for :data:`FADE` seconds.  The screen gets counts
per :data:`BUCKET`-second bucket and fades them itself, so nothing needs re-sending
while the room is quiet.

**Temperature checks**: the facilitator asks a question with a short window; each person
answers once (changeable until the window ends).  Counts only, never names.

**Written points**: someone who won't speak aloud posts a point or question, anonymous
to the room if they choose (never to the facilitator); others upvote it; the facilitator
brings it to the screen, reads it into the stack, or dismisses it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from server.core.errors import Rejection
from server.core.event import Event, event
from server.core.text import clean_text

SIGNALS = ("agree", "unsure", "disagree")
SIGNAL_LABELS = {"agree": "Agree", "unsure": "Unsure", "disagree": "Disagree"}
FADE = 60.0  # seconds a live signal counts
BUCKET = 10.0
CHECK_SECONDS = (5, 300)
QUESTION_MAX = 200
POINT_MAX = 280
POINTS_EACH = 5  # open points per participant
POINTS_MAX = 500  # per meeting


# --- events -----------------------------------------------------------------------------


@event("signal.shown")
@dataclass(frozen=True)
class SignalShown(Event):
    participant_id: str
    signal: str  # agree, unsure, disagree, or "" to take it down


@event("signal.check_started")
@dataclass(frozen=True)
class CheckStarted(Event):
    check_id: int
    question: str
    seconds: int


@event("signal.check_answered")
@dataclass(frozen=True)
class CheckAnswered(Event):
    check_id: int
    participant_id: str
    signal: str


@event("point.posted")
@dataclass(frozen=True)
class PointPosted(Event):
    point_id: int
    participant_id: str
    text: str
    anonymous: bool
    item_id: str | None


@event("point.upvoted")
@dataclass(frozen=True)
class PointUpvoted(Event):
    point_id: int
    participant_id: str
    up: bool


@event("point.settled")
@dataclass(frozen=True)
class PointSettled(Event):
    point_id: int
    status: str  # withdrawn (by the author), dismissed or read (by the facilitator)


@event("point.shown")
@dataclass(frozen=True)
class PointShown(Event):
    point_id: int | None  # None: off the screen


# --- state ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    id: int
    question: str
    started_at: float
    deadline: float
    answers: Mapping[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SIGNALS, 0)
        for signal in self.answers.values():
            counts[signal] += 1
        return counts


@dataclass(frozen=True)
class Point:
    id: int
    author: str
    text: str
    anonymous: bool
    item_id: str | None
    at: float
    upvoters: frozenset[str] = frozenset()
    status: str = "open"  # open, withdrawn, dismissed, read


@dataclass(frozen=True)
class SignalsState:
    live: Mapping[str, tuple[str, float]] = field(default_factory=dict)  # participant -> (signal, since)
    checks: Mapping[int, Check] = field(default_factory=dict)
    points: Mapping[int, Point] = field(default_factory=dict)
    shown: int | None = None  # the written point on the screen
    next_id: int = 1

    @property
    def last_check(self) -> Check | None:
        return self.checks[max(self.checks)] if self.checks else None

    # Every phone's view asks these on every publish: computed once per (immutable) state.

    @functools.cached_property
    def ranked(self) -> list[Point]:
        """Open points, most upvoted first, then oldest first."""
        points = [p for p in self.points.values() if p.status == "open"]
        return sorted(points, key=lambda p: (-len(p.upvoters), p.id))

    @functools.cached_property
    def open_by_author(self) -> dict[str, list[int]]:
        mine: dict[str, list[int]] = {}
        for p in self.ranked:
            mine.setdefault(p.author, []).append(p.id)
        return mine


def live_buckets(state: SignalsState, now: float) -> dict[str, object]:
    """Live signals of the last :data:`FADE` seconds as counts per bucket (newest bucket first)."""
    n = int(FADE // BUCKET)
    buckets = {s: [0] * n for s in SIGNALS}
    for signal, since in state.live.values():
        age = now - since
        if 0 <= age < FADE:
            buckets[signal][int(age // BUCKET)] += 1
    # With nothing counted, "until" means nothing: keep it still, or every event of the meeting (a hand
    # raised in any breakout room) changes the big screen's and the console's views and resends them.
    counted = any(n for counts in buckets.values() for n in counts)
    return {"until": now if counted else 0.0, "bucket": BUCKET, "fade": FADE, **buckets}


# --- commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ShowSignal:
    signal: str


@dataclass(frozen=True)
class AnswerCheck:
    check_id: int
    signal: str


@dataclass(frozen=True)
class StartCheck:
    question: str
    seconds: int = 30


@dataclass(frozen=True)
class PostPoint:
    text: str
    anonymous: bool = False


@dataclass(frozen=True)
class UpvotePoint:
    point_id: int
    up: bool = True


@dataclass(frozen=True)
class WithdrawPoint:
    point_id: int


@dataclass(frozen=True)
class ShowPoint:
    point_id: int | None  # None takes it off the screen


@dataclass(frozen=True)
class DismissPoint:
    point_id: int


@dataclass(frozen=True)
class ReadPoint:
    """The facilitator reads a written point into the stack (it waits its turn like a new point)."""

    point_id: int


ParticipantCommand = ShowSignal | AnswerCheck | PostPoint | UpvotePoint | WithdrawPoint
FacilitatorCommand = StartCheck | ShowPoint | DismissPoint


def _signal(value: str, allow_none: bool) -> str:
    if value in SIGNALS or (allow_none and value == ""):
        return value
    raise Rejection("bad_field", "signal must be agree, unsure or disagree.", "signal")


def decide_participant(
    state: SignalsState, command: ParticipantCommand, pid: str, item_id: str | None, now: float
) -> list[Event]:
    match command:
        case ShowSignal(signal=signal):
            signal = _signal(signal, allow_none=True)
            current = state.live.get(pid)
            if signal == "" and current is None:
                return []
            return [SignalShown(at=now, participant_id=pid, signal=signal)]
        case AnswerCheck(check_id=check_id, signal=signal):
            check = state.checks.get(check_id)
            if check is None:
                raise Rejection("unknown_check", "There is no such temperature check.", "check")
            if now > check.deadline:
                raise Rejection("check_closed", "This temperature check has ended.", "check")
            signal = _signal(signal, allow_none=False)
            if check.answers.get(pid) == signal:
                return []
            return [CheckAnswered(at=now, check_id=check_id, participant_id=pid, signal=signal)]
        case PostPoint(text=text, anonymous=anonymous):
            mine = len(state.open_by_author.get(pid, ()))
            if mine >= POINTS_EACH:
                raise Rejection(
                    "too_many", f"You have {mine} open points; wait until some are answered.", None, {"count": mine}
                )
            if len(state.points) >= POINTS_MAX:
                raise Rejection("too_many", "This meeting has all the written points it can take.")
            return [
                PointPosted(
                    at=now,
                    point_id=state.next_id,
                    participant_id=pid,
                    text=clean_text(text, POINT_MAX, "point", "text"),
                    anonymous=anonymous,
                    item_id=item_id,
                )
            ]
        case UpvotePoint(point_id=point_id, up=up):
            point = open_point(state, point_id)
            if point.author == pid:
                raise Rejection("own_point", "You can't upvote your own point.", "point")
            if up == (pid in point.upvoters):
                return []
            return [PointUpvoted(at=now, point_id=point_id, participant_id=pid, up=up)]
        case WithdrawPoint(point_id=point_id):
            point = open_point(state, point_id)
            if point.author != pid:
                raise Rejection("not_author", "Only its author can withdraw a point.", "point")
            return [PointSettled(at=now, point_id=point_id, status="withdrawn")]
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def decide_facilitator(state: SignalsState, command: FacilitatorCommand, now: float) -> list[Event]:
    match command:
        case StartCheck(question=question, seconds=seconds):
            low, high = CHECK_SECONDS
            if not low <= seconds <= high:
                raise Rejection(
                    "bad_field",
                    f"A temperature check lasts {low} to {high} seconds.",
                    "seconds",
                    {"low": low, "high": high},
                )
            last = state.last_check
            if last is not None and now <= last.deadline:
                raise Rejection("check_running", "A temperature check is running: wait for it to end.")
            return [
                CheckStarted(
                    at=now,
                    check_id=state.next_id,
                    question=clean_text(question, QUESTION_MAX, "question", "question"),
                    seconds=seconds,
                )
            ]
        case ShowPoint(point_id=point_id):
            if point_id is not None:
                open_point(state, point_id)
            return [] if point_id == state.shown else [PointShown(at=now, point_id=point_id)]
        case DismissPoint(point_id=point_id):
            open_point(state, point_id)
            return [PointSettled(at=now, point_id=point_id, status="dismissed")]
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def open_point(state: SignalsState, point_id: int) -> Point:
    """A point still open (to upvote, show, dismiss, or read into the stack)."""
    point = state.points.get(point_id)
    if point is None:
        raise Rejection("unknown_point", "There is no such written point.", "point")
    if point.status != "open":
        raise Rejection("point_closed", f"That point was {point.status}.", "point", {"status": point.status})
    return point


# --- apply -------------------------------------------------------------------------------


def apply(state: SignalsState, ev: Event) -> SignalsState:
    match ev:
        case SignalShown():
            live = {k: v for k, v in state.live.items() if k != ev.participant_id}
            if ev.signal:
                live[ev.participant_id] = (ev.signal, ev.at)
            return dataclasses.replace(state, live=live)
        case CheckStarted():
            check = Check(ev.check_id, ev.question, ev.at, ev.at + ev.seconds)
            return dataclasses.replace(
                state, checks={**state.checks, check.id: check}, next_id=max(state.next_id, ev.check_id + 1)
            )
        case CheckAnswered():
            check = state.checks[ev.check_id]
            check = dataclasses.replace(check, answers={**check.answers, ev.participant_id: ev.signal})
            return dataclasses.replace(state, checks={**state.checks, check.id: check})
        case PointPosted():
            point = Point(ev.point_id, ev.participant_id, ev.text, ev.anonymous, ev.item_id, ev.at)
            return dataclasses.replace(
                state, points={**state.points, point.id: point}, next_id=max(state.next_id, ev.point_id + 1)
            )
        case PointUpvoted():
            point = state.points[ev.point_id]
            voters = point.upvoters | {ev.participant_id} if ev.up else point.upvoters - {ev.participant_id}
            point = dataclasses.replace(point, upvoters=frozenset(voters))
            return dataclasses.replace(state, points={**state.points, point.id: point})
        case PointSettled():
            point = dataclasses.replace(state.points[ev.point_id], status=ev.status)
            shown = None if state.shown == ev.point_id else state.shown
            return dataclasses.replace(state, points={**state.points, point.id: point}, shown=shown)
        case PointShown():
            return dataclasses.replace(state, shown=ev.point_id)
    raise ValueError(f"no signals apply for {ev.type}")


def without_participant(state: SignalsState, participant_id: str) -> SignalsState:
    """A removed participant's live signal leaves the aggregate."""
    if participant_id not in state.live:
        return state
    return dataclasses.replace(state, live={k: v for k, v in state.live.items() if k != participant_id})


EVENTS = (SignalShown, CheckStarted, CheckAnswered, PointPosted, PointUpvoted, PointSettled, PointShown)
