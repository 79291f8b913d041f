"""Where the project's files are, whichever folder a command runs from: the project's root
(the folder holding dbt_project.yml, which the pipeline's files sit beside), the stack's state
and the outputs. The outputs are the pipeline's own (counts, the report, live figures), kept
out of dbt's `target/`, which `dbt clean` deletes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from core.errors import ConfigurationError

PROJECT_DIR_VAR = "PINTEREST_PROJECT_DIR"
MARKER = "dbt_project.yml"
# The last place looked: the checkout an editable install runs from, when the current folder
# is outside the project (an installed copy has no project beside it, hence the error).
PACKAGE_DIR = Path(__file__).resolve().parent


def _nearest_holding_marker(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def project_root(environ: Mapping[str, str] | None = None) -> Path:
    """$PINTEREST_PROJECT_DIR, else the nearest folder holding dbt_project.yml upwards from the
    current folder, else upwards from this package; a ConfigurationError if none."""
    env = os.environ if environ is None else environ
    named = env.get(PROJECT_DIR_VAR)
    if named:
        root = Path(named).resolve()
        if not (root / MARKER).is_file():
            raise ConfigurationError(
                f"{PROJECT_DIR_VAR}={named} holds no {MARKER}: point it at the project's folder"
            )
        return root
    for start in (Path.cwd().resolve(), PACKAGE_DIR):
        found = _nearest_holding_marker(start)
        if found is not None:
            return found
    raise ConfigurationError(
        f"no {MARKER} in {Path.cwd()} or above it: run the command from the project's folder, "
        f"or set {PROJECT_DIR_VAR} to it"
    )


def default_state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Every file the local stack writes, unless PINTEREST_STATE_DIR moves it (git-ignored)."""
    return project_root(environ) / ".local"


def output_dir() -> Path:
    """What the commands write for the user to read (git-ignored)."""
    return project_root() / "output"
