"""The running local stack, reached the way the pipeline reaches it: with the generated
credentials from .local/stack.env."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
import requests
import sqlalchemy as sa
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from listeners import is_loopback, listening_inodes, socket_inodes

from ingestion.clients.kafka import client_config
from ingestion.topics import topic_names
from standins.stack.lifecycle import up
from warehouse import thrift


def s3_client(settings, **overrides):
    options = {
        "endpoint_url": settings.require("S3_ENDPOINT_URL"),
        "region_name": settings.require("S3_REGION"),
        "aws_access_key_id": settings.require("S3_ACCESS_KEY_ID"),
        "aws_secret_access_key": settings.require("S3_SECRET_ACCESS_KEY"),
        "config": Config(retries={"max_attempts": 1}),
    }
    options.update(overrides)
    return boto3.client("s3", **options)


@pytest.fixture
def scratch_table(settings, stack):
    """A table the admin user creates and drops around a test."""
    # pre-ping: a test may restart MariaDB under this engine's pooled connection.
    engine = sa.create_engine(settings.require("PINTEREST_DB_ADMIN_URL"), pool_pre_ping=True)
    name = f"stack_probe_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE `{name}` (id INT PRIMARY KEY, note VARCHAR(20))")
        conn.execute(sa.text(f"INSERT INTO `{name}` VALUES (1, :note)"), {"note": "kept"})
    yield name
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS `{name}`")
    engine.dispose()


def test_mariadb_users_connect_to_the_utf8mb4_database(settings, stack):
    for variable, user in (
        ("PINTEREST_DB_ADMIN_URL", "pinterest_admin"),
        ("PINTEREST_DB_URL", "pinterest_reader"),
    ):
        engine = sa.create_engine(settings.require(variable))
        with engine.connect() as conn:
            current = conn.execute(sa.text("SELECT CURRENT_USER(), DATABASE()")).one()
            charset = conn.execute(sa.text("SELECT @@character_set_database")).scalar_one()
        engine.dispose()
        assert current[0].startswith(f"{user}@")
        assert current[1] == "pinterest_data"
        assert charset == "utf8mb4"


def test_reader_can_select_but_not_write(settings, scratch_table):
    engine = sa.create_engine(settings.require("PINTEREST_DB_URL"))
    with engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT note FROM `{scratch_table}`")).scalar_one() == "kept"
        for statement in (
            f"INSERT INTO `{scratch_table}` VALUES (2, 'x')",
            f"UPDATE `{scratch_table}` SET note = 'x'",
            f"DELETE FROM `{scratch_table}`",
            f"DROP TABLE `{scratch_table}`",
            "CREATE TABLE reader_was_here (id INT)",
        ):
            with pytest.raises(sa.exc.OperationalError, match="denied"):
                conn.exec_driver_sql(statement)
    engine.dispose()


def test_kafka_has_the_pipeline_topics_and_no_auto_creation(settings, stack):
    admin_config = client_config(settings, "admin")
    metadata = AdminClient(admin_config).list_topics(timeout=10)
    prefix = settings.require("PINTEREST_TOPIC_PREFIX")
    partitions = int(settings.require("PINTEREST_TOPIC_PARTITIONS"))
    for name in topic_names(prefix):
        assert name in metadata.topics
        assert len(metadata.topics[name].partitions) == partitions
    stray = f"never-created-{uuid.uuid4().hex[:8]}"
    consumer = Consumer({**admin_config, "group.id": "stack-test"})
    try:
        consumer.list_topics(stray, timeout=5)
        assert stray not in AdminClient(admin_config).list_topics(timeout=5).topics
    finally:
        consumer.close()


def test_kafka_round_trip_with_acks_all(settings, stack):
    admin_config = client_config(settings, "admin")
    admin = AdminClient(admin_config)
    topic = f"stack-test-{uuid.uuid4().hex[:8]}"
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result()
    try:
        producer = Producer({**admin_config, "acks": "all", "enable.idempotence": True})
        reports: list[KafkaError | None] = []
        producer.produce(
            topic, key=b"1", value=b'{"a": 1}', on_delivery=lambda e, m: reports.append(e)
        )
        assert producer.flush(10) == 0
        assert reports == [None]
        consumer = Consumer({**admin_config, "group.id": topic, "auto.offset.reset": "earliest"})
        consumer.subscribe([topic])
        message = None
        for _ in range(30):
            message = consumer.poll(1)
            if message is not None and message.error() is None:
                break
        consumer.close()
        assert message is not None and message.value() == b'{"a": 1}'
    finally:
        admin.delete_topics([topic])


@pytest.fixture
def stack_object(settings, stack):
    """An object put with the stack's key, (client, bucket, key); deleted afterwards."""
    client = s3_client(settings)
    bucket = settings.require("S3_BUCKET")
    key = f"stack-test/{uuid.uuid4().hex}/object.json"
    client.put_object(Bucket=bucket, Key=key, Body=b'{"ok": true}\n')
    yield client, bucket, key
    client.delete_object(Bucket=bucket, Key=key)


