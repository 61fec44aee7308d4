"""The shared store: meeting logs in Redis Streams, sequenced by Redis itself.

Several Plaza processes can accept commands for one meeting because the append is
one Lua script: it checks the log's head against ``expected_seq`` and adds the events
with explicit stream ids ``<seq>-0``, atomically. A process whose append lost the race
gets :class:`SeqConflict`, re-reads, re-decides and retries. The same script publishes
``"<meeting> <seq>"`` on the appends channel, so every process learns of every append
and can push views to its own connections.

Keys (``P`` is the prefix, ``plaza:`` by default; braces keep a meeting's keys in one
cluster slot, so meetings can be sharded):

- ``P m:{id}:log``: the stream of events (field ``e``: msgpack of the event dict)
- ``P m:{id}:head``: the last sequence number
- ``P code:<CODE>``: the meeting id holding a join code
- ``P meetings``: sorted set of meeting ids by creation time
- ``P m:{id}:turn`` / ``P m:{id}:want``: whose turn it is to write, and who is next
- ``P m:{id}:here``: presence; per process ``<proc>`` (participant ids, space separated)
  and ``<proc>@`` (lease end, ms on Redis's clock, so processes' clocks don't matter)
- channels ``P appends`` (``"<meeting> <seq>"``) and ``P presence`` (``"<meeting> <proc>"``)

Durability is Redis's: run it with ``appendonly yes``, ``appendfsync everysec`` and
``maxmemory-policy noeviction`` (logs must never be evicted).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import msgpack
import redis.asyncio as aioredis
from redis import exceptions as rexc

from server.store.base import (
    BadEvent,
    CodeTaken,
    EventData,
    Listener,
    SeqConflict,
    Store,
    StoreUnavailable,
    UnknownMeeting,
    encode_events,
)

log = logging.getLogger("plaza.store")

APPEND = """
local head = redis.call('GET', KEYS[2])
if not head then return redis.error_reply('PLAZA_UNKNOWN_MEETING') end
head = tonumber(head)
if head ~= tonumber(ARGV[1]) then
  return {0, head, redis.call('XRANGE', KEYS[1], (tonumber(ARGV[1]) + 1) .. '-0', '+')}
end
for i = 5, #ARGV do
  head = head + 1
  redis.call('XADD', KEYS[1], head .. '-0', 'e', ARGV[i])
end
redis.call('SET', KEYS[2], head)
if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
redis.call('PUBLISH', ARGV[2], ARGV[3] .. ' ' .. head)
return {1, head}
"""

# The write turn: one process at a time decides and appends for a meeting, so busy processes
# take turns instead of losing races.  A process that finds the turn taken queues in the one
# ``want`` slot; when the turn is free only the queued process may take it, so the holder can't
# take it straight back and starve the others.  Both keys expire: a dead process blocks nobody
# for long.  Taking the turn returns the events after ``after_seq`` (nil: not your turn).
TAKE_TURN = """
local holder = redis.call('GET', KEYS[1])
local waiter = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then
  if not waiter or waiter == ARGV[1] then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4]) end
  return false
end
if waiter and waiter ~= ARGV[1] then return false end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return redis.call('XRANGE', KEYS[3], (tonumber(ARGV[3]) + 1) .. '-0', '+')
"""

END_TURN = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3] .. ' ' .. (redis.call('GET', KEYS[2]) or 0))
end
return 1
"""

CREATE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return {0, 0} end
local head = 0
for i = 3, #ARGV do
  head = head + 1
  redis.call('XADD', KEYS[3], head .. '-0', 'e', ARGV[i])
end
redis.call('SET', KEYS[2], head)
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
return {1, head}
"""

# Only if the log still ends where the archive ends; the code is freed only if it is still ours.
DELETE = """
local head = redis.call('GET', KEYS[2])
if not head then return -1 end
if tonumber(head) ~= tonumber(ARGV[1]) then return tonumber(head) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[5])
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
redis.call('ZREM', KEYS[4], ARGV[2])
return -2
"""

PUT_PRESENCE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. '@')
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3], ARGV[1] .. '@', now + tonumber(ARGV[2]))
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
end
redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. ARGV[1])
return 1
"""

