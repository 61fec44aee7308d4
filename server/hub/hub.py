"""The hub: the meetings loaded in this process, found by id or join code.

Meetings are loaded lazily from the store on first use (a restart restores a
meeting the moment a phone, screen or console reconnects to it).  A meeting
with no connections that nobody has looked up for ``idle_unload`` seconds is
unloaded from memory, and loads again on the next use.

Keys: the server has one secret (``<data>/secret``).  The organiser key and
each meeting's facilitator key derive from it, and the screen and room keys
derive from the facilitator key, so the organiser page can show the links of
every meeting without the server storing a single key (the log keeps digests).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import socket
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from server.audio.core import link_key
from server.core import event as events
from server.core import meeting as m
from server.hub.collector import Collector
from server.hub.live import LiveMeeting
from server.hub.media import AudioManager
from server.hub.presence import SharedPresence
from server.logs import noise
from server.rooms.core import room_key
from server.store import CodeTaken, Store
from server.store.sealed import SealedStore
from server.translations.core import translator_key

log = logging.getLogger("plaza.hub")

# No look-alikes: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V.
CODE_ALPHABET = "ACEFHJKMNPRTWXY3479"
CODE_LENGTH = 6
LAG_TICK = 0.05
LAG_WARNING = 0.1  # seconds the event loop may be late before it is logged
STUCK_AFTER = 30.0  # seconds a send may block before we stop writing to that client


def _derive(secret: str, purpose: str) -> str:
    mac = hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def normalize_code(text: str) -> str:
    """What a person typed ("xk 7 4-pm") as a code ("XK74PM")."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def screen_key_for(facilitator_secret: str) -> str:
    """The screen's view-only key, derived from the facilitator secret.

    Deriving it (rather than drawing it) lets a console that holds the facilitator
    secret offer the screen link later without the server ever storing a secret.
    """
    mac = hmac.new(facilitator_secret.encode(), b"plaza screen key", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:12]).decode()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class NewMeeting:
    """A meeting just created, with the secrets only its creator ever sees."""

    id: str
    code: str
    title: str
    facilitator_secret: str
    screen_key: str


@dataclass(frozen=True)
class MeetingSummary:
    """What the organiser page shows of a meeting, kept for meetings that are not loaded."""

    id: str
    code: str
    title: str
    created_at: float
    ended: bool
    facilitator_digest: str

    @classmethod
    def of(cls, state: m.MeetingState) -> MeetingSummary:
        return cls(state.id, state.code, state.title, state.created_at, state.ended, state.facilitator_digest)


