"""A live source: posts inserted one at a time at a steady rate, as people post, continuing the
key sequence of what the tables hold, until stopped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pymysql

from core.progress import Progress
from core.stopping import StopRequest
from ingestion.clients.mysql import error_parts, statement_failure
from standins.generate import schema
from standins.generate.load import Target, create_tables, released
from standins.generate.rows import GeoRow, PostRow, UserRow


@dataclass(frozen=True)
class LiveSummary:
    posts: int
    first_key: int | None
    last_key: int | None
    seconds: float

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds > 0 else 0.0


def next_key(connection: Any, target: Target) -> int:
    """The key after the last one any of the three tables holds (0 when all are empty); the
    tables are created if missing."""
    create_tables(connection, target)
    with connection.cursor() as cursor:
        cursor.execute(schema.LAST_KEY)
        (last,) = cursor.fetchone()
    connection.commit()
    return int(last) + 1


def insert_live(
    target: Target,
    connection: Any,
    rows: Iterator[tuple[PostRow, GeoRow, UserRow]],
    *,
    rate: float,
    stop: StopRequest,
    progress: Progress,
    count: int | None = None,
    duration: float | None = None,
) -> LiveSummary:
    """Insert `rows` at `rate` posts per second, each post's three rows in one transaction,
    until `stop` (or `count` posts, or `duration` seconds). Behind schedule, it catches up
    without pausing; a stop lets the post in hand commit. The connection is released."""
    started = time.monotonic()
    posts = 0
    first = last = None
    try:
        with released(connection):
            while not stop.requested and (count is None or posts < count):
                due = started + posts / rate
                if duration is not None and due - started >= duration:
                    break
                if stop.wait(max(0.0, due - time.monotonic())):
                    break
                post, geo, user = next(rows)
                with connection.cursor() as cursor:
                    cursor.execute(schema.INSERT_POSTS, post)
                    cursor.execute(schema.INSERT_GEOLOCATION, geo)
                    cursor.execute(schema.INSERT_USERS, user)
                connection.commit()
                first = post[0] if first is None else first
                last = post[0]
                posts += 1
                progress.advance()
    except pymysql.err.Error as exc:
        code, message = error_parts(exc)
        raise statement_failure(exc)(
            f"inserting into {target.database} failed after {posts} live posts were committed "
            f"({code}: {message}); rerun to go on after the last committed key"
        ) from None
    finally:
        progress.close()
    return LiveSummary(posts, first, last, time.monotonic() - started)
