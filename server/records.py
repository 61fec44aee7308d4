"""Moving meetings between stores, and keeping their record: ``export``, ``import``, ``archive``.

    python -m server export XK74PM --out assembly.jsonl       # by join code or meeting id
    python -m server import assembly.jsonl --redis-url redis://10.0.0.5:6379/0
    python -m server archive --dir archive/ --redis-url ...  # ended meetings out of Redis

A file holds one meeting's whole log: a header, then every event with its
sequence number, as JSON lines (``.jsonl``, readable by anyone) or as a stream of
msgpack objects (``.msgpack``, compact).  Import checks the whole file (sequence,
event types, that it replays) before it writes anything, and writes the log in
one store call, so a failed import leaves nothing behind.  Archive writes each
ended meeting to a file, syncs it to disk, reads it back, compares it with the
log, and only then deletes the log from the store (if nothing was appended since).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import msgpack

from server.config import OPTIONS, Settings
from server.core import event as events
from server.core import meeting as m
from server.hub.hub import normalize_code
from server.store import SeqConflict, Store, StoreError, open_store
from server.store.base import EventData

FORMAT = "plaza-meeting-log"
VERSION = 1
STORE_OPTIONS = ("data", "store_url", "redis_url")


class RecordError(Exception):
    """A file or a meeting that can't be exported or imported, with the reason."""


Log = list[tuple[int, EventData]]


# -- files ------------------------------------------------------------------------------


def header_for(meeting_id: str, records: Log) -> dict[str, Any]:
    created = records[0][1]
    return {
        "format": FORMAT,
        "version": VERSION,
        "meeting": meeting_id,
        "code": created.get("code"),
        "title": created.get("title"),
        "seq": records[-1][0],
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def is_msgpack(path: Path) -> bool:
    return path.suffix in (".msgpack", ".mpk")


def write_log(out: IO[bytes], meeting_id: str, records: Log, *, binary: bool) -> None:
    items = [header_for(meeting_id, records), *({"seq": seq, "event": data} for seq, data in records)]
    for item in items:
        if binary:
            out.write(msgpack.packb(item))
        else:
            out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")


def json_lines(data: bytes) -> Iterator[Any]:
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except ValueError as exc:
            raise RecordError(f"line {number} is not JSON: {exc}") from None


def parse_log(data: bytes, *, binary: bool) -> tuple[dict[str, Any], Log]:
    """Check a file's header and every event; return the header and the log."""
    if binary:
        unpacker = msgpack.Unpacker(raw=False)
        unpacker.feed(data)
        try:
            items = list(unpacker)
        except (ValueError, msgpack.UnpackException) as exc:
            raise RecordError(f"not a msgpack stream: {exc}") from None
    else:
        items = list(json_lines(data))
    if not items:
        raise RecordError("the file is empty")
    header = items[0]
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordError(f"not a Plaza meeting log (the first item must have format {FORMAT!r})")
    if header.get("version") != VERSION:
        raise RecordError(f"log format version {header.get('version')!r} is not supported (this Plaza reads {VERSION})")
    records: Log = []
    for index, item in enumerate(items[1:], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("event"), dict) or item.get("seq") != index:
            raise RecordError(f"item {index + 1} must be {{'seq': {index}, 'event': {{...}}}}")
        records.append((index, item["event"]))
    if not records:
        raise RecordError("the log has no events")
    try:
        replayed = m.fold((seq, events.from_dict(data)) for seq, data in records)
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(f"the events don't replay: {type(exc).__name__}: {exc}") from None
    if records[0][1].get("type") != "meeting.created" or replayed.id != header.get("meeting"):
        raise RecordError("the log must start with the meeting.created event of the meeting in its header")
    if header.get("seq") != len(records):
        raise RecordError(f"the header says {header.get('seq')} events but the file has {len(records)}")
    return header, records


def write_durably(path: Path, meeting_id: str, records: Log) -> None:
    """Write to a temporary file, fsync it, rename it into place, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            write_log(out, meeting_id, records, binary=is_msgpack(path))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


# -- store operations -------------------------------------------------------------------


async def find_meeting(store: Store, ref: str) -> str:
    """A meeting id from an id or a join code (as typed)."""
    if await store.read(ref, 0):
        return ref
    meeting_id = await store.find_code(normalize_code(ref))
    if meeting_id is None:
        raise RecordError(f"no meeting with id or code {ref!r} in {redact(store.url)}")
    return meeting_id


async def export_meeting(store: Store, ref: str, out: Path | None) -> tuple[str, int]:
    meeting_id = await find_meeting(store, ref)
    records = await store.read(meeting_id)  # as stored: a closed secret vote's ballots stay sealed
    open_vote = m.fold((seq, events.from_dict(data)) for seq, data in records).decisions.current_vote
    if open_vote is not None and open_vote.seal:  # before its first ballot too (its key comes with that)
        raise RecordError(f"meeting {meeting_id} has a secret vote open: close it, then export")
    shredded = {f"seal:{data['shred']}" for _, data in records if data.get("shred")}
    for name in await store.secret_names(meeting_id):
        if name in shredded:  # its vote closed, and a crash came before the key was dropped: drop it now
            await store.drop_secret(meeting_id, name)
            continue
        # Its ballots are sealed under a key that must not leave this server, and without the key the
        # imported meeting would lose them: close (or cancel) the vote first.
        raise RecordError(f"meeting {meeting_id} has a secret vote open: close it, then export")
    if out is None:
        write_log(sys.stdout.buffer, meeting_id, records, binary=False)
        sys.stdout.flush()
    else:
        write_durably(out, meeting_id, records)
    return meeting_id, len(records)


async def import_meeting(store: Store, path: Path) -> tuple[str, str, int]:
    header, records = parse_log(path.read_bytes(), binary=is_msgpack(path))
    meeting_id, code = header["meeting"], records[0][1]["code"]
    if await store.read(meeting_id, 0):
        raise RecordError(f"meeting {meeting_id} is already in {redact(store.url)}; nothing imported")
    holder = await store.find_code(code)
    if holder is not None:
        raise RecordError(f"join code {code} is used by meeting {holder} in {redact(store.url)}; nothing imported")
    await store.create(meeting_id, code, [data for _, data in records])
    return meeting_id, code, len(records)


async def archive_ended(store: Store, folder: Path, older_than: float) -> list[tuple[str, Path, int]]:
    """Move ended meetings (ended ``older_than`` seconds ago or more) from the store to files."""
    done = []
    cutoff = dt.datetime.now(dt.UTC).timestamp() - older_than
    for meeting_id in await store.meeting_ids():
        records = await store.read(meeting_id)
        if not records:
            continue
        state = m.fold((seq, events.from_dict(data)) for seq, data in records)
        if state.ended_at is None or state.ended_at > cutoff:
            continue
        day = dt.datetime.fromtimestamp(records[0][1]["at"], dt.UTC).date().isoformat()
        path = folder / f"{day}-{state.code}-{meeting_id}.jsonl"
        write_durably(path, meeting_id, records)
        _, again = parse_log(path.read_bytes(), binary=False)
        if again != records:
            raise RecordError(f"{path} does not read back as the log of {meeting_id}; the log was kept")
        try:
            await store.delete(meeting_id, state.code, records[-1][0])
        except SeqConflict:
            print(f"kept {meeting_id}: events arrived while it was archived", file=sys.stderr)
            continue
        for name in await store.secret_names(meeting_id):  # a secret vote never closed: its ballots stay sealed
            await store.drop_secret(meeting_id, name)
        done.append((meeting_id, path, len(records)))
    return done


def redact(url: str) -> str:
    """A store URL fit for messages: no password."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


# -- command line -----------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m server", description="Move meetings between stores.")
    commands = top.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write a meeting's whole log to a file")
    export.add_argument("meeting", help="meeting id or join code")
    export.add_argument("--out", type=Path, help="file (.jsonl or .msgpack); default: JSON lines on stdout")
    imp = commands.add_parser("import", help="load a meeting's log from an exported file")
    imp.add_argument("file", type=Path)
    archive = commands.add_parser("archive", help="move ended meetings out of the store into files")
    archive.add_argument("--dir", type=Path, required=True, help="folder for the archived logs")
    archive.add_argument("--older-than", type=float, default=0.0, help="only meetings ended this many hours ago")
    for sub in (export, imp, archive):
        for name, var, kind, text in OPTIONS:
            if name in STORE_OPTIONS:
                default = kind(os.environ[var]) if os.environ.get(var) else getattr(Settings(), name)
                sub.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kind, default=default, help=text)
    return top


async def run(args: argparse.Namespace) -> int:
    settings = Settings(data=args.data, store_url=args.store_url, redis_url=args.redis_url)
    store = open_store(settings.resolved_store_url())
    await store.open()
    try:
        if args.command == "export":
            meeting_id, count = await export_meeting(store, args.meeting, args.out)
            if args.out is not None:
                print(f"exported meeting {meeting_id}: {count} events to {args.out}")
        elif args.command == "import":
            meeting_id, code, count = await import_meeting(store, args.file)
            print(f"imported meeting {meeting_id} (code {code}): {count} events into {redact(store.url)}")
        else:
            archived = await archive_ended(store, args.dir, args.older_than * 3600)
            for meeting_id, path, count in archived:
                print(f"archived meeting {meeting_id}: {count} events to {path}")
            print(f"{len(archived)} meeting(s) archived")
    finally:
        await store.close()
    return 0


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except (RecordError, OSError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
