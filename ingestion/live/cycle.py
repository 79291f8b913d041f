"""One incremental `dbt build`, run in this process (dbt's Python API: the project is parsed
once, not once per build), and what it brought in: the rows staged, the posts that entered
the enriched model, and when that model and the marts were done."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyhive import hive

from ingestion.errors import UserError

POSTS_MODEL = "stg_pinterest__pins"
ENRICHED_MODEL = "int_pinterest__posts_enriched"
# The tests guard what the build writes; unit tests are for CI, not for every run.
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test", "--quiet"]
# The seed is reference data that cannot change while the project stays parsed: the first
# build loads and tests it, later builds leave it (and its tests) out, which takes its load off
# the path to the staging models.
LATER_BUILD_ARGS = ["--exclude", "resource_type:seed"]


@dataclass(frozen=True)
class Cycle:
    number: int
    started: float  # epoch seconds
    seconds: float
    failed: list[str]  # nodes that errored, failed or were skipped
    enriched_done: float | None  # epoch seconds the enriched model was written, if it was
    marts_done: float | None  # epoch seconds the last mart was written, if all were
    staged: int  # posts the posts' staging model wrote
    entered: list[int]  # keys of the posts the enriched model wrote


def _epoch(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp() if moment.tzinfo is None else moment.timestamp()


class Builder:
    """Runs `dbt build` cycles against the project in `project_dir`; reads what each wrote
    through the Spark Thrift Server (`schema` is a checked identifier)."""

    def __init__(
        self, project_dir: Path, warehouse: hive.Connection, schema: str, threads: int | None
    ) -> None:
        from dbt.cli.main import dbtRunner  # dbt's import takes seconds: only when building

        self._args = [*BUILD_ARGS, "--project-dir", str(project_dir)]
        if threads is not None:
            self._args += ["--threads", str(threads)]
        parsed = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(project_dir)])
        if not parsed.success:
            raise UserError(
                f"dbt could not parse the project: {parsed.exception}; see logs/dbt.log"
            )
        self._runner = dbtRunner(manifest=parsed.result)
        self._warehouse = warehouse
        self._schema = schema
        self._number = 0

    def build(self) -> Cycle:
        self._number += 1
        started = time.time()
        args = self._args if self._number == 1 else [*self._args, *LATER_BUILD_ARGS]
        result = self._runner.invoke(args)
        seconds = time.time() - started
        if result.result is None:
            raise UserError(f"dbt build could not run: {result.exception}; see logs/dbt.log")
        done: dict[str, float] = {}
        marts: list[float | None] = []
        failed = []
        for node_result in result.result.results:
            node = node_result.node
            status = str(node_result.status)
            if status not in ("success", "pass", "no-op"):
                failed.append(f"{node.name} ({status})")
            finished = [t.completed_at for t in node_result.timing if t.name == "execute"]
            completed = _epoch(finished[0]) if finished and finished[0] else None
            if status == "success":
                done[node.name] = completed or time.time()
            if node.resource_type == "model" and node.fqn[1] == "marts":
                marts.append(completed if status == "success" else None)
        marts_done = max(marts) if marts and None not in marts else None  # type: ignore[type-var]
        since = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return Cycle(
            number=self._number,
            started=started,
            seconds=seconds,
            failed=failed,
            enriched_done=done.get(ENRICHED_MODEL),
            marts_done=marts_done,
            staged=self._count(f"{self._schema}_staging.{POSTS_MODEL}", since),
            entered=self._keys(f"{self._schema}_intermediate.{ENRICHED_MODEL}", since),
        )

    def _rows(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self._warehouse.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        except hive.OperationalError:
            return []  # not built yet
        finally:
            cursor.close()

    def _count(self, relation: str, since: str) -> int:
        # Only identifiers vary: the checked schema and fixed model names; `since` is a
        # timestamp this module formatted.
        rows = self._rows(
            "select count(*) from " + relation + " where _staged_at >= timestamp'" + since + "'"  # noqa: S608
        )
        return int(rows[0][0]) if rows else 0

    def _keys(self, relation: str, since: str) -> list[int]:
        rows = self._rows(
            "select ind from " + relation + " where _staged_at >= timestamp'" + since + "'"  # noqa: S608
        )
        return [int(row[0]) for row in rows]
