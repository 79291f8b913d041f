"""The bad-input corpus, command line: each case is a mistake a user makes, answered with one
clear line naming what is wrong and what to do, the documented exit code (2 for a bad flag,
1 for a bad setting or an unreachable service), no traceback and no secret. The emulator's and
sink's own cases live with their tests under tests/ingestion/, the generator's and stack's
under tests/standins/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ingestion.clients.kafka import config_var

# A made-up password no account has: it must never be echoed.
UNUSED_PASSWORD = "Unus3d-Passw0rd"  # pragma: allowlist secret


@dataclass(frozen=True)
class Case:
    module: str
    args: tuple[str, ...]
    code: int
    fragments: tuple[str, ...]
    # Settings overridden for the case; "{lane}" becomes the lane's topic prefix.
    env: dict[str, str] = field(default_factory=dict)
    # Properties written to a file passed as KAFKA_CLIENT_CONFIG.
    client_config: str | None = None


CASES = {
    "reconcile: unknown flag": Case(
        "warehouse.reconcile", ("--bogus",), 2, ("unrecognized arguments: --bogus",)
    ),
    "reconcile: schema that is not an identifier": Case(
        "warehouse.reconcile", ("--schema", "x; drop table y"), 2, ("not a plain identifier",)
    ),
    "reconcile: unreachable database": Case(
        "warehouse.reconcile",
        (),
        1,
        ("PINTEREST_DB_URL", "Can't connect"),
        env={"PINTEREST_DB_URL": f"mysql+pymysql://u:{UNUSED_PASSWORD}@127.0.0.1:1/x"},
    ),
    "reconcile: topics missing": Case(
        "warehouse.reconcile",
        (),
        1,
        ("does not exist", "run the emulator"),
        env={"PINTEREST_TOPIC_PREFIX": "{lane}-absent"},
    ),
    "reconcile: unreachable Spark": Case(
        "warehouse.reconcile",
        (),
        1,
        ("cannot reach the Spark Thrift Server at 127.0.0.1:1", "SPARK_THRIFT_PORT"),
        env={"SPARK_THRIFT_PORT": "1"},
    ),
    "reconcile: dbt has not run": Case(
        "warehouse.reconcile",
        (),
        1,
        ("cannot read", "run `dbt build` first"),
        env={"DBT_SCHEMA": "{lane}", "PINTEREST_RAW_SCHEMA": "{lane}_raw"},
    ),
    "reconcile: wrong S3 secret": Case(
        "warehouse.reconcile",
        ("--skip-dbt",),
        1,
        ("refused access", "S3_SECRET_ACCESS_KEY"),
        env={"S3_SECRET_ACCESS_KEY": UNUSED_PASSWORD},
    ),
    "answers: unknown flag": Case(
        "warehouse.answers", ("--bogus",), 2, ("unrecognized arguments: --bogus",)
    ),
    "answers: port that is not a number": Case(
        "warehouse.answers",
        ("--thrift-port", "many"),
        2,
        ("--thrift-port", "must be a port from 1 to 65535, got 'many'"),
    ),
    "answers: SPARK_THRIFT_PORT that is not a number": Case(
        "warehouse.answers",
        (),
        2,
        ("SPARK_THRIFT_PORT='many'", "must be a port from 1 to 65535", "or pass --thrift-port"),
        env={"SPARK_THRIFT_PORT": "many"},
    ),
    "answers: unreachable Spark": Case(
        "warehouse.answers", ("--thrift-port", "1"), 1, ("cannot reach the Spark Thrift Server",)
    ),
    "answers: marts not built": Case(
        "warehouse.answers",
        ("--schema", "no_such_schema"),
        1,
        ("cannot read no_such_schema_marts", "dbt build"),
    ),
    "sink: Kafka setting librdkafka rejects": Case(
        "ingestion.sink",
        ("--until-idle", "1"),
        1,
        ("invalid Kafka client setting", "fetch.max.bytes", "KAFKA_CLIENT_CONFIG"),
        client_config="fetch.max.bytes=1000\n",
    ),
    "sink: unknown Kafka setting": Case(
        "ingestion.sink",
        ("--until-idle", "1"),
        1,
        ("invalid Kafka client setting", "no.such.property"),
        client_config="no.such.property=1\n",
    ),
    "sink: topic regex that matches no topic": Case(
        "ingestion.sink",
        ("--until-idle", "2", "--topics-regex", "no-such-topic-.*"),
        1,
        ("no partition was assigned", "--topics-regex 'no-such-topic-.*'"),
    ),
    "sink: S3 endpoint without a scheme": Case(
        "ingestion.sink",
        ("--until-idle", "1"),
        1,
        ("S3_ENDPOINT_URL='127.0.0.1:8333' has no scheme", "http://127.0.0.1:8333"),
        env={"S3_ENDPOINT_URL": "127.0.0.1:8333"},
    ),
    "sink: unreachable S3 is told within seconds": Case(
        "ingestion.sink",
        ("--until-idle", "1"),
        1,
        ("cannot reach S3", "S3_ENDPOINT_URL"),
        env={"S3_ENDPOINT_URL": "http://127.0.0.1:1"},
    ),
    "sink: SINK_FLUSH_SIZE that is not a number": Case(
        "ingestion.sink",
        (),
        2,
        ("SINK_FLUSH_SIZE='lots'", "must be a positive integer", "--flush-size"),
        env={"SINK_FLUSH_SIZE": "lots"},
    ),
    "reconcile: S3 endpoint without a scheme": Case(
        "warehouse.reconcile",
        ("--skip-dbt",),
        1,
        ("S3_ENDPOINT_URL='localhost:8333' has no scheme",),
        env={"S3_ENDPOINT_URL": "localhost:8333"},
    ),
    "emulate: EMULATE_MODE that is no mode": Case(
        "ingestion.emulate",
        ("--limit", "1"),
        2,
        ("EMULATE_MODE='foo' is not one of replay, random", "--mode"),
        env={"EMULATE_MODE": "foo"},
    ),
    "emulate: EMULATE_MODE in another case": Case(
        "ingestion.emulate",
        ("--limit", "1"),
        2,
        ("EMULATE_MODE='Replay' is not one of replay, random",),
        env={"EMULATE_MODE": "Replay"},
    ),
    "emulate: EMULATE_TRANSPORT that is no transport": Case(
        "ingestion.emulate",
        ("--limit", "1"),
        2,
        ("EMULATE_TRANSPORT='http' is not one of kafka, rest", "--transport"),
        env={"EMULATE_TRANSPORT": "http"},
    ),
    "emulate: PINTEREST_TOPIC_PARTITIONS that is not a number": Case(
        "ingestion.emulate",
        ("--limit", "1"),
        2,
        ("PINTEREST_TOPIC_PARTITIONS='abc'", "must be a positive integer", "--partitions"),
        env={"PINTEREST_TOPIC_PARTITIONS": "abc"},
    ),
    "emulate: --limit that is not a number": Case(
        "ingestion.emulate",
        ("--limit", "abc"),
        2,
        ("argument --limit: must be a positive integer, got 'abc'",),
    ),
    "emulate: unreachable Kafka": Case(
        "ingestion.emulate",
        ("--limit", "1", "--bootstrap-servers", "127.0.0.1:1"),
        1,
        ("cannot reach Kafka at 127.0.0.1:1", "KAFKA_BOOTSTRAP_SERVERS"),
    ),
}
ROLES = {"ingestion.sink": "sink", "ingestion.emulate": "emulator", "warehouse.reconcile": "reader"}
# Lines a command may print before its error line: its own, prefixed with its name (progress,
# a retry it reports), a slow wait announced, and argparse's usage. Not a library's.
ALLOWED_BEFORE = re.compile(r"^([a-z]+: |waiting for |usage: | {2,}\S)")


@pytest.mark.parametrize("name", CASES)
def test_mistake_gets_one_clear_line(name, run, lane, stack, source_rows, tmp_path):
    case = CASES[name]
    env = {**lane.env, **{k: v.replace("{lane}", lane.prefix) for k, v in case.env.items()}}
    if case.client_config is not None:
        # The command's own user and TLS settings, and the case's setting on top.
        role = ROLES[case.module]
        properties = tmp_path / "client.properties"
        own = Path(lane.settings.require(config_var(role))).read_text()
        properties.write_text(own + case.client_config)
        env["KAFKA_CLIENT_CONFIG"] = str(properties)
    result = run(case.module, *case.args, env=env, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == case.code, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "no error message"
    for fragment in case.fragments:
        assert fragment in lines[-1], lines[-1]
    stray = [line for line in lines[:-1] if not ALLOWED_BEFORE.match(line)]
    assert stray == [], result.stderr  # no library's own line before ours
    for secret in (
        UNUSED_PASSWORD,
        stack.creds.db_reader_password,
        stack.creds.db_admin_password,
        stack.creds.s3_secret_key,
    ):
        assert secret not in output
