"""The embedded store: one SQLite file in WAL mode, with group commit.

Every write runs on one thread with one connection.  Appends that arrive
while a transaction is being written wait and go together into the next one,
so one fsync makes a whole batch durable (``synchronous=FULL``: a commit
survives a power cut, not just a crash of the process).  Each operation in a
batch runs in its own savepoint, so a sequence conflict in one meeting
rolls back only that operation.

One bad operation never wedges the writer: events are encoded before they are
queued (one that can't be encoded fails its own append at once, with
:class:`BadEvent`); an operation that fails in its savepoint gets its exception and
the others commit; if the group's commit fails, the operations are retried one
by one, so the good ones commit and each bad one gets its own error.  The flush
task catches whatever goes wrong, answers every caller, logs it and goes on; if
it ever dies anyway, :meth:`SqliteStore.problem` says why (and ``/healthz`` 503).

The file, its ``-wal`` and ``-shm``, and a folder the store creates are readable by
their owner only (0600 / 0700): the log holds names, ballots and key digests.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgpack

from server.store.base import (
    CodeTaken,
    EventData,
    SeqConflict,
    Store,
    StoreError,
    StoreUnavailable,
    UnknownMeeting,
    encode_events,
)

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
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
log = logging.getLogger("plaza.store")
# What an operation may raise as its own answer (the caller's business, not the writer's).
ANSWERS = (SeqConflict, CodeTaken, UnknownMeeting)


class SqliteStore(Store):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._db: sqlite3.Connection | None = None
        self._pending: list[tuple[Op, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._dead: str | None = None  # why the flush task died (it should never)
        self._failing: str | None = None  # why the last group could commit nothing (cleared by a commit)
        self._wal_task: asyncio.Task[None] | None = None  # truncating the WAL after a secret was dropped

    # -- lifecycle ------------------------------------------------------------

    async def open(self) -> None:
        await self._run(self._connect)

    def _connect(self) -> None:
        folder = self.path.parent
        # Created under a umask that leaves others nothing: no moment when the file is 0644.
        # (SQLite gives the -wal and -shm files the database file's permissions.)
        old_umask = os.umask(0o077)
        try:
            if not folder.exists():
                folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(SCHEMA)
            db.executescript(SECRETS_SCHEMA)
            db.execute("PRAGMA secure_delete=ON")  # a deleted secret's bytes are overwritten, not left in a free page
        finally:
            os.umask(old_umask)
        _owner_only(folder, self.path)
        self._db = db

    async def close(self) -> None:
        if self._flusher is not None:
            await self._flusher
        if self._wal_task is not None:
            self._wal_task.cancel()
            await self._truncate_wal()  # one last try: the WAL may hold a dropped secret
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

    def problem(self) -> str | None:
        """Why the writer can't serve: it died, or the last group of writes could commit nothing."""
        return self._dead or self._failing

    async def _flush(self) -> None:
        batch: list[tuple[Op, asyncio.Future[Any]]] = []
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    results = await self._commit_batch([op for op, _ in batch])
                except Exception as exc:  # a bug here must not leave callers waiting, nor stop the writer
                    log.exception("the embedded store's writer failed; it goes on")
                    results = [StoreUnavailable(f"the embedded store could not write: {exc!r}")] * len(batch)
                _answer(batch, results)
                batch = []
        except BaseException as exc:  # cancelled, or worse: say so, and answer everyone still waiting
            self._dead = f"the embedded store's writer stopped: {exc!r}"
            log.critical("the embedded store's writer stopped", exc_info=True)
            waiting, self._pending = [*batch, *self._pending], []
            _answer(waiting, [StoreUnavailable(self._dead)] * len(waiting))
            raise
        finally:
            self._flusher = None

    async def _commit_batch(self, ops: list[Op]) -> list[Any]:
        """Commit ``ops`` together; if that fails, one by one (each gets its own result or error)."""
        started = time.monotonic()
        committed = False
        try:
            results = await self._run(self._commit, ops)
            committed = True
        except Exception as exc:
            if len(ops) == 1:
                results = [_failure(exc)]
            else:
                log.warning("a group commit failed; committing its operations one by one", extra={"error": repr(exc)})
                results = []
                for op in ops:
                    try:
                        results.extend(await self._run(self._commit, [op]))
                        committed = True
                    except Exception as one:
                        results.append(_failure(one))
        took = time.monotonic() - started
        if took > SLOW_COMMIT:
            log.warning("slow commit", extra={"seconds": round(took, 3), "operations": len(ops)})
        # No transaction went through (disk full, file gone): the store can't write at all for now.
        self._failing = None if committed else str(results[0])
        if committed:
            self._dead = None  # a writer started again after one died, and it writes
        return results

    def _commit(self, ops: list[Op]) -> list[Any]:
        """Run ``ops`` in one transaction, each in a savepoint; one fsync for all.

        An operation that raises gets its exception as its result (its savepoint is rolled
        back, the others commit); only a failure of the transaction itself raises.
        """
        db = self._db
        if db is None:
            raise StoreUnavailable("the embedded store is closed")
        results: list[Any] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for op in ops:
                db.execute("SAVEPOINT op")
                try:
                    results.append(op(db))
                    db.execute("RELEASE op")
                except Exception as exc:
                    db.execute("ROLLBACK TO op")
                    db.execute("RELEASE op")
                    if not isinstance(exc, ANSWERS):
                        log.warning("a write failed", extra={"error": repr(exc)})
                    results.append(exc if isinstance(exc, ANSWERS) else _failure(exc))
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
            return _insert(db, meeting_id, encoded, 0)

        encoded = encode_events(meeting_id, events)  # here: one that can't be encoded fails this call alone
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
            return _insert(db, meeting_id, encoded, current)

        encoded = encode_events(meeting_id, events)  # here: one that can't be encoded fails this call alone
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
        # was when the secret was written.  Copy the log into the database and truncate it; while
        # another reader (an export, a backup tool) holds the log, keep trying in the background.
        if not await self._truncate_wal() and self._wal_task is None:
            self._wal_task = asyncio.create_task(self._truncate_wal_later())

    async def _truncate_wal(self) -> bool:
        def checkpoint() -> bool:
            assert self._db is not None
            row = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return row is not None and row[0] == 0  # (busy, frames in the log, frames copied)

        try:
            return bool(await self._run(checkpoint))
        except (sqlite3.Error, AssertionError, RuntimeError):
            return False

    async def _truncate_wal_later(self) -> None:
        delay = 0.1
        try:
            while not await self._truncate_wal():
                log.info("the write-ahead log is busy; a dropped secret is truncated from it soon")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        finally:
            self._wal_task = None

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