# Other processes' participant lists whose lease still runs; expired ones are deleted on the way.
GET_PRESENCE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local fields = {}
for i = 1, #all, 2 do fields[all[i]] = all[i + 1] end
local out = {}
for field, value in pairs(fields) do
  if string.sub(field, -1) == '@' then
    local proc = string.sub(field, 1, -2)
    if tonumber(value) < now then
      redis.call('HDEL', KEYS[1], field, proc)
    elseif proc ~= ARGV[1] and fields[proc] then
      table.insert(out, fields[proc])
    end
  end
end
return out
"""

WANT_HOLD = 0.2  # seconds a queued process keeps its place without asking again
MAX_CONNECTIONS = 50  # per process
POOL_WAIT = 5.0  # seconds a command may wait for a free connection before it is "unavailable"

UNAVAILABLE = (rexc.ConnectionError, rexc.TimeoutError, OSError)


@contextlib.contextmanager
def reachable() -> Iterator[None]:
    """Turn "Redis can't be reached" into the store's :class:`StoreUnavailable`."""
    try:
        yield
    except UNAVAILABLE as exc:
        raise StoreUnavailable(f"Redis is unavailable: {exc}") from exc


def _records(entries: list[Any]) -> list[tuple[int, EventData]]:
    """Stream entries ``[id, [field, value, ...] or {field: value}]`` as ``(seq, event)``."""
    records = []
    for entry_id, fields in entries:
        if isinstance(fields, list):  # raw from a script
            fields = dict(zip(fields[::2], fields[1::2], strict=True))
        records.append((int(entry_id.split(b"-")[0]), msgpack.unpackb(fields[b"e"])))
    return records


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def split_url(url: str) -> tuple[str, str]:
    """``redis://host:port/db?prefix=p:`` -> (URL for redis-py, key prefix)."""
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    prefix = query.pop("prefix", ["plaza:"])[0]
    rest = urlencode({k: v[0] for k, v in query.items()})
    return urlunparse(parsed._replace(query=rest)), prefix


