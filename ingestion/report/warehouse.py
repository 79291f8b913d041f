"""What the report reads through the Spark Thrift Server: the marts, the number of posts
staged, and how many raw values were missing-value markers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyhive import hive

from ingestion.catalogue import POSTS, TABLE_TOPICS
from ingestion.errors import UserError

# Staging's whitespace rule (macros/cleaning.sql trim_whitespace), as a Spark SQL literal.
TRIM_PATTERN = r"'^[\\s\\p{Z}]+|[\\s\\p{Z}]+$'"


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
        raise UserError(hint) from None
    columns = [column[0].split(".")[-1] for column in cursor.description]
    return Table(columns, [tuple(row) for row in cursor.fetchall()])


def read_mart(cursor: hive.Cursor, schema: str, mart: str, order_by: str) -> Table:
    """schema must be a checked identifier; mart and order_by come from the marts' YAML,
    checked as they are read (ingestion/questions.py)."""
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


def _text_columns(cursor: hive.Cursor, relation: str) -> Sequence[str]:
    """The raw table's own string columns, not the landing's metadata (named `_...`) or the
    partition column."""
    described = query(
        cursor, "describe " + relation, f"cannot read {relation}: run `dbt build` first"
    )
    names = []
    for name, data_type, *_ in described.rows:
        if not name or name.startswith("#"):
            break
        if data_type == "string" and not name.startswith("_") and name != "partition":
            names.append(name)
    return names


def count_markers(cursor: hive.Cursor, schema: str, raw_schema: str) -> dict[str, int]:
    """Source table -> raw values that are a missing-value marker once trimmed: staging makes
    each of them NULL. Schema names must be checked identifiers."""
    seed = f"{schema}_seeds.missing_value_markers"
    counts = {}
    for table, suffix in TABLE_TOPICS.items():
        raw = f"{raw_schema}.{suffix}"
        columns = _text_columns(cursor, raw)
        trimmed = ", ".join(f"regexp_replace(`{c}`, {TRIM_PATTERN}, '')" for c in columns)
        # Only identifiers vary: checked schema names and the columns Spark described.
        values = "explode(array(" + trimmed + ")) as value"
        joined = f"(select {values} from {raw}) v join {seed} m on v.value = m.marker"  # noqa: S608
        sql = "select count(*) from " + joined  # noqa: S608
        result = query(cursor, sql, f"cannot read {seed}: run `dbt build` first")
        counts[table] = int(result.rows[0][0])
    return counts
