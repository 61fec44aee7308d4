"""The agenda: items with time boxes, proposed by anyone, approved by a vote (pure).

The facilitator drafts items (accepted at once) and accepts, edits, orders or declines
the items participants propose from their phones.  The agenda is put to the room with
a vote (``decisions``); when that vote passes the meeting records the agenda *as
approved* (the minutes show it) and items can start.  Starting an item ends the one
before; the item's time box gives the countdown on the screen, and the speaking stack
follows the current item.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from server.core.errors import Rejection
from server.core.event import Event, event
from server.core.text import clean_text, optional_text

TITLE_MAX = 120
DESCRIPTION_MAX = 500
MINUTES_RANGE = (1, 240)
MINUTES_DEFAULT = 10
ITEMS_MAX = 40
PROPOSED_EACH = 2  # items a participant may have waiting for the facilitator


# --- events -----------------------------------------------------------------------------


@event("agenda.item_added")
@dataclass(frozen=True)
class ItemAdded(Event):
    item_id: str
    title: str
    description: str
    minutes: int
    proposed_by: str | None  # a participant who proposed it; None when the facilitator drafted it
    accepted: bool


@event("agenda.item_settled")
@dataclass(frozen=True)
class ItemSettled(Event):
    item_id: str
    status: str  # accepted or declined


@event("agenda.item_edited")
@dataclass(frozen=True)
class ItemEdited(Event):
    item_id: str
    title: str
    description: str
    minutes: int


@event("agenda.item_moved")
@dataclass(frozen=True)
class ItemMoved(Event):
    item_id: str
    position: int


@event("agenda.item_started")
@dataclass(frozen=True)
class ItemStarted(Event):
    item_id: str


@event("agenda.item_ended")
@dataclass(frozen=True)
class ItemEnded(Event):
    item_id: str


# --- state ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    description: str
    minutes: int
    proposed_by: str | None
    status: str  # proposed, accepted, declined, done
    added_at: float
    started_at: float | None = None
    ended_at: float | None = None


@dataclass(frozen=True)
class ApprovedItem:
    title: str
    minutes: int


@dataclass(frozen=True)
class AgendaState:
    items: tuple[Item, ...] = ()  # in agenda order
    current: str | None = None
    approved_at: float | None = None
    approved: tuple[ApprovedItem, ...] = ()  # the agenda as the room approved it
    next_id: int = 1

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    @property
    def accepted(self) -> list[Item]:
        return [i for i in self.items if i.status in ("accepted", "done")]

    @property
    def current_item(self) -> Item | None:
        return self.item(self.current) if self.current else None

    @property
    def deadline(self) -> float | None:
        item = self.current_item
        return None if item is None or item.started_at is None else item.started_at + item.minutes * 60

    @property
    def upcoming(self) -> list[Item]:
        return [i for i in self.items if i.status == "accepted" and i.id != self.current]

    def question(self) -> str | None:
        """What an approval vote asks, or None if the agenda can't be put to the room now."""
        if self.approved_at is not None or not self.accepted:
            return None
        lines = "; ".join(f"{n}. {i.title} ({i.minutes} min)" for n, i in enumerate(self.accepted, 1))
        return f"Approve the agenda: {lines}"


# --- commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AddItem:
    title: str
    description: str = ""
    minutes: int = MINUTES_DEFAULT


@dataclass(frozen=True)
class ProposeItem:
    title: str
    description: str = ""


@dataclass(frozen=True)
class EditItem:
    item_id: str
    title: str | None = None
    description: str | None = None
    minutes: int | None = None


@dataclass(frozen=True)
class AcceptItem:
    item_id: str


@dataclass(frozen=True)
class DeclineItem:
    item_id: str


@dataclass(frozen=True)
class MoveItem:
    item_id: str
    position: int


@dataclass(frozen=True)
class StartItem:
    item_id: str


@dataclass(frozen=True)
class EndItem:
    pass


FacilitatorCommand = AddItem | EditItem | AcceptItem | DeclineItem | MoveItem | StartItem | EndItem


def _minutes(value: int) -> int:
    low, high = MINUTES_RANGE
    if not low <= value <= high:
        raise Rejection("bad_field", f"A time box is {low} to {high} minutes.", "minutes", {"low": low, "high": high})
    return value


def _description(value: str) -> str:
    return optional_text(value, DESCRIPTION_MAX, "description", "description")


def decide_propose(agenda: AgendaState, command: ProposeItem, pid: str, now: float) -> list[Event]:
    waiting = [i for i in agenda.items if i.proposed_by == pid and i.status == "proposed"]
    if len(waiting) >= PROPOSED_EACH:
        raise Rejection("too_many", "Your proposed items are waiting for the facilitator; wait for them first.")
    if len(agenda.items) >= ITEMS_MAX:
        raise Rejection("too_many", f"The agenda has {ITEMS_MAX} items already.", None, {"max": ITEMS_MAX})
    return [
        ItemAdded(
            at=now,
            item_id=f"a{agenda.next_id}",
            title=clean_text(command.title, TITLE_MAX, "title", "title"),
            description=_description(command.description),
            minutes=MINUTES_DEFAULT,
            proposed_by=pid,
            accepted=False,
        )
    ]


