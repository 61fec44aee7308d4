"""Open Space (pure; no I/O, no clock, no randomness: the time and a seed come from ``Inputs``).

The facilitator switches the meeting to its **Open Space part**, sets the **theme**, the **spaces**
(name, capacity) and the **slots** (start, end).  In the **marketplace** anyone posts a topic and is
its **convener** (others may co-convene), everyone marks the topics they want, and conveners say
which slots they can't do.  **Make the schedule** puts every topic in a cell of **the wall** (slot ×
space) by :mod:`server.openspace.schedule`; the result is recorded in the event, so a replay never
recomputes it.  Topics move by hand (the facilitator or a convener) with the change in the
**conflict count** recorded; cells can be locked.  When a slot starts, each of its topics is a
**topic circle**: phones check in ("I'm here") and move at any time (the **Law of Two Feet**).  Each
circle has a **reporter** (its convener unless reassigned) who writes the **harvest**; reports go on
the **news wall**.  **Convergence**: dot-voting on reports gives ranked **priorities**, which people
**adopt**.

Ids: spaces ``s<n>``, slots ``t<n>``, topics ``o<n>``, never reused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from server.core.errors import Rejection
from server.core.event import Event, event
from server.core.text import clean_text, optional_text
from server.openspace import schedule as sc
from server.rooms.core import Note, optional_text_keep_lines
from server.stack import core as sk

THEME_MAX = 160
SPACE_NAME_MAX = 40
TITLE_MAX = 80
DESCRIPTION_MAX = 200  # one line
HARVEST_MAX = 1000  # each of key points, proposals, next steps
PARTICIPANTS_MAX = 300
NAME_MAX = 40
TOPICS_MAX = 1000
SPACES_MAX = 100
SLOTS_MAX = 48
CAPACITY_MAX = 10_000
TOPIC_LIMIT_DEFAULT = 3
TOPIC_LIMIT_RANGE = (1, 20)
DOTS_DEFAULT = 5
DOTS_RANGE = (1, 20)
PARTS = ("assembly", "openspace", "cafe")  # the parts a meeting runs: World Café too (server/cafe/)


# --- events ----------------------------------------------------------------------------


@event("openspace.part_set")
@dataclass(frozen=True)
class PartSet(Event):
    part: str  # "assembly" or "openspace"


@event("openspace.theme_set")
@dataclass(frozen=True)
class ThemeSet(Event):
    theme: str


@event("openspace.topic_limit_set")
@dataclass(frozen=True)
class TopicLimitSet(Event):
    limit: int


@event("openspace.space_set")
@dataclass(frozen=True)
class SpaceSet(Event):
    """A space added (a new id) or changed."""

    space: str
    name: str
    capacity: int


@event("openspace.space_removed")
@dataclass(frozen=True)
class SpaceRemoved(Event):
    space: str


@event("openspace.slot_set")
@dataclass(frozen=True)
class SlotSet(Event):
    slot: str
    start: int
    end: int


@event("openspace.slot_removed")
@dataclass(frozen=True)
class SlotRemoved(Event):
    slot: str


@event("openspace.topic_posted")
@dataclass(frozen=True)
class TopicPosted(Event):
    topic: str
    participant_id: str
    title: str
    description: str


@event("openspace.coconvener_set")
@dataclass(frozen=True)
class CoconvenerSet(Event):
    topic: str
    participant_id: str
    joined: bool


@event("openspace.interest_set")
@dataclass(frozen=True)
class InterestSet(Event):
    topic: str
    participant_id: str
    interested: bool


@event("openspace.unavailable_set")
@dataclass(frozen=True)
class UnavailableSet(Event):
    participant_id: str
    slots: list[str]


@event("openspace.topic_withdrawn")
@dataclass(frozen=True)
class TopicWithdrawn(Event):
    topic: str
    by: str  # "convener" or "facilitator"


@event("openspace.topics_merged")
@dataclass(frozen=True)
class TopicsMerged(Event):
    """``topic`` goes into ``into``: its conveners co-convene ``into``, its interest carries over."""

    topic: str
    into: str


@event("openspace.scheduled")
@dataclass(frozen=True)
class Scheduled(Event):
    """The wall as the scheduler made it (recorded: a replay never recomputes)."""

    cells: dict[str, list[str]]  # topic -> [slot, space], every placed topic
    unplaced: list[str]
    conflicts: int
    naive: int
    lower_bound: int
    seed: int


@event("openspace.topic_moved")
@dataclass(frozen=True)
class TopicMoved(Event):
    """A topic moved by hand (``slot`` "": off the wall), with the conflict count before and after."""

    topic: str
    slot: str
    space: str
    by: str  # "facilitator" or "convener"
    conflicts_before: int
    conflicts_after: int


@event("openspace.cell_locked")
@dataclass(frozen=True)
class CellLocked(Event):
    slot: str
    space: str
    locked: bool


@event("openspace.slot_started")
@dataclass(frozen=True)
class SlotStarted(Event):
    slot: str


@event("openspace.slot_ended")
@dataclass(frozen=True)
class SlotEnded(Event):
    slot: str


@event("openspace.checked_in")
@dataclass(frozen=True)
class CheckedIn(Event):
    participant_id: str
    topic: str  # "": checked out (a butterfly)


@event("openspace.device_keys_set")
@dataclass(frozen=True)
class DeviceKeysSet(Event):
    """The digests of spaces' device keys (``HMAC(facilitator secret, "plaza room key s2")``), recorded the
    first time the console asks for the links (``circle_links``): the log never holds a key."""

    keys: dict[str, str]  # space -> digest


@event("openspace.reporter_set")
@dataclass(frozen=True)
class ReporterSet(Event):
    topic: str
    participant_id: str


@event("openspace.harvest_written")
@dataclass(frozen=True)
class HarvestWritten(Event):
    topic: str
    participant_id: str
    key_points: str
    proposals: str
    next_steps: str
    participants: list[str]  # names (filled from check-ins unless the reporter gave them)


@event("openspace.dots_opened")
@dataclass(frozen=True)
class DotsOpened(Event):
    dots: int


@event("openspace.dots_placed")
@dataclass(frozen=True)
class DotsPlaced(Event):
    participant_id: str
    topic: str
    dots: int  # this person's dots on this report now


@event("openspace.dots_closed")
@dataclass(frozen=True)
class DotsClosed(Event):
    ranking: list[dict[str, object]]  # [{"topic", "dots"}], most dots first


@event("openspace.priority_adopted")
@dataclass(frozen=True)
class PriorityAdopted(Event):
    topic: str
    participant_id: str
    adopted: bool


@event("openspace.actions_planned")
@dataclass(frozen=True)
class ActionsPlanned(Event):
    """An action-planning slot: one new topic per adopted priority, convened by its adopters."""

    slot: str
    topics: list[dict[str, object]]  # {"topic", "priority", "title", "conveners": [pid], "space"}


EVENTS = (
    PartSet,
    ThemeSet,
    TopicLimitSet,
    SpaceSet,
    SpaceRemoved,
    SlotSet,
    SlotRemoved,
    TopicPosted,
    CoconvenerSet,
    InterestSet,
    UnavailableSet,
    TopicWithdrawn,
    TopicsMerged,
    Scheduled,
    TopicMoved,
    CellLocked,
    SlotStarted,
    SlotEnded,
    CheckedIn,
    DeviceKeysSet,
    ReporterSet,
    HarvestWritten,
    DotsOpened,
    DotsPlaced,
    DotsClosed,
    PriorityAdopted,
    ActionsPlanned,
)


# --- state -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Space:
    id: str
    name: str
    capacity: int


@dataclass(frozen=True)
class Slot:
    id: str
    start: int
    end: int
    started_at: float | None = None
    ended_at: float | None = None

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.ended_at is None


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    description: str
    convener: str
    posted_at: float
    coconveners: tuple[str, ...] = ()
    withdrawn: bool = False
    merged_into: str | None = None
    priority: str | None = None  # an action-planning topic: the priority it takes forward

    @property
    def active(self) -> bool:
        return not self.withdrawn and self.merged_into is None

    @property
    def conveners(self) -> frozenset[str]:
        return frozenset((self.convener, *self.coconveners))


@dataclass(frozen=True)
class Report:
    participant_id: str
    key_points: str
    proposals: str
    next_steps: str
    participants: tuple[str, ...]
    at: float


@dataclass(frozen=True)
class Dots:
    budget: int
    open: bool = True
    placed: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # person -> topic -> dots
    totals: Mapping[str, int] = field(default_factory=dict)  # topic -> dots
    ranking: tuple[tuple[str, int], ...] = ()  # at the close


@dataclass(frozen=True)
class Outcome:
    """The last schedule the scheduler made (for the console: what it saved)."""

    conflicts: int
    naive: int
    lower_bound: int
    unplaced: tuple[str, ...]
    at: float


@dataclass(frozen=True)
class LastMove:
    topic: str
    before: int
    after: int
    at: float


@dataclass(frozen=True)
class Circle:
    """A topic circle as a room: its own speaking stack and notes, from its slot's start (closed at its end)."""

    stack: sk.StackState = field(default_factory=sk.StackState)
    open: bool = True
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class OpenSpaceState:
    part: str = "assembly"
    theme: str = ""
    topic_limit: int = TOPIC_LIMIT_DEFAULT
    spaces: Mapping[str, Space] = field(default_factory=dict)  # in the wall's order
    slots: Mapping[str, Slot] = field(default_factory=dict)  # in time order
    next_space: int = 1
    next_slot: int = 1
    topics: Mapping[str, Topic] = field(default_factory=dict)  # in posting order
    interest: Mapping[str, frozenset[str]] = field(default_factory=dict)  # topic -> who wants it
    marks: Mapping[str, frozenset[str]] = field(default_factory=dict)  # person -> the topics they want
    unavailable: Mapping[str, frozenset[str]] = field(default_factory=dict)  # person -> slots they can't do
    cells: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # topic -> (slot, space)
    locked: frozenset[tuple[str, str]] = frozenset()
    outcome: Outcome | None = None
    last_move: LastMove | None = None
    checkins: Mapping[str, str] = field(default_factory=dict)  # person -> topic (of the running slot)
    came: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # topic -> everyone who checked in, in order
    moves: Mapping[str, int] = field(default_factory=dict)  # person -> check-ins (bumblebees move a lot)
    reporters: Mapping[str, str] = field(default_factory=dict)  # topic -> reporter (absent: its convener)
    reports: Mapping[str, Report] = field(default_factory=dict)  # topic -> harvest, in the order written
    dots: Dots | None = None
    adopted: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # topic -> who adopted it
    circles: Mapping[str, Circle] = field(default_factory=dict)  # topic -> its circle, once its slot started
    # topic -> who is checked in now, in the order they came (``checkins`` turned round, kept as it folds:
    # a circle's device and the wall's headcounts read one circle, not 3,000 check-ins)
    rosters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    device_keys: Mapping[str, str] = field(default_factory=dict)  # space -> the digest of its device's key

    @property
    def running(self) -> Slot | None:
        return next((s for s in self.slots.values() if s.running), None)

    def at(self, slot: str, space: str) -> str | None:
        """The topic in a cell (None: empty)."""
        return next((t for t, c in self.cells.items() if c == (slot, space)), None)

    def in_slot(self, slot: str) -> list[str]:
        return [t for t, c in self.cells.items() if c[0] == slot]

    def reporter(self, topic: str) -> str:
        return self.reporters.get(topic) or self.topics[topic].convener

    def headcounts(self) -> dict[str, int]:
        return {t: len(people) for t, people in self.rosters.items()}

    def active_topics(self) -> list[Topic]:
        return [t for t in self.topics.values() if t.active]


