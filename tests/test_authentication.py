"""Nobody gets into Kafka or the Spark Thrift Server without the stack's credentials, and each
Kafka user may do only its job: our commands say so in one line."""

from __future__ import annotations

import re
import socket
import ssl
import uuid
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from pyhive import hive
from thrift.transport.TTransport import TTransportException

from ingestion.clients.kafka import config_var, parse_properties
from warehouse import thrift

WRONG_PASSWORD = "NotTheKafkaPassw0rd"  # pragma: allowlist secret
PROGRESS = re.compile(r"^[a-z]+: [\d,]+(/[\d,]+)? ")


def assert_one_line(result, *fragments: str) -> str:
    """Exit 1 with one `error:` line, the last; nothing else on stderr but our progress."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: "), result.stderr
    others = [line for line in lines[:-1] if not PROGRESS.match(line)]
    assert others == [], result.stderr  # no stray library line
    for fragment in fragments:
        assert fragment in lines[-1], lines[-1]
    return lines[-1]


def role_file(lane, role: str) -> Path:
    return Path(lane.settings.require(config_var(role)))


def properties_file(tmp_path: Path, properties: dict[str, str]) -> Path:
    path = tmp_path / "client.properties"
    path.write_text("".join(f"{key}={value}\n" for key, value in properties.items()))
    return path


def emulate(run, lane, client_file: Path, *args: str):
    env = {**lane.env, config_var("emulator"): str(client_file)}
    return run("ingestion.emulate", "--limit", "20", *args, env=env, timeout=120)


def test_the_client_listener_speaks_tls_with_the_stacks_own_ca(settings):
    host, port = settings.require("KAFKA_BOOTSTRAP_SERVERS").rsplit(":", 1)
    ca = parse_properties(Path(settings.require(config_var("emulator"))).read_text())[
        "ssl.ca.location"
    ]
    context = ssl.create_default_context(cafile=ca)
    with (
        socket.create_connection((host, int(port)), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        subject = dict(item[0] for item in tls.getpeercert()["subject"])
    assert subject["commonName"] == "pinterest-kafka-broker"
    # A client that trusts only the public CAs refuses the certificate: it is this stack's.
    with (
        socket.create_connection((host, int(port)), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        ssl.create_default_context().wrap_socket(raw, server_hostname=host)


def test_kafka_refuses_a_client_without_credentials(run, lane, tmp_path):
    plain = properties_file(tmp_path, {"security.protocol": "PLAINTEXT"})
    line = assert_one_line(emulate(run, lane, plain), "refused this client", "expects TLS")
    assert config_var("emulator") in line
    assert lane.consume_all(lane.topic("pin")) == []


def test_kafka_refuses_a_wrong_password(run, lane, tmp_path):
    properties = parse_properties(role_file(lane, "emulator").read_text())
    wrong = properties_file(tmp_path, {**properties, "sasl.password": WRONG_PASSWORD})
    result = emulate(run, lane, wrong)
    assert_one_line(result, "refused this client", "Authentication failed", "KAFKA_EMULATOR")
    assert WRONG_PASSWORD not in result.stdout + result.stderr


def test_the_emulator_cannot_write_as_another_user(run, lane, source_rows):
    """The reader's password is right, but the reader may not write: nothing is sent, and
    every message is counted as not delivered."""
    result = emulate(run, lane, role_file(lane, "reader"))
    assert_one_line(result, "may write its topics", "KAFKA_EMULATOR_CONFIG", "not delivered")
    assert "0 messages delivered" in result.stdout
    assert lane.consume_all(lane.topic("pin")) == []


def test_the_sink_cannot_consume_as_another_user(run, lane):
    env = {**lane.env, config_var("sink"): str(role_file(lane, "emulator"))}
    result = run("ingestion.sink", "--until-idle", "5", env=env, timeout=120)
    assert_one_line(result, "Kafka refused the sink", "Group authorization failed")
    assert lane.count_objects() == 0


def test_each_user_may_do_only_its_job(lane):
    """Write rights: the emulator's and the API's users on the data topics, the sink's on the
    dead-letter topic; nobody but the administrator creates topics."""
    outcomes: dict[tuple[str, str], str | None] = {}
    for role in ("emulator", "api", "sink", "reader"):
        producer = Producer(lane.kafka(role, **{"log_level": 0, "enable.idempotence": False}))
        for suffix in ("pin", "dlq"):
            reports: list[KafkaError | None] = []
            producer.produce(lane.topic(suffix), b"{}", b"1", on_delivery=reports_to(reports))
            producer.flush(15)
            assert len(reports) == 1, (role, suffix)
            outcomes[(role, suffix)] = None if reports[0] is None else reports[0].name()
    denied = "TOPIC_AUTHORIZATION_FAILED"
    assert outcomes == {
        ("emulator", "pin"): None,
        ("emulator", "dlq"): denied,
        ("api", "pin"): None,
        ("api", "dlq"): denied,
        ("sink", "pin"): denied,
        ("sink", "dlq"): None,
        ("reader", "pin"): denied,
        ("reader", "dlq"): denied,
    }
    stray = f"{lane.prefix}.stray{uuid.uuid4().hex[:6]}"
    for role in ("emulator", "sink", "reader"):
        admin = AdminClient(lane.kafka(role, log_level=0))
        future = admin.create_topics([NewTopic(stray, num_partitions=1)])[stray]
        with pytest.raises(Exception, match="AUTHORIZATION_FAILED"):
            future.result(timeout=15)


def reports_to(reports: list[KafkaError | None]):
    return lambda error, _message: reports.append(error)


def test_a_prefix_nobody_granted_is_refused_in_one_line(run, lane):
    other = f"u{uuid.uuid4().hex[:10]}"
    result = run(
        "ingestion.emulate",
        "--limit",
        "5",
        env={**lane.env, "PINTEREST_TOPIC_PREFIX": other},
        timeout=120,
    )
    assert_one_line(result, f"topic {other}.", "may not create it", "standins.stack grant")


def test_thrift_refuses_a_wrong_or_missing_password(run, settings):
    result = run("warehouse.answers", env={"SPARK_THRIFT_PASSWORD": WRONG_PASSWORD})
    line = assert_one_line(result, "refused user", "SPARK_THRIFT_PASSWORD")
    assert WRONG_PASSWORD not in line
    host, port = settings.require("SPARK_THRIFT_HOST"), int(settings.require("SPARK_THRIFT_PORT"))
    with pytest.raises(TTransportException, match="Error validating the login"):
        hive.connect(host=host, port=port, username="anyone")
    # The stack's own login works.
    connection = thrift.connect(host, port, thrift.Login.from_settings(settings))
    cursor = connection.cursor()
    cursor.execute("select 1")
    assert cursor.fetchall() == [(1,)]
    connection.close()
