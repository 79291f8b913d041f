"""Replay: every table sent by its own worker process (`table_worker`), watched from here.

This process shows progress, saves the checkpoint (each table's position: the last key up to
which its rows are delivered), logs the workers' notices, and on Ctrl-C/SIGTERM or a worker's
failure stops them all.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import time
from collections.abc import Iterable, Mapping
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path

from core.catalogue import POSTS
from core.progress import Progress
from core.stopping import StopRequest
from ingestion.emulate.checkpoint import Positions, save_checkpoint
from ingestion.emulate.outcome import Outcome
from ingestion.emulate.publish import FLUSH_TIMEOUT_S
from ingestion.emulate.table_worker import Control, TableJob, TableStatus, run_table

CHECKPOINT_EVERY_S = 1.0

log = logging.getLogger(__name__)


def delivered_positions(jobs: Iterable[TableJob], statuses: Mapping[str, TableStatus]) -> Positions:
    """Each table's position: the last key up to which its rows are all delivered (its
    watermark), or where it started while none is."""
    positions = {}
    for job in jobs:
        watermark = statuses[job.table].watermark
        positions[job.table] = job.after if watermark is None else watermark
    return positions


def replay_tables(
    jobs: list[TableJob], *, progress: Progress, checkpoint: Path | None, stop: StopRequest
) -> Outcome:
    # Not fork: the Kafka client's threads would not survive it. A fork server that imported
    # the worker once starts the three workers in a fraction of what three spawns take.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ingestion.emulate.table_worker"])
    control = Control(context)
    reports: Queue[TableStatus] = context.Queue()
    latest = {job.table: TableStatus(job.table) for job in jobs}
    workers = [
        context.Process(
            target=run_table,
            args=(job, control, reports),
            name=f"emulate-{job.table}",
            daemon=True,
        )
        for job in jobs
    ]
    for worker in workers:
        worker.start()
    last_saved = time.monotonic()
    killed = False
    try:
        while not all(status.done for status in latest.values()):
            _receive(reports, latest, timeout=0.2)
            _notice_deaths(workers, jobs, reports, latest)
            progress.advance(latest[POSTS.name].rows - progress.count)
            failed = any(status.error for status in latest.values())
            if not control.stopping and (stop.requested or failed):
                control.stop()
            if checkpoint is not None and time.monotonic() - last_saved >= CHECKPOINT_EVERY_S:
                save_checkpoint(checkpoint, delivered_positions(jobs, latest))
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
        positions = delivered_positions(jobs, latest)
        if checkpoint is not None:
            save_checkpoint(checkpoint, positions)
    return _outcome(latest.values(), positions, interrupted=stop.requested or killed)


def _receive(reports: Queue[TableStatus], latest: dict[str, TableStatus], timeout: float) -> None:
    """Take every waiting report, waiting up to `timeout` for the first."""
    try:
        status = reports.get(timeout=timeout) if timeout > 0 else reports.get_nowait()
        while True:
            if status.notice is not None:
                log.warning("emulate: %s: %s", status.table, status.notice)
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


def _outcome(statuses: Iterable[TableStatus], positions: Positions, interrupted: bool) -> Outcome:
    outcome = Outcome(positions=positions, interrupted=interrupted)
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