# --- commands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetPart:
    part: str


@dataclass(frozen=True)
class SetTheme:
    theme: str


@dataclass(frozen=True)
class SetTopicLimit:
    limit: int


@dataclass(frozen=True)
class AddSpace:
    name: str
    capacity: int


@dataclass(frozen=True)
class EditSpace:
    space: str
    name: str | None = None
    capacity: int | None = None


@dataclass(frozen=True)
class RemoveSpace:
    space: str


@dataclass(frozen=True)
class AddSlot:
    start: int
    end: int


@dataclass(frozen=True)
class EditSlot:
    slot: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class RemoveSlot:
    slot: str


@dataclass(frozen=True)
class PostTopic:
    title: str
    description: str = ""


@dataclass(frozen=True)
class CoConvene:
    topic: str
    join: bool = True


@dataclass(frozen=True)
class MarkInterest:
    topic: str
    interested: bool = True


@dataclass(frozen=True)
class SetUnavailable:
    slots: tuple[str, ...]


@dataclass(frozen=True)
class WithdrawTopic:
    topic: str


@dataclass(frozen=True)
class MergeTopics:
    topic: str
    into: str


@dataclass(frozen=True)
class MakeSchedule:
    pass


@dataclass(frozen=True)
class MoveTopic:
    """``slot`` "": off the wall; ``space`` "": any free space of the slot."""

    topic: str
    slot: str
    space: str = ""


