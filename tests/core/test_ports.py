"""Every port a command takes is 1 to 65535, checked before anything is reached: 0 (any free
port) and a number past 65535 (another port) are refused like a word, in one line naming the
flag or the variable. A flag, or a variable its flag could not take, exits 2 as argparse does;
a setting without a flag (the stack's ports, the live runner's warehouse) exits 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BAD = ["0", "65536", "99999", "x"]
# Each command's port flag: the api's listen port, the others' Spark Thrift Server.
FLAGGED = {
    "ingestion.api": "--port",
    "warehouse.answers": "--thrift-port",
    "warehouse.reconcile": "--thrift-port",
    "warehouse.report": "--thrift-port",
}


def run(module: str, args: list[str], env: dict[str, str], tmp_path: Path):
    # Nothing from the stack's file, and state in a scratch folder: no service is touched.
    environ = {
        "PATH": "/usr/bin:/bin",
        "PINTEREST_STACK_ENV": str(tmp_path / "absent.env"),
        "PINTEREST_STATE_DIR": str(tmp_path / "state"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The one line of the refusal (after argparse's usage, for a flag)."""
    lines = result.stderr.splitlines()
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert lines, "nothing on stderr"
    before = lines[:-1]
    assert not before or (before[0].startswith("usage:") and code == 2), result.stderr
    return lines[-1]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("module", FLAGGED)
def test_a_port_flag_out_of_range_is_refused(module, value, tmp_path):
    flag = FLAGGED[module]
    line = error_line(run(module, [flag, value], {}, tmp_path), 2)
    assert line.endswith(f"error: argument {flag}: must be a port from 1 to 65535, got {value!r}")


@pytest.mark.parametrize(
    ("module", "variable"),
    [("ingestion.api", "INGEST_API_PORT"), ("warehouse.answers", "SPARK_THRIFT_PORT")],
)
def test_a_port_variable_out_of_range_is_refused_naming_it(module, variable, tmp_path):
    line = error_line(run(module, [], {variable: "99999"}, tmp_path), 2)
    assert f"{variable}='99999' must be a port from 1 to 65535" in line
    assert line.endswith(f"(or pass {FLAGGED[module]})")


@pytest.mark.parametrize("value", BAD)
def test_a_stack_port_out_of_range_is_refused(value, tmp_path):
    line = error_line(run("standins.stack", ["status"], {"PINTEREST_API_PORT": value}, tmp_path), 1)
    expected = "must be an integer" if value == "x" else "must be a port from 1024 to 65535"
    assert line.startswith(f"error: PINTEREST_API_PORT {expected}, got ")
    assert not (tmp_path / "state").exists()


def test_the_live_runners_warehouse_port_is_checked_first(tmp_path):
    env = {"S3_BUCKET": "b", "SPARK_THRIFT_HOST": "127.0.0.1", "SPARK_THRIFT_PORT": "65536"}
    line = error_line(run("standins.live", [], env, tmp_path), 1)
    assert line == "error: SPARK_THRIFT_PORT must be a port from 1 to 65535, got '65536'"
