"""The garbage-collection policy: freeze after a full collection, unfreeze after churn."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from server.hub.collector import UNFREEZE_AFTER_CLOSED, Collector


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    c.install()
    yield c
    c.uninstall()
    gc.unfreeze()


def test_survivors_of_a_full_collection_are_frozen(collector: Collector) -> None:
    """After a full collection, the next tick freezes what survived, so later scans are small."""
    keep = [[i] for i in range(10_000)]  # long-lived objects, like connections
    gc.collect()
    assert collector.full_collection_done
    before = gc.get_freeze_count()
    collector.tick()
    assert collector.frozen and gc.get_freeze_count() >= before + len(keep)


def test_churn_unfreezes_so_closed_connections_can_be_reclaimed(collector: Collector) -> None:
    """Once many connections have closed since the freeze, objects are unfrozen for the next full collection."""
    gc.collect()
    collector.tick()
    assert gc.get_freeze_count() > 0
    for _ in range(UNFREEZE_AFTER_CLOSED - 1):
        collector.connection_closed()
    collector.tick()
    assert collector.frozen
    collector.connection_closed()
    collector.tick()
    assert not collector.frozen and gc.get_freeze_count() == 0