@dataclass(frozen=True)
class LockCell:
    slot: str
    space: str
    locked: bool = True


@dataclass(frozen=True)
class StartSlot:
    slot: str


@dataclass(frozen=True)
class EndSlot:
    slot: str


@dataclass(frozen=True)
class CheckIn:
    topic: str  # "": check out


@dataclass(frozen=True)
class SetReporter:
    topic: str
    participant_id: str


@dataclass(frozen=True)
class WriteHarvest:
    topic: str
    key_points: str = ""
    proposals: str = ""
    next_steps: str = ""
    participants: tuple[str, ...] | None = None  # None: who checked in


@dataclass(frozen=True)
class OpenDots:
    dots: int = DOTS_DEFAULT


@dataclass(frozen=True)
class CloseDots:
    pass


@dataclass(frozen=True)
class PlaceDots:
    topic: str
    dots: int


@dataclass(frozen=True)
class AdoptPriority:
    topic: str
    adopt: bool = True


@dataclass(frozen=True)
class PlanActions:
    """Open an action-planning slot: the adopted priorities become its topics."""

    slot: str


@dataclass(frozen=True)
class CircleLinks:
    """The console asks for the spaces' device links: the digests of keys not yet recorded are recorded."""


COMMANDS = (
    SetPart,
    SetTheme,
    SetTopicLimit,
    AddSpace,
    EditSpace,
    RemoveSpace,
    AddSlot,
    EditSlot,
    RemoveSlot,
    PostTopic,
    CoConvene,
    MarkInterest,
    SetUnavailable,
    WithdrawTopic,
    MergeTopics,
    MakeSchedule,
    MoveTopic,
    LockCell,
    StartSlot,
    EndSlot,
    CheckIn,
    SetReporter,
    WriteHarvest,
    OpenDots,
    CloseDots,
    PlaceDots,
    AdoptPriority,
    PlanActions,
    CircleLinks,
)


# --- lookups ----------------------------------------------------------------------------------


def space_of(os: OpenSpaceState, space_id: str) -> Space:
    space = os.spaces.get(space_id)
    if space is None:
        raise Rejection("unknown_space", "There is no such space.", "space")
    return space


def slot_of(os: OpenSpaceState, slot_id: str) -> Slot:
    slot = os.slots.get(slot_id)
    if slot is None:
        raise Rejection("unknown_slot", "There is no such slot.", "slot")
    return slot


def topic_of(os: OpenSpaceState, topic_id: str, name: str = "topic") -> Topic:
    topic = os.topics.get(topic_id)
    if topic is None:
        raise Rejection("unknown_topic", "There is no such topic.", name)
    if not topic.active:
        raise Rejection("topic_gone", f"“{topic.title}” was withdrawn or merged.", name, {"topic": topic.title})
    return topic


def conveners_only(topic: Topic, pid: str) -> None:
    if pid not in topic.conveners:
        raise Rejection(
            "not_convener", f"Only the conveners of “{topic.title}” can do that.", "topic", {"topic": topic.title}
        )


def conflict_count(os: OpenSpaceState, cells: Mapping[str, tuple[str, str]] | None = None) -> int:
    return sc.conflicts(os.cells if cells is None else cells, os.interest)


# --- deciding: setting up --------------------------------------------------------------------


def set_part(os: OpenSpaceState, part: str, now: float) -> list[Event]:
    if part not in PARTS:
        raise Rejection("bad_field", "'part' must be assembly, openspace or cafe.", "part")
    return [] if part == os.part else [PartSet(at=now, part=part)]


def set_theme(os: OpenSpaceState, theme: str, now: float) -> list[Event]:
    text = optional_text(theme, THEME_MAX, "theme", "theme")
    return [] if text == os.theme else [ThemeSet(at=now, theme=text)]


def set_topic_limit(os: OpenSpaceState, limit: int, now: float) -> list[Event]:
    lo, hi = TOPIC_LIMIT_RANGE
    if not lo <= limit <= hi:
        raise Rejection("bad_field", f"Each person may post {lo} to {hi} topics.", "limit", {"low": lo, "high": hi})
    return [] if limit == os.topic_limit else [TopicLimitSet(at=now, limit=limit)]


def _capacity(capacity: int) -> int:
    if not 1 <= capacity <= CAPACITY_MAX:
        raise Rejection(
            "bad_field", f"A space holds 1 to {CAPACITY_MAX} people.", "capacity", {"low": 1, "high": CAPACITY_MAX}
        )
    return capacity


def _space_name(os: OpenSpaceState, name: str, space_id: str = "") -> str:
    text = clean_text(name, SPACE_NAME_MAX, "space's name", "name")
    if any(s.name.casefold() == text.casefold() and s.id != space_id for s in os.spaces.values()):
        raise Rejection("bad_field", f"There is already a space called {text}.", "name", {"name": text})
    return text


def add_space(os: OpenSpaceState, name: str, capacity: int, now: float) -> list[Event]:
    if len(os.spaces) >= SPACES_MAX:
        raise Rejection("too_many", f"At most {SPACES_MAX} spaces.", "name", {"max": SPACES_MAX})
    text = _space_name(os, name)
    return [SpaceSet(at=now, space=f"s{os.next_space}", name=text, capacity=_capacity(capacity))]


def edit_space(os: OpenSpaceState, command: EditSpace, now: float) -> list[Event]:
    space = space_of(os, command.space)
    name = space.name if command.name is None else _space_name(os, command.name, space.id)
    capacity = space.capacity if command.capacity is None else _capacity(command.capacity)
    if (name, capacity) == (space.name, space.capacity):
        return []
    return [SpaceSet(at=now, space=space.id, name=name, capacity=capacity)]


def remove_space(os: OpenSpaceState, space_id: str, now: float) -> list[Event]:
    space = space_of(os, space_id)
    if any(c[1] == space.id for c in os.cells.values()):
        raise Rejection(
            "space_in_use", f"Topics are on the wall in {space.name}; move them first.", "space", {"space": space.name}
        )
    return [SpaceRemoved(at=now, space=space.id)]


def _times(start: int, end: int) -> None:
    if not 0 < start < end or end - start > 24 * 3600:
        raise Rejection("bad_field", "A slot ends after it starts, within a day.", "end")


