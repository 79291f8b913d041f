"""Fault tests kill or stop a real service of the stack mid-run, then check every record.
`make test` runs them at a small size; `make chaos` (pytest --chaos) at the size the README's
guarantees are stated for. Each writes its figures to target/faults/<test>.json."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingestion.stack.lifecycle import Stack, up
from ingestion.stack.process import port_open
from ingestion.stack.service import Service

SMALL_POSTS = 11_154
LARGE_POSTS = 100_000
FIGURES = Path(__file__).resolve().parents[2] / "target" / "faults"


@pytest.fixture(scope="module")
def fault_posts(request, run, stack) -> int:
    """Loads the source tables with the size under test; returns the number of posts."""
    posts = LARGE_POSTS if request.config.getoption("--chaos") else SMALL_POSTS
    result = run(
        "ingestion.generate", "--rows", str(posts), "--seed", "42", "--truncate", timeout=900
    )
    assert result.returncode == 0, result.stderr
    return posts


@pytest.fixture
def figures(request) -> Iterator[dict[str, Any]]:
    values: dict[str, Any] = {}
    yield values
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{request.node.name}.json").write_text(json.dumps(values, indent=2) + "\n")


class Faults:
    """Kill, stop and bring back the stack's services; whatever a test does, the stack is
    whole again when it ends."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def kill(self, service: Service) -> None:
        """SIGKILL, as a crash or the OOM killer would: no shutdown hook runs."""
        pid = service.pid()
        assert pid is not None, f"{service.name} is not running"
        os.kill(pid, signal.SIGKILL)
        self._wait_closed(service)

    def stop(self, service: Service) -> None:
        assert service.stop(), f"{service.name} was not running"
        self._wait_closed(service)

    def restore(self) -> None:
        up(self.stack, lambda line: None)

    def _wait_closed(self, service: Service) -> None:
        deadline = time.monotonic() + 60
        while port_open(service.config.host, service.port):
            assert time.monotonic() < deadline, f"{service.name} still listens after it stopped"
            time.sleep(0.1)


@pytest.fixture
def faults(stack) -> Iterator[Faults]:
    faults = Faults(stack)
    try:
        yield faults
    finally:
        faults.restore()
