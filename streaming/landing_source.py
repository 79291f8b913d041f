"""The landing as a stream of new objects: Spark's Python data source that follows each
partition of each topic by the start offset of the last object it read, the local counterpart
of Auto Loader's file notification mode.

The sink names an object by its first record's offset, zero-padded, so names sort as offsets
do and a listing that starts after the last object read (S3's `StartAfter`) returns only the
new ones: finding them costs what is new, not the whole landing (Spark's file source lists
every object at each trigger; bench/landing_listing.py measures both). The offsets are
Structured Streaming's, kept in the query's checkpoint: after a crash the query reads again the
objects of the batch it had not committed.

Rows are (source table, object key); the micro-batch reads the objects themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pyspark.sql.datasource import DataSource, SimpleDataSourceStreamReader

from core.settings import Settings
from ingestion.clients.s3 import s3_client
from ingestion.sink.layout import object_key, object_key_pattern, partition_prefix, topic_folder

NAME = "pinterest_landing"
SCHEMA = "source_table string, object_key string"
# Offsets: {source table: {partition: start offset of the last object read}}.
Offsets = dict[str, dict[str, int]]


class LandingSource(DataSource):
    """Options: `bucket`, `topics_dir`, `topics` (JSON: source table -> topic), `start`
    (JSON offsets where a new query begins) and `max_objects` (per micro-batch)."""

    @classmethod
    def name(cls) -> str:
        return NAME

    def schema(self) -> str:
        return SCHEMA

    def simpleStreamReader(self, schema: Any) -> LandingReader:
        return LandingReader(self.options)


class LandingReader(SimpleDataSourceStreamReader):
    def __init__(self, options: dict[str, str]) -> None:
        self.bucket = options["bucket"]
        self.topics_dir = options["topics_dir"]
        self.topics: dict[str, str] = json.loads(options["topics"])
        self.start: Offsets = json.loads(options.get("start", "{}"))
        self.max_objects = int(options.get("max_objects", "10000"))
        self._s3: Any = None

    @property
    def s3(self) -> Any:
        # Made where the reader runs (Spark's Python process for the source), from its
        # environment: the driver's settings.
        if self._s3 is None:
            self._s3 = s3_client(Settings.load())
        return self._s3

    def initialOffset(self) -> dict:
        return ordered(self.start)

    def read(self, start: dict) -> tuple[Iterator[tuple[str, str]], dict]:
        rows: list[tuple[str, str]] = []
        end: Offsets = {table: dict(held) for table, held in start.items()}
        for table, topic in self.topics.items():
            for partition in self._partitions(topic):
                held = end.setdefault(table, {})
                for offset, key in self._objects(topic, partition, held.get(str(partition))):
                    if len(rows) >= self.max_objects:
                        return iter(rows), ordered(end)
                    rows.append((table, key))
                    held[str(partition)] = offset
        return iter(rows), ordered(end)

    def readBetweenOffsets(self, start: dict, end: dict) -> Iterator[tuple[str, str]]:
        """The objects of a micro-batch planned before a restart: the same rows again."""
        for table, topic in self.topics.items():
            for partition_text, last in end.get(table, {}).items():
                after = start.get(table, {}).get(partition_text)
                for offset, key in self._objects(topic, int(partition_text), after):
                    if offset > last:
                        break
                    yield table, key

    def commit(self, end: dict) -> None:
        """Nothing to release: the offsets live in the query's checkpoint."""

    def _partitions(self, topic: str) -> list[int]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=topic_folder(self.topics_dir, topic), Delimiter="/"
        )
        found = []
        for page in pages:
            for prefix in page.get("CommonPrefixes", []):
                name = prefix["Prefix"].rstrip("/").rsplit("/", 1)[-1]
                if name.startswith("partition=") and name[len("partition=") :].isdigit():
                    found.append(int(name[len("partition=") :]))
        return sorted(found)

    def _objects(self, topic: str, partition: int, after: int | None) -> Iterator[tuple[int, str]]:
        """(start offset, key) of the sink's objects of a partition past `after`, in order;
        objects under the folder that the sink did not name are not the landing's."""
        pattern = object_key_pattern(self.topics_dir, topic)
        request: dict[str, Any] = {
            "Bucket": self.bucket,
            "Prefix": partition_prefix(self.topics_dir, topic, partition),
        }
        if after is not None:
            request["StartAfter"] = object_key(self.topics_dir, topic, partition, after)
        for page in self.s3.get_paginator("list_objects_v2").paginate(**request):
            for item in page.get("Contents", []):
                key = item["Key"]
                if pattern.fullmatch(key):
                    yield int(key.rsplit("+", 1)[1].removesuffix(".json")), key


def ordered(offsets: Offsets) -> Offsets:
    """Offsets in one order: Spark compares them as JSON text, so the same offsets in another
    order would look like new data."""
    return {
        table: {partition: held[partition] for partition in sorted(held, key=int)}
        for table, held in sorted(offsets.items())
        if held
    }
