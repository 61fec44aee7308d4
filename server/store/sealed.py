"""Sealed events: kept encrypted in the log under a key that is kept beside it, then destroyed.

A secret vote's ballots must survive a crash (every acknowledged ballot counts exactly once, and
a voter may change theirs until the close), so they go into the log like any event.  But once the
vote is closed nothing on disk may link a participant to a choice.  The log is append-only and
copied about (exports, backups, a Redis AOF), so the ballots are *sealed* instead of erased:

- An event dict with a non-empty ``sealed_by`` (a seal id the core drew for the vote) is stored as
  ``{"type": "sealed", "seal": <id>, "box": <base64>}``: the whole event, padded to the event's
  ``seal_size`` (the same for every ballot of a vote: AES-GCM keeps the length, and a ballot's
  length would otherwise tell "abstain" from "yes", or a block with its reason from an agree) and
  encrypted with AES-GCM under that seal's key.  The key is a random 256-bit value kept with the store's secrets
  (:meth:`Store.put_secret`), never in the log; the first sealed event of a seal creates it.
- An event dict with a non-empty ``shred`` (the close or cancellation of the vote) destroys that
  key once the event is durable (:meth:`Store.drop_secret`).  Reading the log again does it too,
  so a crash between the close and the drop is mended on the next load.
- Reading gives back the original event while the key exists.  Without it the stored dict reads
  as the ``sealed`` event (:class:`server.core.event.Sealed`), which folds to nothing: the close
  recorded everything the meeting needs of those ballots, sorted, with no times.

So the store knows nothing of votes: only ``sealed_by`` and ``shred``.  This wraps any backend; the
hub wraps its store in it (``Hub.store``).  Tools that read a backend directly (the records
tools: export, archive) see sealed events as they are stored: an export carries no ballot in the
clear and no key.  What an operator with the disk can learn, before and after a close, is written in
docs/protocol.md ("Secret ballots").
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Iterable
from typing import Any

import msgpack
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.store.base import EventData, Listener, SeqConflict, Store, StoreError

log = logging.getLogger("plaza.store")

SEALED = "sealed"  # the stored type of a sealed event (and what it reads as once its key is gone)
NONCE = 12
PAD = 64  # sealed plaintexts are padded to a multiple of this, at least the event's ``seal_size``


def _padded(data: EventData) -> bytes:
    """msgpack of the event, then zero bytes up to its ``seal_size`` (unpacking stops at the event's end)."""
    plain = msgpack.packb(data)
    size = max(int(data.get("seal_size") or 0), len(plain))
    size += -size % PAD
    return plain + bytes(size - len(plain))


def _secret_name(seal: str) -> str:
    return f"seal:{seal}"


class SealedStore(Store):
    """A store that seals events carrying ``sealed_by`` and shreds keys named by ``shred``."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.url = inner.url
        self.shared = inner.shared
        self._keys: dict[tuple[str, str], AESGCM | None] = {}  # None: destroyed (it never comes back)

    @classmethod
    def around(cls, store: Store) -> SealedStore:
        return store if isinstance(store, SealedStore) else cls(store)

    def __getattr__(self, name: str) -> Any:  # anything backend-specific (paths, stats, pools)
        return getattr(self.inner, name)

    # -- sealing ------------------------------------------------------------------

    async def _key(self, meeting_id: str, seal: str, *, create: bool) -> AESGCM | None:
        cached = self._keys.get((meeting_id, seal), False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        if create:
            raw: bytes | None = await self.inner.put_secret(meeting_id, _secret_name(seal), os.urandom(32))
        else:
            raw = await self.inner.get_secret(meeting_id, _secret_name(seal))
        key = AESGCM(raw) if raw is not None else None
        if key is not None or not create:
            self._keys[(meeting_id, seal)] = key
        return key

    async def _seal(self, meeting_id: str, events: list[EventData]) -> list[EventData]:
        out = []
        for data in events:
            seal = data.get("sealed_by")
            if not seal:
                out.append(data)
                continue
            key = await self._key(meeting_id, seal, create=True)
            assert key is not None
            nonce = os.urandom(NONCE)
            box = nonce + key.encrypt(nonce, _padded(data), f"{meeting_id}/{seal}".encode())
            out.append({"type": SEALED, "seal": seal, "box": base64.b64encode(box).decode("ascii")})
        return out

    async def _open(self, meeting_id: str, records: list[tuple[int, EventData]]) -> list[tuple[int, EventData]]:
        out = []
        shreds = set()
        for seq, data in records:
            kind = data.get("type")
            if kind == SEALED:
                data = await self._unseal(meeting_id, data)
            elif data.get("shred"):
                shreds.add(data["shred"])
            out.append((seq, data))
        for seal in shreds:  # closed before (a crash may have come between the close and the drop)
            await self._shred(meeting_id, seal)
        return out

    async def _unseal(self, meeting_id: str, data: EventData) -> EventData:
        seal = data.get("seal", "")
        key = await self._key(meeting_id, seal, create=False) if seal else None
        if key is None:
            return data  # reads as the ``sealed`` event: shredded
        try:
            box = base64.b64decode(data["box"])
            plain = key.decrypt(box[:NONCE], box[NONCE:], f"{meeting_id}/{seal}".encode())
            unpacker = msgpack.Unpacker(raw=False)
            unpacker.feed(plain)
            opened = unpacker.unpack()  # the event; the padding after it is left unread
        except (InvalidTag, ValueError, KeyError, TypeError, msgpack.OutOfData) as exc:
            log.error("a sealed event could not be opened", extra={"meeting": meeting_id, "error": type(exc).__name__})
            return data
        return opened if isinstance(opened, dict) else data

    async def _shred(self, meeting_id: str, seal: str) -> None:
        if self._keys.get((meeting_id, seal), False) is None:
            return  # already destroyed
        if await self.inner.get_secret(meeting_id, _secret_name(seal)) is None:  # (a log read again)
            self._keys[(meeting_id, seal)] = None
            return
        await self.inner.drop_secret(meeting_id, _secret_name(seal))
        self._keys[(meeting_id, seal)] = None
        log.info("sealed ballots shredded", extra={"meeting": meeting_id, "seal": seal})

    async def _after_append(self, meeting_id: str, events: list[EventData]) -> None:
        for data in events:
            if data.get("shred"):
                try:
                    await self._shred(meeting_id, data["shred"])
                except StoreError as exc:  # the append is durable: don't turn it into an error
                    # The next read of this log (any process, any restart) drops the key.
                    log.warning("could not drop a sealed key yet", extra={"meeting": meeting_id, "error": str(exc)})

    def forget(self, meeting_id: str) -> None:
        """Drop this process's cached keys of a meeting (it is unloaded: another process may close its
        vote meanwhile, and a key cached here must not outlive that)."""
        for key in [k for k in self._keys if k[0] == meeting_id]:
            del self._keys[key]

    # -- the Store contract, through the seal ------------------------------------

    async def open(self) -> None:
        await self.inner.open()

    async def close(self) -> None:
        await self.inner.close()

    def problem(self) -> str | None:
        return self.inner.problem()

    async def watch(self, listener: Listener) -> None:
        return await self.inner.watch(listener)

    async def put_presence(self, meeting_id: str, proc: str, participant_ids: Iterable[str], lease: float) -> None:
        await self.inner.put_presence(meeting_id, proc, participant_ids, lease)

    async def get_presence(self, meeting_id: str, proc: str) -> set[str]:
        return await self.inner.get_presence(meeting_id, proc)

    async def drop_presence(self, meeting_ids: Iterable[str], proc: str) -> None:
        await self.inner.drop_presence(meeting_ids, proc)

    async def create(self, meeting_id: str, code: str, events: list[EventData]) -> int:
        return await self.inner.create(meeting_id, code, await self._seal(meeting_id, events))

    async def append(
        self, meeting_id: str, events: list[EventData], expected_seq: int, *, end_turn_of: str = ""
    ) -> int:
        stored = await self._seal(meeting_id, events)
        try:
            last = await self.inner.append(meeting_id, stored, expected_seq, end_turn_of=end_turn_of)
        except SeqConflict as conflict:
            if conflict.missed is not None:
                conflict.missed = await self._open(meeting_id, conflict.missed)
            raise
        await self._after_append(meeting_id, events)  # durable now: a close shreds its seal's key
        return last

    async def take_turn(
        self, meeting_id: str, proc: str, after_seq: int, hold: float
    ) -> list[tuple[int, EventData]] | None:
        missed = await self.inner.take_turn(meeting_id, proc, after_seq, hold)
        return None if missed is None else await self._open(meeting_id, missed)

    async def end_turn(self, meeting_id: str, proc: str) -> None:
        await self.inner.end_turn(meeting_id, proc)

    async def read(self, meeting_id: str, after_seq: int = 0) -> list[tuple[int, EventData]]:
        return await self._open(meeting_id, await self.inner.read(meeting_id, after_seq))

    async def read_sealed(self, meeting_id: str, after_seq: int = 0) -> list[tuple[int, EventData]]:
        """The log as stored: sealed events stay sealed (exports carry no ballot in the clear)."""
        return await self.inner.read(meeting_id, after_seq)

    async def find_code(self, code: str) -> str | None:
        return await self.inner.find_code(code)

    async def meeting_ids(self) -> list[str]:
        return await self.inner.meeting_ids()

    async def delete(self, meeting_id: str, code: str, expected_seq: int) -> None:
        await self.inner.delete(meeting_id, code, expected_seq)
        for name in await self.inner.secret_names(meeting_id):
            await self.inner.drop_secret(meeting_id, name)

    async def ping(self) -> None:
        await self.inner.ping()

    async def put_secret(self, meeting_id: str, name: str, value: bytes) -> bytes:
        return await self.inner.put_secret(meeting_id, name, value)

    async def get_secret(self, meeting_id: str, name: str) -> bytes | None:
        return await self.inner.get_secret(meeting_id, name)

    async def drop_secret(self, meeting_id: str, name: str) -> None:
        await self.inner.drop_secret(meeting_id, name)

    async def secret_names(self, meeting_id: str) -> list[str]:
        return await self.inner.secret_names(meeting_id)
