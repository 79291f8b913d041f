"""Compacting the hot path's tables between micro-batches. Each micro-batch adds a file to
each table it writes, and `dbt build` writes one per shuffle partition (8 on the stack).
Delta keeps a table's file list in its checksum, where a statement reads it at no cost, only
while the table has fewer than 50 files; and every file is one more to list, filter and open.
So after the first micro-batch that writes a table, and then every `every` more, the stream
compacts the table's small files into one (OPTIMIZE), once the micro-batch is merged: off the
path by which posts reach the marts, and never while it writes the table itself. Measured:
micro-batches 0.75x as long after the first compaction (docs/streaming.md). Delta's own auto
compaction compacted after every write."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from streaming.plan import HotPathModel

# Files at least this large are left as they are: a compaction rewrites the small files,
# not a large table whole.
SMALL_FILE_BYTES = 16 * 1024 * 1024
SETTINGS = {"spark.databricks.delta.optimize.minFileSize": str(SMALL_FILE_BYTES)}


@dataclass
class Compactor:
    every: int  # writes of a table between two compactions of it
    writes: Counter[str] = field(default_factory=Counter)

    def due(self, written: Iterable[HotPathModel]) -> list[HotPathModel]:
        """Count a write of each model's table; due are the tables written for the first
        time since the stream started, or `every` times since their last compaction."""
        due = []
        for model in written:
            self.writes[model.name] += 1
            if self.writes[model.name] % self.every == 1 % self.every:
                due.append(model)
        return due


def compact(spark: Any, models: Iterable[HotPathModel]) -> float:
    """Compact each model's table; the seconds it took."""
    began = time.monotonic()
    for model in models:
        spark.sql(f"optimize {model.relation}")
    return time.monotonic() - began
