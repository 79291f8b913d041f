"""What finding the new objects of the landing costs as it grows, for the streaming hot path's
choice of source (issue 29):

- Spark's file source (`readStream.json(<topic folder>)`) lists every object under the topic at
  each trigger and keeps the names it has seen;
- a poll that lists each partition only past the last object it saw (S3's `StartAfter`: the
  sink names objects by their zero-padded start offset, so names sort as offsets do).

Both run against the stack's S3 (SeaweedFS), under a prefix of their own
(`s3://<bucket>/bench-listing/`, removed at the end), on a topic laid out as the sink lays out
one: `partition=<p>/<topic>+<p>+<offset>.json`, one line per object.

    .venv/bin/python bench/landing_listing.py                   # after `make up`
    .venv/bin/python bench/landing_listing.py --sizes 1000,10000

Prints, per landing size: the listing the file source makes at a trigger (the median of 3
listings of the topic by Spark's file index, as FileStreamSource.fetchAllFiles lists it), and
the poll's with nothing new and with 100 new objects (median of its rounds). `--json PATH`
writes the figures too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from core.settings import Settings
from ingestion.clients.s3 import s3_client
from ingestion.sink.layout import object_key, partition_prefix

TOPICS_DIR = "bench-listing/topics"
TOPIC = "bench.listing"
PARTITIONS = 4
NEW_OBJECTS = 100
POLL_ROUNDS = 9
FILE_SOURCE_LISTINGS = 3
UPLOAD_THREADS = 16


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="landing sizes in objects, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted(int(size) for size in args.sizes.split(","))
    except ValueError:
        parser.error(f"--sizes {args.sizes!r}: write whole numbers separated by commas")
    return args


class Landing:
    """The bench's topic: objects added in offset order, one line each, round robin over the
    partitions."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket
        self.next_offset = [0] * PARTITIONS
        self.count = 0

    def add(self, objects: int, progress: Callable[[int], None] = lambda done: None) -> None:
        keys = []
        for number in range(self.count, self.count + objects):
            partition = number % PARTITIONS
            keys.append(object_key(TOPICS_DIR, TOPIC, partition, self.next_offset[partition]))
            self.next_offset[partition] += 1
        with ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            for done, _ in enumerate(pool.map(self._put, keys), start=1):
                if done % 5000 == 0:
                    progress(done)
        self.count += objects

    def _put(self, key: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=b'{"ind": "1"}\n')

    def remove(self) -> None:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=TOPICS_DIR + "/"
        )
        for page in pages:
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})


class OffsetPoll:
    """Lists each partition past the last key it saw, as an offset-following source would."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3, self.bucket = s3, bucket
        self.last_key: dict[int, str] = {}

    def poll(self) -> int:
        found = 0
        for partition in range(PARTITIONS):
            request = {
                "Bucket": self.bucket,
                "Prefix": partition_prefix(TOPICS_DIR, TOPIC, partition),
            }
            if partition in self.last_key:
                request["StartAfter"] = self.last_key[partition]
            for page in self.s3.get_paginator("list_objects_v2").paginate(**request):
                for item in page.get("Contents", []):
                    self.last_key[partition] = item["Key"]
                    found += 1
        return found


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def spark_session(settings: Settings) -> Any:
    from pyspark.sql import SparkSession

    jars = settings.state / "spark" / "jars"
    if not jars.is_dir():
        sys.exit(f"error: no Spark jars in {jars}: run `make up` first")
    return (
        SparkSession.builder.master("local[2]")
        .appName("bench-landing-listing")
        .config("spark.driver.extraClassPath", f"{jars}/*")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.hadoop.fs.s3a.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem")
        .config("spark.hadoop.fs.s3a.endpoint", settings.require("S3_ENDPOINT_URL"))
        .config("spark.hadoop.fs.s3a.path.style.access", "true")
        .config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
        .config("spark.hadoop.fs.s3a.access.key", settings.require("S3_ACCESS_KEY_ID"))
        .config("spark.hadoop.fs.s3a.secret.key", settings.require("S3_SECRET_ACCESS_KEY"))
        .getOrCreate()
    )


def file_source_listing(spark: Any, bucket: str) -> list[float]:
    """Seconds to list the topic as Spark's file source does at each trigger that has no
    unread files left from an earlier listing (FileStreamSource.fetchAllFiles: an
    InMemoryFileIndex over the path, every object under it), three times."""
    path = f"s3a://{bucket}/{TOPICS_DIR}/{TOPIC}/"
    seconds = []
    for _ in range(FILE_SOURCE_LISTINGS):
        started = time.perf_counter()
        files = spark.read.schema("ind string").json(path).inputFiles()
        seconds.append(time.perf_counter() - started)
        if not files:
            raise RuntimeError(f"Spark listed no objects under {path}")
    return seconds


def measure(
    size: int, landing: Landing, poll: OffsetPoll, spark: Any, bucket: str
) -> dict[str, float]:
    print(f"  file source at {size:,} objects ...", flush=True)
    listing = file_source_listing(spark, bucket)
    poll.poll()  # up to date
    idle = [timed(poll.poll)[0] for _ in range(POLL_ROUNDS)]
    with_new = []
    for _ in range(3):
        landing.add(NEW_OBJECTS)
        seconds, found = timed(poll.poll)
        if found != NEW_OBJECTS:
            raise RuntimeError(f"the poll found {found} new objects, not {NEW_OBJECTS}")
        with_new.append(seconds)
    return {
        "objects": size,
        "file_source_listing_s": statistics.median(listing),
        "poll_idle_s": statistics.median(idle),
        "poll_100_new_s": statistics.median(with_new),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings.load()
    bucket = settings.get("S3_BUCKET")
    if not bucket or not settings.get("S3_ENDPOINT_URL"):
        sys.exit("error: S3_BUCKET and S3_ENDPOINT_URL are not set: source .local/stack.env")
    s3 = s3_client(settings)
    landing, poll = Landing(s3, bucket), OffsetPoll(s3, bucket)
    landing.remove()
    spark = spark_session(settings)
    spark.sparkContext.setLogLevel("WARN")
    results = []
    try:
        for size in args.sizes:
            missing = size - landing.count
            if missing > 0:
                print(f"landing {missing:,} objects (to {size:,}) ...", flush=True)
                landing.add(missing, lambda done: print(f"  {done:,} landed", flush=True))
            results.append(measure(size, landing, poll, spark, bucket))
            row = results[-1]
            print(
                f"{size:>9,} objects: file source lists {row['file_source_listing_s']:.3f} s"
                f" per trigger; poll {row['poll_idle_s']:.3f} s idle,"
                f" {row['poll_100_new_s']:.3f} s with {NEW_OBJECTS} new",
                flush=True,
            )
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        spark.stop()
        landing.remove()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
