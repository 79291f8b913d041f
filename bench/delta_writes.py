"""What one micro-batch's write into a Delta table costs, by the way it writes, with the table
holding 10,000 or 1,000,000 posts: the figures the streaming hot path's design is chosen by.

For each size, a table like a staging table is written as `dbt build` writes it (one
statement, the Thrift server's 8 shuffle partitions), then R rounds of a 100-post batch are
written each way, into a table of its own:
- `merge`: MERGE on the key, `when matched then update set * when not matched then insert *`
  (dbt's incremental merge, and the stream's today), 100 new keys;
- `merge 10 updated`: the same with 10 of the 100 keys already held;
- `merge 10 updated, deletion vectors`: the same on a table with deletion vectors;
- `merge, 1 shuffle partition`: the first with `spark.sql.shuffle.partitions=1`;
- `insert-only merge`: MERGE with only `when not matched then insert`;
- `append`: INSERT INTO, no key compared.
Prints the median seconds per way and size, and the files each table holds at the end;
writes bench/results/delta-writes-<timestamp>.json.

    .venv/bin/python bench/delta_writes.py              # 10,000 and 1,000,000, 8 rounds
    .venv/bin/python bench/delta_writes.py --sizes 10000 --rounds 3

Needs `make install` (Spark's and Delta's jars, `make up` once) but no running service: the
tables are paths in a scratch folder, read by a Spark session of the stack's settings with a
catalog of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.paths import project_root
from core.settings import Settings

REPO = project_root()
RESULTS = REPO / "bench" / "results"
COLUMNS = (
    "ind int, unique_id string, title string, category string, follower_count int,"
    " _landed_offset bigint, _staged_at timestamp"
)


def rows_sql(first: int, count: int) -> str:
    # Numbers only in the statement.
    return (
        f"select cast(id as int) as ind, uuid() as unique_id, concat('post ', id) as title,"  # noqa: S608
        f" element_at(array('art', 'travel', 'quotes'), cast(id % 3 + 1 as int)) as category,"
        f" cast(id % 5000 as int) as follower_count, id as _landed_offset,"
        f" current_timestamp() as _staged_at from range({first}, {first + count})"
    )


def session(settings: Settings) -> tuple[Any, Path]:
    from pyspark.sql import SparkSession

    properties = settings.state / "spark" / "spark-defaults.conf"
    if not properties.is_file():
        sys.exit(f"no {properties}: run `make up` once (it fetches Spark's and Delta's jars)")
    scratch = Path(tempfile.mkdtemp(prefix="delta-writes-"))
    own = scratch / "spark.conf"
    # The stack's settings, but a catalog in memory: the stack's Thrift server may hold the
    # Derby metastore.
    own.write_text(
        properties.read_text()
        + "\nspark.sql.catalogImplementation in-memory\nspark.master local[2]\n"
        + f"spark.sql.warehouse.dir {scratch / 'warehouse'}\n"
    )
    os.environ["PYSPARK_SUBMIT_ARGS"] = f"--properties-file {own} pyspark-shell"
    spark = SparkSession.builder.appName("delta-writes").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark, scratch


WAYS = {
    "merge": ("update", 0, False, None),
    "merge 10 updated": ("update", 10, False, None),
    "merge 10 updated, deletion vectors": ("update", 10, True, None),
    "merge, 1 shuffle partition": ("update", 0, False, "1"),
    "insert-only merge": ("insert", 0, False, None),
    "append": ("append", 0, False, None),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=8, help="batches written each way")
    parser.add_argument("--new", type=int, default=100, help="posts per batch")
    args = parser.parse_args()
    spark, scratch = session(Settings.load())
    figures: dict[str, dict[str, object]] = {}
    for size in args.sizes:
        seed = scratch / f"seed-{size}"
        spark.conf.set("spark.sql.shuffle.partitions", "8")
        spark.sql(rows_sql(0, size)).repartition(8).write.format("delta").save(str(seed))
        for way, (kind, updated, vectors, partitions) in WAYS.items():
            table = scratch / f"{size}-{way.replace(' ', '-').replace(',', '')}"
            spark.sql(f"create table delta.`{table}` shallow clone delta.`{seed}`")
            if vectors:
                spark.sql(
                    f"alter table delta.`{table}` set tblproperties"
                    " ('delta.enableDeletionVectors' = true)"
                )
            spark.conf.set("spark.sql.shuffle.partitions", partitions or "8")
            seconds = []
            for number in range(args.rounds):
                first = size + number * args.new
                spark.sql(rows_sql(first - updated, args.new)).createOrReplaceTempView("batch")
                statement = {
                    "update": f"merge into delta.`{table}` as held using batch"
                    " on held.ind = batch.ind"
                    " when matched then update set * when not matched then insert *",
                    "insert": f"merge into delta.`{table}` as held using batch"
                    " on held.ind = batch.ind when not matched then insert *",
                    "append": f"insert into delta.`{table}` select * from batch",  # noqa: S608
                }[kind]
                began = time.monotonic()
                spark.sql(statement)
                seconds.append(time.monotonic() - began)
            files = spark.sql(f"describe detail delta.`{table}`").first()["numFiles"]
            # The first batch pays for compiling the plan: the median of the rest.
            entry = {
                "median_seconds": round(statistics.median(seconds[1:] or seconds), 2),
                "seconds": [round(s, 2) for s in seconds],
                "files_at_end": files,
            }
            figures.setdefault(str(size), {})[way] = entry
            print(
                f"{size:>9,} posts  {way:<36} median {entry['median_seconds']:5.2f} s"
                f"  ({files} files at the end)",
                flush=True,
            )
    spark.stop()
    result = {"new_per_batch": args.new, "rounds": args.rounds, "sizes": figures}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"delta-writes-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
