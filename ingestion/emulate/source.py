"""Read posts from the source database: each of the three tables streamed in key order with
keyset pagination, merged by key into posts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

# table -> its key column.
TABLE_KEYS = {"pinterest_data": "index", "geolocation_data": "ind", "user_data": "ind"}
# Below every key of an INT column: the "after" of a read from the start.
BEFORE_FIRST_KEY = -(2**63)

# Written out per table: identifiers cannot be bound, values always are.
_PAGE_SQL = {
    "pinterest_data": sa.text(
        "SELECT * FROM `pinterest_data` WHERE `index` > :after ORDER BY `index` LIMIT :page"
    ),
    "geolocation_data": sa.text(
        "SELECT * FROM `geolocation_data` WHERE `ind` > :after ORDER BY `ind` LIMIT :page"
    ),
    "user_data": sa.text(
        "SELECT * FROM `user_data` WHERE `ind` > :after ORDER BY `ind` LIMIT :page"
    ),
}
_ONE_SQL = {
    "pinterest_data": sa.text("SELECT * FROM `pinterest_data` WHERE `index` = :key"),
    "geolocation_data": sa.text("SELECT * FROM `geolocation_data` WHERE `ind` = :key"),
    "user_data": sa.text("SELECT * FROM `user_data` WHERE `ind` = :key"),
}
_KEY_RANGE_SQL = sa.text("SELECT MIN(`index`), MAX(`index`), COUNT(*) FROM `pinterest_data`")

Row = dict[str, Any]


@dataclass(frozen=True)
class Post:
    """One post: its key and its row in each table (None where a table has no row for it)."""

    key: int
    rows: dict[str, Row | None]


def table_rows(
    connection: sa.Connection, table: str, after: int, page: int
) -> Iterator[tuple[int, Row]]:
    """(key, row) of one table in key order after `after`, a page per query. Keyset pagination
    keeps every page an index range scan, where LIMIT/OFFSET would rescan the skipped rows."""
    key_column = TABLE_KEYS[table]
    streaming = connection.execution_options(stream_results=True, max_row_buffer=page)
    while True:
        result = streaming.execute(_PAGE_SQL[table], {"after": after, "page": page})
        columns = list(result.keys())
        position = columns.index(key_column)
        fetched = 0
        try:
            for values in result:
                fetched += 1
                after = values[position]
                yield after, dict(zip(columns, values, strict=True))
        finally:
            # Also when the reader stops early: an unbuffered result left open would be
            # drained at interpreter exit, after its socket is gone.
            result.close()
        if fetched < page:
            return


def merge_posts(streams: dict[str, Iterator[tuple[int, Row]]]) -> Iterator[Post]:
    """Merge per-table streams (each in key order) into posts in key order."""
    heads: dict[str, tuple[int, Row] | None] = {t: next(s, None) for t, s in streams.items()}
    while True:
        keys = [head[0] for head in heads.values() if head is not None]
        if not keys:
            return
        key = min(keys)
        rows: dict[str, Row | None] = {}
        for table, head in heads.items():
            if head is not None and head[0] == key:
                rows[table] = head[1]
                heads[table] = next(streams[table], None)
            else:
                rows[table] = None
        yield Post(key, rows)


def replay_posts(engine: sa.Engine, *, after: int, page: int, limit: int | None) -> Iterator[Post]:
    """Every post after `after` in key order (at most `limit`). One connection per table, so
    the three unbuffered result sets can be read side by side."""
    connections = [engine.connect() for _ in TABLE_KEYS]
    streams = {
        table: table_rows(connection, table, after, page)
        for table, connection in zip(TABLE_KEYS, connections, strict=True)
    }
    try:
        for count, post in enumerate(merge_posts(streams)):
            if limit is not None and count >= limit:
                return
            yield post
    finally:
        for stream in streams.values():
            stream.close()
        for connection in connections:
            connection.close()


def fetch_post(connection: sa.Connection, key: int) -> Post:
    rows: dict[str, Row | None] = {}
    for table in TABLE_KEYS:
        found = connection.execute(_ONE_SQL[table], {"key": key}).mappings().first()
        rows[table] = dict(found) if found is not None else None
    return Post(key, rows)


def key_range(connection: sa.Connection) -> tuple[int, int, int] | None:
    """(min key, max key, number of posts), or None when the post table is empty."""
    low, high, count = connection.execute(_KEY_RANGE_SQL).one()
    return None if count == 0 else (int(low), int(high), int(count))
