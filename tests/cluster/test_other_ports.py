"""The second stack (the cluster, on other ports and in another state folder) beside the
default one: a small pipeline runs end to end on it (MySQL -> Kafka -> S3 -> dbt staging,
reconciled). Shows that every port moves with its setting and that nothing assumes a default
port or a single broker."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType
from listeners import is_loopback, listening_inodes, process_tree, socket_inodes

from core.errors import ConfigurationError
from core.net import port_open
from core.settings import Settings, parse_env_file
from ingestion.topics import topic_names
from standins.stack.kafka_broker import Kafka
from standins.stack.seaweedfs import SeaweedFS
from standins.stack.stack_config import PORT_SETTINGS, Credentials, Layout, StackConfig

POSTS = 300


@contextmanager
def process_listening() -> Iterator[int]:
    """A port some other process holds."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_the_settings_file_holds_the_ports_in_force(cluster):
    written = parse_env_file(cluster.stack.layout.stack_env.read_text())
    assert set(PORT_SETTINGS.values()) < set(cluster.asked)  # every port moved, and the shape
    for name, value in cluster.asked.items():
        assert written[name] == value
    assert written["PINTEREST_KAFKA_BROKERS"] == "3"
    assert written["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:29092,127.0.0.1:29102,127.0.0.1:29112"
    assert written["S3_ENDPOINT_URL"] == "http://127.0.0.1:28333"
    assert written["SPARK_THRIFT_PORT"] == "30000"
    assert ":23306/" in written["PINTEREST_DB_URL"]
    assert written["INGEST_API_URL"] == "http://127.0.0.1:28082"


def test_a_pipeline_runs_end_to_end_on_other_ports(cluster):
    python = sys.executable
    command = cluster.command
    command(python, "-m", "standins.generate", "--rows", str(POSTS), "--truncate")
    emulated = command(python, "-m", "ingestion.emulate")
    assert f"{3 * POSTS:,} messages delivered" in emulated
    # A new broker creates its offsets topic as the first group joins: give it time.
    landed = command(python, "-m", "ingestion.sink", "--until-idle", "15")
    assert f"{3 * POSTS:,} records landed" in landed
    dbt = str(Path(python).with_name("dbt"))
    command(dbt, "build", "--select", "+staging", "+audit", "--exclude", "test_type:unit")
    # Every stage holds every record: MySQL, Kafka, S3 and staging (as dbt's audit counts it),
    # on this stack's ports.
    output = cluster.stack.layout.state / "reconcile.json"
    reconciled = command(python, "-m", "warehouse.reconcile", "--output", str(output))
    assert "reconciled: every record is accounted for" in reconciled
    # The default stack was not touched: its services still answer on their own ports.
    for port in (3306, 9092, 8333, 10000):
        assert port_open("127.0.0.1", port)


def test_a_taken_port_names_the_setting_that_moves_it(tmp_path):
    with process_listening() as port:
        config = StackConfig(s3_port=port - 1000)  # SeaweedFS's master port is taken
        service = SeaweedFS(Layout(tmp_path), config, Credentials.generate())
        with pytest.raises(Exception, match=r"taken by another process.*set PINTEREST_S3_PORT"):
            service.launch()


def test_two_services_on_one_port_are_refused(tmp_path):
    settings = Settings.load(
        {
            "PINTEREST_STACK_ENV": str(tmp_path / "none.env"),
            "PINTEREST_THRIFT_PORT": "28082",
            "PINTEREST_API_PORT": "28082",
        }
    )
    with pytest.raises(Exception, match="PINTEREST_API_PORT and PINTEREST_THRIFT_PORT are both"):
        StackConfig.from_settings(settings)


def test_each_broker_of_a_cluster_has_ports_of_its_own(tmp_path):
    settings = Settings.load(
        {
            "PINTEREST_STACK_ENV": str(tmp_path / "none.env"),
            "PINTEREST_KAFKA_BROKERS": "3",
            "PINTEREST_API_PORT": "9102",
        }
    )
    with pytest.raises(
        Exception,
        match=r"PINTEREST_API_PORT and PINTEREST_KAFKA_PORT \+ 10 \(broker 2\) are both 9102",
    ):
        StackConfig.from_settings(settings)
    # Beside one broker, 9102 is free.
    one = StackConfig.from_settings(
        Settings.load(
            {"PINTEREST_STACK_ENV": str(tmp_path / "none.env"), "PINTEREST_API_PORT": "9102"}
        )
    )
    assert (one.kafka_bootstrap, one.api_port) == ("127.0.0.1:9092", 9102)


@pytest.mark.parametrize("count", ["2", "4", "0"])
def test_a_cluster_is_one_broker_or_three(tmp_path, count):
    settings = Settings.load(
        {"PINTEREST_STACK_ENV": str(tmp_path / "none.env"), "PINTEREST_KAFKA_BROKERS": count}
    )
    with pytest.raises(
        Exception, match=f"PINTEREST_KAFKA_BROKERS must be 1 .* or 3 .*, got {count}"
    ):
        StackConfig.from_settings(settings)


def test_topics_are_replicated_on_three_brokers_and_written_to_two(cluster_lane):
    admin = AdminClient(cluster_lane.kafka("admin"))
    metadata = admin.list_topics(timeout=10)
    assert sorted(metadata.brokers) == [1, 2, 3]
    names = topic_names(cluster_lane.prefix)
    for name in names:
        partitions = metadata.topics[name].partitions.values()
        assert len(partitions) == 12, name
        assert all(sorted(p.replicas) == [1, 2, 3] and len(p.isrs) == 3 for p in partitions)
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in names]
    for future in admin.describe_configs(resources).values():
        assert future.result()["min.insync.replicas"].value == "2"