def add_slot(os: OpenSpaceState, start: int, end: int, now: float) -> list[Event]:
    if len(os.slots) >= SLOTS_MAX:
        raise Rejection("too_many", f"At most {SLOTS_MAX} slots.", "start", {"max": SLOTS_MAX})
    _times(start, end)
    return [SlotSet(at=now, slot=f"t{os.next_slot}", start=start, end=end)]


def edit_slot(os: OpenSpaceState, command: EditSlot, now: float) -> list[Event]:
    slot = slot_of(os, command.slot)
    if slot.started:
        raise Rejection("slot_started", "That slot has started; its times stay as they ran.", "slot")
    start = slot.start if command.start is None else command.start
    end = slot.end if command.end is None else command.end
    _times(start, end)
    return [] if (start, end) == (slot.start, slot.end) else [SlotSet(at=now, slot=slot.id, start=start, end=end)]


def remove_slot(os: OpenSpaceState, slot_id: str, now: float) -> list[Event]:
    slot = slot_of(os, slot_id)
    if slot.started:
        raise Rejection("slot_started", "That slot has started.", "slot")
    if os.in_slot(slot.id):
        raise Rejection("slot_in_use", "Topics are on the wall in that slot; move them first.", "slot")
    return [SlotRemoved(at=now, slot=slot.id)]


# --- deciding: the marketplace ---------------------------------------------------------------


def post_topic(os: OpenSpaceState, pid: str, command: PostTopic, now: float) -> list[Event]:
    if len(os.topics) >= TOPICS_MAX:
        raise Rejection("too_many", f"The marketplace holds at most {TOPICS_MAX} topics.", "title", {"max": TOPICS_MAX})
    mine = sum(1 for t in os.topics.values() if t.convener == pid and t.active)
    if mine >= os.topic_limit:
        raise Rejection(
            "topic_limit", f"Each person may convene {os.topic_limit} topics.", "title", {"count": os.topic_limit}
        )
    title = clean_text(command.title, TITLE_MAX, "title", "title")
    description = optional_text(command.description, DESCRIPTION_MAX, "description", "description")
    return [
        TopicPosted(at=now, topic=f"o{len(os.topics) + 1}", participant_id=pid, title=title, description=description)
    ]


def co_convene(os: OpenSpaceState, pid: str, command: CoConvene, now: float) -> list[Event]:
    topic = topic_of(os, command.topic)
    if pid == topic.convener:
        if command.join:
            return []
        raise Rejection("not_allowed", "The convener stays; withdraw the topic instead.", "topic")
    if (pid in topic.coconveners) == command.join:
        return []
    if command.join:
        slot = os.cells.get(topic.id, ("", ""))[0]
        if slot and _busy(os, pid, slot, topic.id):
            raise Rejection("convener_busy", "You convene another topic in that slot.", "topic")
        if slot and slot in os.unavailable.get(pid, ()):
            raise Rejection("convener_unavailable", "You said you can't do that topic's slot.", "topic")
    return [CoconvenerSet(at=now, topic=topic.id, participant_id=pid, joined=command.join)]


def mark(os: OpenSpaceState, pid: str, command: MarkInterest, now: float) -> list[Event]:
    topic = topic_of(os, command.topic)
    if (pid in os.interest.get(topic.id, ())) == command.interested:
        return []
    return [InterestSet(at=now, topic=topic.id, participant_id=pid, interested=command.interested)]


def set_unavailable(os: OpenSpaceState, pid: str, slots: tuple[str, ...], now: float) -> list[Event]:
    if not any(pid in t.conveners for t in os.active_topics()):
        raise Rejection("not_convener", "Only conveners say which slots they can't do.", "slots")
    wanted = sorted(set(slots), key=lambda s: list(os.slots).index(s) if s in os.slots else -1)
    for s in wanted:
        slot_of(os, s)
    for t in os.active_topics():
        cell = os.cells.get(t.id)
        if pid in t.conveners and cell and cell[0] in wanted:
            raise Rejection(
                "convener_unavailable",
                f"“{t.title}” is on the wall in that slot; move it first.",
                "slots",
                {"topic": t.title},
            )
    if frozenset(wanted) == os.unavailable.get(pid, frozenset()):
        return []
    return [UnavailableSet(at=now, participant_id=pid, slots=wanted)]


def _started_cell(os: OpenSpaceState, topic: Topic) -> bool:
    cell = os.cells.get(topic.id)
    return cell is not None and os.slots[cell[0]].started


def withdraw(os: OpenSpaceState, pid: str | None, topic_id: str, now: float) -> list[Event]:
    topic = topic_of(os, topic_id)
    if pid is not None:
        conveners_only(topic, pid)
    if _started_cell(os, topic):
        raise Rejection(
            "slot_started", f"“{topic.title}” is in a slot that has started.", "topic", {"topic": topic.title}
        )
    return [TopicWithdrawn(at=now, topic=topic.id, by="facilitator" if pid is None else "convener")]


def merge(os: OpenSpaceState, pid: str, command: MergeTopics, now: float) -> list[Event]:
    topic = topic_of(os, command.topic)
    into = topic_of(os, command.into, "into")
    conveners_only(topic, pid)
    if topic.id == into.id:
        raise Rejection("bad_field", "A topic can't merge into itself.", "into")
    if _started_cell(os, topic):
        raise Rejection(
            "slot_started", f"“{topic.title}” is in a slot that has started.", "topic", {"topic": topic.title}
        )
    slot = os.cells.get(into.id, ("", ""))[0]
    if slot:
        for c in topic.conveners - into.conveners:
            if _busy(os, c, slot, topic.id) or slot in os.unavailable.get(c, ()):
                raise Rejection("convener_busy", "A convener of that topic can't be in its slot.", "into")
    return [TopicsMerged(at=now, topic=topic.id, into=into.id)]


# --- deciding: the wall ------------------------------------------------------------------------


def _busy(os: OpenSpaceState, pid: str, slot: str, but: str) -> str | None:
    """The topic ``pid`` convenes in ``slot`` other than ``but`` (None: free)."""
    for t, (s, _) in os.cells.items():
        if s == slot and t != but and pid in os.topics[t].conveners:
            return t
    return None


