"""The pieces of a table worker that need no services: which failed reads it tries again, and
for how long."""

from __future__ import annotations

import multiprocessing
import time

import pymysql
import sqlalchemy as sa

from ingestion.emulate.source import AFTER_LAST_KEY
from ingestion.emulate.table_worker import Control, Follow, TableJob, may_pass, run_table

NOWHERE = "mysql+pymysql://someone:x@127.0.0.1:1/pinterest_data"  # pragma: allowlist secret


def failure(code: int, message: str) -> sa.exc.DBAPIError:
    return sa.exc.OperationalError("SELECT 1", {}, pymysql.err.OperationalError(code, message))


def test_a_lost_connection_or_a_dropped_column_may_pass():
    assert may_pass(failure(2013, "Lost connection to server during query"))
    assert may_pass(failure(2006, "Server has gone away"))
    assert may_pass(failure(1927, "Connection was killed"))
    assert may_pass(failure(1054, "Unknown column 'probe' in 'field list'"))


def test_a_refusal_does_not_pass_by_waiting():
    assert not may_pass(failure(1142, "SELECT command denied to user"))
    assert not may_pass(failure(1146, "Table 'pinterest_data.pinterest_data' doesn't exist"))


def run_worker(follow: Follow | None) -> tuple[list, float]:
    """A worker, in a process of its own as the emulator starts it, reading a database that
    is not there; its reports and how long it took."""
    context = multiprocessing.get_context("forkserver")
    job = TableJob(
        "pinterest_data",
        "nowhere.pin",
        NOWHERE,
        {"bootstrap.servers": "127.0.0.1:1", "log_level": 0},
        after=41,
        upto=AFTER_LAST_KEY,
        page=100,
        rate=None,
        follow=follow,
    )
    statuses = context.Queue()
    worker = context.Process(target=run_table, args=(job, Control(context), statuses))
    started = time.monotonic()
    worker.start()
    reports = [statuses.get(timeout=30)]
    while not reports[-1].done:
        reports.append(statuses.get(timeout=30))
    seconds = time.monotonic() - started
    worker.join(30)
    return reports, seconds


def test_a_follower_tries_again_then_gives_up_after_its_reconnect_time():
    # Tries at 0, 0.5 and 1.5 s; the next wait, 2 s, would end past the 2 s allowed.
    reports, seconds = run_worker(Follow(interval=0.1, reconnect_for=2.0))
    notices = [report.notice for report in reports if report.notice]
    assert len(notices) == 2
    assert notices[0].startswith("lost the source database (Can't connect")
    assert notices[0].endswith("reading after key 41 again in 0.5 s")
    assert notices[1].endswith("again in 1.0 s")
    error = reports[-1].error
    assert error.startswith("lost the source database after 0 rows, still after 2 s of trying")
    assert 1.5 <= seconds < 10


def test_a_replay_stops_at_the_first_lost_connection():
    reports, _ = run_worker(None)
    assert not any(report.notice for report in reports)
    assert reports[-1].error.startswith("lost the source database after 0 rows: Can't connect")
