"""Write generated rows to MariaDB: create the tables, then one transaction per batch.

A batch carries the same index range for all three tables and is committed whole, so an
interrupted run leaves a consistent prefix 0..k-1 in every table.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import pymysql
import sqlalchemy.exc
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from core.catalogue import POSTS
from core.errors import ConfigurationError
from core.progress import Progress
from core.stopping import StopRequest
from ingestion.clients.mysql import (
    ACCESS_DENIED,
    CANNOT_CONNECT,
    DATABASE_ACCESS_DENIED,
    UNKNOWN_DATABASE,
    UNKNOWN_HOST,
    connection_failure,
    error_parts,
    statement_failure,
)
from ingestion.read_ahead import read_ahead
from standins.generate import schema
from standins.generate.rows import Batch

ADMIN_URL_SETTING = "PINTEREST_DB_ADMIN_URL"


@dataclass(frozen=True)
class Target:
    """Where to write. `url` holds the password: only `display` may ever be printed."""

    url: URL
    source: str

    @property
    def database(self) -> str:
        return self.url.database or ""

    @property
    def display(self) -> str:
        return self.url.render_as_string(hide_password=True)


def parse_target(raw_url: str, source: str = ADMIN_URL_SETTING) -> Target:
    try:
        url = make_url(raw_url)
    except sqlalchemy.exc.ArgumentError:
        # The parser's own message repeats the whole string, password included.
        raise ConfigurationError(
            f"{source} is not a valid SQLAlchemy URL; expected "
            "mysql+pymysql://USER:PASSWORD@HOST:PORT/DATABASE"  # pragma: allowlist secret
        ) from None
    backend = url.get_backend_name()
    if backend not in ("mysql", "mariadb"):
        raise ConfigurationError(
            f"{source} must point at MySQL or MariaDB (mysql+pymysql://...), not {backend!r}"
        )
    # The loader relies on PyMySQL (its multi-row executemany and its error classes), the one
    # driver this project installs, whatever driver the URL names.
    url = url.set(drivername=f"{backend}+pymysql")
    if not url.database:
        raise ConfigurationError(
            f"{source} names no database ({url.render_as_string(hide_password=True)}); "
            "add /pinterest_data to its path"
        )
    return Target(url=url, source=source)


class LoadInterrupted(KeyboardInterrupt):
    """Ctrl-C during the load; `written` posts (with their other rows) are committed."""

    def __init__(self, written: int) -> None:
        super().__init__(written)
        self.written = written


@dataclass(frozen=True)
class LoadSummary:
    posts: int
    seconds: float

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds > 0 else 0.0


def connect(target: Target) -> Any:
    """A raw DBAPI connection (autocommit off), or an error naming what to fix."""
    engine = create_engine(target.url, poolclass=NullPool)
    try:
        return engine.raw_connection()
    except sqlalchemy.exc.DBAPIError as exc:
        raise connection_failure(exc.orig)(_connect_problem(target, exc.orig)) from None
    except pymysql.err.Error as exc:
        # raw_connection() passes the driver's own error through unwrapped.
        raise connection_failure(exc)(_connect_problem(target, exc)) from None


def _connect_problem(target: Target, error: BaseException | None) -> str:
    code, message = error_parts(error)
    where = target.display
    if code == ACCESS_DENIED:
        return f"access denied at {where}: wrong user or password in {target.source}"
    if code == DATABASE_ACCESS_DENIED:
        return (
            f"the user in {target.source} may not use database {target.database!r} at {where} "
            "(or it does not exist); fix the database name or grant the user access"
        )
    if code == UNKNOWN_DATABASE:
        return (
            f"database {target.database!r} does not exist at {where}; create it "
            f"(the local stack does) or fix the database name in {target.source}"
        )
    if code in (CANNOT_CONNECT, UNKNOWN_HOST):
        return (
            f"cannot reach the database server at {where} ({message}); start it "
            f"or fix the host/port in {target.source}"
        )
    return f"cannot connect to {where} ({code}: {message}); check {target.source}"


def create_tables(connection: Any, target: Target) -> None:
    """Create the tables that are missing."""
    try:
        with connection.cursor() as cursor:
            for ddl in schema.CREATE_TABLES:
                cursor.execute(ddl)
            for (table, column), (data_type, alter) in schema.WIDENED.items():
                cursor.execute(schema.COLUMN_TYPE, (table, column))
                found = cursor.fetchone()
                if found is not None and found[0].lower() != data_type:
                    cursor.execute(alter)
        connection.commit()
    except pymysql.err.Error as exc:
        raise ConfigurationError(_prepare_problem(target, exc)) from None


def _prepare_problem(target: Target, exc: pymysql.err.Error) -> str:
    code, message = error_parts(exc)
    return (
        f"cannot prepare the tables in {target.database} ({code}: {message}); the user in "
        f"{target.source} needs CREATE, DROP, SELECT and INSERT on that database"
    )


def prepare_tables(connection: Any, target: Target, truncate: bool) -> None:
    """Create missing tables; empty them with `truncate`, else refuse to add to existing rows."""
    create_tables(connection, target)
    try:
        with connection.cursor() as cursor:
            counts = {}
            for table, query in schema.COUNT_ROWS.items():
                cursor.execute(query)
                counts[table] = int(cursor.fetchone()[0])
            if truncate:
                for statement in schema.TRUNCATE_TABLES:
                    cursor.execute(statement)
        connection.commit()
    except pymysql.err.Error as exc:
        raise ConfigurationError(_prepare_problem(target, exc)) from None
    if not truncate and any(counts.values()):
        raise ConfigurationError(_existing_rows_message(target.database, counts))


def _existing_rows_message(database: str, counts: dict[str, int]) -> str:
    posts = counts[POSTS.name]
    others = {t: n for t, n in counts.items() if t != POSTS.name and n != posts}
    extra = "".join(f", {n} rows in {t}" for t, n in others.items())
    return (
        f"tables in {database} already hold {posts} posts{extra}; pass --truncate to replace them"
    )


def write_batches(
    connection: Any,
    target: Target,
    batches: Iterable[Batch],
    progress: Progress,
    stop: StopRequest,
) -> int:
    """Insert and commit batch by batch; returns the number of posts committed. A stop request
    ends the load once the batch in hand is committed (LoadInterrupted), unless it was the
    last."""
    written = 0
    try:
        for batch in batches:
            if stop.requested:
                raise LoadInterrupted(written)
            with connection.cursor() as cursor:
                cursor.executemany(schema.INSERT_POSTS, batch.posts)
                cursor.executemany(schema.INSERT_GEOLOCATION, batch.geolocations)
                cursor.executemany(schema.INSERT_USERS, batch.users)
            connection.commit()
            written += len(batch)
            progress.advance(len(batch))
    except LoadInterrupted:
        raise
    except KeyboardInterrupt:  # a second Ctrl-C, mid-batch: that batch is rolled back
        raise LoadInterrupted(written) from None
    except pymysql.err.Error as exc:
        code, message = error_parts(exc)
        raise statement_failure(exc)(
            f"writing to {target.database} failed after {written} posts were committed "
            f"({code}: {message}); fix the cause, then rerun with --truncate"
        ) from None
    return written


def load(
    target: Target,
    batches: Iterable[Batch],
    truncate: bool,
    progress: Progress,
    stop: StopRequest,
) -> LoadSummary:
    """Prepare the tables and write all batches; the connection is always released."""
    try:
        with released(connect(target)) as connection:
            if stop.requested:  # stopped while connecting: nothing truncated or written
                raise LoadInterrupted(0)
            prepare_tables(connection, target, truncate)
            started = time.perf_counter()
            # The next batch is generated while this one is on the wire or in the server;
            # closed here, still under the stop request's handler, and not at exit.
            with closing(read_ahead(batches, name="generate-rows")) as ahead:
                written = write_batches(connection, target, ahead, progress, stop)
    finally:
        progress.close()
    return LoadSummary(posts=written, seconds=time.perf_counter() - started)


@contextmanager
def released(connection: Any) -> Iterator[Any]:
    """The connection, closed at the end. After any exception it is invalidated instead: an
    interrupt may leave half a statement on the socket, and a polite close would wait for a
    reply that never comes. Invalidating drops it; the server rolls back."""
    try:
        yield connection
    except BaseException:
        connection.invalidate()
        raise
    connection.close()
