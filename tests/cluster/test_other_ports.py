"""A second stack on other ports and in another state folder, beside the default one: a small
pipeline runs end to end on it (MySQL -> Kafka -> S3 -> dbt staging, reconciled), then it is
stopped. Shows that every port moves with its setting and that nothing assumes a default."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingestion.settings import Settings, parse_env_file
from ingestion.stack import process
from ingestion.stack.config import PORT_SETTINGS, Credentials, Layout, StackConfig
from ingestion.stack.seaweedfs import SeaweedFS

REPO = Path(__file__).resolve().parents[1]
STATE = REPO / ".local" / "other-ports"
# Away from the defaults and from each other (SeaweedFS's inner ports follow its S3 port).
PORTS = {
    "PINTEREST_MYSQL_PORT": "23306",
    "PINTEREST_KAFKA_PORT": "29092",
    "PINTEREST_KAFKA_CONTROLLER_PORT": "29093",
    "PINTEREST_KAFKA_ADMIN_PORT": "29094",
    "PINTEREST_S3_PORT": "28333",
    "PINTEREST_THRIFT_PORT": "30000",
    "PINTEREST_API_PORT": "28082",
    "PINTEREST_DAGSTER_PORT": "23000",
}
POSTS = 300


@contextmanager
def process_listening() -> Iterator[int]:
    """A port some other process holds."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def command(*argv: str, env: dict[str, str], timeout: float = 600) -> str:
    result = subprocess.run(
        list(argv), cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def other_stack(stack):
    """The second stack's settings file, as its `up` wrote it; stopped afterwards."""
    env = {
        **os.environ,
        **PORTS,
        "PINTEREST_STATE_DIR": str(STATE),
        "PINTEREST_STACK_ENV": str(STATE / "stack.env"),
    }
    python = sys.executable

    def down() -> None:
        subprocess.run(
            [python, "-m", "ingestion.stack", "down"], cwd=REPO, env=env, capture_output=True
        )

    # From nothing, as on a new machine: a run before may have left data or processes.
    down()
    shutil.rmtree(STATE, ignore_errors=True)
    try:
        command(python, "-m", "ingestion.stack", "up", env=env, timeout=900)
        yield {**env, **parse_env_file((STATE / "stack.env").read_text())}
    finally:
        down()


def test_the_settings_file_holds_the_ports_in_force(other_stack):
    for name, port in PORTS.items():
        assert other_stack[name] == port
    assert other_stack["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:29092"
    assert other_stack["S3_ENDPOINT_URL"] == "http://127.0.0.1:28333"
    assert other_stack["SPARK_THRIFT_PORT"] == "30000"
    assert ":23306/" in other_stack["PINTEREST_DB_URL"]
    assert other_stack["INGEST_API_URL"] == "http://127.0.0.1:28082"


def test_a_pipeline_runs_end_to_end_on_other_ports(other_stack):
    python = sys.executable
    env = other_stack
    command(python, "-m", "ingestion.generate", "--rows", str(POSTS), "--truncate", env=env)
    emulated = command(python, "-m", "ingestion.emulate", env=env)
    assert f"{3 * POSTS:,} messages delivered" in emulated
    # A new broker creates its offsets topic as the first group joins: give it time.
    landed = command(python, "-m", "ingestion.sink", "--until-idle", "15", env=env)
    assert f"{3 * POSTS:,} records landed" in landed
    dbt = str(Path(python).with_name("dbt"))
    command(dbt, "build", "--select", "+staging", "--exclude", "test_type:unit", env=env)
    # Every stage holds every record: MySQL, Kafka, S3 and staging, on this stack's ports.
    reconciled = command(
        python, "-m", "ingestion.reconcile", "--output", str(STATE / "reconcile.json"), env=env
    )
    assert "reconciled: every record is accounted for" in reconciled
    # The default stack was not touched: its services still answer on their own ports.
    for port in (3306, 9092, 8333, 10000):
        assert process.port_open("127.0.0.1", port)


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
    assert set(PORT_SETTINGS.values()) == set(PORTS)