def test_s3_accepts_the_stack_key(stack_object):
    client, bucket, key = stack_object
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b'{"ok": true}\n'


@pytest.mark.parametrize(
    "overrides",
    [
        {"config": Config(signature_version=UNSIGNED, retries={"max_attempts": 1})},
        {"aws_secret_access_key": "not-the-secret"},  # pragma: allowlist secret
        {"aws_access_key_id": "LOCALNOSUCHKEY00000"},
    ],
    ids=["anonymous", "wrong-secret", "unknown-key"],
)
def test_s3_refuses_unsigned_and_wrongly_signed_requests(settings, stack, overrides):
    client = s3_client(settings, **overrides)
    bucket = settings.require("S3_BUCKET")
    with pytest.raises(ClientError) as refused:
        client.put_object(Bucket=bucket, Key="stack-test/intruder.json", Body=b"x")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError):
        client.list_objects_v2(Bucket=bucket)


def test_seaweedfs_serves_no_content_behind_s3s_back(stack, stack_object):
    """The filer and the volume server hold the landed objects: without the stack's JWT they
    list nothing and serve nothing, while S3 with the keys reads the same object."""
    client, bucket, key = stack_object
    assert client.get_object(Bucket=bucket, Key=key)["Body"].read() == b'{"ok": true}\n'
    seaweed = stack.seaweedfs
    filer = f"http://127.0.0.1:{seaweed.internal_port('filer')}"
    for path in (f"/buckets/{bucket}/{key}", f"/buckets/{bucket}/stack-test/"):
        response = requests.get(filer + path, headers={"Accept": "application/json"}, timeout=5)
        assert response.status_code == 401, (path, response.text[:200])
    volume = f"http://127.0.0.1:{seaweed.internal_port('volume')}"
    for volume_id in range(1, 8):
        assert requests.get(f"{volume}/{volume_id},01", timeout=5).status_code == 401


def test_spark_thrift_reads_json_from_s3a(settings, stack):
    client = s3_client(settings)
    bucket = settings.require("S3_BUCKET")
    prefix = f"stack-test/{uuid.uuid4().hex}"
    rows = [{"ind": i, "country": "Åland"} for i in range(3)]
    body = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()
    client.put_object(Bucket=bucket, Key=f"{prefix}/part.json", Body=body)
    try:
        connection = thrift.connect(
            settings.require("SPARK_THRIFT_HOST"),
            int(settings.require("SPARK_THRIFT_PORT")),
            thrift.Login.from_settings(settings),
        )
        cursor = connection.cursor()
        cursor.execute(f"select count(*), max(country) from json.`s3a://{bucket}/{prefix}/`")
        assert cursor.fetchall() == [(3, "Åland")]
        connection.close()
    finally:
        client.delete_object(Bucket=bucket, Key=f"{prefix}/part.json")


def test_every_stack_listener_is_on_loopback(stack):
    listening = listening_inodes()
    seen = 0
    for service in stack.services:
        pid = service.pid()
        assert pid is not None, f"{service.name} is not running"
        for inode in socket_inodes(pid):
            if inode in listening:
                seen += 1
                assert is_loopback(listening[inode]), (
                    f"{service.name} listens on {listening[inode]}"
                )
    assert seen >= 5


def test_restart_keeps_database_rows_and_s3_objects(settings, stack, scratch_table):
    client = s3_client(settings)
    bucket = settings.require("S3_BUCKET")
    key = f"stack-test/{uuid.uuid4().hex}.json"
    client.put_object(Bucket=bucket, Key=key, Body=b"survives\n")
    try:
        assert stack.mariadb.stop() and stack.seaweedfs.stop()
        up(stack, lambda line: None)
        engine = sa.create_engine(settings.require("PINTEREST_DB_URL"))
        with engine.connect() as conn:
            assert (
                conn.execute(sa.text(f"SELECT note FROM `{scratch_table}`")).scalar_one() == "kept"
            )
        engine.dispose()
        assert (
            s3_client(settings).get_object(Bucket=bucket, Key=key)["Body"].read() == b"survives\n"
        )
    finally:
        s3_client(settings).delete_object(Bucket=bucket, Key=key)
