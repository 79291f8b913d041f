"""One micro-batch of the hot path: the batch's objects read as the landing's external tables
read them, then each hot-path model's compiled SQL over them, merged into its table on its
key as dbt's incremental merge does (`when matched then update set * when not matched then
insert *`).

A micro-batch run again after a crash writes the same rows again: staging keeps a key's
latest landed line whatever the order it arrives in (macros/landing.sql, `newer_than_held`),
the audit merges on the object, and the enriched model joins again the posts the batch
changed. So a replay repeats nothing, and Delta's per-table commits need no transaction
across tables."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from streaming.plan import BATCH_PREFIX, HotPathModel, Plan

log = logging.getLogger(__name__)
# The rows a model's SQL gives, before its merge: `<prefix><model>`.
ROWS_PREFIX = "hot_path_rows_"


@dataclass(frozen=True)
class BatchResult:
    objects: dict[str, int]  # per source table
    models: dict[str, float]  # seconds per model run
    seconds: float


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
    try:
        timings = _merge_all(spark, [m for m in plan.models if m.reads & new], threads)
    finally:
        for frame in frames:
            frame.unpersist()
    return BatchResult(
        objects={name: len(urls) for name, urls in objects.items()},
        models=timings,
        seconds=time.monotonic() - started,
    )


def _merge_all(spark: Any, models: list[HotPathModel], threads: int) -> dict[str, float]:
    """Run the models, each as soon as the models it reads are merged; seconds per model.
    Much of a merge waits on the driver (planning, Delta's log, the commit), so models that
    do not read each other (staging's three and the audit) overlap well even on few cores."""
    running = {model.name for model in models}
    pending = list(models)
    timings: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="hot-path") as pool:
        started: dict[Future[float], HotPathModel] = {}
        while pending or started:
            for model in [m for m in pending if not (m.after & running) - timings.keys()]:
                pending.remove(model)
                started[pool.submit(_merge, spark, model)] = model
            done, _ = wait(started, return_when=FIRST_COMPLETED)
            for future in done:
                timings[started.pop(future).name] = future.result()
    return timings


def _merge(spark: Any, model: HotPathModel) -> float:
    began = time.monotonic()
    rows = ROWS_PREFIX + model.name
    spark.sql(model.sql).createOrReplaceTempView(rows)
    key = model.unique_key
    spark.sql(
        f"merge into {model.relation} as held using {rows} as batch"
        f" on held.{key} = batch.{key}"
        " when matched then update set * when not matched then insert *"
    )
    return time.monotonic() - began