def _insert(db: sqlite3.Connection, meeting_id: str, encoded: list[bytes], after: int) -> int:
    rows = [(meeting_id, after + i, data) for i, data in enumerate(encoded, start=1)]
    db.executemany("INSERT INTO events (meeting_id, seq, data) VALUES (?, ?, ?)", rows)
    return after + len(encoded)


def _failure(exc: BaseException) -> StoreError:
    """An operation's failure as the caller sees it."""
    if isinstance(exc, StoreError):
        return exc
    return StoreUnavailable(f"the embedded store could not write: {exc!r}")


def _answer(batch: list[tuple[Op, asyncio.Future[Any]]], results: list[Any]) -> None:
    for (_, future), result in zip(batch, results, strict=True):
        if future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)


def _owner_only(folder: Path, path: Path) -> None:
    """The database, its -wal and -shm: 0600; its folder 0700 (when it is ours, and not a home or /)."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(PRIVATE_FILE)
        except OSError as exc:
            log.warning("could not make a data file private", extra={"file": str(file), "error": str(exc)})
    try:
        info = folder.stat()
        resolved = folder.resolve()
        if (
            info.st_uid == os.getuid()
            and info.st_mode & 0o077
            and resolved not in (Path(resolved.anchor), Path.home().resolve())
        ):
            folder.chmod(PRIVATE_FOLDER)
    except OSError as exc:
        log.warning("could not make the data folder private", extra={"folder": str(folder), "error": str(exc)})
