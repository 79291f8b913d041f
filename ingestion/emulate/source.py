"""Read the source tables as Kafka message values.

The database renders each row as JSON itself (JSON_OBJECT over the table's columns,
with their original names): it does so in C, in its own process, where building the same text
in Python was the emulator's largest cost. The driver hands the bytes over untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from core.catalogue import POSTS, SOURCE_TABLES, TABLE_KEYS

# Below every key of an INT column: the "after" of a read from the start.
BEFORE_FIRST_KEY = -(2**63)
# Above every key: the "upto" of a read with no end (following).
AFTER_LAST_KEY = 2**63 - 1

Page = list[tuple[int, bytes]]


@dataclass(frozen=True)
class Post:
    """One post: its key and each table's row as a message value (None where a table has no
    row for it)."""

    key: int
    rows: dict[str, bytes | None]


@dataclass(frozen=True)
class TableQueries:
    """The two reads of one table. Identifiers are quoted by SQLAlchemy, values always bound."""

    table: str
    # (key, row) with :after < key <= :upto in key order, at most :page of them.
    page: sa.Select[tuple[int, bytes]]
    # (key, row) where key = :key.
    one: sa.Select[tuple[int, bytes]]


def bulk_read_url(url: str) -> sa.URL:
    """The same database through mysqlclient, a C driver, for the bulk read: PyMySQL, pure
    Python, spent as much CPU decoding the rows as MariaDB spent rendering them (23 against
    25 CPU-seconds for 3,000,000 rows; mysqlclient 5). Whatever driver the URL names."""
    parsed = sa.make_url(url)
    return parsed.set(drivername=parsed.get_backend_name() + "+mysqldb")


def table_queries(connection: sa.Connection, table: str) -> TableQueries:
    key = sa.column(TABLE_KEYS[table])
    names = [column["name"] for column in sa.inspect(connection).get_columns(table)]
    pairs: list[sa.ColumnElement[object]] = []
    for name in names:
        pairs += [sa.literal(name), sa.column(name)]
    # MySQL and MariaDB both write a space after every ':' and ','. MariaDB's JSON_COMPACT
    # would save 4% of the bytes (before compression) for 15% of the emulator's throughput.
    row = sa.cast(sa.func.json_object(*pairs), sa.LargeBinary)
    columns = (key, row)
    source = sa.table(table)
    page = (
        sa.select(*columns)
        .select_from(source)
        .where(key > sa.bindparam("after"), key <= sa.bindparam("upto"))
        .order_by(key)
        .limit(sa.bindparam("page"))
    )
    one = sa.select(*columns).select_from(source).where(key == sa.bindparam("key"))
    return TableQueries(table, page, one)


def has_rows_after(connection: sa.Connection, table: str, after: int, upto: int) -> bool:
    """Whether the table has a row with a key in (after, upto]: a look that costs one index
    probe, before the table's columns are read for its rows."""
    key = sa.column(TABLE_KEYS[table])
    probe = sa.select(sa.literal(1)).select_from(sa.table(table)).where(key > after, key <= upto)
    return connection.execute(probe.limit(1)).first() is not None


def table_pages(
    connection: sa.Connection, queries: TableQueries, *, after: int, upto: int, page: int
) -> Iterator[Page]:
    """The table's rows with after < key <= upto in key order, a page per query. Keyset
    pagination keeps every page an index range scan, where LIMIT/OFFSET would rescan the
    skipped rows; a bounded page keeps memory flat."""
    while True:
        rows = connection.execute(queries.page, {"after": after, "upto": upto, "page": page}).all()
        if rows:
            yield [(key, value) for key, value in rows]
        if len(rows) < page:
            return
        after = rows[-1][0]


def fetch_post(connection: sa.Connection, queries: list[TableQueries], key: int) -> Post:
    rows: dict[str, bytes | None] = {}
    for table in queries:
        found = connection.execute(table.one, {"key": key}).first()
        rows[table.table] = None if found is None else found[1]
    return Post(key, rows)


# Built by SQLAlchemy, which quotes the catalogue's identifiers; values are bound.
_POSTS = sa.table(POSTS.name)
_post_key = sa.column(POSTS.key)
_KEY_RANGE_SQL = sa.select(
    sa.func.min(_post_key), sa.func.max(_post_key), sa.func.count()
).select_from(_POSTS)
_COUNT_AFTER_SQL = (
    sa.select(sa.func.count()).select_from(_POSTS).where(_post_key > sa.bindparam("after"))
)
_NTH_KEY_AFTER_SQL = (
    sa.select(_post_key)
    .select_from(_POSTS)
    .where(_post_key > sa.bindparam("after"))
    .order_by(_post_key)
    .limit(1)
    .offset(sa.bindparam("skip"))
)
_LAST_KEY_SQL = sa.select(
    sa.func.greatest(
        *(
            sa.func.coalesce(
                sa.select(sa.func.max(sa.column(table.key)))
                .select_from(sa.table(table.name))
                .scalar_subquery(),
                sa.bindparam("none"),
            )
            for table in SOURCE_TABLES
        )
    )
)


def key_range(connection: sa.Connection) -> tuple[int, int, int] | None:
    """(min key, max key, number of posts), or None when the post table is empty."""
    low, high, count = connection.execute(_KEY_RANGE_SQL).one()
    return None if count == 0 else (int(low), int(high), int(count))


def last_key(connection: sa.Connection) -> int:
    """The last key of any table now, or BEFORE_FIRST_KEY when all are empty."""
    return int(connection.execute(_LAST_KEY_SQL, {"none": BEFORE_FIRST_KEY}).scalar_one())


def replay_span(connection: sa.Connection, after: int, limit: int | None) -> tuple[int, int]:
    """(posts to send, last key to send) for a replay whose post table resumes after
    `after`. Without a limit the span ends at the last key of any table when the replay
    starts: rows of other tables past the last post go too, rows with later keys are left for
    a resumed run."""
    posts = int(connection.execute(_COUNT_AFTER_SQL, {"after": after}).scalar_one())
    if limit is not None and limit < posts:
        last = connection.execute(_NTH_KEY_AFTER_SQL, {"after": after, "skip": limit - 1})
        return limit, int(last.scalar_one())
    return posts, max(after, last_key(connection))
