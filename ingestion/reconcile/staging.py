"""Stage 4: what dbt staging made of the landed lines, read through the Spark Thrift Server."""

from __future__ import annotations

from dataclasses import dataclass

from pyhive import hive

from ingestion.catalogue import by_topic
from ingestion.errors import UserError


@dataclass(frozen=True)
class StagedCounts:
    raw_lines: int
    # Malformed (kept whole in _corrupt_record) or keyless: staging drops them.
    dropped_lines: int
    staging_rows: int


def count_staged(
    connection: hive.Connection, raw_schema: str, staging_schema: str, suffix: str
) -> StagedCounts:
    """Schema names must be checked identifiers (cli.identifier): they cannot be bound."""
    table = by_topic(suffix)
    cursor = connection.cursor()
    raw = ".".join((raw_schema, table.topic))
    staged = ".".join((staging_schema, table.staging_model))
    # Only identifiers vary: the catalogue's names and the checked schema names.
    bad = "_corrupt_record is not null or " + table.quoted_key + " is null"
    try:
        cursor.execute("select count(*), count_if(" + bad + ") from " + raw)  # noqa: S608
        raw_lines, dropped = cursor.fetchone()
        cursor.execute("select count(*) from " + staged)  # noqa: S608
        (rows,) = cursor.fetchone()
    except hive.OperationalError:
        raise UserError(
            f"cannot read {raw} or {staged}: run `dbt build` first (it creates both), "
            "or pass --skip-dbt"
        ) from None
    finally:
        cursor.close()
    return StagedCounts(raw_lines, dropped, rows)