def problem(os: OpenSpaceState) -> sc.Problem:
    """What the scheduler is given: active topics, the wall, fixed cells (locked or started)."""
    topics = [t for t in os.active_topics()]
    started = {s.id for s in os.slots.values() if s.started}
    fixed = {t: c for t, c in os.cells.items() if c in os.locked or c[0] in started}
    blocked = frozenset(os.locked) | {(s, sp) for s in started for sp in os.spaces}
    return sc.Problem(
        topics=[t.id for t in topics],
        slots=list(os.slots),
        spaces=list(os.spaces),
        capacity={s.id: s.capacity for s in os.spaces.values()},
        interest={t.id: os.interest.get(t.id, frozenset()) for t in topics},
        conveners={t.id: t.conveners for t in topics},
        unavailable=os.unavailable,
        fixed=fixed,
        blocked=blocked,
    )


@dataclass(frozen=True)
class Precomputed:
    """A wall made off the event loop (the hub, in a worker thread) for the marketplace ``problem``
    as it was: ``make_schedule`` uses it only if the marketplace at decide time gives the same
    problem (and the same seed and budget), else refuses with ``schedule_stale``."""

    problem: sc.Problem
    seed: int
    work: int
    result: sc.Result


def schedulable(os: OpenSpaceState) -> None:
    if not os.slots or not os.spaces:
        raise Rejection("no_cells", "Add slots and spaces to the wall first.")
    if not os.active_topics():
        raise Rejection("no_topics", "There are no topics to schedule yet.")


def precompute_problem(os: OpenSpaceState) -> sc.Problem | None:
    """The problem a schedule would be made from now (cheap: call it on the loop), or None when
    ``make_schedule`` would refuse anyway (no cells, no topics): nothing to compute."""
    try:
        schedulable(os)
    except Rejection:
        return None
    return problem(os)


def precompute(problem_: sc.Problem, seed: int, work: int = sc.WORK) -> Precomputed:
    """The scheduler's run, pure: safe in a worker thread (the problem is a snapshot)."""
    return Precomputed(problem_, seed, work, sc.make(problem_, seed=seed, work=work))


def make_schedule(
    os: OpenSpaceState, seed: int, now: float, work: int = sc.WORK, precomputed: Precomputed | None = None
) -> list[Event]:
    schedulable(os)
    if precomputed is None:
        result = sc.make(problem(os), seed=seed, work=work)
    elif precomputed.seed != seed or precomputed.work != work or precomputed.problem != problem(os):
        raise Rejection(
            "schedule_stale",
            "The marketplace changed while the schedule was being made; make it again.",
        )
    else:
        result = precomputed.result
    return [
        Scheduled(
            at=now,
            cells={t: [c[0], c[1]] for t, c in result.cells.items()},
            unplaced=result.unplaced,
            conflicts=result.conflicts,
            naive=result.naive,
            lower_bound=result.lower_bound,
            seed=seed,
        )
    ]


def move_topic(os: OpenSpaceState, pid: str | None, command: MoveTopic, now: float) -> list[Event]:
    topic = topic_of(os, command.topic)
    if pid is not None:
        conveners_only(topic, pid)
    old = os.cells.get(topic.id)
    if old is not None:
        if os.slots[old[0]].started:
            raise Rejection("slot_started", "That topic's slot has started; it stays where it is.", "topic")
        if old in os.locked:
            raise Rejection("cell_locked", "That topic's cell is locked; unlock it first.", "topic")
    if not command.slot:
        if command.space:
            raise Rejection("bad_field", "Give a slot with the space.", "slot")
        if old is None:
            return []
        cells = {t: c for t, c in os.cells.items() if t != topic.id}
        return [_moved(os, topic.id, "", "", pid, cells, now)]
    slot = slot_of(os, command.slot)
    if slot.started:
        raise Rejection("slot_started", "That slot has started; nothing moves into it.", "slot")
    if command.space:
        space = space_of(os, command.space)
        target = (slot.id, space.id)
        if target == old:
            return []
        if target in os.locked:
            raise Rejection("cell_locked", "That cell is locked.", "space")
        other = os.at(*target)
        if other is not None:
            raise Rejection(
                "cell_taken", f"“{os.topics[other].title}” is in that cell.", "space", {"topic": os.topics[other].title}
            )
    else:
        if old is not None and old[0] == slot.id:
            return []
        free = [sp for sp in os.spaces if (slot.id, sp) not in os.locked and os.at(slot.id, sp) is None]
        if not free:
            raise Rejection("slot_full", "Every space in that slot is taken.", "slot")
        interest = len(os.interest.get(topic.id, ()))
        fitting = [sp for sp in free if os.spaces[sp].capacity >= interest]  # the smallest that fits, else the biggest
        target = (
            slot.id,
            min(fitting, key=lambda sp: os.spaces[sp].capacity)
            if fitting
            else max(free, key=lambda sp: os.spaces[sp].capacity),
        )
    for c in sorted(topic.conveners):
        if slot.id in os.unavailable.get(c, ()):
            raise Rejection("convener_unavailable", "A convener of that topic can't do that slot.", "slot")
        clash = _busy(os, c, slot.id, topic.id)
        if clash is not None:
            raise Rejection(
                "convener_busy", f"A convener is already in “{os.topics[clash].title}” in that slot.", "slot"
            )
    cells = {**os.cells, topic.id: target}
    return [_moved(os, topic.id, target[0], target[1], pid, cells, now)]


def _moved(
    os: OpenSpaceState,
    topic: str,
    slot: str,
    space: str,
    pid: str | None,
    cells: Mapping[str, tuple[str, str]],
    now: float,
) -> TopicMoved:
    return TopicMoved(
        at=now,
        topic=topic,
        slot=slot,
        space=space,
        by="facilitator" if pid is None else "convener",
        conflicts_before=conflict_count(os),
        conflicts_after=conflict_count(os, cells),
    )


def lock_cell(os: OpenSpaceState, command: LockCell, now: float) -> list[Event]:
    slot_of(os, command.slot)
    space_of(os, command.space)
    cell = (command.slot, command.space)
    if (cell in os.locked) == command.locked:
        return []
    return [CellLocked(at=now, slot=command.slot, space=command.space, locked=command.locked)]


def start_slot(os: OpenSpaceState, slot_id: str, system: bool, now: float) -> list[Event]:
    slot = slot_of(os, slot_id)
    if slot.started:
        if system:
            return []
        raise Rejection("slot_started", "That slot has already started.", "slot")
    if system and now < slot.start:
        return []  # a timer from before a change of plan
    out: list[Event] = []
    running = os.running
    if running is not None:
        out.append(SlotEnded(at=now, slot=running.id))
    return [*out, SlotStarted(at=now, slot=slot.id)]


