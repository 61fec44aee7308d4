"""Stores of meeting logs, chosen by URL."""

from __future__ import annotations

from urllib.parse import urlparse

from server.store.base import CodeTaken, SeqConflict, Store, StoreError, StoreUnavailable, UnknownMeeting

__all__ = ["CodeTaken", "SeqConflict", "Store", "StoreError", "StoreUnavailable", "UnknownMeeting", "open_store"]


def open_store(url: str) -> Store:
    """``sqlite:///path/to/plaza.db`` (the embedded default) or ``redis://host:port/db[?prefix=plaza:]``."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        from server.store.sqlite import SqliteStore

        # sqlite:///abs/path -> path "/abs/path"; sqlite://rel/path -> netloc "rel"
        path = (parsed.netloc + parsed.path) if parsed.netloc else parsed.path
        return SqliteStore(path)
    if parsed.scheme in ("redis", "rediss", "unix"):
        from server.store.redis import RedisStore

        return RedisStore(url)
    raise ValueError(f"unsupported store URL {url!r} (expected sqlite:///path or redis://host:port/db)")