class RedisStore(Store):
    shared = True

    def __init__(self, url: str) -> None:
        self.url = url
        redis_url, self.prefix = split_url(url)
        # redis-py annotates replies as loose unions; this module decodes them itself.
        # A bounded pool that queues: a join storm waits for a connection instead of failing.
        pool = aioredis.BlockingConnectionPool.from_url(
            redis_url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT, socket_timeout=2, socket_connect_timeout=2
        )
        self.redis: Any = aioredis.Redis(connection_pool=pool)
        self._append = self.redis.register_script(APPEND)
        self._create = self.redis.register_script(CREATE)
        self._delete = self.redis.register_script(DELETE)
        self._take_turn = self.redis.register_script(TAKE_TURN)
        self._end_turn = self.redis.register_script(END_TURN)
        self._put_presence = self.redis.register_script(PUT_PRESENCE)
        self._get_presence = self.redis.register_script(GET_PRESENCE)
        self._rewrite: asyncio.Task[None] | None = None  # Redis rewriting its files after a dropped secret
        self._rewrite_again = False
        self.channel = f"{self.prefix}appends"
        self.presence_channel = f"{self.prefix}presence"

    def _log(self, meeting_id: str) -> str:
        return f"{self.prefix}m:{{{meeting_id}}}:log"

    def _head(self, meeting_id: str) -> str:
        return f"{self.prefix}m:{{{meeting_id}}}:head"

    async def open(self) -> None:
        with reachable():
            await self.redis.ping()
            await self.check_config()

    async def check_config(self) -> list[str]:
        """Warn (in the log) about Redis settings that can lose meeting logs; return the warnings."""
        try:
            config = await self.redis.config_get("appendonly", "maxmemory-policy")
        except rexc.ResponseError:  # CONFIG is often disabled on managed Redis
            log.info("could not read the Redis configuration; see docs/deployment.md for what it needs")
            return []
        warnings = []
        config = {_text(k): _text(v) for k, v in config.items()}
        if config.get("maxmemory-policy", "noeviction") != "noeviction":
            warnings.append("Redis may evict keys: set maxmemory-policy noeviction, or meeting logs can vanish")
        if config.get("appendonly") != "yes":
            warnings.append("Redis has no append-only file: a Redis restart loses meetings; set appendonly yes")
        for warning in warnings:
            log.warning(warning, extra={"store": self.url.split("?")[0]})
        return warnings

    async def close(self) -> None:
        if self._rewrite is not None and not self._rewrite.done():
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):  # asked already: Redis goes on alone
                await asyncio.wait_for(asyncio.shield(self._rewrite), 2)
            self._rewrite.cancel()
        await self.redis.aclose()

    async def create(self, meeting_id: str, code: str, events: list[EventData]) -> int:
        keys = [f"{self.prefix}code:{code}", self._head(meeting_id), self._log(meeting_id), f"{self.prefix}meetings"]
        args = [meeting_id, time.time(), *encode_events(meeting_id, events)]
        with reachable():
            ok, head = await self._create(keys=keys, args=args)
        if not ok:
            raise CodeTaken(code)
        return int(head)

    async def append(
        self, meeting_id: str, events: list[EventData], expected_seq: int, *, end_turn_of: str = ""
    ) -> int:
        keys = [self._log(meeting_id), self._head(meeting_id), self._turn(meeting_id)]
        try:
            encoded = encode_events(meeting_id, events)
        except BadEvent:
            # Only this append fails; the meeting's write turn is not left held until it lapses.
            if end_turn_of:
                with contextlib.suppress(StoreUnavailable):
                    await self.end_turn(meeting_id, end_turn_of)
            raise
        args = [expected_seq, self.channel, meeting_id, end_turn_of, *encoded]
        try:
            with reachable():
                reply = await self._append(keys=keys, args=args)
        except rexc.ResponseError as exc:
            if "PLAZA_UNKNOWN_MEETING" in str(exc):
                raise UnknownMeeting(meeting_id) from None
            raise
        if not reply[0]:
            # The loser gets what it missed in the same round trip: one less read before it retries.
            raise SeqConflict(meeting_id, expected_seq, int(reply[1]), _records(reply[2]))
        return int(reply[1])

    async def take_turn(
        self, meeting_id: str, proc: str, after_seq: int, hold: float
    ) -> list[tuple[int, EventData]] | None:
        keys = [self._turn(meeting_id), f"{self.prefix}m:{{{meeting_id}}}:want", self._log(meeting_id)]
        args: list[str | int] = [proc, int(hold * 1000), after_seq, int(WANT_HOLD * 1000)]
        with reachable():
            entries = await self._take_turn(keys=keys, args=args)
        return None if entries is None else _records(entries)

    async def end_turn(self, meeting_id: str, proc: str) -> None:
        keys = [self._turn(meeting_id), self._head(meeting_id)]
        with reachable():
            await self._end_turn(keys=keys, args=[proc, self.channel, meeting_id])

    async def delete(self, meeting_id: str, code: str, expected_seq: int) -> None:
        keys = [
            self._log(meeting_id),
            self._head(meeting_id),
            f"{self.prefix}code:{code}",
            f"{self.prefix}meetings",
            self._here(meeting_id),
        ]
        with reachable():
            result = int(await self._delete(keys=keys, args=[expected_seq, meeting_id]))
        if result == -1:
            raise UnknownMeeting(meeting_id)
        if result >= 0:
            raise SeqConflict(meeting_id, expected_seq, result)

    async def read(self, meeting_id: str, after_seq: int = 0) -> list[tuple[int, EventData]]:
        with reachable():
            entries = await self.redis.xrange(self._log(meeting_id), min=f"{after_seq + 1}-0", max="+")
        return _records(entries)

    async def find_code(self, code: str) -> str | None:
        with reachable():
            value = await self.redis.get(f"{self.prefix}code:{code}")
        return value.decode() if value is not None else None

    async def meeting_ids(self) -> list[str]:
        with reachable():
            return [m.decode() for m in await self.redis.zrange(f"{self.prefix}meetings", 0, -1)]

    async def ping(self) -> None:
        with reachable():
            await self.redis.ping()

    # -- secrets (beside the log, destroyable) ----------------------------------

    def _secrets(self, meeting_id: str) -> str:
        return f"{self.prefix}m:{{{meeting_id}}}:secrets"

    async def put_secret(self, meeting_id: str, name: str, value: bytes) -> bytes:
        key = self._secrets(meeting_id)
        with reachable():
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hsetnx(key, name, value)
                pipe.hget(key, name)
                _, kept = await pipe.execute()
        return bytes(kept)

    async def get_secret(self, meeting_id: str, name: str) -> bytes | None:
        with reachable():
            value = await self.redis.hget(self._secrets(meeting_id), name)
        return None if value is None else bytes(value)

    async def drop_secret(self, meeting_id: str, name: str) -> None:
        with reachable():
            await self.redis.hdel(self._secrets(meeting_id), name)
        # The key is gone from memory; Redis's files still hold it until they are rewritten: ask for
        # that now (in the background), so a backup taken from then on holds no trace of it.
        if self._rewrite is None or self._rewrite.done():
            self._rewrite = asyncio.create_task(self._rewrite_files())
        else:
            self._rewrite_again = True

    async def _rewrite_files(self) -> None:
        """Rewrite the AOF (and the RDB snapshot, if snapshots are on) once no rewrite that could have
        started before the drop is still running; again if another key was dropped meanwhile."""
        try:
            while True:
                self._rewrite_again = False
                await self._rewrite_once()
                if not self._rewrite_again:
                    return
        except (rexc.RedisError, OSError) as exc:  # refused on some managed services: documented
            log.info("Redis would not rewrite its files after a secret was dropped", extra={"error": str(exc)})

    async def _rewrite_once(self) -> None:
        async def idle(*flags: str) -> dict[str, Any]:
            deadline = time.monotonic() + 300
            while True:
                info = await self.redis.info("persistence")
                if not any(int(info.get(f, 0) or 0) for f in flags) or time.monotonic() > deadline:
                    return dict(info)
                await asyncio.sleep(0.2)

        info = await idle("aof_rewrite_in_progress", "aof_rewrite_scheduled", "rdb_bgsave_in_progress")
        if info.get("aof_enabled"):
            await self.redis.bgrewriteaof()
        try:
            snapshots = bool((await self.redis.config_get("save")).get("save"))
        except rexc.ResponseError:  # CONFIG refused: assume snapshots may be on
            snapshots = True
        if snapshots:
            await idle("aof_rewrite_in_progress", "rdb_bgsave_in_progress")
            await self.redis.execute_command("BGSAVE", "SCHEDULE")

    async def secret_names(self, meeting_id: str) -> list[str]:
        with reachable():
            names = await self.redis.hkeys(self._secrets(meeting_id))
        return sorted(n.decode() if isinstance(n, bytes) else n for n in names)

    def _turn(self, meeting_id: str) -> str:
        return f"{self.prefix}m:{{{meeting_id}}}:turn"

    def _here(self, meeting_id: str) -> str:
        return f"{self.prefix}m:{{{meeting_id}}}:here"

    async def put_presence(self, meeting_id: str, proc: str, participant_ids: Iterable[str], lease: float) -> None:
        args: list[str | int] = [proc, int(lease * 1000), " ".join(participant_ids), self.presence_channel, meeting_id]
        with reachable():
            await self._put_presence(keys=[self._here(meeting_id)], args=args)

    async def get_presence(self, meeting_id: str, proc: str) -> set[str]:
        with reachable():
            lists = await self._get_presence(keys=[self._here(meeting_id)], args=[proc])
        return {pid for ids in lists for pid in ids.decode().split()}

    async def drop_presence(self, meeting_ids: Iterable[str], proc: str) -> None:
        with reachable():
            async with self.redis.pipeline(transaction=False) as pipe:
                for meeting_id in meeting_ids:
                    pipe.hdel(self._here(meeting_id), proc, f"{proc}@")
                    pipe.publish(self.presence_channel, f"{meeting_id} {proc}")
                await pipe.execute()

    async def watch(self, listener: Listener) -> None:
        """Follow other processes' appends and presence until cancelled; report Redis going and coming.

        Messages published while this process was cut off are lost, so ``on_status(True)``
        after a reconnect means: re-read every loaded meeting.
        """
        delay = 0.2
        appends = self.channel.encode()
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel, self.presence_channel)
                await self.redis.ping()  # commands get through too, not only the subscription
                listener.on_status(True)
                delay = 0.2
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        await self.redis.ping()  # notice a dead connection while the hall is quiet
                        continue
                    meeting_id, _, rest = message["data"].decode().partition(" ")
                    if message["channel"] == appends:
                        listener.on_append(meeting_id, int(rest))
                    else:
                        listener.on_presence(meeting_id, rest)
            except asyncio.CancelledError:
                await pubsub.aclose()
                raise
            except (*UNAVAILABLE, rexc.RedisError) as exc:
                log.warning("lost Redis; retrying", extra={"error": str(exc), "retry_in": round(delay, 2)})
                listener.on_status(False)
                try:
                    await pubsub.aclose()
                    # Connections pooled before the loss may be dead: drop them all, so the first
                    # commands after Redis returns don't fail on a stale one and flap the status.
                    await self.redis.connection_pool.disconnect()
                except Exception:  # the connections are already gone
                    pass
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
