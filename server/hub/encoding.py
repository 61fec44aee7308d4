"""Encoding a shared view again, reusing the bytes of the parts that are the same objects as last time.

Views are projected from immutable state, and their big parts are memoised (``server/core/memo.py``):
with 5,000 people in 250 rooms the console's list of people and each room's entry are the *same
objects* from one publish to the next, until they change.  Encoding the whole view again still
costs what its size costs (the console's view: 430–600 KB, 40–90 ms on this machine), on every
publish, on the event loop, for a hand raised in one room.

:class:`ViewEncoder` walks the view's top levels (dicts, and lists of up to ``WALK_LIST`` items, to
``MAX_DEPTH``) and encodes each part with the codec's C encoder, keeping what it produced for each
container by identity; a part that is the same object as at the last encode is copied, not encoded.
The output is byte for byte what the codec would produce (JSON: same separators, same escaping;
msgpack: map and array headers written with msgpack's own packer).

Parts must not be mutated after they are published (views never are: they are rebuilt or reused).
Each view name has its own encoder, and its cache keeps only what the last encode used.
"""

from __future__ import annotations

import json
from typing import Any

import msgpack

MAX_DEPTH = 6
WALK_LIST = 1000  # longer lists that are new objects are encoded whole (their items are new too, usually)


class ViewEncoder:
    """Encodes successive versions of one view in one codec (``"json"`` or ``"msgpack"``)."""

    __slots__ = ("_cache", "_json", "_packer", "_used", "binary")

    def __init__(self, codec: str) -> None:
        self.binary = codec == "msgpack"
        self._json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        self._packer = msgpack.Packer()
        self._cache: dict[int, tuple[Any, Any]] = {}
        self._used: dict[int, tuple[Any, Any]] = {}

    def encode(self, message: dict[str, Any]) -> bytes | str:
        self._used = {}
        try:
            if self.binary:
                return b"".join(self._pack(message, 0, []))
            return "".join(self._dump(message, 0, []))
        finally:
            self._cache = self._used  # bounded by the view: what this encode did not use is dropped

    def _hit(self, value: Any) -> Any:
        cached = self._cache.get(id(value))
        if cached is not None and cached[0] is value:
            self._used[id(value)] = cached
            return cached[1]
        return None

    def _dump(self, value: Any, depth: int, out: list[str]) -> list[str]:
        kind = type(value)
        if kind is not dict and kind is not list:
            out.append(self._json(value))
            return out
        hit = self._hit(value)
        if hit is not None:
            out.append(hit)
            return out
        if (
            depth >= MAX_DEPTH
            or (kind is list and len(value) > WALK_LIST)
            or (kind is dict and not all(type(k) is str for k in value))
        ):
            text = self._json(value)
        else:
            parts: list[str] = []
            if kind is dict:
                parts.append("{")
                first = True
                for k, v in value.items():
                    if not first:
                        parts.append(",")
                    first = False
                    parts.append(self._json(k))
                    parts.append(":")
                    self._dump(v, depth + 1, parts)
                parts.append("}")
            else:
                parts.append("[")
                for i, v in enumerate(value):
                    if i:
                        parts.append(",")
                    self._dump(v, depth + 1, parts)
                parts.append("]")
            text = "".join(parts)
        self._used[id(value)] = (value, text)
        out.append(text)
        return out

    def _pack(self, value: Any, depth: int, out: list[bytes]) -> list[bytes]:
        kind = type(value)
        if kind is not dict and kind is not list:
            out.append(self._packer.pack(value))
            return out
        hit = self._hit(value)
        if hit is not None:
            out.append(hit)
            return out
        if depth >= MAX_DEPTH or (kind is list and len(value) > WALK_LIST):
            data = self._packer.pack(value)
        else:
            parts: list[bytes] = []
            if kind is dict:
                parts.append(self._packer.pack_map_header(len(value)))
                for k, v in value.items():
                    parts.append(self._packer.pack(k))
                    self._pack(v, depth + 1, parts)
            else:
                parts.append(self._packer.pack_array_header(len(value)))
                for v in value:
                    self._pack(v, depth + 1, parts)
            data = b"".join(parts)
        self._used[id(value)] = (value, data)
        out.append(data)
        return out
