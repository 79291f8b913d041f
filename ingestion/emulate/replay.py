"""Replay: every table sent by its own worker process (`table_worker`), watched from here.

This process shows progress, saves the checkpoint (the last key up to which every table is
delivered), following: looks for new rows and lets the workers send them, and on
Ctrl-C/SIGTERM or a worker's failure ends all workers at a common key.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path

import sqlalchemy as sa

from ingestion.catalogue import POSTS
from ingestion.db import describe
from ingestion.emulate.checkpoint import save_checkpoint
from ingestion.emulate.outcome import Outcome
from ingestion.emulate.publish import FLUSH_TIMEOUT_S
from ingestion.emulate.source import BEFORE_FIRST_KEY
from ingestion.emulate.table_worker import Control, TableJob, TableStatus, run_table
from ingestion.progress import Progress
from ingestion.stopping import StopRequest

CHECKPOINT_EVERY_S = 1.0


@dataclass(frozen=True)
class Follow:
    """Follow mode: every `interval` seconds, ask `last_key` for the last key present in the
    source and send the rows up to it too."""

    last_key: Callable[[], int]
    interval: float


def common_watermark(statuses: Iterable[TableStatus], after: int) -> int | None:
    """The last key such that every table's rows up to it are delivered, or None when that is
    still before the first key. A table that sent every row up to a key (its end, or in follow
    mode the last end it reached) and had each one delivered counts as delivered up to that
    key, even past its own last row."""
    keys = []
    for status in statuses:
        sent_through = status.end if status.done and status.end is not None else status.through
        if status.failed == 0 and status.delivered == status.rows and sent_through is not None:
            keys.append(sent_through)
        else:
            keys.append(status.watermark if status.watermark is not None else after)
    key = min(keys, default=after)
    return None if key == BEFORE_FIRST_KEY else key


def replay_tables(
    jobs: list[TableJob],
    *,
    upto: int,
    progress: Progress,
    checkpoint: Path | None,
    stop: StopRequest,
    follow: Follow | None = None,
) -> Outcome:
    after = jobs[0].after
    # Not fork: the Kafka client's threads would not survive it. A fork server that imported
    # the worker once starts the three workers in a fraction of what three spawns take.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ingestion.emulate.table_worker"])
    control = Control(context, len(jobs), after, upto, follow=follow is not None)
    reports: Queue[TableStatus] = context.Queue()
    latest = {job.table: TableStatus(job.table) for job in jobs}
    workers = [
        context.Process(
            target=run_table,
            args=(job, index, control, reports),
            name=f"emulate-{job.table}",
            daemon=True,
        )
        for index, job in enumerate(jobs)
    ]
    for worker in workers:
        worker.start()
    aligned = False
    last_saved = last_polled = time.monotonic()
    killed = False
    follow_error: str | None = None
    try:
        while not all(status.done for status in latest.values()):
            _receive(reports, latest, timeout=0.2)
            _notice_deaths(workers, jobs, reports, latest)
            progress.advance(latest[POSTS.name].rows - progress.count)
            due = follow is not None and time.monotonic() - last_polled >= follow.interval
            if follow is not None and due and not aligned:
                last_polled = time.monotonic()
                try:
                    control.extend(follow.last_key())
                except sa.exc.DBAPIError as exc:  # stop as a table's failed read does
                    follow_error = f"lost the source database looking for new rows: {describe(exc)}"
            failed = follow_error is not None or any(status.error for status in latest.values())
            if not aligned and (stop.requested or failed):
                aligned = True
                control.finish(lambda index: workers[index].is_alive())
            if checkpoint is not None and time.monotonic() - last_saved >= CHECKPOINT_EVERY_S:
                save_checkpoint(checkpoint, common_watermark(latest.values(), after))
                last_saved = time.monotonic()
    except KeyboardInterrupt:
        # A second Ctrl-C: stop now. Messages still queued in the workers are lost to Kafka
        # but not to the checkpoint, which only counts delivered ones.
        killed = True
        for worker in workers:
            worker.terminate()
    finally:
        for worker in workers:
            worker.join(FLUSH_TIMEOUT_S)
        _receive(reports, latest, timeout=0)
        progress.advance(latest[POSTS.name].rows - progress.count)
        progress.close()
        key = common_watermark(latest.values(), after)
        if checkpoint is not None:
            save_checkpoint(checkpoint, key)
    outcome = _outcome(latest.values(), key, interrupted=stop.requested or killed)
    outcome.error = outcome.error or follow_error
    return outcome


def _receive(reports: Queue[TableStatus], latest: dict[str, TableStatus], timeout: float) -> None:
    """Take every waiting report, waiting up to `timeout` for the first."""
    try:
        status = reports.get(timeout=timeout) if timeout > 0 else reports.get_nowait()
        while True:
            latest[status.table] = status
            status = reports.get_nowait()
    except queue.Empty:
        return


def _notice_deaths(
    workers: list[BaseProcess],
    jobs: list[TableJob],
    reports: Queue[TableStatus],
    latest: dict[str, TableStatus],
) -> None:
    """A worker gone without its final report (killed, crashed) is a failure, not an end."""
    for worker, job in zip(workers, jobs, strict=True):
        if worker.is_alive() or latest[job.table].done:
            continue
        _receive(reports, latest, timeout=0)  # its last words may still be in the queue
        status = latest[job.table]
        if not status.done:
            status.error = f"its worker exited with code {worker.exitcode}"
            status.done = True


def _outcome(statuses: Iterable[TableStatus], key: int | None, interrupted: bool) -> Outcome:
    outcome = Outcome(checkpoint_key=key, interrupted=interrupted)
    for status in statuses:
        if status.table == POSTS.name:
            outcome.posts = status.rows
        outcome.messages += status.rows
        outcome.delivered += status.delivered
        outcome.failed += status.failed
        outcome.value_bytes += status.value_bytes
        outcome.first_error = outcome.first_error or status.first_error
        if status.error and outcome.error is None:
            outcome.error = f"{status.table}: {status.error}"
    return outcome
