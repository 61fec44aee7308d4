"""The store: each meeting's log of events, sequenced and durable.

A backend is chosen by URL (:func:`server.store.open_store`).  The contract:

- ``append(meeting, events, expected_seq)`` writes the events after the log's
  current last sequence number, but only if that number is ``expected_seq``;
  otherwise it raises :class:`SeqConflict` and writes nothing.  It returns
  the new last sequence number once the events are durable.  This is what lets
  several processes accept commands for one meeting: the loser of a race
  re-reads, re-decides and retries.
- ``read(meeting, after_seq)`` returns ``(seq, event dict)`` pairs in order.
- ``create(meeting, code, events)`` starts a log and reserves its join code.
- ``delete(meeting, code, expected_seq)`` removes a log that was archived.

Events are plain dicts (``{"type": ..., "at": ..., ...}``); the store encodes
them with msgpack.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from typing import Any, Protocol

import msgpack

EventData = dict[str, Any]


class StoreError(Exception):
    """Base of the store's errors."""


class SeqConflict(StoreError):
    """Another writer appended first; ``current`` is the log's last seq now.

    ``missed``, when the store can give it in the same round trip, holds the events
    after ``expected`` (what the loser must fold in before deciding again).
    """

    def __init__(
        self, meeting_id: str, expected: int, current: int, missed: list[tuple[int, EventData]] | None = None
    ) -> None:
        super().__init__(f"{meeting_id}: expected seq {expected}, log is at {current}")
        self.current = current
        self.missed = missed


class CodeTaken(StoreError):
    """The join code is already used by another meeting."""


class UnknownMeeting(StoreError):
    """No log exists for that meeting id."""


class StoreUnavailable(StoreError):
    """The backend can't write right now (disk full, Redis down, ...)."""


class BadEvent(StoreError):
    """An event of this append could not be encoded (a bug upstream: the protocol refuses such text).

    Only the append that carries it fails; appends written with it in the same batch still commit.
    """


def encode_events(meeting_id: str, events: list[EventData]) -> list[bytes]:
    """The events as msgpack, or :class:`BadEvent` if one can't be encoded (a lone surrogate, say)."""
    try:
        return [msgpack.packb(event) for event in events]
    except (ValueError, TypeError, OverflowError) as exc:  # UnicodeEncodeError is a ValueError
        raise BadEvent(f"{meeting_id}: an event could not be encoded ({type(exc).__name__})") from exc


class Listener(Protocol):
    """What a process hears from a shared store (see :meth:`Store.watch`)."""

    def on_append(self, meeting_id: str, seq: int) -> None:
        """Some process appended to the meeting's log; its last seq is now ``seq``."""

    def on_presence(self, meeting_id: str, proc: str) -> None:
        """Process ``proc`` changed who is connected to it in that meeting."""

    def on_status(self, ok: bool) -> None:
        """The store went away (False) or is reachable again (True)."""


class Store(abc.ABC):
    url: str
    shared = False  # True when several processes may append to the same logs

    async def watch(self, listener: Listener) -> None:
        """Report other processes' appends and presence, and the store's health, until cancelled.

        An embedded store has no other writers, so there is nothing to watch.
        """
        return None

    # Presence is not part of the log (a Wi-Fi drop is not an event of the meeting).  A shared
    # store also shares it: each process publishes the participants connected to it, with a
    # lease, so a process that dies stops counting once its lease runs out.

    async def put_presence(self, meeting_id: str, proc: str, participant_ids: Iterable[str], lease: float) -> None:
        """Record who is connected to ``proc`` in the meeting, valid for ``lease`` seconds."""
        return None

    async def get_presence(self, meeting_id: str, proc: str) -> set[str]:
        """Participants connected to other processes (leases still valid), excluding ``proc``'s."""
        return set()

    async def drop_presence(self, meeting_ids: Iterable[str], proc: str) -> None:
        """``proc`` is going away: forget its presence in these meetings now."""
        return None

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Connect / create files.  Called once before use."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Flush and release resources."""

    def problem(self) -> str | None:
        """Why the store can't serve at all (its writer died, it can commit nothing), or None.

        ``/healthz`` answers 503 with this reason.  A failure of one append is not a problem of
        the store: that append's caller gets the error.
        """
        return None

    @abc.abstractmethod
    async def create(self, meeting_id: str, code: str, events: list[EventData]) -> int:
        """Start a meeting's log with ``events`` and reserve ``code``."""

    @abc.abstractmethod
    async def append(
        self, meeting_id: str, events: list[EventData], expected_seq: int, *, end_turn_of: str = ""
    ) -> int:
        """Append after ``expected_seq``; return the new last seq once durable.

        ``end_turn_of``: in the same step, end that process's write turn (see :meth:`take_turn`).
        """

    # Taking turns.  Optimistic appends alone make two busy processes collide on a hot meeting
    # (each loses races while the other appends).  With a shared store, a process takes the
    # meeting's write turn, decides on the state as of the turn, appends, and ends the turn.
    # ``expected_seq`` still guards every append, so an expired turn can't corrupt the log.

    async def take_turn(
        self, meeting_id: str, proc: str, after_seq: int, hold: float
    ) -> list[tuple[int, EventData]] | None:
        """Take the meeting's write turn for at most ``hold`` seconds; return the events after
        ``after_seq``, or None if it is another process's turn (wait for an append and ask again).

        An embedded store has one writer: it is always its turn, and nothing was missed.
        """
        return []

    async def end_turn(self, meeting_id: str, proc: str) -> None:
        """End ``proc``'s turn without appending (every command of the batch was refused)."""
        return None

    @abc.abstractmethod
    async def read(self, meeting_id: str, after_seq: int = 0) -> list[tuple[int, EventData]]:
        """The log's events after ``after_seq``."""

    @abc.abstractmethod
    async def find_code(self, code: str) -> str | None:
        """The meeting id that holds ``code``, if any."""

    @abc.abstractmethod
    async def meeting_ids(self) -> list[str]:
        """Every meeting with a log, oldest first."""

    @abc.abstractmethod
    async def delete(self, meeting_id: str, code: str, expected_seq: int) -> None:
        """Remove a meeting's log and free its code, only if the log still ends at ``expected_seq``.

        Used after the log was safely written elsewhere (``python -m server archive``);
        raises :class:`SeqConflict` if something was appended since.
        """

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise :class:`StoreUnavailable` unless the store can serve."""

    # Secrets: small values kept beside a meeting's log, never in it, and destroyed on demand
    # (a secret vote's key: ``server/store/sealed.py``).  Dropping one must leave nothing behind
    # on disk that could bring it back (no old copy in a journal, a free page or a backup made after).

    async def put_secret(self, meeting_id: str, name: str, value: bytes) -> bytes:
        """Keep ``value`` under ``name`` unless one is already there; return what is kept (durable)."""
        raise StoreUnavailable(f"{type(self).__name__} keeps no secrets")

    async def get_secret(self, meeting_id: str, name: str) -> bytes | None:
        raise StoreUnavailable(f"{type(self).__name__} keeps no secrets")

    async def drop_secret(self, meeting_id: str, name: str) -> None:
        """Destroy the secret for good (idempotent)."""
        raise StoreUnavailable(f"{type(self).__name__} keeps no secrets")

    async def secret_names(self, meeting_id: str) -> list[str]:
        raise StoreUnavailable(f"{type(self).__name__} keeps no secrets")
