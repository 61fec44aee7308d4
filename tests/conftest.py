"""Shared fixtures: a real Plaza server process on a free port, and meetings on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.testing import TIMEOUT_FACTOR, ServerProcess, free_port

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
