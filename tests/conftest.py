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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from core.catalogue import TABLE_KEYS
from core.paths import output_dir
from core.settings import Settings
from ingestion.clients.kafka import Role, client_config
from ingestion.clients.s3 import s3_client
from ingestion.topics import ensure_topics, topic_names
from standins.stack.kafka_access import grant, reader_group, revoke
from standins.stack.lifecycle import Stack
from warehouse import thrift


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--chaos",
        action="store_true",
        help="run the fault tests at their large size (make chaos)",
    )


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


REPO = Path(__file__).resolve().parents[1]
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


FIGURES = output_dir() / "faults"


@pytest.fixture
def figures(request) -> Iterator[dict[str, Any]]:
    """A fault test's figures, written to output/faults/<test>.json (`make chaos` prints them)."""
    values: dict[str, Any] = {}
    yield values
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{request.node.name}.json").write_text(json.dumps(values, indent=2) + "\n")


@dataclass
class Lane:
    prefix: str
    topics_dir: str
    bucket: str
    settings: Any
    # The settings of the stack the lane is on, for a stack other than the default one.
    stack_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """What a command needs to work in this lane."""
        return {
            **self.stack_env,
            "PINTEREST_TOPIC_PREFIX": self.prefix,
            "SINK_TOPICS_DIR": self.topics_dir,
            "SINK_GROUP": f"{self.prefix}-s3-sink",
        }

    def topic(self, suffix: str) -> str:
        return f"{self.prefix}.{suffix}"

    @property
    def bootstrap(self) -> str:
        return self.settings.require("KAFKA_BOOTSTRAP_SERVERS")

    def kafka(self, role: Role, **extra: Any) -> dict[str, Any]:
        """A Kafka client config signed in as one of the stack's users (or its admin)."""
        return {**client_config(self.settings, role), **extra}

    @property
    def reader_group(self) -> str:
        """A consumer group of its own that the reader user may use."""
        return f"{reader_group(self.prefix)}-{uuid.uuid4().hex[:8]}"

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

    @property
    def repo(self) -> Path:
        return REPO

    @property
    def dbt_env(self) -> dict[str, str]:
        """dbt reads its settings from the environment only: the stack's, as
        `source .local/stack.env` would give, then this lane's sources and schemas."""
        return {
            **self.settings.stack_file,
            **os.environ,
            **self.env,
            "PINTEREST_RAW_ROOT": f"s3a://{self.bucket}/{self.topics_dir}",
            "PINTEREST_RAW_SCHEMA": f"{self.prefix}_raw",
            "DBT_SCHEMA": self.prefix,
            "DBT_PROFILES_DIR": self.settings.require("DBT_PROFILES_DIR"),
        }

    def start(self, module: str, *args: str) -> subprocess.Popen[str]:
        """A command of the pipeline in this lane, in the background, its output piped."""
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def dbt(self, *args: str) -> subprocess.CompletedProcess[str]:
        dbt_bin = Path(sys.executable).parent / "dbt"
        return subprocess.run(
            [str(dbt_bin), *args],
            cwd=REPO,
            env=self.dbt_env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    def consume_all(self, topic: str) -> list[Any]:
        """Every message of the topic, in partition and offset order."""
        consumer = Consumer(
            self.kafka("reader", **{"group.id": self.reader_group, "enable.auto.commit": False})
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


@contextmanager
def open_lane(settings: Settings, stack_env: dict[str, str] | None = None) -> Iterator[Lane]:
    """A lane with its topics created; its topics and objects are removed afterwards."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    bucket = settings.require("S3_BUCKET")
    lane = Lane(prefix, f"test-{prefix}/topics", bucket, settings, dict(stack_env or {}))
    admin = AdminClient(lane.kafka("admin"))
    ensure_topics(admin, prefix, int(settings.require("PINTEREST_TOPIC_PARTITIONS")))
    grant(admin, prefix)
    try:
        yield lane
    finally:
        admin.delete_topics(topic_names(prefix))
        revoke(admin, prefix)
        client = lane.s3()
        for key in lane.objects():
            client.delete_object(Bucket=lane.bucket, Key=key)


@pytest.fixture
def lane(settings, stack) -> Iterator[Lane]:
    with open_lane(settings) as lane:
        yield lane


class LogWatch:
    """What services and dbt log from now on: each log file's text past its current end."""

    def __init__(self) -> None:
        self.paths = [*sorted((REPO / ".local" / "logs").glob("*.log")), REPO / "logs" / "dbt.log"]
        self.start = {path: path.stat().st_size if path.exists() else 0 for path in self.paths}

    def new_text(self) -> dict[str, str]:
        texts = {}
        for path in self.paths:
            start = self.start[path]
            if path.stat().st_size < start:
                start = 0  # rotated (dbt rotates its log at 10 MB): all of it is new
            with path.open("rb") as log:
                log.seek(start)
                texts[str(path.relative_to(REPO))] = log.read().decode("utf-8", "replace")
        return texts


@pytest.fixture
def log_watch() -> LogWatch:
    return LogWatch()


@contextmanager
def open_warehouse(lane: Lane) -> Iterator[Any]:
    """A Spark Thrift cursor; drops the lane's schemas afterwards."""
    connection = thrift.connect(
        lane.settings.require("SPARK_THRIFT_HOST"),
        int(lane.settings.require("SPARK_THRIFT_PORT")),
        thrift.Login.from_settings(lane.settings),
    )
    try:
        yield connection.cursor()
    finally:
        cursor = connection.cursor()
        for suffix in ("raw", "seeds", "staging", "intermediate", "audit", "marts"):
            cursor.execute(f"drop schema if exists {lane.prefix}_{suffix} cascade")
        connection.close()


@pytest.fixture
def warehouse(lane) -> Iterator[Any]:
    with open_warehouse(lane) as cursor:
        yield cursor


@pytest.fixture(scope="session")
def contexts(settings, stack) -> Any:
    """For fixtures of a wider scope than a test: `with contexts.lane() as lane` (or a lane on
    another stack: `contexts.lane(its_settings, its_env)`), and
    `with contexts.warehouse(lane) as cursor`."""
    return SimpleNamespace(
        lane=lambda other=None, stack_env=None: open_lane(other or settings, stack_env),
        warehouse=open_warehouse,
    )


@pytest.fixture(scope="module")
def source_rows(settings, stack) -> dict[str, dict[int, dict[str, Any]]]:
    """Load the default data set into the source database; return table -> key -> row as
    the JSON a consumer should read: datetimes as the database writes them in JSON
    ('YYYY-MM-DD HH:MM:SS'), so comparing landed rows with these checks that encoding too."""
    result = run_module(
        "standins.generate", "--rows", str(SOURCE_ROWS), "--seed", str(SOURCE_SEED), "--truncate"
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


@pytest.fixture
def live_source(settings, source_rows) -> Iterator[sa.Engine]:
    """The default data set, to which the test adds live posts (`generate --live`); they are
    removed afterwards. Yields an engine of the admin user."""
    engine = sa.create_engine(settings.require("PINTEREST_DB_ADMIN_URL"))
    yield engine
    with engine.begin() as connection:
        for table, key in TABLE_KEYS.items():
            connection.execute(sa.text(f"DELETE FROM `{table}` WHERE `{key}` >= {SOURCE_ROWS}"))
    engine.dispose()
