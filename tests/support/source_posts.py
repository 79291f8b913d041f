"""Rows added to the source tables by a test, as a writer would add them."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from core.catalogue import TABLE_KEYS


def copy_posts(engine: sa.Engine, tables: Iterable[str], first: int, count: int) -> None:
    """Add rows to `tables` with keys first..first+count-1, copied from the rows with keys
    0..count-1 (every column but the key the same), in one transaction."""
    with engine.begin() as connection:
        for table in tables:
            key = TABLE_KEYS[table]
            columns = [column["name"] for column in sa.inspect(connection).get_columns(table)]
            others = ", ".join(f"`{column}`" for column in columns if column != key)
            connection.execute(
                sa.text(
                    f"INSERT INTO `{table}` (`{key}`, {others}) "
                    f"SELECT `{key}` + :first, {others} FROM `{table}` WHERE `{key}` < :count"
                ),
                {"first": first, "count": count},
            )