def test_a_cluster_is_not_started_on_the_data_of_another_size(tmp_path):
    layout = Layout(tmp_path)
    (tmp_path / "kafka" / "data").mkdir(parents=True)
    (tmp_path / "kafka" / "data" / "meta.properties").write_text("node.id=1\n")
    cluster = Kafka(layout, StackConfig(kafka_brokers=3), Credentials.generate(), node=2)
    with pytest.raises(
        ConfigurationError, match=r"cluster of 1 broker, and PINTEREST_KAFKA_BROKERS is 3"
    ):
        cluster.install()
    (tmp_path / "kafka" / "brokers").write_text("3\n")
    single = Kafka(layout, StackConfig(), Credentials.generate())
    with pytest.raises(
        ConfigurationError, match=r"cluster of 3 brokers, and PINTEREST_KAFKA_BROKERS is 1"
    ):
        single.install()


def test_every_listener_of_the_cluster_is_on_loopback(cluster):
    """Three brokers and, in `make chaos`, the Spark master, its workers and the executors
    they started for the Thrift server (a build ran on them above)."""
    listening = listening_inodes()
    seen: set[str] = set()
    for service in cluster.stack.services:
        pid = service.pid()
        assert pid is not None, f"{service.name} is not running"
        for member in process_tree(pid):
            for inode in socket_inodes(member):
                if inode in listening:
                    address = listening[inode]
                    assert is_loopback(address), f"{service.name} ({member}) listens on {address}"
                    seen.add(service.name)
    spark = {"spark-master", "spark-worker-1", "spark-worker-2"}
    assert {"kafka", "kafka-2", "kafka-3"} <= seen
    if cluster.stack.config.spark_workers:
        assert spark <= seen
    else:
        assert not spark & seen


@pytest.mark.parametrize("count", ["9", "-1"])
def test_spark_workers_are_counted_from_zero_to_eight(tmp_path, count):
    settings = Settings.load(
        {"PINTEREST_STACK_ENV": str(tmp_path / "none.env"), "PINTEREST_SPARK_WORKERS": count}
    )
    with pytest.raises(
        ConfigurationError, match=f"PINTEREST_SPARK_WORKERS must be 0 .* to 8 .*, got {count}"
    ):
        StackConfig.from_settings(settings)
