"""The option groups the commands share: a command that needs the landing and was given no
bucket says so in one line, exit 2, whichever command it is."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "command",
    [
        ["ingestion.sink", "--bootstrap-servers", "127.0.0.1:1"],
        [
            "warehouse.reconcile",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--db-url",
            "mysql+pymysql://u:p@127.0.0.1:1/d",  # pragma: allowlist secret
        ],
    ],
)
def test_no_bucket_is_one_line_before_anything_is_reached(command, tmp_path):
    # No stack file and no S3_BUCKET: nothing names a bucket.
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "S3_BUCKET" and not name.startswith("PINTEREST_")
    }
    env["PINTEREST_STACK_ENV"] = str(tmp_path / "absent.env")
    result = subprocess.run(
        [sys.executable, "-m", *command], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(
        "error: no bucket: set S3_BUCKET or pass --bucket"
    )
