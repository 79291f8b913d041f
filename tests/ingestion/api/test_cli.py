"""`python -m ingestion.api` as a user starts it: help, and one clear line for each mistake."""

from __future__ import annotations

import socket

import pytest
import requests
from api_process import free_port

GOOD_KEY = "a-test-key-of-enough-length"  # pragma: allowlist secret
SHORT_KEY = "short"  # pragma: allowlist secret


def test_help_names_the_routes_and_settings(run):
    result = run("ingestion.api", "--help")
    assert result.returncode == 0
    for text in ("POST /topics/{topic}", "INGEST_API_KEY", "--api-key-file", "--max-records"):
        assert text in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {"INGEST_API_KEY": ""}, "no API key: set INGEST_API_KEY or pass --api-key-file"),
        ([], {"INGEST_API_KEY": SHORT_KEY}, "the API key must be at least 16 characters"),
        (["--api-key-file", "/nonexistent/key"], {}, "cannot read --api-key-file"),
        (["--max-records", "0"], {}, "must be a positive integer"),
        (["--port", "http"], {}, "must be a port from 1 to 65535, got 'http'"),
        ([], {"KAFKA_BOOTSTRAP_SERVERS": ""}, "no Kafka: set KAFKA_BOOTSTRAP_SERVERS"),
    ],
    ids=["no-key", "short-key", "missing-key-file", "zero-records", "bad-port", "no-kafka"],
)
def test_mistakes_get_one_line_and_a_nonzero_exit(run, tmp_path, args, env, message):
    result = run(
        "ingestion.api",
        "--port",
        str(free_port()),
        *args,
        env={
            "INGEST_API_KEY": GOOD_KEY,
            "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
            "PINTEREST_STACK_ENV": str(tmp_path / "none"),  # nothing from the stack's file
            **env,
        },
    )
    assert result.returncode in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert GOOD_KEY not in result.stderr


def test_a_taken_port_is_named(run, stack):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run("ingestion.api", "--port", str(port), env={"INGEST_API_KEY": GOOD_KEY})
    assert result.returncode == 1
    assert f"port 127.0.0.1:{port} is taken" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_stacks_api_takes_the_key_from_stack_env(settings, stack):
    url, key = settings.require("INGEST_API_URL"), settings.require("INGEST_API_KEY")
    assert url == "http://127.0.0.1:8082"
    topics = requests.get(f"{url}/topics", headers={"X-API-Key": key}, timeout=10)
    assert topics.status_code == 200
    assert f"{settings.require('PINTEREST_TOPIC_PREFIX')}.pin" in topics.json()
    assert requests.get(f"{url}/topics", timeout=10).status_code == 401
    key_file = stack.api.key_file
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key not in " ".join(stack.api.command())
