"""Shared fixtures. Tests that need services use the running local stack (`make test` starts
it); when it is down they fail with a message saying so, they are never skipped."""

from __future__ import annotations

import pytest

from ingestion.settings import Settings
from ingestion.stack.lifecycle import Stack


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.load()


@pytest.fixture(scope="session")
def stack(settings: Settings) -> Stack:
    stack = Stack.from_settings(settings)
    down = [service.name for service in stack.services if service.pid() is None]
    if down:
        pytest.fail(f"the local stack is not running ({', '.join(down)} down): run `make up`")
    return stack
