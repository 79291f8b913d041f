"""`answers` and the report show the questions from the models' YAML: a user without a dbt
profile (nor a parsed manifest) still gets them, and so reaches the warehouse's own error."""

from __future__ import annotations

import subprocess
import sys


def test_answers_needs_no_dbt_profile_for_the_questions(tmp_path):
    no_profile = tmp_path / "no-profile"
    no_profile.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "PINTEREST_STACK_ENV": str(tmp_path / "absent.env"),
        "PINTEREST_STATE_DIR": str(tmp_path / "state"),
        "DBT_PROFILES_DIR": str(no_profile),
    }
    result = subprocess.run(
        [sys.executable, "-m", "warehouse.answers", "--thrift-port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Past the questions, at the Thrift server (nothing listens on port 1); dbt never ran.
    assert result.returncode == 1, result.stderr
    assert "cannot reach the Spark Thrift Server" in result.stderr
    assert "dbt" not in result.stderr
    assert not (tmp_path / "state" / "dagster" / "dbt").exists()
