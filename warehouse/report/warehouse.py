"""What the report reads through the Spark Thrift Server: the marts and the number of posts
staged (the data-quality counts are dbt's audit: warehouse/audit.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyhive import hive

from core.catalogue import POSTS
from core.errors import ConfigurationError


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def query(cursor: hive.Cursor, sql: str, hint: str) -> Table:
    try:
        cursor.execute(sql)
    except hive.OperationalError:
        raise ConfigurationError(hint) from None
    columns = [column[0].split(".")[-1] for column in cursor.description]
    return Table(columns, [tuple(row) for row in cursor.fetchall()])


def read_mart(cursor: hive.Cursor, schema: str, mart: str, order_by: str) -> Table:
    """schema must be a checked identifier; mart and order_by come from the marts' YAML,
    checked as they are read (warehouse/questions.py)."""
    relation = f"{schema}_marts.{mart}"
    return query(
        cursor,
        "select * from " + relation + " order by " + order_by,  # noqa: S608
        f"cannot read {relation}: run `dbt build` first (make demo does)",
    )


def count_posts(cursor: hive.Cursor, schema: str) -> int:
    relation = f"{schema}_staging.{POSTS.staging_model}"
    table = query(
        cursor,
        "select count(*) from " + relation,  # noqa: S608
        f"cannot read {relation}: run `dbt build` first (make demo does)",
    )
    return int(table.rows[0][0])
