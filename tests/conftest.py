"""Shared fixtures. Tests that need services use the running local stack (`make test` starts
it); when it is down they fail with a message saying so, they are never skipped.

Tests that move data get their own "lane": a topic prefix, consumer group, S3 folder and dbt
schemas of their own, removed afterwards, so tests never see each other's records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from ingestion.emulate.source import TABLE_KEYS
from ingestion.s3 import s3_client
from ingestion.settings import Settings
from ingestion.stack.lifecycle import Stack
from ingestion.topics import ensure_topics, topic_names


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.load()


@pytest.fixture(scope="session")
def stack(settings: Settings) -> Stack:
    stack = Stack.from_settings(settings)
    down = [service.name for service in stack.services if service.pid() is None]
    if down:
        pytest.fail(f"the local stack is not running ({', '.join(down)} down): run `make up`")
    return stack


SOURCE_ROWS = 11154
SOURCE_SEED = 42


def run_module(
    module: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def run():
    return run_module


@dataclass
class Lane:
    prefix: str
    topics_dir: str
    bucket: str
    settings: Any

    @property
    def env(self) -> dict[str, str]:
        """What a command needs to work in this lane."""
        return {
            "PINTEREST_TOPIC_PREFIX": self.prefix,
            "SINK_TOPICS_DIR": self.topics_dir,
            "SINK_GROUP": f"{self.prefix}-s3-sink",
        }

    def topic(self, suffix: str) -> str:
        return f"{self.prefix}.{suffix}"

    @property
    def bootstrap(self) -> str:
        return self.settings.require("KAFKA_BOOTSTRAP_SERVERS")

    def s3(self) -> Any:
        return s3_client(self.settings)

    def objects(self, topic: str | None = None) -> dict[str, bytes]:
        """Key -> body of every object landed in this lane (or under one topic)."""
        client = self.s3()
        prefix = f"{self.topics_dir}/" + (f"{topic}/" if topic else "")
        bodies = {}
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            for item in page.get("Contents", []):
                bodies[item["Key"]] = client.get_object(Bucket=self.bucket, Key=item["Key"])[
                    "Body"
                ].read()
        return bodies

    def count_objects(self) -> int:
        client = self.s3()
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.topics_dir}/"
        )
        return sum(page.get("KeyCount", 0) for page in pages)

    def metadata(self, key: str) -> dict[str, str]:
        return self.s3().head_object(Bucket=self.bucket, Key=key)["Metadata"]

    def consume_all(self, topic: str) -> list[Any]:
        """Every message of the topic, in partition and offset order."""
        consumer = Consumer(
            {"bootstrap.servers": self.bootstrap, "group.id": f"reader-{uuid.uuid4().hex}"}
        )
        metadata = consumer.list_topics(topic, timeout=10)
        messages = []
        for partition in sorted(metadata.topics[topic].partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            if high <= low:
                continue
            consumer.assign([TopicPartition(topic, partition, low)])
            while (
                not messages
                or messages[-1].partition() != partition
                or (messages[-1].offset() < high - 1)
            ):
                message = consumer.poll(10)
                assert message is not None, f"timed out reading {topic}[{partition}]"
                assert message.error() is None, message.error()
                messages.append(message)
        consumer.close()
        return messages


@pytest.fixture
def lane(settings, stack) -> Iterator[Lane]:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    lane = Lane(prefix, f"test-{prefix}/topics", settings.require("S3_BUCKET"), settings)
    admin = AdminClient({"bootstrap.servers": lane.bootstrap})
    ensure_topics(admin, prefix, int(settings.require("PINTEREST_TOPIC_PARTITIONS")))
    yield lane
    admin.delete_topics(topic_names(prefix))
    client = lane.s3()
    for key in lane.objects():
        client.delete_object(Bucket=lane.bucket, Key=key)


@pytest.fixture(scope="module")
def source_rows(settings, stack) -> dict[str, dict[int, dict[str, Any]]]:
    """Load the default data set into the source database; return table -> key -> row as
    the JSON a consumer should read: datetimes as the database writes them in JSON
    ('YYYY-MM-DD HH:MM:SS'), so comparing landed rows with these checks that encoding too."""
    result = run_module(
        "ingestion.generate", "--rows", str(SOURCE_ROWS), "--seed", str(SOURCE_SEED), "--truncate"
    )
    assert result.returncode == 0, result.stderr
    engine = sa.create_engine(settings.require("PINTEREST_DB_URL"))
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table, key in TABLE_KEYS.items():
            rows[table] = {
                row[key]: json.loads(json.dumps(dict(row), default=lambda v: v.isoformat(sep=" ")))
                for row in connection.execute(sa.text(f"SELECT * FROM `{table}`")).mappings()
            }
    engine.dispose()
    return rows
