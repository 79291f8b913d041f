"""Fault tests kill or stop a real service of the stack mid-run, then check every record.
`make test` runs them at a small size; `make chaos` (pytest --chaos) at the size the README's
guarantees are stated for. Each writes its figures to output/faults/<test>.json."""

from __future__ import annotations

from collections.abc import Iterator

import crash
import pytest

from standins.stack.lifecycle import Stack, up
from standins.stack.service import Service

SMALL_POSTS = 11_154
LARGE_POSTS = 100_000


@pytest.fixture(scope="module")
def fault_posts(request, run, stack) -> int:
    """Loads the source tables with the size under test; returns the number of posts."""
    posts = LARGE_POSTS if request.config.getoption("--chaos") else SMALL_POSTS
    result = run(
        "standins.generate", "--rows", str(posts), "--seed", "42", "--truncate", timeout=900
    )
    assert result.returncode == 0, result.stderr
    return posts


class Faults:
    """Kill, stop and bring back the stack's services; whatever a test does, the stack is
    whole again when it ends."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def kill(self, service: Service) -> None:
        crash.kill(service)

    def stop(self, service: Service) -> None:
        assert service.stop(), f"{service.name} was not running"
        crash.wait_closed(service)

    def restore(self) -> None:
        up(self.stack, lambda line: None)


@pytest.fixture
def faults(stack) -> Iterator[Faults]:
    faults = Faults(stack)
    try:
        yield faults
    finally:
        faults.restore()
