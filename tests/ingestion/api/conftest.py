"""Fixtures for the API's tests: one lane and one API process per module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from api_process import Api, running_api


@pytest.fixture(scope="module")
def api_lane(contexts) -> Iterator[Any]:
    with contexts.lane() as lane:
        yield lane


@pytest.fixture(scope="module")
def api(api_lane) -> Iterator[Api]:
    with running_api(api_lane.prefix, api_lane.bootstrap) as api:
        yield api
