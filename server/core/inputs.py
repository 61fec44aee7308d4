"""What the core may not draw itself, in one envelope handed to ``decide``.

The hub draws these at the edge (the clock, fresh ids and tokens, a receipt, a
random seed, who is connected, the credential the sender presented) and the core
records whatever it used in the events it returns, so replaying a log never
draws again and always gives the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Inputs:
    now: float
    seed: int = 0  # for random choices (room assignment): the core uses random.Random(seed)
    present: frozenset[str] = field(default_factory=frozenset)  # participants connected now (when asked for)
    participant_id: str = ""  # a fresh participant id (join)
    token: str = ""  # a fresh participant token (join)
    receipt: str = ""  # a fresh ballot receipt (cast_ballot)
    seal: str = ""  # a fresh seal id (open_vote: a secret vote's ballots are stored sealed under it)
    key: str = ""  # the capability secret the sender said hello with (facilitators): room keys derive from it
    # Work done off the event loop from the state as it was (make_schedule: a Precomputed wall from
    # server/openspace/core.py). The core checks it still fits the state at decide time, and the
    # event records the result, so a replay never needs it.
    schedule: Any = None