class Hub:
    def __init__(
        self,
        store: Store,
        *,
        public_url: str,
        clock: Callable[[], float] = time.time,
        publish_interval: float = 0.05,
        presence_lease: float = 15.0,
        secret: str | None = None,
        idle_unload: float = 600.0,
    ) -> None:
        self.audio = AudioManager(None, "")  # media off until the app gives one with a link (server/app.py)
        self.store = SealedStore.around(store)  # a secret vote's ballots are stored sealed, then shredded
        # Without a secret (a hub in a unit test), keys derive from one drawn for this process.
        self.secret = secret or secrets.token_urlsafe(32)
        self.idle_unload = idle_unload
        self._last_used: dict[str, float] = {}  # meeting id -> monotonic time of its last use
        self._unloader: asyncio.Task[None] | None = None
        # Summaries of meetings not loaded (the organiser page), so listing them does not replay every log
        # each time.  On the embedded store a meeting that is not loaded can't change; on a shared store
        # another process may end it, so only an ended meeting's summary is reused there.
        self._summaries: dict[str, MeetingSummary] = {}
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.publish_interval = publish_interval
        self._live: dict[str, LiveMeeting] = {}
        self._by_code: dict[str, LiveMeeting] = {}
        self._loading: dict[str, asyncio.Future[LiveMeeting | None]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._lag_watch: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self.writable = True  # False while the store is known to be unreachable
        self.collector = Collector()
        # This process's name among those sharing the store (logs, presence leases).
        self.proc = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"
        self.presence: SharedPresence | None = None
        if store.shared:
            self.presence = SharedPresence(store, self.proc, lambda: self._live, lease=presence_lease)
        self._presence_task: asyncio.Task[None] | None = None

    # -- links ----------------------------------------------------------------------

    def join_url(self, code: str) -> str:
        return f"{self.public_url}/j/{code}"

    def links(self, meeting_id: str, code: str, facilitator_secret: str, screen_key: str) -> dict[str, str]:
        # Secrets ride in the fragment: browsers never send it to the server or in Referer headers.
        return {
            "join_url": self.join_url(code),
            "screen_url": f"{self.public_url}/screen/{meeting_id}#key={screen_key}",
            "facilitator_url": f"{self.public_url}/facilitate/{meeting_id}#key={facilitator_secret}",
        }

    @property
    def organiser_key(self) -> str:
        return _derive(self.secret, "plaza organiser key")

    @property
    def organiser_url(self) -> str:
        return f"{self.public_url}/organise#key={self.organiser_key}"

    def is_organiser(self, key: str) -> bool:
        return hmac.compare_digest(key.encode(), self.organiser_key.encode())

    def facilitator_secret_for(self, meeting_id: str) -> str:
        return _derive(self.secret, f"plaza facilitator key {meeting_id}")

    def meeting_links(self, state: m.MeetingState | MeetingSummary) -> dict[str, str] | None:
        """A meeting's facilitator, screen and join links, if its facilitator key derives from our secret.

        ``None`` for a meeting made elsewhere (another server's secret, an import, or before keys
        were derived): its facilitator link is only where it was first shown.
        """
        secret = self.facilitator_secret_for(state.id)
        if not m.secret_matches(secret, state.facilitator_digest):
            return None
        return self.links(state.id, state.code, secret, screen_key_for(secret))

    def channel_links(
        self, meeting_id: str, facilitator_secret: str, channel_ids: list[str]
    ) -> dict[str, dict[str, str]]:
        """Each language channel's interpreter and captioner links (keys derive from the facilitator secret)."""
        base = f"{self.public_url}/interpret/{meeting_id}"
        return {
            ch: {
                "interpreter": f"{base}#key={link_key(facilitator_secret, ch, 'interpreter')}&channel={ch}",
                "captioner": f"{base}#key={link_key(facilitator_secret, ch, 'captioner')}&channel={ch}&role=captioner",
            }
            for ch in channel_ids
        }

    def translator_links(self, meeting_id: str, facilitator_secret: str, languages: list[str]) -> dict[str, str]:
        """Each translation language's translator link (its key derives from the facilitator secret)."""
        base = f"{self.public_url}/translate/{meeting_id}"
        return {lang: f"{base}#key={translator_key(facilitator_secret, lang)}&lang={lang}" for lang in languages}

    def room_links(self, meeting_id: str, facilitator_secret: str, room_ids: list[str]) -> dict[str, str]:
        """Each room device's view-only link (its key derives from the facilitator secret)."""
        return {
            rid: f"{self.public_url}/room/{meeting_id}/{rid}#key={room_key(facilitator_secret, rid)}"
            for rid in room_ids
        }

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        self.collector.install()
        self._sweeper = asyncio.create_task(self._sweep())
        self._lag_watch = asyncio.create_task(self._watch_lag())
        self._unloader = asyncio.create_task(self._unload_idle())
        if self.store.shared:
            self._watcher = asyncio.create_task(self.store.watch(self))
        if self.presence is not None:
            self._presence_task = asyncio.create_task(self.presence.run())

    async def stop(self) -> None:
        for task in (self._sweeper, self._lag_watch, self._unloader, self._watcher, self._presence_task):
            if task is not None:
                task.cancel()
        self.collector.uninstall()
        for live in self._live.values():
            live.close_all(1012, "server restarting")
        if self.presence is not None:
            await self.presence.leave()

    # -- what the shared store tells us (server.store.base.Listener) -------------------

    def on_append(self, meeting_id: str, seq: int) -> None:
        """Some process appended to a meeting's log: if we serve it and are behind, catch up."""
        live = self._live.get(meeting_id)
        if live is None:
            return
        live.turn_freed()
        if seq > live.state.seq:
            live.request_sync()

    def on_presence(self, meeting_id: str, proc: str) -> None:
        if self.presence is not None and proc != self.proc and meeting_id in self._live:
            self.presence.remote_changed(meeting_id)

    def on_status(self, ok: bool) -> None:
        """The store went away or came back.  Coming back: appends may have been missed, so resync."""
        if ok:
            for live in self._live.values():
                live.request_sync()
            if self.presence is not None:
                self.presence.everything_changed()
        if ok == self.writable:
            return
        self.writable = ok
        log.warning(
            "store is back" if ok else "store unreachable: meetings are read-only",
            extra={"store": self.store.url.split("?")[0]},
        )
        message = self.status_message()
        for live in self._live.values():
            for conn in live.connections:
                conn.reply(message)

    def status_message(self) -> dict[str, object]:
        if self.writable:
            return {"type": "status", "read_only": False, "message": ""}
        return {
            "type": "status",
            "read_only": True,
            "message": "Read-only for the moment: changes can't be saved. Reconnecting…",
            "message_key": "common.connection.read_only",  # pages word it in their reader's language
        }

    async def _watch_lag(self) -> None:
        """Log when the event loop was blocked: every client of this process waited that long."""
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(LAG_TICK)
            lag = loop.time() - before - LAG_TICK
            self.collector.tick()
            if lag > LAG_WARNING:
                log.warning(
                    "event loop was blocked", extra={"seconds": round(lag, 3), "connections": self.connection_count()}
                )

    async def _sweep(self) -> None:
        """Stop writing to clients whose sends have been stuck for a long time."""
        while True:
            await asyncio.sleep(5)
            now = time.monotonic()
            for live in list(self._live.values()):
                for conn in list(live.connections):
                    if conn.blocked_since is not None and now - conn.blocked_since > STUCK_AFTER:
                        # A client that stops reading is per-client noise: in the minute's summary, not a line each.
                        log.debug("abandoning stuck client", extra={"peer": conn.peer, "meeting": live.id})
                        noise.count("stuck_client", conn.peer)
                        conn.abandon()
                        live.detach(conn)

    async def _unload_idle(self) -> None:
        """Unload meetings nobody is connected to and nobody has looked up for ``idle_unload`` seconds."""
        every = max(0.2, min(5.0, self.idle_unload / 4))
        while True:
            await asyncio.sleep(every)
            now = time.monotonic()
            for meeting_id, live in list(self._live.items()):
                try:
                    if live.connections:
                        self._last_used[meeting_id] = now
                    elif now - self._last_used.get(meeting_id, now) >= self.idle_unload:
                        self.unload(live)
                except Exception:  # one meeting's trouble must not stop the unloading of the others
                    log.exception("could not unload a meeting", extra={"meeting": meeting_id})

    def unload(self, live: LiveMeeting) -> bool:
        """Forget a loaded meeting with no connections and no work under way (it loads again on demand)."""
        busy = (
            live.connections
            or live._queue
            or live._worker is not None
            or live._timer is not None  # a deadline to keep: stay loaded until it fires
            or any(lane.handle is not None or lane.writing for lane in live.lanes)
        )
        if busy or self._live.get(live.id) is not live:
            return False
        del self._live[live.id]
        self._summaries[live.id] = MeetingSummary.of(live.state)
        if self._by_code.get(live.state.code) is live:
            del self._by_code[live.state.code]
        self._last_used.pop(live.id, None)
        self.store.forget(live.id)  # keys of its secret votes cached here go too (another process may close them)
        log.debug("meeting unloaded", extra={"meeting": live.id, "seq": live.state.seq})
        return True

    # -- meetings ---------------------------------------------------------------------

    async def create_meeting(self, title: str) -> NewMeeting:
        meeting_id = secrets.token_hex(8)
        facilitator_secret = self.facilitator_secret_for(meeting_id)
        screen_key = screen_key_for(facilitator_secret)
        for _ in range(20):
            code = new_code()
            evs = m.create(
                meeting_id=meeting_id,
                title=title,
                code=code,
                facilitator_secret=facilitator_secret,
                screen_key=screen_key,
                now=self.clock(),
            )
            try:
                await self.store.create(meeting_id, code, [e.to_dict() for e in evs])
            except CodeTaken:
                continue
            log.info("meeting created", extra={"meeting": meeting_id, "code": code})
            return NewMeeting(meeting_id, code, evs[0].title, facilitator_secret, screen_key)  # type: ignore[attr-defined]
        raise RuntimeError("could not find a free meeting code")

    async def get(self, meeting_id: str) -> LiveMeeting | None:
        self._last_used[meeting_id] = time.monotonic()
        live = self._live.get(meeting_id)
        if live is not None:
            return live
        loading = self._loading.get(meeting_id)
        if loading is None:
            loading = self._loading[meeting_id] = asyncio.ensure_future(self._load(meeting_id))
            loading.add_done_callback(lambda _: self._loading.pop(meeting_id, None))
        return await asyncio.shield(loading)

    async def get_by_code(self, code: str) -> LiveMeeting | None:
        code = normalize_code(code)
        live = self._by_code.get(code)  # a hall of phones saying hello costs no store round trip
        if live is not None:
            self._last_used[live.id] = time.monotonic()
            return live
        meeting_id = await self.store.find_code(code)
        return await self.get(meeting_id) if meeting_id else None

    async def _load(self, meeting_id: str) -> LiveMeeting | None:
        records = await self.store.read(meeting_id)
        if not records:
            self._last_used.pop(meeting_id, None)
            return None
        self._last_used[meeting_id] = time.monotonic()
        state = m.fold((seq, events.from_dict(data)) for seq, data in records)
        live = LiveMeeting(
            state,
            self.store,
            clock=self.clock,
            join_url=self.join_url(state.code),
            publish_interval=self.publish_interval,
            proc=self.proc,
        )
        self._live[meeting_id] = live
        self._summaries.pop(meeting_id, None)
        self._by_code[state.code] = live
        live.schedule_timers()  # a deadline that was running before a restart still comes
        if self.presence is not None:
            presence = self.presence
            live.on_presence_change = lambda: presence.local_changed(meeting_id)
            presence.remote_changed(meeting_id)
        log.info("meeting loaded", extra={"meeting": meeting_id, "seq": state.seq})
        return live

    def loaded(self) -> list[LiveMeeting]:
        return list(self._live.values())

    def if_loaded(self, meeting_id: str) -> LiveMeeting | None:
        """The meeting if it is in memory now (without loading it, or counting as a use)."""
        return self._live.get(meeting_id)

    async def summary(self, meeting_id: str) -> MeetingSummary | None:
        """A meeting's summary, without loading it."""
        live = self._live.get(meeting_id)
        if live is not None:
            return MeetingSummary.of(live.state)
        kept = self._summaries.get(meeting_id)
        if kept is not None and (kept.ended or not self.store.shared):
            return kept
        state = await self.peek(meeting_id)
        if state is None:
            return None
        found = MeetingSummary.of(state)
        if meeting_id not in self._live:  # it may have loaded meanwhile
            self._summaries[meeting_id] = found
        return found

    async def peek(self, meeting_id: str) -> m.MeetingState | None:
        """A meeting's state, without loading it (the organiser page lists meetings nobody uses)."""
        live = self._live.get(meeting_id)
        if live is not None:
            return live.state
        records = await self.store.read(meeting_id)
        if not records:
            return None
        return m.fold((seq, events.from_dict(data)) for seq, data in records)

    def append_stats(self) -> dict[str, object]:
        """Appends by this process, and how many lost races to other processes first (by losses)."""
        lost: Counter[int] = Counter()
        for live in self._live.values():
            lost.update(live.races_lost)
        return {"appends": sum(live.appends for live in self._live.values()), "races_lost": dict(sorted(lost.items()))}

    def connection_count(self) -> int:
        return sum(len(live.connections) for live in self._live.values())
