"""One source table sent to its topic by a process of its own.

Reading pages, handing rows to the Kafka client and serving its delivery reports are all
Python-bound: in one process they kept one core busy while the other waited. A process per
table uses both, and the three tables share no state but their common end (`Control`).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.context import BaseContext
from multiprocessing.queues import Queue
from typing import Any

import sqlalchemy as sa

from ingestion.db import describe
from ingestion.emulate.publish import PostPublisher, ProducerFailed
from ingestion.emulate.rest import RestTarget, open_publisher
from ingestion.emulate.source import Page, bulk_read_url, table_pages, table_queries
from ingestion.read_ahead import read_ahead

STATUS_EVERY_S = 0.5
BATCH_ROWS = 1000
BATCH_SECONDS = 0.2

_RUNNING, _PAUSED = 0, 1


@dataclass(frozen=True)
class TableJob:
    table: str
    topic: str
    db_url: str
    target: dict[str, Any] | RestTarget  # a Kafka producer config, or a REST endpoint
    after: int
    page: int
    rate: float | None  # rows per second; None is as fast as possible


@dataclass
class TableStatus:
    """What a worker reports to the parent, every STATUS_EVERY_S and once at the end."""

    table: str
    rows: int = 0
    delivered: int = 0
    failed: int = 0
    value_bytes: int = 0
    last_sent: int | None = None
    watermark: int | None = None  # last key with it and all keys before it delivered
    through: int | None = None  # every row up to this key was sent (the table may have none)
    end: int | None = None  # set when the worker ended, every row up to this key sent
    first_error: str | None = None  # first failed delivery
    error: str | None = None  # why the worker stopped early
    done: bool = False


class Control:
    """Shared between the parent and the workers: the last key to send, whether it may still
    grow (follow mode: the parent raises it as rows arrive), and a pause in which every worker
    reports how far it got. A stop pauses all, moves the end to the furthest of them and lets
    the others catch up, so an interrupted replay leaves every table sent up to the same key
    and a resume sends nothing twice."""

    def __init__(
        self, context: BaseContext, workers: int, after: int, upto: int, *, follow: bool = False
    ) -> None:
        self.state = context.Value("b", _RUNNING, lock=False)
        self.upto = context.Value("q", upto, lock=False)
        self.final = context.Value("b", not follow, lock=False)
        self.reached = context.Array("q", [after] * workers, lock=False)
        self.waiting = context.Array("b", workers, lock=False)

    @property
    def running(self) -> bool:
        return bool(self.state.value == _RUNNING)

    def extend(self, upto: int) -> None:
        """In the parent, following: rows up to `upto` are there to send too."""
        if not self.final.value and upto > self.upto.value:
            self.upto.value = upto

    def finish(self, alive: Callable[[int], bool]) -> int:
        """In the parent: the end grows no more; every worker ends at one key (align_end)."""
        self.final.value = True
        return self.align_end(alive)

    def wait_for_end(self, worker: int, reached: int) -> int:
        """In a worker, during a pause: say how far it got, wait for the new end, return it."""
        self.reached[worker] = reached
        self.waiting[worker] = 1
        while self.state.value == _PAUSED:
            time.sleep(0.01)
        self.waiting[worker] = 0
        return int(self.upto.value)

    def leave(self, worker: int, reached: int) -> None:
        """In a worker that ends: it will not send past `reached`."""
        self.reached[worker] = reached
        self.waiting[worker] = 1

    def align_end(self, alive: Callable[[int], bool]) -> int:
        """In the parent: pause the workers, end them all at the furthest key any has sent."""
        self.state.value = _PAUSED
        workers = range(len(self.waiting))
        while not all(self.waiting[i] or not alive(i) for i in workers):
            time.sleep(0.01)
        end = min(int(self.upto.value), max(self.reached[i] for i in workers))
        self.upto.value = end
        self.state.value = _RUNNING
        return end


@dataclass
class _Pacer:
    rate: float | None
    started: float = field(default_factory=time.monotonic)

    def wait(self, sent: int) -> None:
        if self.rate is not None:
            delay = self.started + sent / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)


def run_table(job: TableJob, worker: int, control: Control, statuses: Queue[TableStatus]) -> None:
    """Process entry point: send the table's rows after job.after up to control.upto, and on
    while the parent raises it (follow mode) until it is final."""
    # Ctrl-C reaches the whole process group; the parent alone decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = TableStatus(job.table)
    publisher = open_publisher(job.target, {job.table: job.topic})
    engine = sa.create_engine(bulk_read_url(job.db_url))
    pacer = _Pacer(job.rate)
    try:
        with engine.connect() as connection:
            queries = table_queries(connection, job.table)
            after = job.after
            while status.end is None:
                upto = int(control.upto.value)
                # The database renders the next page while this process sends the current
                # one.
                pages = read_ahead(
                    table_pages(connection, queries, after=after, upto=upto, page=job.page),
                    name="page-reader",
                )
                try:
                    _send_pages(
                        job, worker, control, pages, upto, publisher, status, statuses, pacer
                    )
                finally:
                    pages.close()
                if status.end is None:
                    status.through = after = upto
                    _await_rows(worker, control, publisher, status, statuses)
                    # A read holds a snapshot: end it, so the next read sees new rows.
                    connection.rollback()
    except sa.exc.DBAPIError as exc:
        status.error = f"lost the source database after {status.rows:,} rows: {describe(exc)}"
    except ProducerFailed:
        pass  # told below: it may also first show in the last flush
    except Exception as exc:
        status.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        last = status.last_sent if status.last_sent is not None else job.after
        control.leave(worker, status.end if status.end is not None else last)
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


def _await_rows(
    worker: int,
    control: Control,
    publisher: PostPublisher,
    status: TableStatus,
    statuses: Queue[TableStatus],
) -> None:
    """Every row up to status.through is sent: wait for the parent to raise the end (follow
    mode), serving delivery reports and reporting meanwhile, or end here once it is final."""
    reached = status.through
    assert reached is not None
    last_report = 0.0
    while True:
        if not control.running:
            control.wait_for_end(worker, reached)
        upto = int(control.upto.value)
        if upto > reached:
            return
        if control.final.value:
            status.end = upto
            return
        publisher.poll()
        if time.monotonic() - last_report >= STATUS_EVERY_S:
            last_report = time.monotonic()
            statuses.put(_snapshot(status, publisher))
        time.sleep(0.05)


def _send_pages(
    job: TableJob,
    worker: int,
    control: Control,
    pages: Iterator[Page],
    upto: int,
    publisher: PostPublisher,
    status: TableStatus,
    statuses: Queue[TableStatus],
    pacer: _Pacer,
) -> None:
    """Send the pages' rows (those up to `upto`); sets status.end if a stop ends the table
    within them."""
    tracker = publisher.tracker
    last_report = last_poll = time.monotonic()
    batch = tracker.batch()
    try:
        for page in pages:
            for key, value in page:
                if not control.running:
                    reached = status.last_sent if status.last_sent is not None else job.after
                    upto = control.wait_for_end(worker, reached)
                if key > upto:
                    status.end = upto
                    return
                pacer.wait(status.rows)
                publisher.produce(batch, job.table, key, value)
                status.last_sent = key
                status.rows += 1
                # A batch is the unit of the checkpoint: a few thousand rows, or what a slow
                # rate sends in a fraction of a second.
                if batch.sent >= BATCH_ROWS or (
                    job.rate is not None and time.monotonic() - last_poll >= BATCH_SECONDS
                ):
                    batch.close()
                    batch = tracker.batch()
                    publisher.poll()
                    last_poll = time.monotonic()
                    # Within a page too: at a slow rate a page lasts many seconds, and the
                    # parent's progress would stand still, then jump.
                    if last_poll - last_report >= STATUS_EVERY_S:
                        last_report = last_poll
                        statuses.put(_snapshot(status, publisher))
            if time.monotonic() - last_report >= STATUS_EVERY_S:
                last_report = time.monotonic()
                statuses.put(_snapshot(status, publisher))
    finally:
        batch.close()
        publisher.poll()


def _snapshot(status: TableStatus, publisher: PostPublisher) -> TableStatus:
    tracker = publisher.tracker
    status.delivered = tracker.delivered
    status.failed = tracker.failed
    status.watermark = tracker.watermark
    status.first_error = tracker.first_error
    status.value_bytes = publisher.value_bytes
    return replace(status)
