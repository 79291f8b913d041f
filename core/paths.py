"""Where the project's files are, whichever folder a command runs from: the repository's
root (this package is installed in editable mode from it), the stack's state and the
outputs. The outputs are the pipeline's own (counts, the report, live figures), kept out of
dbt's `target/`, which `dbt clean` deletes."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Every file the local stack writes, unless PINTEREST_STATE_DIR moves it (git-ignored).
STATE = ROOT / ".local"
# What the commands write for the user to read (git-ignored).
OUTPUT = ROOT / "output"
