"""Every command answers --help at once: with its usage, exit 0, and without loading Dagster,
dbt, Spark, Plotly or the API's server, which only its work needs (`live --help` once took
seconds importing Dagster). Not a timed test, which a loaded 2-core machine makes flaky:
`python bench/help_times.py` prints the times.

The commands are pyproject.toml's [project.scripts], each also run as `python -m`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core.paths import project_root

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


@pytest.mark.parametrize("script", sorted(scripts()))
def test_each_console_script_answers_help(script, tmp_path):
    path = shutil.which(script, path=str(Path(sys.executable).parent))
    assert path is not None, f"{script} is not installed: make install"
    result = subprocess.run(
        [path, "--help"], env=environment(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ")
