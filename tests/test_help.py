"""Every command answers --help at once: with its usage, exit 0, and without loading Dagster,
dbt, Spark, Plotly or the API's server, which only its work needs (`live --help` once took
seconds importing Dagster). Not a timed test, which a loaded 2-core machine makes flaky:
`python bench/help_times.py` prints the times.

The commands are pyproject.toml's [project.scripts], each also run as `python -m`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core.paths import project_root
from core.settings import EVERY_COMMAND, S3_CONNECTION, THRIFT_LOGIN, VARIABLES

# What only a command's work needs, and what costs seconds to import.
HEAVY = ("dagster", "dagster_dbt", "dagster_graphql", "dbt", "pyspark", "plotly", "fastapi")
HEAVY += ("uvicorn",)

# Runs a command's `python -m` entry with --help in this process, then says what it loaded.
PROBE = """
import contextlib, io, json, runpy, sys
sys.argv = [sys.argv[1], "--help"]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
        code = None
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "usage": out.getvalue(), "modules": sorted(sys.modules)}))
"""


# The settings a command reads without an option, which its --help must name: the S3
# endpoint and keys were once named by none.
READ_WITHOUT_OPTION = {
    "ingestion.emulate": ("INGEST_API_KEY", "KAFKA_EMULATOR_CONFIG", "KAFKA_CLIENT_CONFIG"),
    "ingestion.api": ("INGEST_API_KEY", "KAFKA_API_CONFIG", "KAFKA_CLIENT_CONFIG"),
    "ingestion.sink": (*S3_CONNECTION, "KAFKA_SINK_CONFIG", "KAFKA_CLIENT_CONFIG"),
    "warehouse.reconcile": (*S3_CONNECTION, "KAFKA_READER_CONFIG", *THRIFT_LOGIN),
    "warehouse.answers": THRIFT_LOGIN,
    "warehouse.report": THRIFT_LOGIN,
    "standins.live": ("PINTEREST_DB_URL", "PINTEREST_DB_ADMIN_URL", *THRIFT_LOGIN),
    "standins.stack": ("PINTEREST_TOPIC_PARTITIONS", "PINTEREST_KAFKA_BROKERS"),
}


def scripts() -> dict[str, str]:
    """Console script -> the module `python -m` runs."""
    table = tomllib.loads((project_root() / "pyproject.toml").read_text(encoding="utf-8"))
    return {
        name: target.split(":")[0].removesuffix(".__main__")
        for name, target in table["project"]["scripts"].items()
    }


def environment(tmp_path: Path) -> dict[str, str]:
    # No stack file: the help is the same with or without a stack.
    return {"PATH": "/usr/bin:/bin", "PINTEREST_STACK_ENV": str(tmp_path / "absent.env")}


def test_the_commands_are_found():
    assert len(scripts()) >= 9


@pytest.mark.parametrize("module", sorted(scripts().values()))
def test_help_answers_without_the_heavy_modules(module, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["code"] == 0
    assert probe["usage"].startswith(f"usage: python -m {module}")
    loaded = sorted({name.split(".")[0] for name in probe["modules"]} & set(HEAVY))
    assert loaded == []
    # Every option's variable ([env NAME]) and every setting read without an option (a line
    # `  NAME  meaning` at the end) is named, and each is one docs/configuration.md describes.
    text = probe["usage"]
    named = re.findall(r"\[env ([A-Z0-9_]+)", " ".join(text.split())) + re.findall(
        r"^  ([A-Z][A-Z0-9_]+) ", text, re.M
    )
    assert set(READ_WITHOUT_OPTION.get(module, ())) | set(EVERY_COMMAND) <= set(named)
    documented = (project_root() / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert [name for name in named if f"`{name}`" not in documented] == []


def test_every_variable_of_the_table_is_documented():
    documented = (project_root() / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert [name for name in VARIABLES if f"`{name}`" not in documented] == []


@pytest.mark.parametrize("script", sorted(scripts()))
def test_each_console_script_answers_help(script, tmp_path):
    path = shutil.which(script, path=str(Path(sys.executable).parent))
    assert path is not None, f"{script} is not installed: make install"
    result = subprocess.run(
        [path, "--help"], env=environment(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ")
