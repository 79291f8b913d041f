"""The stack's command line: help, bad input and status, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.paths import project_root
from standins.stack.stack_config import PORT_SETTINGS


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "standins.stack", *args],
        cwd=cwd,
        # This checkout's package, from any folder.
        env={**os.environ, "PYTHONPATH": str(project_root())},
        capture_output=True,
        text=True,
    )


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("up", "down", "status", "install", "grant"):
        assert command in result.stdout
    # Every service, with the setting that moves its port.
    text = " ".join(result.stdout.split())
    for service in ("MariaDB", "Kafka", "SeaweedFS", "Spark Thrift", "ingestion API", "Dagster"):
        assert service in text
    for setting in PORT_SETTINGS.values():
        assert setting in text


def test_unknown_command_is_rejected_without_traceback():
    result = run("explode")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_reports_every_service_running(stack):
    result = run("status")
    assert result.returncode == 0, result.stdout + result.stderr
    for service in ("mariadb", "kafka", "seaweedfs", "spark", "api"):
        assert f"{service}" in result.stdout
    assert result.stdout.count("running (pid") == 5


def test_up_again_is_harmless(stack):
    result = run("up")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("already running") == 5
    assert stack.layout.stack_env.stat().st_mode & 0o777 == 0o600


def test_status_from_a_subfolder_finds_the_stack(stack):
    # Its state and stack.env are the repository root's, not models/.local.
    result = run("status", cwd=project_root() / "models")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("running (pid") == 5
    assert not (project_root() / "models" / ".local").exists()


def test_grant_takes_the_prefix_and_group_in_force(tmp_path):
    """`grant` defaults from PINTEREST_TOPIC_PREFIX and SINK_GROUP, as every command's
    --topic-prefix and --group do; a flag still wins."""
    from core.settings import Settings
    from standins.stack.__main__ import build_parser

    environ = {
        "PINTEREST_STACK_ENV": str(tmp_path / "absent.env"),
        "PINTEREST_TOPIC_PREFIX": "lane7",
        "SINK_GROUP": "lane7-sinks",
    }
    parser = build_parser(Settings.load(environ))
    given = parser.parse_args(["grant"])
    assert (given.topic_prefix, given.group) == ("lane7", "lane7-sinks")
    assert parser.parse_args(["grant", "--topic-prefix", "other"]).topic_prefix == "other"
