"""Shared fixtures: a real Plaza server process on a free port, and meetings on it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from server.testing import TIMEOUT_FACTOR, ServerProcess, free_port, redis_answers, start_redis

__all__ = ["TIMEOUT_FACTOR", "ServerProcess", "free_port", "key_of"]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(data=tmp_path / "data", port=free_port()).start()
    yield proc
    proc.stop()


@pytest.fixture
def meeting(server: ServerProcess) -> dict[str, Any]:
    return server.create_meeting()


def key_of(url: str) -> str:
    """The secret in a capability link's fragment (``#key=...``)."""
    return url.split("#key=", 1)[1]


@pytest.fixture(params=["json", "msgpack"])
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: $REDIS_URL, else 127.0.0.1:6379 if it answers, else a redis-server we start.

    Never a fake, and never a skip: scripts/test installs redis-server on a fresh machine.
    """
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    if redis_answers("127.0.0.1", 6379):
        yield "redis://127.0.0.1:6379/0"
        return
    proc = start_redis(tmp_path_factory.mktemp("redis"))
    yield proc.url
    proc.stop()


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """A Redis URL with a key prefix of its own, removed after the test."""
    prefix = f"plaza-test-{uuid.uuid4().hex[:10]}:"
    yield f"{redis_server}{'&' if '?' in redis_server else '?'}prefix={prefix}"
    client = redis.Redis.from_url(redis_server)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.exceptions.ConnectionError:
        pass  # a test stopped its own Redis
    finally:
        client.close()
