"""Structured logs: one JSON object per line on stderr.

Logs a stranger can't flood.  What one client does (a connection opened or closed, a bad
frame, a flood cut off) is not worth a line each: anyone on the venue Wi-Fi could fill the
disk with them.  Such records go to debug, and are counted in :data:`noise`, which writes one
info line per interval (a minute): "N bad frames from M connections".  uvicorn's own
per-connection lines ("[accepted]", "connection open", the ERROR with a traceback for every
text frame that is not UTF-8) are caught by :class:`ClientNoise` on the way out.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import time
from collections import Counter
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}

# Seconds between summaries of client noise (tests shorten it).
SUMMARY_SECONDS = float(os.environ.get("PLAZA_LOG_SUMMARY_SECONDS", "60"))
MAX_PEERS = 10_000  # distinct connections remembered per summary (beyond that: "at least")

log = logging.getLogger("plaza.clients")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class Tally:
    """Per-client events, counted and written as one info line per interval instead of one line each."""

    def __init__(self, interval: float = SUMMARY_SECONDS) -> None:
        self.interval = interval
        self.counts: Counter[str] = Counter()
        self.peers: set[str] = set()
        self.unnamed = 0  # connections whose address the record did not carry (each counted once)
        self.since = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def count(self, kind: str, peer: str = "") -> None:
        """One ``kind`` event ("bad_frame", "invalid_utf8", "flood_closed", ...) from connection ``peer``."""
        now = time.monotonic()
        if self.counts and now - self.since >= self.interval:
            self.flush()
        if not self.counts:
            self.since = now
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                pass  # no loop: the next event after the interval writes the summary
            else:
                self._timer = loop.call_later(self.interval, self.flush)
        self.counts[kind] += 1
        if not peer:
            self.unnamed += 1
        elif len(self.peers) < MAX_PEERS:
            self.peers.add(peer)

    def flush(self) -> None:
        """Write the summary of what was counted (if anything) and start a new interval."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.counts:
            return
        total = sum(self.counts.values())
        connections = len(self.peers) + self.unnamed
        seconds = max(1, round(time.monotonic() - self.since))
        log.info(
            f"{total} bad frames from {connections} connections in the last {seconds} s",
            extra={"events": total, "connections": connections, "seconds": seconds, **dict(self.counts)},
        )
        self.counts.clear()
        self.peers.clear()
        self.unnamed = 0


noise = Tally()
atexit.register(noise.flush)  # what was counted since the last summary, on the way out (see also ClientNoise)

# uvicorn's (and websockets') per-connection lines, by their format string: demoted to debug.
_PER_CONNECTION = {
    '%s - "WebSocket %s" [accepted]',
    '%s - "WebSocket %s" 403',
    '%s - "WebSocket %s" %d',
    "connection open",
    "connection closed",
    "connection rejected (%d %s)",  # websockets' handshake refusals (a bad or oversized upgrade request)
    "HTTP response sent (%d %s)",
}
# ... and those that are a client's fault: counted in the summary instead.
_COUNTED = {
    "Invalid UTF-8 sequence received from client.": "invalid_utf8",  # and the socket is closed (1007)
    "Invalid HTTP request received.": "invalid_http",
    "Unsupported upgrade request.": "bad_upgrade",  # a request asking for h2c or the like, each time
}


class ClientNoise(logging.Filter):
    """On the log handler: per-client lines from uvicorn go to debug (or away), client errors to :data:`noise`."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__()
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(("uvicorn", "websockets")):
            return True
        msg = record.msg if isinstance(record.msg, str) else ""
        if msg == "Shutting down":  # uvicorn ends a SIGTERM by raising it again: no atexit then
            noise.flush()
            return True
        kind = _COUNTED.get(msg)
        if kind is not None:
            noise.count(kind)
        elif msg not in _PER_CONNECTION:
            return True
        if not self.debug:
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        record.exc_info = None  # a client's bad bytes are not worth a traceback
        record.exc_text = None
        return True


def log_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for Plaza and uvicorn alike."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"client_noise": {"()": ClientNoise, "debug": level in ("DEBUG", "TRACE")}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
                "filters": ["client_noise"],
            }
        },
        "loggers": {
            "plaza": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }
