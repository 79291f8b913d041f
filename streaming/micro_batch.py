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
from dataclasses import dataclass
from typing import Any

from streaming.plan import BATCH_PREFIX, Plan

log = logging.getLogger(__name__)
ROWS_VIEW = "hot_path_rows"


@dataclass(frozen=True)
class BatchResult:
    objects: dict[str, int]  # per source table
    models: dict[str, float]  # seconds per model run
    seconds: float


def run_batch(
    spark: Any, plan: Plan, objects: Mapping[str, Sequence[str]], empty_folder: str
) -> BatchResult:
    """Merge the objects (source table -> object URLs) into the hot path's tables.
    `empty_folder` holds no object: a table with none new reads it, as no lines."""
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
    timings: dict[str, float] = {}
    try:
        for model in plan.models:
            if not model.reads & new:
                continue
            began = time.monotonic()
            spark.sql(model.sql).createOrReplaceTempView(ROWS_VIEW)
            key = model.unique_key
            spark.sql(
                f"merge into {model.relation} as held using {ROWS_VIEW} as batch"
                f" on held.{key} = batch.{key}"
                " when matched then update set * when not matched then insert *"
            )
            timings[model.name] = time.monotonic() - began
    finally:
        for frame in frames:
            frame.unpersist()
    return BatchResult(
        objects={name: len(urls) for name, urls in objects.items()},
        models=timings,
        seconds=time.monotonic() - started,
    )
