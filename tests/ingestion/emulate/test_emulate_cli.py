"""Bad input to the emulator: one clear line, a non-zero exit, no traceback, no secret."""

from __future__ import annotations

import pytest

# Made-up passwords that no account has; the tests check they are never echoed.
WRONG_PASSWORD = "Wr0ngPassw0rdXyz"  # pragma: allowlist secret
UNUSED_PASSWORD = "Secr3tValue"  # pragma: allowlist secret


def assert_one_clear_line(result, code, *fragments, secret=None):
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "no error message"
    for fragment in fragments:
        assert fragment in lines[-1], lines[-1]
    if secret:
        assert secret not in result.stdout + result.stderr


def test_help(run):
    result = run("ingestion.emulate", "--help")
    assert result.returncode == 0
    for flag in ("--mode", "--rate", "--checkpoint", "--resume", "--seed", "KAFKA_CLIENT_CONFIG"):
        assert flag in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--rate", "-5"], "must be more than zero"),
        (["--limit", "zero"], "must be a positive integer, got 'zero'"),
        (["--resume"], "--resume needs --checkpoint FILE"),
        (["--mode", "random"], "--mode random needs --count or --duration"),
        (["--mode", "random", "--count", "3", "--rate", "5"], "--rate only applies"),
        (["--count", "3"], "--count only applies to --mode random"),
        (["--mode", "sideways"], "invalid choice"),
        (["--transport", "pigeon"], "invalid choice"),
        (["--transport", "rest", "--linger-ms", "5"], "--linger-ms only applies to --transport"),
        (["--rest-records", "10"], "--rest-records only applies to --transport rest"),
        (["--transport", "rest", "--rest-in-flight", "0"], "must be a positive integer"),
    ],
)
def test_bad_flags_exit_2(run, args, message):
    assert_one_clear_line(run("ingestion.emulate", *args), 2, message)


def test_wrong_password_names_the_variable_not_the_password(run, lane, settings):
    url = settings.require("PINTEREST_DB_URL")
    user_part, host_part = url.split("@", 1)
    bad = user_part.rsplit(":", 1)[0] + ":" + WRONG_PASSWORD + "@" + host_part
    result = run("ingestion.emulate", env={**lane.env, "PINTEREST_DB_URL": bad})
    assert_one_clear_line(result, 1, "PINTEREST_DB_URL", "Access denied", secret=WRONG_PASSWORD)


def test_unreachable_database(run, lane):
    url = f"mysql+pymysql://someone:{UNUSED_PASSWORD}@127.0.0.1:1/pinterest_data"
    result = run("ingestion.emulate", env={**lane.env, "PINTEREST_DB_URL": url})
    assert_one_clear_line(result, 1, "PINTEREST_DB_URL", "Can't connect", secret=UNUSED_PASSWORD)


def test_unreachable_broker(run, lane):
    result = run("ingestion.emulate", "--bootstrap-servers", "127.0.0.1:1", env=lane.env)
    assert_one_clear_line(result, 1, "cannot reach Kafka at 127.0.0.1:1", "KAFKA_BOOTSTRAP_SERVERS")


def test_unreadable_client_config(run, lane, tmp_path):
    result = run(
        "ingestion.emulate",
        env={**lane.env, "KAFKA_CLIENT_CONFIG": str(tmp_path / "missing.properties")},
    )
    assert_one_clear_line(result, 1, "cannot read KAFKA_CLIENT_CONFIG file")


def test_client_config_is_applied(run, lane, tmp_path):
    properties = tmp_path / "client.properties"
    properties.write_text(
        "# MSK would set security.protocol=SASL_SSL here\nclient.id=from-file\n"
        "security.protocol=SSL_BOGUS\n"
    )
    result = run("ingestion.emulate", env={**lane.env, "KAFKA_CLIENT_CONFIG": str(properties)})
    assert result.returncode != 0
    assert "security.protocol" in result.stderr
    assert "Traceback" not in result.stderr


def test_rest_transport_needs_an_endpoint(run, lane, tmp_path):
    env = {**lane.env, "INGEST_API_URL": "", "PINTEREST_STACK_ENV": str(tmp_path / "none")}
    env["PINTEREST_DB_URL"] = "mysql+pymysql://u@127.0.0.1:1/d"
    result = run("ingestion.emulate", "--transport", "rest", env=env)
    assert_one_clear_line(result, 2, "--transport rest needs --rest-url or INGEST_API_URL")


def test_rest_endpoint_unreachable(run, lane):
    result = run(
        "ingestion.emulate", "--transport", "rest", "--rest-url", "http://127.0.0.1:1", env=lane.env
    )
    assert_one_clear_line(result, 1, "cannot reach the REST endpoint http://127.0.0.1:1")


def test_rest_endpoint_refuses_a_wrong_key(run, lane, settings):
    result = run(
        "ingestion.emulate",
        *("--transport", "rest", "--rest-url", settings.require("INGEST_API_URL")),
        env={**lane.env, "INGEST_API_KEY": WRONG_PASSWORD},
    )
    assert_one_clear_line(result, 1, "refused the API key", "INGEST_API_KEY", secret=WRONG_PASSWORD)


def test_rest_endpoint_without_the_topic(run, lane, settings):
    # The stack's API serves the stack's prefix only: this lane's topics are outside it.
    result = run(
        "ingestion.emulate",
        *("--transport", "rest", "--rest-url", settings.require("INGEST_API_URL")),
        env=lane.env,
    )
    assert_one_clear_line(result, 1, f"does not allow {lane.topic('pin')}", "--topic-prefix")
