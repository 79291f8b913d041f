"""How `make live` reads the warehouse while the Thrift server may be away: a server not up
is waited for, a refused login is not."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from core.errors import ConfigurationError, TransientError
from standins.live import runs
from standins.live.runs import RunWatcher


@contextmanager
def counted_reader(tmp_path, failure: Exception) -> Iterator[tuple[RunWatcher, list[int]]]:
    """A watcher whose every connection attempt fails with `failure`, and the attempts."""
    attempts: list[int] = []

    def connect() -> None:
        attempts.append(1)
        raise failure

    warehouse: Callable[[], None] = connect
    reader = RunWatcher(tmp_path, warehouse, "lane", "scope", since=time.time())  # type: ignore[arg-type]
    try:
        yield reader, attempts
    finally:
        reader.close()


def test_a_refused_login_is_not_waited_on(tmp_path):
    refused = ConfigurationError("the Spark Thrift Server refused user 'x'")
    with (
        counted_reader(tmp_path, refused) as (reader, attempts),
        pytest.raises(ConfigurationError, match="refused user"),
    ):
        reader._rows("select 1")
    assert len(attempts) == 1


def test_a_server_that_is_away_is_tried_until_the_wait_ends(tmp_path, monkeypatch):
    monkeypatch.setattr(runs, "WAREHOUSE_WAIT", 0.5)
    monkeypatch.setattr(runs.time, "sleep", lambda seconds: None)
    away = TransientError("cannot reach the Spark Thrift Server")
    with (
        counted_reader(tmp_path, away) as (reader, attempts),
        pytest.raises(TransientError, match="has not answered for 0 s"),
    ):
        reader._rows("select 1")
    assert len(attempts) > 1
