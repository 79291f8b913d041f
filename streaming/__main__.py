"""`python -m streaming`: the hot path. A long-running Structured Streaming query over the
objects landing in S3 that, per micro-batch, merges them into the staging, audit and enriched
Delta tables with the SQL dbt compiles from the models (tag `hot_path`)."""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

from core.catalogue import LANDED_OBJECTS_MODEL, SOURCE_TABLES
from core.cli import (
    EnvArgumentParser,
    add_env_option,
    add_landing_options,
    add_topic_prefix_option,
    positive_float,
    positive_int,
    require_bucket,
)
from core.errors import FatalError, run_cli
from core.progress import announced
from core.settings import S3_CONNECTION, Settings
from core.stopping import StopRequest
from streaming.compaction import Compactor, compact
from streaming.micro_batch import BatchResult, configure, run_batch
from streaming.plan import Plan, compile_plan
from streaming.session import serve_thrift, spark_session

log = logging.getLogger("streaming")


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = EnvArgumentParser(
        prog="python -m streaming",
        variables=(*S3_CONNECTION, "DBT_PROFILES_DIR", "DBT_SCHEMA"),
        description="Keep the staging, audit and enriched tables current: read the objects "
        "landing in S3 as a stream and merge each micro-batch with the SQL dbt compiles from "
        "the models. Stop with Ctrl-C or SIGTERM: the batch under way ends first.",
    )

    def option(flag: str, env: str, help: str, **kwargs: Any) -> None:
        add_env_option(parser, settings, flag, env, help, **kwargs)

    add_topic_prefix_option(parser, settings, "prefix of the topics whose objects are read")
    add_landing_options(
        parser,
        settings,
        bucket_help="bucket of the landing",
        topics_dir_help="top folder of the landing's layout",
    )
    option(
        "--trigger-seconds",
        "STREAM_TRIGGER_SECONDS",
        "look for new objects this often",
        default=1.0,
        type=positive_float,
    )
    option(
        "--max-objects",
        "STREAM_MAX_OBJECTS",
        "objects per micro-batch at most",
        default=10_000,
        type=positive_int,
    )
    option(
        "--model-threads",
        "STREAM_MODEL_THREADS",
        "models merged at the same time, each once those it reads are (1: one at a time)",
        default=4,
        type=positive_int,
    )
    option(
        "--compact-every",
        "STREAM_COMPACT_EVERY",
        "compact a table's small files after this many micro-batches wrote it",
        default=30,
        type=positive_int,
    )
    option(
        "--spark-properties",
        "STREAM_SPARK_PROPERTIES",
        "Spark properties file of the application (metastore, warehouse, S3)",
        default=str(settings.state / "spark" / "spark-defaults.conf"),
    )
    option(
        "--checkpoint",
        "STREAM_CHECKPOINT",
        "the query's checkpoint folder (its offsets: delete it to start from the tables)",
        default=str(settings.state / "stream" / "checkpoint"),
    )
    parser.add_argument(
        "--serve-thrift",
        action="store_true",
        help="serve the Spark Thrift Server from this application's JVM, for the readers",
    )
    return parser


def held_offsets(spark: Any, plan: Plan) -> dict[str, dict[str, int]]:
    """Where a new query starts: past the last object of each partition that the landing's
    audit holds (it counts every object staging read)."""
    audit = next(model for model in plan.models if model.name == LANDED_OBJECTS_MODEL)
    rows = spark.sql(
        f"select source_table, _partition, max(_landed_offset) from {audit.relation}"  # noqa: S608
        " group by source_table, _partition"
    ).collect()
    start: dict[str, dict[str, int]] = {}
    for table, partition, offset in sorted(rows):
        start.setdefault(table, {})[str(partition)] = int(offset)
    return start


class Batches:
    """The query's foreachBatch: one micro-batch of object keys at a time."""

    def __init__(
        self, plan: Plan, bucket: str, empty_folder: Path, threads: int, compactor: Compactor
    ) -> None:
        self.plan, self.bucket, self.empty_folder = plan, bucket, empty_folder
        self.threads, self.compactor = threads, compactor
        self.batches = self.objects = 0
        self.seconds = 0.0

    def __call__(self, keys: Any, batch_id: int) -> None:
        objects: dict[str, list[str]] = {}
        for table, key in keys.collect():
            objects.setdefault(table, []).append(f"s3a://{self.bucket}/{key}")
        if not objects:
            return
        spark = keys.sparkSession
        result = run_batch(spark, self.plan, objects, str(self.empty_folder), self.threads)
        due = self.compactor.due(m for m in self.plan.models if m.name in result.models)
        compacted = (
            f"; compacted {', '.join(m.name for m in due)} in {compact(spark, due):.1f} s"
            if due
            else ""
        )
        self._report(batch_id, result, compacted)

    def _report(self, batch_id: int, result: BatchResult, compacted: str) -> None:
        self.batches += 1
        self.objects += sum(result.objects.values())
        self.seconds += result.seconds
        found = ", ".join(f"{table} {count}" for table, count in sorted(result.objects.items()))
        models = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.models.items())
        current = (
            f"; marts current after {result.marts_current:.1f} s"
            if result.marts_current is not None
            else ""
        )
        print(
            f"batch {batch_id}: {found} objects merged in {result.seconds:.1f} s ({models})"
            f"{current}{compacted}",
            flush=True,
        )


def command(argv: list[str] | None = None) -> int:
    settings = Settings.load()
    parser = build_parser(settings)
    args = parser.parse_args(argv)
    require_bucket(parser, args)
    state = settings.state / "stream"
    with announced("compiling the hot path's models with dbt"):
        plan = compile_plan(settings, state / "dbt")
    with announced("starting Spark"):
        spark = spark_session(Path(args.spark_properties))
    spark.sparkContext.setLogLevel("WARN")
    configure(spark)
    if args.serve_thrift:
        serve_thrift(spark)
    empty = state / "empty"
    empty.mkdir(parents=True, exist_ok=True)
    # Imported here: pyspark takes seconds to import, and --help needs none of it.
    from streaming.landing_source import NAME, LandingSource

    spark.dataSource.register(LandingSource)
    topics = {table.topic: f"{args.topic_prefix}.{table.topic}" for table in SOURCE_TABLES}
    keys = (
        spark.readStream.format(NAME)
        .option("bucket", args.bucket)
        .option("topics_dir", args.topics_dir)
        .option("topics", json.dumps(topics, sort_keys=True))
        .option("start", json.dumps(held_offsets(spark, plan), sort_keys=True))
        .option("max_objects", str(args.max_objects))
        .load()
    )
    batches = Batches(plan, args.bucket, empty, args.model_threads, Compactor(args.compact_every))
    query = (
        keys.writeStream.foreachBatch(batches)
        .option("checkpointLocation", args.checkpoint)
        .trigger(processingTime=f"{args.trigger_seconds} seconds")
        .start()
    )
    started = time.monotonic()
    print(f"streaming s3://{args.bucket}/{args.topics_dir}/{args.topic_prefix}.*", flush=True)
    with StopRequest() as stop:
        while query.isActive and not stop.wait(1.0):
            pass
        query.stop()
    failure = query.exception()
    print(
        f"stopped after {time.monotonic() - started:.0f} s: {batches.batches} micro-batches, "
        f"{batches.objects} objects, {batches.seconds:.1f} s merging",
        flush=True,
    )
    spark.stop()
    if failure is not None:
        raise FatalError(f"the stream failed: {str(failure).splitlines()[0]}")
    return 0


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
