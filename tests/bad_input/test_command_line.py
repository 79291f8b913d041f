"""The bad-input corpus, command line: each case is a mistake a user makes, answered with one
clear line naming what is wrong and what to do, the documented exit code (2 for a bad flag,
1 for a bad setting or an unreachable service), no traceback and no secret. The emulator's,
sink's, generator's and stack's own cases live with their tests under tests/ingestion/."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

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
        "ingestion.reconcile", ("--bogus",), 2, ("unrecognized arguments: --bogus",)
    ),
    "reconcile: schema that is not an identifier": Case(
        "ingestion.reconcile", ("--schema", "x; drop table y"), 2, ("not a plain identifier",)
    ),
    "reconcile: unreachable database": Case(
        "ingestion.reconcile",
        (),
        1,
        ("PINTEREST_DB_URL", "Can't connect"),
        env={"PINTEREST_DB_URL": f"mysql+pymysql://u:{UNUSED_PASSWORD}@127.0.0.1:1/x"},
    ),
    "reconcile: topics missing": Case(
        "ingestion.reconcile",
        (),
        1,
        ("does not exist", "run the emulator"),
        env={"PINTEREST_TOPIC_PREFIX": "{lane}-absent"},
    ),
    "reconcile: unreachable Spark": Case(
        "ingestion.reconcile",
        (),
        1,
        ("cannot reach the Spark Thrift Server at 127.0.0.1:1", "SPARK_THRIFT_PORT"),
        env={"SPARK_THRIFT_PORT": "1"},
    ),
    "reconcile: dbt has not run": Case(
        "ingestion.reconcile",
        (),
        1,
        ("cannot read", "run `dbt build` first"),
        env={"DBT_SCHEMA": "{lane}", "PINTEREST_RAW_SCHEMA": "{lane}_raw"},
    ),
    "reconcile: wrong S3 secret": Case(
        "ingestion.reconcile",
        ("--skip-dbt",),
        1,
        ("refused access", "S3_SECRET_ACCESS_KEY"),
        env={"S3_SECRET_ACCESS_KEY": UNUSED_PASSWORD},
    ),
    "answers: unknown flag": Case(
        "ingestion.answers", ("--bogus",), 2, ("unrecognized arguments: --bogus",)
    ),
    "answers: port that is not a number": Case(
        "ingestion.answers", ("--port", "many"), 2, ("--port", "invalid int value")
    ),
    "answers: unreachable Spark": Case(
        "ingestion.answers", ("--port", "1"), 1, ("cannot reach the Spark Thrift Server",)
    ),
    "answers: marts not built": Case(
        "ingestion.answers",
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
        ("no partition was assigned", "--topics-regex"),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_mistake_gets_one_clear_line(name, run, lane, stack, source_rows, tmp_path):
    case = CASES[name]
    env = {**lane.env, **{k: v.replace("{lane}", lane.prefix) for k, v in case.env.items()}}
    if case.client_config is not None:
        properties = tmp_path / "client.properties"
        properties.write_text(case.client_config)
        env["KAFKA_CLIENT_CONFIG"] = str(properties)
    result = run(case.module, *case.args, env=env, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == case.code, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "no error message"
    for fragment in case.fragments:
        assert fragment in lines[-1], lines[-1]
    for secret in (
        UNUSED_PASSWORD,
        stack.creds.db_reader_password,
        stack.creds.db_admin_password,
        stack.creds.s3_secret_key,
    ):
        assert secret not in output
