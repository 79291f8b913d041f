"""The pieces of a table worker that need no services: which failed reads it tries again."""

from __future__ import annotations

import pymysql
import sqlalchemy as sa

from ingestion.emulate.table_worker import may_pass


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
