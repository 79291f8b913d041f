"""The orchestrator's incremental builds as the live runner's cycles: each finished run of the
sensor (or the last build the runner asks for) read from Dagster's instance, with when the
enriched model and the marts were written (their materialisations) and what the run staged
(read through the Spark Thrift Server, by `_staged_at` within the run)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyhive import hive
from thrift.transport.TTransport import TTransportException

from core.catalogue import ENRICHED_MODEL, POSTS
from core.errors import TransientError
from orchestration.sensors import BUILD_TAG, SCOPE_TAG
from standins.live.cycle import Cycle, marts_current

ENRICHED_KEY = ("intermediate", ENRICHED_MODEL)
# A restart of the Thrift server takes about 10 s here; a build waits for it the same way.
WAREHOUSE_WAIT = 300.0
MARTS = "marts"


class RunWatcher:
    """Finished incremental runs of `scope` (the sensor's: a landing and a schema) created
    after `since` (epoch seconds), oldest first, each reported once. `schema` is a checked
    identifier."""

    def __init__(
        self,
        home: Path,
        warehouse: Callable[[], hive.Connection],
        schema: str,
        scope: str,
        since: float,
    ) -> None:
        from dagster import DagsterInstance  # seconds to import: only in a live run

        self._instance = DagsterInstance.from_config(str(home))
        self._warehouse = warehouse
        self._schema = schema
        self._since = since
        self._tags = {BUILD_TAG: "incremental", SCOPE_TAG: scope}
        self._seen: set[str] = set()

    def close(self) -> None:
        self._instance.dispose()

    def finished(self) -> list[Cycle]:
        from dagster import DagsterRunStatus, RunsFilter

        done = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
        records = self._instance.get_run_records(
            filters=RunsFilter(
                tags=self._tags,
                statuses=done,
                created_after=datetime.fromtimestamp(self._since, UTC),
            ),
            ascending=True,
        )
        cycles = []
        for record in records:
            if record.dagster_run.run_id in self._seen:
                continue
            self._seen.add(record.dagster_run.run_id)
            cycles.append(self._cycle(record, len(self._seen)))
        return cycles

    def has_seen(self, run_id: str) -> bool:
        return run_id in self._seen

    def _cycle(self, record: Any, number: int) -> Cycle:
        from dagster import DagsterEventType, DagsterRunStatus

        run = record.dagster_run
        started = record.start_time or record.create_timestamp.timestamp()
        ended = record.end_time or started
        events = self._instance.get_records_for_run(
            run.run_id,
            of_type={
                DagsterEventType.ASSET_MATERIALIZATION,
                DagsterEventType.ASSET_CHECK_EVALUATION,
                DagsterEventType.STEP_FAILURE,
            },
        ).records
        enriched_done = None
        marts: list[float] = []
        failed: list[str] = []
        for event in events:
            entry = event.event_log_entry
            dagster_event = entry.dagster_event
            if dagster_event.event_type is DagsterEventType.ASSET_MATERIALIZATION:
                path = tuple(dagster_event.asset_key.path)
                if path == ENRICHED_KEY:
                    enriched_done = entry.timestamp
                elif path[0] == MARTS:
                    marts.append(entry.timestamp)
            elif dagster_event.event_type is DagsterEventType.ASSET_CHECK_EVALUATION:
                check = dagster_event.event_specific_data
                if not check.passed:
                    failed.append(f"{check.check_name} (fail)")
            else:
                failed.append(f"{dagster_event.step_key} (error)")
        if run.status is not DagsterRunStatus.SUCCESS and not failed:
            failed.append(f"run {run.run_id[:8]} ({run.status.value.lower()})")
        since = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        until = datetime.fromtimestamp(ended, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        marts_done = marts_current(run.status is DagsterRunStatus.SUCCESS, enriched_done, marts)
        return Cycle(
            number=number,
            started=started,
            seconds=ended - started,
            failed=failed,
            enriched_done=enriched_done,
            marts_done=marts_done,
            staged=self._count(f"{self._schema}_staging.{POSTS.staging_model}", since, until),
            entered=self._keys(f"{self._schema}_intermediate.{ENRICHED_MODEL}", since, until),
        )

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of a query on a connection of its own: a restarted Thrift server leaves
        no stale session behind. While the server is away it is tried again, for up to
        WAREHOUSE_WAIT seconds."""
        deadline = time.monotonic() + WAREHOUSE_WAIT
        while True:
            try:
                connection = self._warehouse()
            except TransientError:
                connection = None  # not up (a refused login is not waited on)
            if connection is not None:
                try:
                    cursor = connection.cursor()
                    cursor.execute(sql)
                    return list(cursor.fetchall())
                except hive.OperationalError:
                    return []  # not built yet
                except (TTransportException, OSError):
                    pass  # the server went away during the query
                finally:
                    with contextlib.suppress(TTransportException, OSError):
                        connection.close()
            if time.monotonic() > deadline:
                raise TransientError(
                    f"the Spark Thrift Server has not answered for {WAREHOUSE_WAIT:.0f} s: "
                    "see .local/logs/spark.log, or run `make up`"
                )
            time.sleep(2.0)

    def _within(self, since: str, until: str) -> str:
        # Timestamps this module formatted; only identifiers (checked) vary otherwise.
        return f" where _staged_at between timestamp'{since}' and timestamp'{until}'"

    def _count(self, relation: str, since: str, until: str) -> int:
        rows = self._rows("select count(*) from " + relation + self._within(since, until))  # noqa: S608
        return int(rows[0][0]) if rows else 0

    def _keys(self, relation: str, since: str, until: str) -> list[int]:
        rows = self._rows("select ind from " + relation + self._within(since, until))  # noqa: S608
        return [int(row[0]) for row in rows]
