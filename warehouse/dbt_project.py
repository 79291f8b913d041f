"""The dbt project from Python: where it is, and its parsed manifest, which holds what dbt
declares (models, their YAML `meta`) for the commands that read it. The manifest is kept
under the state folder and parsed again when a project file changed."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

from core.errors import ConfigurationError
from core.paths import project_root
from core.settings import Settings

# What dbt parses: a newer file here means a stale manifest.
PROJECT_FILES = ("dbt_project.yml", "models", "macros", "seeds", "tests/dbt")
DBT = Path(sys.executable).with_name("dbt")


def _newest_change(root: Path) -> float:
    newest = 0.0
    for name in PROJECT_FILES:
        path = root / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        for child in path.rglob("*") if path.is_dir() else ():
            newest = max(newest, child.stat().st_mtime)
    return newest


def manifest(settings: Settings) -> Path:
    """The project's manifest.json, parsed again when it is missing or older than a project
    file. A lock keeps the webserver's and the daemon's loaders from parsing at once."""
    # Where Dagster's dbt runs keep their artifacts too (DBT_TARGET_PATH of its services):
    # they start from this parse's partial_parse.msgpack.
    target = settings.state / "dagster" / "dbt"
    path = target / "manifest.json"
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        root = project_root()
        if path.exists() and path.stat().st_mtime >= _newest_change(root):
            return path
        parsed = subprocess.run(
            [str(DBT), "parse", "--quiet", "--target-path", str(target)],
            cwd=root,
            env={**settings.child_env(), "DBT_LOG_PATH": str(target)},
            capture_output=True,
            text=True,
            check=False,
        )
        if parsed.returncode != 0 or not path.exists():
            detail = (parsed.stdout + parsed.stderr).strip().splitlines()[-1:] or ["no output"]
            raise ConfigurationError(
                f"dbt could not parse the project ({detail[0]}): run `dbt parse` "
                "after sourcing .local/stack.env to see why"
            )
    return path
