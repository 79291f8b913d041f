"""One source table sent to its topic by a process of its own.

Reading pages, handing rows to the Kafka client and serving its delivery reports are all
Python-bound: in one process they kept one core busy while the other waited. A process per
table uses both. The tables share nothing but a stop (`Control`): each keeps its own position,
the last key it sent, and reads its rows after it, so a geolocation or user row that lands
after its post's pin row was sent is still ahead of its table's position.

Every read is a statement of its own in autocommit: no transaction, snapshot or metadata lock
outlives it. A worker that held one while it waited for new rows made an ALTER TABLE wait for
it, and every other reader and writer of the table, the worker's next read too, queue behind
the ALTER.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.context import BaseContext
from multiprocessing.queues import Queue
from typing import Any

import sqlalchemy as sa

from core.backoff import Backoff
from core.errors import TransientError
from ingestion.clients.mysql import connection_failure, connection_lost, describe, error_parts
from ingestion.emulate.publish import PostPublisher, ProducerFailed
from ingestion.emulate.rest import RestTarget, open_publisher
from ingestion.emulate.source import Page, bulk_read_url, has_rows_after, table_pages, table_queries
from ingestion.read_ahead import read_ahead

STATUS_EVERY_S = 0.5
BATCH_ROWS = 1000
BATCH_SECONDS = 0.2
# Following, how long a worker goes on trying to read its table again after the source
# database went away (restarted, its session killed) before it gives up.
RECONNECT_FOR_S = 120.0
RETRY_FIRST_S = 0.5
RETRY_CAP_S = 10.0
# A column dropped between reading the table's columns and reading its rows: read both again.
_UNKNOWN_COLUMN = 1054


@dataclass(frozen=True)
class Follow:
    """Follow mode: after the rows present, look for newer ones every `interval` seconds until
    stopped, riding out a lost source database for up to `reconnect_for` seconds."""

    interval: float
    reconnect_for: float = RECONNECT_FOR_S


@dataclass(frozen=True)
class TableJob:
    table: str
    topic: str
    db_url: str
    target: dict[str, Any] | RestTarget  # a Kafka producer config, or a REST endpoint
    after: int  # the table's position: its rows after this key are sent
    upto: int  # the last key to send (following: AFTER_LAST_KEY)
    page: int
    rate: float | None  # rows per second; None is as fast as possible
    follow: Follow | None = None


@dataclass
class TableStatus:
    """What a worker reports to the parent, every STATUS_EVERY_S and once at the end."""

    table: str
    rows: int = 0
    delivered: int = 0
    failed: int = 0
    value_bytes: int = 0
    last_sent: int | None = None
    watermark: int | None = None  # last key with it and all the table's keys before it delivered
    first_error: str | None = None  # first failed delivery
    error: str | None = None  # why the worker stopped early
    notice: str | None = None  # for the parent to log once (a lost connection, retried)
    done: bool = False


class Control:
    """Shared between the parent and the workers: whether to stop. A worker stops after the
    row in hand; each table resumes from its own position, so they need not end at one key."""

    def __init__(self, context: BaseContext) -> None:
        self._stop = context.Value("b", 0, lock=False)

    def stop(self) -> None:
        self._stop.value = 1

    @property
    def stopping(self) -> bool:
        return bool(self._stop.value)


@dataclass
class _Pacer:
    rate: float | None
    started: float = field(default_factory=time.monotonic)

    def wait(self, sent: int) -> None:
        if self.rate is not None:
            delay = self.started + sent / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)


def run_table(job: TableJob, control: Control, statuses: Queue[TableStatus]) -> None:
    """Process entry point: send the table's rows after job.after up to job.upto; following,
    on as rows arrive until stopped."""
    # Ctrl-C reaches the whole process group; the parent alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = TableStatus(job.table)
    publisher = open_publisher(job.target, {job.table: job.topic})
    engine = sa.create_engine(bulk_read_url(job.db_url), isolation_level="AUTOCOMMIT")
    worker = _Worker(job, control, publisher, status, statuses)
    try:
        worker.run(engine)
    except sa.exc.DBAPIError as exc:
        status.error = f"lost the source database after {status.rows:,} rows: {describe(exc)}"
    except ProducerFailed:
        pass  # told below: it may also first show in the last flush
    except Exception as exc:
        status.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        publisher.flush()
        if publisher.fatal is not None and status.error is None:
            status.error = (
                f"Kafka stopped the producer after {status.rows:,} rows ({publisher.fatal}): "
                "check that the emulator's Kafka user may write its topics "
                "(KAFKA_EMULATOR_CONFIG)"
            )
        engine.dispose()
        _snapshot(status, publisher)
        status.done = True
        statuses.put(status)


@dataclass
class _Worker:
    job: TableJob
    control: Control
    publisher: PostPublisher
    status: TableStatus
    statuses: Queue[TableStatus]
    pacer: _Pacer = field(init=False)
    last_report: float = field(init=False, default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.pacer = _Pacer(self.job.rate)

    @property
    def position(self) -> int:
        """The last key handed to the producer: the next read starts after it."""
        return self.status.last_sent if self.status.last_sent is not None else self.job.after

    def run(self, engine: sa.Engine) -> None:
        """Send the rows after the position; following, look again every interval, and try a
        read that failed for a reason that may pass again, after the position, until the
        follow's reconnect time is up."""
        follow = self.job.follow
        retry: Backoff | None = None
        while not self.control.stopping:
            try:
                self._read_once(engine)
            except _Lost as lost:
                assert follow is not None
                retry = retry or Backoff(RETRY_FIRST_S, RETRY_CAP_S, follow.reconnect_for)
                delay = retry.next_delay()
                if retry.overruns(delay):
                    self.status.error = (
                        f"lost the source database after {self.status.rows:,} rows, "
                        f"still after {follow.reconnect_for:.0f} s of trying again: {lost}"
                    )
                    return
                self._notify(
                    f"lost the source database ({lost}); reading after key {self.position} "
                    f"again in {delay:.1f} s"
                )
                self._idle(delay)
                continue
            retry = None
            if follow is None:
                return
            self._idle(follow.interval)

    def _read_once(self, engine: sa.Engine) -> None:
        try:
            with self._connect(engine) as connection:
                self._send_new_rows(connection)
        except sa.exc.DBAPIError as exc:
            # Closing a connection the server dropped mid-read fails too (SQLAlchemy's
            # rollback on close), after the read's own failure: as much a loss that may pass.
            if self.job.follow is not None and may_pass(exc):
                raise _Lost(exc) from exc
            raise

    def _connect(self, engine: sa.Engine) -> sa.Connection:
        try:
            return engine.connect()
        except sa.exc.DBAPIError as exc:
            if self.job.follow is not None and connection_failure(exc.orig) is TransientError:
                raise _Lost(exc) from exc
            raise

    def _send_new_rows(self, connection: sa.Connection) -> None:
        job = self.job
        try:
            # Following, most looks find nothing new: only then are the columns read.
            if job.follow is not None and not has_rows_after(
                connection, job.table, self.position, job.upto
            ):
                return
            # The table as it is now: a column added since the last read is sent too.
            queries = table_queries(connection, job.table)
            # The database renders the next page while this process sends the current one.
            pages = read_ahead(
                table_pages(connection, queries, after=self.position, upto=job.upto, page=job.page),
                name="page-reader",
            )
            try:
                self._send_pages(pages)
            finally:
                pages.close()
        except sa.exc.DBAPIError as exc:
            if job.follow is not None and may_pass(exc):
                raise _Lost(exc) from exc
            raise

    def _send_pages(self, pages: Iterator[Page]) -> None:
        job, status, publisher, control = self.job, self.status, self.publisher, self.control
        tracker = publisher.tracker
        last_poll = time.monotonic()
        batch = tracker.batch()
        try:
            for page in pages:
                for key, value in page:
                    if control.stopping:
                        return
                    self.pacer.wait(status.rows)
                    publisher.produce(batch, job.table, key, value)
                    status.last_sent = key
                    status.rows += 1
                    # A batch is the unit of the checkpoint: a few thousand rows, or what a
                    # slow rate sends in a fraction of a second.
                    if batch.sent >= BATCH_ROWS or (
                        job.rate is not None and time.monotonic() - last_poll >= BATCH_SECONDS
                    ):
                        batch.close()
                        batch = tracker.batch()
                        publisher.poll()
                        last_poll = time.monotonic()
                        # Within a page too: at a slow rate a page lasts many seconds, and the
                        # parent's progress would stand still, then jump.
                        self._report()
                self._report()
        finally:
            batch.close()
            publisher.poll()

    def _idle(self, seconds: float) -> None:
        """Wait, serving delivery reports and reporting, until the time is up or a stop."""
        until = time.monotonic() + seconds
        while not self.control.stopping and (left := until - time.monotonic()) > 0:
            self.publisher.poll()
            self._report()
            time.sleep(min(0.05, left))

    def _report(self) -> None:
        if time.monotonic() - self.last_report >= STATUS_EVERY_S:
            self.last_report = time.monotonic()
            self.statuses.put(_snapshot(self.status, self.publisher))

    def _notify(self, notice: str) -> None:
        self.status.notice = notice
        self.statuses.put(_snapshot(self.status, self.publisher))
        self.status.notice = None


class _Lost(Exception):
    """A read failed for a reason that may pass: reading again later may succeed."""

    def __init__(self, cause: sa.exc.DBAPIError) -> None:
        super().__init__(describe(cause))


def may_pass(exc: sa.exc.DBAPIError) -> bool:
    """The server or the connection went away, or a column went between reading the table's
    columns and reading its rows."""
    code, _ = error_parts(exc.orig)
    return connection_lost(exc.orig) or code == _UNKNOWN_COLUMN


def _snapshot(status: TableStatus, publisher: PostPublisher) -> TableStatus:
    tracker = publisher.tracker
    status.delivered = tracker.delivered
    status.failed = tracker.failed
    status.watermark = tracker.watermark
    status.first_error = tracker.first_error
    status.value_bytes = publisher.value_bytes
    return replace(status)