def end_slot(os: OpenSpaceState, slot_id: str, system: bool, now: float) -> list[Event]:
    slot = slot_of(os, slot_id)
    if not slot.running:
        if system:
            return []
        raise Rejection("slot_not_running", "That slot isn't running.", "slot")
    if system and now < slot.end:
        return []
    return [SlotEnded(at=now, slot=slot.id)]


# --- deciding: circles, harvest, convergence ---------------------------------------------------


def check_in(os: OpenSpaceState, pid: str, topic_id: str, now: float) -> list[Event]:
    here = os.checkins.get(pid, "")
    if not topic_id:
        return [] if not here else [CheckedIn(at=now, participant_id=pid, topic="")]
    topic = topic_of(os, topic_id)
    running = os.running
    if running is None:
        raise Rejection("slot_not_running", "No slot is running: circles meet during a slot.", "topic")
    cell = os.cells.get(topic.id)
    if cell is None or cell[0] != running.id:
        raise Rejection(
            "other_slot", f"“{topic.title}” doesn't meet in the slot that is running.", "topic", {"topic": topic.title}
        )
    return [] if here == topic.id else [CheckedIn(at=now, participant_id=pid, topic=topic.id)]


def device_keys(os: OpenSpaceState, digests: Mapping[str, str], now: float) -> list[Event]:
    """Record the digests (space -> digest of its device key) of the spaces that have none yet."""
    new = {sp: d for sp, d in digests.items() if sp in os.spaces and sp not in os.device_keys}
    return [DeviceKeysSet(at=now, keys=new)] if new else []


def space_device(os: OpenSpaceState, space_id: str) -> tuple[str | None, str | None]:
    """What a space's device shows: the circle meeting there now (the running slot's topic in that space)
    and the next one there (a later slot's), as topic ids or None."""
    running = os.running
    now = os.at(running.id, space_id) if running is not None else None
    later = (os.at(s.id, space_id) for s in os.slots.values() if not s.started)  # slots are in time order
    return now, next((t for t in later if t is not None), None)


def set_reporter(os: OpenSpaceState, by: str | None, topic_id: str, pid: str, now: float) -> list[Event]:
    topic = topic_of(os, topic_id)
    if by is not None:
        conveners_only(topic, by)
    if os.reporter(topic.id) == pid:
        return []
    return [ReporterSet(at=now, topic=topic.id, participant_id=pid)]


def write_harvest(
    os: OpenSpaceState, pid: str, command: WriteHarvest, names: Mapping[str, str], now: float
) -> list[Event]:
    topic = topic_of(os, command.topic)
    if os.reporter(topic.id) != pid:
        raise Rejection(
            "not_reporter", f"Only the reporter of “{topic.title}” writes its report.", "topic", {"topic": topic.title}
        )
    texts = [
        optional_text_keep_lines(value, HARVEST_MAX, what, name)
        for value, what, name in (
            (command.key_points, "key points", "key_points"),
            (command.proposals, "proposals", "proposals"),
            (command.next_steps, "next steps", "next_steps"),
        )
    ]
    if not any(texts):
        raise Rejection("bad_field", "Write at least one of key points, proposals or next steps.", "key_points")
    if command.participants is None:
        people = [names[p] for p in os.came.get(topic.id, ()) if p in names]
    else:
        if len(command.participants) > PARTICIPANTS_MAX:
            raise Rejection(
                "bad_field", f"At most {PARTICIPANTS_MAX} names.", "participants", {"max": PARTICIPANTS_MAX}
            )
        people = [clean_text(n, NAME_MAX, "name", "participants") for n in command.participants]
    people = list(dict.fromkeys(people))
    old = os.reports.get(topic.id)
    if old is not None and (old.key_points, old.proposals, old.next_steps, list(old.participants)) == (
        *texts,
        people,
    ):
        return []
    return [
        HarvestWritten(
            at=now,
            topic=topic.id,
            participant_id=pid,
            key_points=texts[0],
            proposals=texts[1],
            next_steps=texts[2],
            participants=people,
        )
    ]


def open_dots(os: OpenSpaceState, dots: int, now: float) -> list[Event]:
    if os.dots is not None and os.dots.open:
        raise Rejection("dots_open", "Dot-voting is already open.")
    lo, hi = DOTS_RANGE
    if not lo <= dots <= hi:
        raise Rejection("bad_field", f"Each person gets {lo} to {hi} dots.", "dots", {"low": lo, "high": hi})
    if not os.reports:
        raise Rejection("no_reports", "There are no reports to place dots on yet.")
    return [DotsOpened(at=now, dots=dots)]


def _dots_open(os: OpenSpaceState) -> Dots:
    if os.dots is None or not os.dots.open:
        raise Rejection("dots_closed", "Dot-voting isn't open.")
    return os.dots


def place_dots(os: OpenSpaceState, pid: str, command: PlaceDots, now: float) -> list[Event]:
    dots = _dots_open(os)
    if command.topic not in os.reports:
        raise Rejection("no_report", "Dots go on reports; that topic has none.", "topic")
    if command.dots < 0:
        raise Rejection("bad_field", "Place 0 or more dots.", "dots")
    mine = dots.placed.get(pid, {})
    total = sum(n for t, n in mine.items() if t != command.topic) + command.dots
    if total > dots.budget:
        raise Rejection("over_budget", f"You have {dots.budget} dots in all.", "dots", {"count": dots.budget})
    if mine.get(command.topic, 0) == command.dots:
        return []
    return [DotsPlaced(at=now, participant_id=pid, topic=command.topic, dots=command.dots)]


def close_dots(os: OpenSpaceState, now: float) -> list[Event]:
    dots = _dots_open(os)
    order = {t: i for i, t in enumerate(os.reports)}
    ranked = sorted((t for t, n in dots.totals.items() if n > 0), key=lambda t: (-dots.totals[t], order.get(t, 0)))
    return [DotsClosed(at=now, ranking=[{"topic": t, "dots": dots.totals[t]} for t in ranked])]


def adopt(os: OpenSpaceState, pid: str, command: AdoptPriority, now: float) -> list[Event]:
    if os.dots is None or os.dots.open or not any(t == command.topic for t, _ in os.dots.ranking):
        raise Rejection("not_a_priority", "Only a priority from the closed dot-vote can be adopted.", "topic")
    if (pid in os.adopted.get(command.topic, ())) == command.adopt:
        return []
    return [PriorityAdopted(at=now, topic=command.topic, participant_id=pid, adopted=command.adopt)]


