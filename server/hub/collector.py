"""Keep Python's full garbage collections from pausing a busy hall.

With 5,000 phones a process tracks about 600,000 objects (uvicorn's and websockets'
per-connection objects, ours). A full (generation 2) collection scans all of them
and stops the event loop for 300–500 ms, long enough to push screen updates past
half a second (measured in bench/phones.py, see docs/performance.md).

Policy: after each full collection, freeze what survived (``gc.freeze()``), so the
next full collection scans only objects that are new since. Frozen objects that later
die in reference cycles can't be reclaimed while frozen. So once many connections
have closed since the last freeze (people left, phones reconnected), unfreeze, and
let the next full collection reclaim them.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

log = logging.getLogger("plaza.gc")

UNFREEZE_AFTER_CLOSED = 1000  # connections closed since the last freeze


class Collector:
    def __init__(self) -> None:
        self.full_collection_done = False
        self.closed_since_freeze = 0
        self.frozen = False

    def install(self) -> None:
        gc.collect()
        gc.freeze()  # what import and startup made lives as long as the process
        gc.callbacks.append(self._on_gc)

    def uninstall(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        # Only note it here: changing generations from inside a collection's callback is unsafe.
        if phase == "stop" and info["generation"] == 2:
            self.full_collection_done = True

    def connection_closed(self) -> None:
        self.closed_since_freeze += 1

    def tick(self) -> None:
        """Called every few seconds from the hub's housekeeping task."""
        if self.closed_since_freeze >= UNFREEZE_AFTER_CLOSED and self.frozen:
            gc.unfreeze()
            self.frozen = False
            self.full_collection_done = False
            self.closed_since_freeze = 0
            log.info("unfroze objects so closed connections can be reclaimed")
        elif self.full_collection_done:
            self.full_collection_done = False
            gc.freeze()
            self.frozen = True
            self.closed_since_freeze = 0
