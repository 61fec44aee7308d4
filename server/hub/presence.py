"""Presence shared between processes: who is connected, whichever process they reached.

Each process publishes, per meeting, the participants connected to it, under a
lease (``--presence-lease``, 15 s by default) that it renews three times per lease.  The others
read those lists when told of a change and at every renewal, so:

- a phone that moves from process A to B shows as present as soon as B has it;
- when a process dies, its participants stop counting once its lease runs out
  (at most one lease), and count again as their phones reconnect elsewhere.

Changes are synced at once, then at most every :data:`SETTLE` seconds: a lone
phone shows at once, and a join storm of thousands of phones costs a few writes
per second, not one per phone.  An embedded store has
no other processes, and this class is not used with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from server.store import Store, StoreError

log = logging.getLogger("plaza.presence")

SETTLE = 0.2


class SharedPresence:
    def __init__(
        self, store: Store, proc: str, meetings: Callable[[], Mapping[str, PresenceHolder]], *, lease: float
    ) -> None:
        self.store = store
        self.lease = lease
        self.renew = lease / 3
        self.proc = proc
        self.meetings = meetings
        self._outgoing: set[str] = set()  # meetings whose local presence changed
        self._incoming: set[str] = set()  # meetings whose remote presence changed
        self._wake = asyncio.Event()

    def local_changed(self, meeting_id: str) -> None:
        self._outgoing.add(meeting_id)
        self._wake.set()

    def remote_changed(self, meeting_id: str) -> None:
        self._incoming.add(meeting_id)
        self._wake.set()

    def everything_changed(self) -> None:
        """After the store was away: leases may have lapsed and messages were missed."""
        for meeting_id in self.meetings():
            self._outgoing.add(meeting_id)
            self._incoming.add(meeting_id)
        self._wake.set()

    async def run(self) -> None:
        renew_at = time.monotonic() + self.renew
        last_sync = 0.0
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, renew_at - time.monotonic()))
                # Leading edge: a lone change goes out at once; a burst waits and goes out together.
                wait = last_sync + SETTLE - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            except TimeoutError:
                pass
            self._wake.clear()
            last_sync = time.monotonic()
            if time.monotonic() >= renew_at:
                renew_at = time.monotonic() + self.renew
                for meeting_id in self.meetings():
                    self._outgoing.add(meeting_id)
                    self._incoming.add(meeting_id)
            await self._sync()

    async def _sync(self) -> None:
        meetings = self.meetings()
        outgoing, self._outgoing = self._outgoing, set()
        incoming, self._incoming = self._incoming, set()
        try:
            for meeting_id in outgoing:
                live = meetings.get(meeting_id)
                if live is not None:
                    await self.store.put_presence(meeting_id, self.proc, live.local_ids(), self.lease)
            for meeting_id in incoming:
                live = meetings.get(meeting_id)
                if live is not None:
                    live.set_remote(await self.store.get_presence(meeting_id, self.proc))
        except StoreError as exc:
            # The store watcher reports the outage to clients and calls everything_changed() after.
            log.debug("could not share presence", extra={"error": str(exc)})
            self._outgoing |= outgoing
            self._incoming |= incoming

    async def leave(self) -> None:
        """This process is stopping: its participants stop counting here at once, not after the lease."""
        try:
            await asyncio.wait_for(self.store.drop_presence(list(self.meetings()), self.proc), timeout=2)
        except (StoreError, TimeoutError) as exc:
            log.warning("could not withdraw presence", extra={"error": str(exc)})


class PresenceHolder(Protocol):
    """What :class:`SharedPresence` needs of a loaded meeting (a LiveMeeting)."""

    def local_ids(self) -> list[str]: ...

    def set_remote(self, participant_ids: set[str]) -> None: ...