def plan_actions(os: OpenSpaceState, slot_id: str, now: float) -> list[Event]:
    """Each adopted priority not yet planned becomes a topic of ``slot_id``, convened by whoever adopted
    it, in the slot's free spaces in rank order (the biggest first)."""
    slot = slot_of(os, slot_id)
    if slot.started:
        raise Rejection("slot_started", "That slot has started; pick one that hasn't.", "slot")
    planned = {t.priority for t in os.topics.values() if t.priority is not None and t.active}
    ranking = os.dots.ranking if os.dots is not None and not os.dots.open else ()
    todo = [(t, os.adopted[t]) for t, _ in ranking if os.adopted.get(t) and t not in planned]
    if not todo:
        raise Rejection("nothing_adopted", "No priority is adopted (and not yet planned).", "slot")
    if len(os.topics) + len(todo) > TOPICS_MAX:
        raise Rejection("too_many", f"The marketplace holds at most {TOPICS_MAX} topics.", "slot", {"max": TOPICS_MAX})
    free = sorted(
        (sp for sp in os.spaces if (slot.id, sp) not in os.locked and os.at(slot.id, sp) is None),
        key=lambda sp: -os.spaces[sp].capacity,
    )
    if len(free) < len(todo):
        raise Rejection(
            "slot_full",
            f"That slot has {len(free)} free spaces for {len(todo)} priorities.",
            "slot",
            {"count": len(free), "priorities": len(todo)},
        )
    topics: list[dict[str, object]] = []
    for n, ((priority, adopters), space) in enumerate(zip(todo, free, strict=False)):
        for pid in adopters:
            if slot.id in os.unavailable.get(pid, ()):
                raise Rejection("convener_unavailable", "Someone who adopted a priority can't do that slot.", "slot")
            if _busy(os, pid, slot.id, "") is not None:
                raise Rejection("convener_busy", "Someone who adopted a priority convenes another topic then.", "slot")
        if len(set(adopters) & {p for _, a in todo[:n] for p in a}):
            raise Rejection("convener_busy", "Someone adopted two priorities: they can't lead both at once.", "slot")
        topics.append(
            {
                "topic": f"o{len(os.topics) + n + 1}",
                "priority": priority,
                "title": os.topics[priority].title,
                "conveners": list(adopters),
                "space": space,
            }
        )
    return [ActionsPlanned(at=now, slot=slot.id, topics=topics)]


# --- applying ----------------------------------------------------------------------------------


def _without(cells: Mapping[str, tuple[str, str]], topic: str) -> dict[str, tuple[str, str]]:
    return {t: c for t, c in cells.items() if t != topic}


def _set_interest(os: OpenSpaceState, topic: str, pid: str, on: bool) -> OpenSpaceState:
    people = os.interest.get(topic, frozenset())
    mine = os.marks.get(pid, frozenset())
    people = people | {pid} if on else people - {pid}
    mine = mine | {topic} if on else mine - {topic}
    return dataclasses.replace(os, interest={**os.interest, topic: people}, marks={**os.marks, pid: mine})


def _leave_circle(os: OpenSpaceState, pid: str, new: str) -> OpenSpaceState:
    """Someone left their circle (for another, or none): out of its roster, and their hand there comes
    down, as in a room.  A circle whose stack had no hand of theirs stays the same object (what its view
    and ``touched`` go by: a move is not a change to everyone in the circle)."""
    old = os.checkins.get(pid)
    if not old or old == new:
        return os
    rosters = dict(os.rosters)
    left = tuple(p for p in rosters.get(old, ()) if p != pid)
    if left:
        rosters[old] = left
    else:
        rosters.pop(old, None)
    os = dataclasses.replace(os, rosters=rosters)
    circle = os.circles.get(old)
    if circle is None:
        return os
    stack = sk.without_participant(circle.stack, pid)
    if stack is circle.stack:
        return os
    return dataclasses.replace(os, circles={**os.circles, old: dataclasses.replace(circle, stack=stack)})


def _checkout(os: OpenSpaceState) -> OpenSpaceState:
    return dataclasses.replace(os, checkins={}, rosters={})


