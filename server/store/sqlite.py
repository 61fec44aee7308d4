"""The embedded store: one SQLite file in WAL mode, with group commit.

Every write runs on one thread with one connection.  Appends that arrive
while a transaction is being written wait and go together into the next one,
so one fsync makes a whole batch durable (``synchronous=FULL``: a commit
survives a power cut, not just a crash of the process).  Each operation in a
batch runs in its own savepoint, so a sequence conflict in one meeting
rolls back only that operation.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgpack

from server.store.base import CodeTaken, EventData, SeqConflict, Store, StoreUnavailable, UnknownMeeting

SCHEMA = """
CREATE TABLE IF NOT EXISTS meetings (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    meeting_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (meeting_id, seq)
) WITHOUT ROWID;
"""

Op = Callable[[sqlite3.Connection], Any]
SLOW_COMMIT = 0.1  # seconds; a commit slower than this is logged (usually a slow fsync)
log = logging.getLogger("plaza.store")


class SqliteStore(Store):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[Op, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        await self._run(self._connect)

    def _connect(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        db.executescript(SECRETS_SCHEMA)
        db.execute("PRAGMA secure_delete=ON")  # a deleted secret's bytes are overwritten, not left in a free page
        self._db = db

    async def close(self) -> None:
        if self._flusher is not None:
            await self._flusher
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        self._executor.shutdown(wait=True)

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    # -- writes: group commit -------------------------------------------------

    def _write(self, op: Op) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((op, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                started = time.monotonic()
                try:
                    results = await self._run(self._commit, [op for op, _ in batch])
                    took = time.monotonic() - started
                    if took > SLOW_COMMIT:
                        log.warning("slow commit", extra={"seconds": round(took, 3), "operations": len(batch)})
                except sqlite3.Error as exc:
                    error = StoreUnavailable(f"the embedded store could not write: {exc}")
                    results = [error] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._flusher = None

    def _commit(self, ops: list[Op]) -> list[Any]:
        """Run ``ops`` in one transaction, each in a savepoint; one fsync for all."""
        db = self._db
        assert db is not None
        results: list[Any] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for op in ops:
                db.execute("SAVEPOINT op")
                try:
                    results.append(op(db))
                    db.execute("RELEASE op")
                except (SeqConflict, CodeTaken, UnknownMeeting) as exc:
                    db.execute("ROLLBACK TO op")
                    db.execute("RELEASE op")
                    results.append(exc)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return results

    async def create(self, meeting_id: str, code: str, events: list[EventData]) -> int:
        def op(db: sqlite3.Connection) -> int:
            try:
                db.execute(
                    "INSERT INTO meetings (id, code, created_at) VALUES (?, ?, ?)", (meeting_id, code, time.time())
                )
            except sqlite3.IntegrityError as exc:
                raise CodeTaken(code) from exc
            return _insert(db, meeting_id, events, 0)

        return int(await self._write(op))

    async def append(
        self, meeting_id: str, events: list[EventData], expected_seq: int, *, end_turn_of: str = ""
    ) -> int:
        def op(db: sqlite3.Connection) -> int:
            current = _head(db, meeting_id)
            if current == 0 and not db.execute("SELECT 1 FROM meetings WHERE id = ?", (meeting_id,)).fetchone():
                raise UnknownMeeting(meeting_id)
            if current != expected_seq:
                raise SeqConflict(meeting_id, expected_seq, current)
            return _insert(db, meeting_id, events, current)

        return int(await self._write(op))

    async def delete(self, meeting_id: str, code: str, expected_seq: int) -> None:
        def op(db: sqlite3.Connection) -> None:
            current = _head(db, meeting_id)
            if current == 0:
                raise UnknownMeeting(meeting_id)
            if current != expected_seq:
                raise SeqConflict(meeting_id, expected_seq, current)
            db.execute("DELETE FROM events WHERE meeting_id = ?", (meeting_id,))
            db.execute("DELETE FROM meetings WHERE id = ?", (meeting_id,))

        await self._write(op)

    # -- reads ----------------------------------------------------------------

    async def read(self, meeting_id: str, after_seq: int = 0) -> list[tuple[int, EventData]]:
        def query() -> list[tuple[int, EventData]]:
            assert self._db is not None
            rows = self._db.execute(
                "SELECT seq, data FROM events WHERE meeting_id = ? AND seq > ? ORDER BY seq", (meeting_id, after_seq)
            ).fetchall()
            return [(seq, msgpack.unpackb(data)) for seq, data in rows]

        return list(await self._run(query))

    async def find_code(self, code: str) -> str | None:
        def query() -> str | None:
            assert self._db is not None
            row = self._db.execute("SELECT id FROM meetings WHERE code = ?", (code,)).fetchone()
            return row[0] if row else None

        return await self._run(query)  # type: ignore[no-any-return]

    async def meeting_ids(self) -> list[str]:
        def query() -> list[str]:
            assert self._db is not None
            return [r[0] for r in self._db.execute("SELECT id FROM meetings ORDER BY created_at, id")]

        return list(await self._run(query))

    async def ping(self) -> None:
        def query() -> None:
            assert self._db is not None
            self._db.execute("SELECT 1").fetchone()

        try:
            await self._run(query)
        except (sqlite3.Error, AssertionError) as exc:
            raise StoreUnavailable(str(exc)) from exc

    # -- secrets (beside the log, destroyable) ----------------------------------

    async def put_secret(self, meeting_id: str, name: str, value: bytes) -> bytes:
        def op(db: sqlite3.Connection) -> bytes:
            db.execute(
                "INSERT OR IGNORE INTO secrets (meeting_id, name, value) VALUES (?, ?, ?)", (meeting_id, name, value)
            )
            row = db.execute(
                "SELECT value FROM secrets WHERE meeting_id = ? AND name = ?", (meeting_id, name)
            ).fetchone()
            return bytes(row[0])

        return await self._write(op)

    async def get_secret(self, meeting_id: str, name: str) -> bytes | None:
        def query() -> bytes | None:
            assert self._db is not None
            row = self._db.execute(
                "SELECT value FROM secrets WHERE meeting_id = ? AND name = ?", (meeting_id, name)
            ).fetchone()
            return None if row is None else bytes(row[0])

        return await self._run(query)

    async def drop_secret(self, meeting_id: str, name: str) -> None:
        def op(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM secrets WHERE meeting_id = ? AND name = ?", (meeting_id, name))

        await self._write(op)

        # secure_delete zeroed the row in its page; the write-ahead log still holds the page as it
        # was when the secret was written.  Copy the log into the database and truncate it.
        def checkpoint() -> None:
            assert self._db is not None
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

        try:
            await self._run(checkpoint)
        except sqlite3.Error as exc:  # a reader held the log: the next drop (or the close) truncates it
            log.warning("could not truncate the write-ahead log", extra={"error": str(exc)})

    async def secret_names(self, meeting_id: str) -> list[str]:
        def query() -> list[str]:
            assert self._db is not None
            rows = self._db.execute("SELECT name FROM secrets WHERE meeting_id = ? ORDER BY name", (meeting_id,))
            return [row[0] for row in rows]

        return await self._run(query)


SECRETS_SCHEMA = """
CREATE TABLE IF NOT EXISTS secrets (
    meeting_id TEXT NOT NULL,
    name TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (meeting_id, name)
) WITHOUT ROWID;
"""


def _head(db: sqlite3.Connection, meeting_id: str) -> int:
    row = db.execute("SELECT MAX(seq) FROM events WHERE meeting_id = ?", (meeting_id,)).fetchone()
    return int(row[0] or 0)


def _insert(db: sqlite3.Connection, meeting_id: str, events: list[EventData], after: int) -> int:
    rows = [(meeting_id, after + i, msgpack.packb(ev)) for i, ev in enumerate(events, start=1)]
    db.executemany("INSERT INTO events (meeting_id, seq, data) VALUES (?, ?, ?)", rows)
    return after + len(events)