def decide_facilitator(agenda: AgendaState, command: FacilitatorCommand, now: float) -> list[Event]:
    match command:
        case AddItem(title=title, description=description, minutes=minutes):
            if len(agenda.items) >= ITEMS_MAX:
                raise Rejection("too_many", f"The agenda has {ITEMS_MAX} items already.", None, {"max": ITEMS_MAX})
            return [
                ItemAdded(
                    at=now,
                    item_id=f"a{agenda.next_id}",
                    title=clean_text(title, TITLE_MAX, "title", "title"),
                    description=_description(description),
                    minutes=_minutes(minutes),
                    proposed_by=None,
                    accepted=True,
                )
            ]
        case EditItem(item_id=item_id, title=title, description=description, minutes=minutes):
            item = _item(agenda, item_id)
            edited = ItemEdited(
                at=now,
                item_id=item.id,
                title=item.title if title is None else clean_text(title, TITLE_MAX, "title", "title"),
                description=item.description if description is None else _description(description),
                minutes=item.minutes if minutes is None else _minutes(minutes),
            )
            unchanged = (edited.title, edited.description, edited.minutes) == (
                item.title,
                item.description,
                item.minutes,
            )
            return [] if unchanged else [edited]
        case AcceptItem(item_id=item_id) | DeclineItem(item_id=item_id):
            item = _item(agenda, item_id)
            status = "accepted" if isinstance(command, AcceptItem) else "declined"
            if item.status == status:
                return []
            if item.status == "done" or item.id == agenda.current:
                raise Rejection("bad_item", "That item has started already.", "item")
            return [ItemSettled(at=now, item_id=item.id, status=status)]
        case MoveItem(item_id=item_id, position=position):
            item = _item(agenda, item_id)
            if not 0 <= position < len(agenda.items):
                raise Rejection(
                    "bad_field",
                    f"position must be 0 to {len(agenda.items) - 1}.",
                    "position",
                    {"low": 0, "high": len(agenda.items) - 1},
                )
            return (
                [] if agenda.items.index(item) == position else [ItemMoved(at=now, item_id=item.id, position=position)]
            )
        case StartItem(item_id=item_id):
            item = _item(agenda, item_id)
            if agenda.approved_at is None:
                raise Rejection("agenda_not_approved", "Put the agenda to the room first: it starts once approved.")
            if item.status not in ("accepted", "done"):
                raise Rejection("bad_item", "Only an accepted item can start.", "item")
            if item.id == agenda.current:
                return []
            ended = [ItemEnded(at=now, item_id=agenda.current)] if agenda.current else []
            return [*ended, ItemStarted(at=now, item_id=item.id)]
        case EndItem():
            if agenda.current is None:
                raise Rejection("no_item", "No item is under way.")
            return [ItemEnded(at=now, item_id=agenda.current)]
    raise Rejection(
        "unknown_type", f"Unknown command {type(command).__name__}.", None, {"type": type(command).__name__}
    )


def _item(agenda: AgendaState, item_id: str) -> Item:
    item = agenda.item(item_id)
    if item is None:
        raise Rejection("unknown_item", "There is no such agenda item.", "item")
    return item


def _replace(agenda: AgendaState, item: Item) -> AgendaState:
    return dataclasses.replace(agenda, items=tuple(item if i.id == item.id else i for i in agenda.items))


def apply(agenda: AgendaState, ev: Event) -> AgendaState:
    match ev:
        case AgendaApproved():
            return approve(agenda, ev.at)
        case ItemAdded():
            status = "accepted" if ev.accepted else "proposed"
            item = Item(ev.item_id, ev.title, ev.description, ev.minutes, ev.proposed_by, status, ev.at)
            number = int(ev.item_id[1:])
            return dataclasses.replace(agenda, items=(*agenda.items, item), next_id=max(agenda.next_id, number + 1))
        case ItemSettled():
            return _replace(agenda, dataclasses.replace(_must(agenda, ev.item_id), status=ev.status))
        case ItemEdited():
            item = dataclasses.replace(
                _must(agenda, ev.item_id), title=ev.title, description=ev.description, minutes=ev.minutes
            )
            return _replace(agenda, item)
        case ItemMoved():
            item = _must(agenda, ev.item_id)
            rest = [i for i in agenda.items if i.id != item.id]
            rest.insert(ev.position, item)
            return dataclasses.replace(agenda, items=tuple(rest))
        case ItemStarted():
            item = dataclasses.replace(_must(agenda, ev.item_id), status="accepted", started_at=ev.at, ended_at=None)
            return dataclasses.replace(_replace(agenda, item), current=item.id)
        case ItemEnded():
            item = dataclasses.replace(_must(agenda, ev.item_id), status="done", ended_at=ev.at)
            return dataclasses.replace(_replace(agenda, item), current=None)
    raise ValueError(f"no agenda apply for {ev.type}")


@event("agenda.approved")
@dataclass(frozen=True)
class AgendaApproved(Event):
    """The room approved the agenda by a vote (decided with the vote's close, recorded on its own)."""

    vote_id: int


def approve(agenda: AgendaState, at: float) -> AgendaState:
    """The room approved the agenda: keep it as approved."""
    snapshot = tuple(ApprovedItem(i.title, i.minutes) for i in agenda.accepted)
    return dataclasses.replace(agenda, approved_at=at, approved=snapshot)


def _must(agenda: AgendaState, item_id: str) -> Item:
    item = agenda.item(item_id)
    if item is None:
        raise ValueError(f"no item {item_id}")
    return item


EVENTS = (ItemAdded, ItemSettled, ItemEdited, ItemMoved, ItemStarted, ItemEnded, AgendaApproved)