def apply(os: OpenSpaceState, ev: Event) -> OpenSpaceState:
    match ev:
        case PartSet():
            return dataclasses.replace(os, part=ev.part)
        case ThemeSet():
            return dataclasses.replace(os, theme=ev.theme)
        case TopicLimitSet():
            return dataclasses.replace(os, topic_limit=ev.limit)
        case SpaceSet():
            space = Space(ev.space, ev.name, ev.capacity)
            number = int(ev.space[1:])
            return dataclasses.replace(
                os, spaces={**os.spaces, ev.space: space}, next_space=max(os.next_space, number + 1)
            )
        case SpaceRemoved():
            return dataclasses.replace(
                os,
                spaces={k: v for k, v in os.spaces.items() if k != ev.space},
                locked=frozenset(c for c in os.locked if c[1] != ev.space),
            )
        case SlotSet():
            old = os.slots.get(ev.slot)
            slot = (
                Slot(ev.slot, ev.start, ev.end) if old is None else dataclasses.replace(old, start=ev.start, end=ev.end)
            )
            slots = sorted({**os.slots, ev.slot: slot}.values(), key=lambda s: (s.start, int(s.id[1:])))
            number = int(ev.slot[1:])
            return dataclasses.replace(os, slots={s.id: s for s in slots}, next_slot=max(os.next_slot, number + 1))
        case SlotRemoved():
            return dataclasses.replace(
                os,
                slots={k: v for k, v in os.slots.items() if k != ev.slot},
                locked=frozenset(c for c in os.locked if c[0] != ev.slot),
                unavailable={p: s - {ev.slot} for p, s in os.unavailable.items()},
            )
        case TopicPosted():
            topic = Topic(ev.topic, ev.title, ev.description, ev.participant_id, ev.at)
            return dataclasses.replace(os, topics={**os.topics, topic.id: topic})
        case CoconvenerSet():
            topic = os.topics[ev.topic]
            co = (
                (*topic.coconveners, ev.participant_id)
                if ev.joined
                else tuple(p for p in topic.coconveners if p != ev.participant_id)
            )
            return _topic(os, ev.topic, coconveners=co)
        case InterestSet():
            return _set_interest(os, ev.topic, ev.participant_id, ev.interested)
        case UnavailableSet():
            return dataclasses.replace(os, unavailable={**os.unavailable, ev.participant_id: frozenset(ev.slots)})
        case TopicWithdrawn():
            os = _topic(os, ev.topic, withdrawn=True)
            return dataclasses.replace(os, cells=_without(os.cells, ev.topic))
        case TopicsMerged():
            gone, into = os.topics[ev.topic], os.topics[ev.into]
            co = tuple(dict.fromkeys((*into.coconveners, *(c for c in gone.conveners if c not in into.conveners))))
            os = _topic(os, ev.topic, merged_into=ev.into)
            os = _topic(os, ev.into, coconveners=tuple(sorted(co, key=lambda p: (p not in into.coconveners, p))))
            for pid in sorted(os.interest.get(ev.topic, ())):
                os = _set_interest(os, ev.into, pid, True)
            return dataclasses.replace(os, cells=_without(os.cells, ev.topic))
        case Scheduled():
            cells = {t: (c[0], c[1]) for t, c in ev.cells.items()}
            outcome = Outcome(ev.conflicts, ev.naive, ev.lower_bound, tuple(ev.unplaced), ev.at)
            return dataclasses.replace(os, cells=cells, outcome=outcome, last_move=None)
        case TopicMoved():
            cells = _without(os.cells, ev.topic) if not ev.slot else {**os.cells, ev.topic: (ev.slot, ev.space)}
            move = LastMove(ev.topic, ev.conflicts_before, ev.conflicts_after, ev.at)
            return dataclasses.replace(os, cells=cells, last_move=move)
        case CellLocked():
            cell = (ev.slot, ev.space)
            return dataclasses.replace(os, locked=os.locked | {cell} if ev.locked else os.locked - {cell})
        case SlotStarted():
            os = _slot(_checkout(os), ev.slot, started_at=ev.at)
            new = {t: Circle() for t in os.in_slot(ev.slot) if t not in os.circles}
            return dataclasses.replace(os, circles={**os.circles, **new}) if new else os
        case SlotEnded():
            os = _slot(_checkout(os), ev.slot, ended_at=ev.at)
            circles = [(t, c) for t in os.in_slot(ev.slot) if (c := os.circles.get(t)) is not None and c.open]
            shut = {t: dataclasses.replace(c, open=False) for t, c in circles}
            return dataclasses.replace(os, circles={**os.circles, **shut}) if shut else os
        case CheckedIn():
            pid = ev.participant_id
            here = os.checkins.get(pid)
            os = _leave_circle(os, pid, ev.topic)
            if not ev.topic:
                return dataclasses.replace(os, checkins={p: t for p, t in os.checkins.items() if p != pid})
            came = os.came.get(ev.topic, ())
            roster = os.rosters.get(ev.topic, ())
            return dataclasses.replace(
                os,
                checkins={**os.checkins, pid: ev.topic},
                rosters=os.rosters if here == ev.topic else {**os.rosters, ev.topic: (*roster, pid)},
                came={**os.came, ev.topic: came if pid in came else (*came, pid)},
                moves={**os.moves, pid: os.moves.get(pid, 0) + 1},
            )
        case DeviceKeysSet():
            return dataclasses.replace(os, device_keys={**os.device_keys, **ev.keys})
        case ReporterSet():
            return dataclasses.replace(os, reporters={**os.reporters, ev.topic: ev.participant_id})
        case HarvestWritten():
            report = Report(
                ev.participant_id, ev.key_points, ev.proposals, ev.next_steps, tuple(ev.participants), ev.at
            )
            return dataclasses.replace(os, reports={**os.reports, ev.topic: report})
        case DotsOpened():
            return dataclasses.replace(os, dots=Dots(budget=ev.dots))
        case DotsPlaced():
            dots = os.dots
            assert dots is not None
            mine = dict(dots.placed.get(ev.participant_id, {}))
            before = mine.get(ev.topic, 0)
            if ev.dots:
                mine[ev.topic] = ev.dots
            else:
                mine.pop(ev.topic, None)
            totals = {**dots.totals, ev.topic: dots.totals.get(ev.topic, 0) - before + ev.dots}
            return dataclasses.replace(
                os, dots=dataclasses.replace(dots, placed={**dots.placed, ev.participant_id: mine}, totals=totals)
            )
        case DotsClosed():
            dots = os.dots
            assert dots is not None
            ranking = tuple((str(r["topic"]), int(r["dots"])) for r in ev.ranking)  # type: ignore[call-overload]
            return dataclasses.replace(os, dots=dataclasses.replace(dots, open=False, ranking=ranking))
        case PriorityAdopted():
            who = os.adopted.get(ev.topic, ())
            who = (*who, ev.participant_id) if ev.adopted else tuple(p for p in who if p != ev.participant_id)
            return dataclasses.replace(os, adopted={**os.adopted, ev.topic: who})
        case ActionsPlanned():
            topics = dict(os.topics)
            cells = dict(os.cells)
            for t in ev.topics:
                conveners = [str(p) for p in t["conveners"]]  # type: ignore[attr-defined]
                tid = str(t["topic"])
                topics[tid] = Topic(
                    tid, str(t["title"]), "", conveners[0], ev.at, tuple(conveners[1:]), priority=str(t["priority"])
                )
                cells[tid] = (ev.slot, str(t["space"]))
            # Locked: making the schedule again leaves the action-planning slot as it was opened.
            locked = os.locked | {(ev.slot, str(t["space"])) for t in ev.topics}
            return dataclasses.replace(os, topics=topics, cells=cells, locked=locked)
    raise ValueError(f"no apply for {ev.type}")


def _topic(os: OpenSpaceState, topic_id: str, **changes: object) -> OpenSpaceState:
    topic = dataclasses.replace(os.topics[topic_id], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(os, topics={**os.topics, topic_id: topic})


def _slot(os: OpenSpaceState, slot_id: str, **changes: object) -> OpenSpaceState:
    slot = dataclasses.replace(os.slots[slot_id], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(os, slots={**os.slots, slot_id: slot})


def forget(os: OpenSpaceState, pid: str) -> OpenSpaceState:
    """A removed participant: out of their circle (their hand there down), their marks and dots withdrawn."""
    for topic in sorted(os.marks.get(pid, ())):
        os = _set_interest(os, topic, pid, False)
    os = _leave_circle(os, pid, "")
    os = dataclasses.replace(os, checkins={p: t for p, t in os.checkins.items() if p != pid})
    if os.dots is not None and os.dots.open and pid in os.dots.placed:
        totals = dict(os.dots.totals)
        for t, n in os.dots.placed[pid].items():
            totals[t] -= n
        placed = {p: v for p, v in os.dots.placed.items() if p != pid}
        os = dataclasses.replace(os, dots=dataclasses.replace(os.dots, placed=placed, totals=totals))
    return os
