"""One micro-batch of the hot path: the batch's objects read as the landing's external tables
read them, then each hot-path model's compiled SQL over them, written into its table as
dbt's incremental merge would: merged on its key (`when matched then update set * when not
matched then insert *`), or appended when the table holds none of the keys, which gives the
same table.

A micro-batch run again after a crash writes the same rows again: staging keeps a key's
latest landed line whatever the order it arrives in (macros/landing.sql, `newer_than_held`),
the audit merges on the object, and the enriched model joins again the posts the batch
changed. So a replay repeats nothing, and Delta's per-table commits need no transaction
across tables."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from core.errors import ConfigurationError
from streaming.compaction import SETTINGS as COMPACTION_SETTINGS
from streaming.plan import BATCH_PREFIX, IDENTIFIER, HotPathModel, Plan

log = logging.getLogger(__name__)
# The rows a model's SQL gives, before its merge: `<prefix><model>`.
ROWS_PREFIX = "hot_path_rows_"
# Each job's group names its model, in the Spark UI and the event log.
JOB_GROUP_PREFIX = "hot_path:"
ROWS_PER_FILE = 500_000


# The stream's own Spark settings, where the properties file (the Thrift server's) sets none.
SETTINGS = {
    # A merged model's rows are already materialised (_merge): Delta's MERGE need not do it
    # again to read them twice, as its `auto` does for a source that is not Delta's.
    "spark.databricks.delta.merge.materializeSource": "none",
}


def configure(spark: Any) -> None:
    for key, value in {**SETTINGS, **COMPACTION_SETTINGS}.items():
        if spark.conf.get(key, None) is None:
            spark.conf.set(key, value)


@dataclass(frozen=True)
class BatchResult:
    objects: dict[str, int]  # per source table
    models: dict[str, float]  # seconds per model run
    seconds: float
    # When every model the marts read had merged, from the batch's start: the new posts are
    # in the marts from then (None: no such model ran).
    marts_current: float | None


def run_batch(
    spark: Any,
    plan: Plan,
    objects: Mapping[str, Sequence[str]],
    empty_folder: str,
    threads: int = 1,
) -> BatchResult:
    """Merge the objects (source table -> object URLs) into the hot path's tables, up to
    `threads` models at a time, each once those it reads are merged. `empty_folder` holds no
    object: a table with none new reads it, as no lines."""
    started = time.monotonic()
    frames = []
    for table in plan.tables:
        paths = list(objects.get(table.name, ())) or [empty_folder]
        # The file metadata as a column of the view: `_metadata` is hidden, and a view
        # over the read would not show it to the compiled SQL.
        frame = (
            spark.read.schema(table.json_schema)
            .options(**plan.json_options)
            .json(paths)
            .select("*", "_metadata")
            .cache()
        )
        frame.createOrReplaceTempView(BATCH_PREFIX + table.name)
        frames.append(frame)
    new = {name for name, urls in objects.items() if urls}
    models = [m for m in plan.models if m.reads & new]
    try:
        timings, ended = _merge_all(spark, models, threads)
    finally:
        for frame in frames:
            frame.unpersist()
    feeding = [ended[m.name] for m in models if m.feeds_marts]
    return BatchResult(
        objects={name: len(urls) for name, urls in objects.items()},
        models=timings,
        seconds=time.monotonic() - started,
        marts_current=max(feeding) - started if feeding else None,
    )


def _merge_all(
    spark: Any, models: list[HotPathModel], threads: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Run the models, each as soon as the models it reads are merged, those the marts read
    first; seconds per model, and when each ended (`time.monotonic()`). Much of a merge waits
    on the driver (planning, Delta's log, the commit), so models that do not read each other
    (staging's three) overlap well even on few cores. A model no mart reads (the landing's
    audit) waits for those that are: on 2 cores it would slow them down by as much as it
    takes."""
    running = {model.name for model in models}
    first = {model.name for model in models if model.feeds_marts}
    pending = list(models)
    timings: dict[str, float] = {}
    ended: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="hot-path") as pool:
        started: dict[Future[float], HotPathModel] = {}
        while pending or started:
            for model in [m for m in pending if _ready(m, running, first, timings.keys())]:
                pending.remove(model)
                started[pool.submit(_merge, spark, model)] = model
            done, _ = wait(started, return_when=FIRST_COMPLETED)
            for future in done:
                name = started.pop(future).name
                timings[name] = future.result()
                ended[name] = time.monotonic()
    return timings, ended


def _ready(
    model: HotPathModel, running: set[str], first: set[str], merged: Collection[str]
) -> bool:
    waits_for = model.after & running if model.feeds_marts else first | (model.after & running)
    return not waits_for - set(merged)


def _merge(spark: Any, model: HotPathModel) -> float:
    """Write the model's rows into its table: appended when the table holds none of their
    keys (new posts, the common case), merged on the key otherwise (a post sent again, a
    micro-batch replayed after a crash). An append costs a fifth of a MERGE
    (bench/delta_writes.py), and writes the same rows as one into a table without the keys."""
    began = time.monotonic()
    # A thread's own property: the jobs of the models merged at the same time keep apart.
    spark.sparkContext.setJobGroup(f"{JOB_GROUP_PREFIX}{model.name}", f"merge {model.relation}")
    rows = ROWS_PREFIX + model.name
    # Computed once, then compared with the table and written. A local checkpoint, not a
    # cache: it keeps no plan over the table, which a write would make Spark compute again.
    computed = spark.sql(model.sql).localCheckpoint(eager=True)
    computed.createOrReplaceTempView(rows)
    key = model.unique_key
    count, held = spark.sql(
        f"select count(*), count(held.{key}) from {rows} as batch"  # noqa: S608 (names checked)
        f" left join {model.relation} as held on held.{key} = batch.{key}"
    ).first()
    # Written as one file per ROWS_PER_FILE rows, not one per shuffle partition: a table of
    # many small files costs each later statement more (Delta keeps a table's file list in
    # its checksum, read at no cost, only while the table has few files).
    computed.coalesce(max(1, -(-count // ROWS_PER_FILE))).createOrReplaceTempView(rows)
    if held:
        spark.sql(
            f"merge into {model.relation} as held using {rows} as batch"
            f" on held.{key} = batch.{key}"
            " when matched then update set * when not matched then insert *"
        )
    else:
        columns = ", ".join(f"`{_column(name, model)}`" for name in spark.table(rows).columns)
        spark.sql(
            f"insert into {model.relation} ({columns}) select {columns} from {rows}"  # noqa: S608
        )
    return time.monotonic() - began


def _column(name: str, model: HotPathModel) -> str:
    if not IDENTIFIER.fullmatch(name):
        raise ConfigurationError(f"{model.name}: column {name!r} is not a plain name")
    return name
