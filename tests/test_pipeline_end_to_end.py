"""The whole pipeline on the local stack: generate -> emulate -> sink -> dbt build, then every
mart compared with the answers computed independently in Python from the same source rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import reference_answers
from pyhive import hive

MARTS = [
    "most_popular_category_by_country",
    "most_popular_category_by_year",
    "most_followed_user_by_country",
    "country_with_most_followed_user",
    "most_popular_category_by_age_group",
    "median_follower_count_by_age_group",
    "users_joined_by_year",
    "median_follower_count_by_join_year",
    "median_follower_count_by_age_group_and_join_year",
]
REPO = Path(__file__).resolve().parents[1]


def dbt(lane, *args: str) -> subprocess.CompletedProcess[str]:
    # dbt reads its settings from the environment only: give it the stack's, as
    # `source .local/stack.env` would.
    env = {
        **lane.settings.stack_file,
        **os.environ,
        **lane.env,
        "PINTEREST_RAW_ROOT": f"s3a://{lane.bucket}/{lane.topics_dir}",
        "PINTEREST_RAW_SCHEMA": f"{lane.prefix}_raw",
        "DBT_SCHEMA": lane.prefix,
        "DBT_PROFILES_DIR": lane.settings.require("DBT_PROFILES_DIR"),
    }
    dbt_bin = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [str(dbt_bin), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=900
    )


def canonical(rows):
    """Comparable form: tuples of values, floats rounded, sorted."""

    def value(v):
        return round(float(v), 6) if isinstance(v, float) else v

    return sorted(tuple(value(v) for v in row) for row in rows)


@pytest.fixture
def warehouse(lane):
    connection = hive.connect(
        host=lane.settings.require("SPARK_THRIFT_HOST"),
        port=int(lane.settings.require("SPARK_THRIFT_PORT")),
        username="pytest",
    )
    yield connection.cursor()
    cursor = connection.cursor()
    for suffix in ("raw", "seeds", "staging", "intermediate", "marts"):
        cursor.execute(f"drop schema if exists {lane.prefix}_{suffix} cascade")
    connection.close()


def test_marts_match_independent_python_answers(run, lane, source_rows, warehouse):
    assert run("ingestion.emulate", env=lane.env).returncode == 0
    assert run("ingestion.sink", "--until-idle", "3", env=lane.env).returncode == 0

    staged = dbt(lane, "run-operation", "stage_external_sources")
    assert staged.returncode == 0, staged.stdout[-3000:]
    built = dbt(lane, "build")
    assert built.returncode == 0, built.stdout[-5000:]
    assert "ERROR=0" in built.stdout and "WARN=0" in built.stdout

    expected = reference_answers.all_marts(
        list(source_rows["pinterest_data"].values()),
        list(source_rows["geolocation_data"].values()),
        list(source_rows["user_data"].values()),
    )
    for mart in MARTS:
        warehouse.execute(f"select * from {lane.prefix}_marts.{mart}")
        columns = [column[0].split(".")[-1] for column in warehouse.description]
        actual = canonical(warehouse.fetchall())
        wanted = canonical([tuple(row[c] for c in columns) for row in expected[mart]])
        assert actual, f"{mart} is empty"
        assert actual == wanted, mart

    # The docs site builds, and every model documents exactly the columns it has.
    docs = dbt(lane, "docs", "generate")
    assert docs.returncode == 0, docs.stdout[-3000:]
    catalog = json.loads((REPO / "target" / "catalog.json").read_text())
    manifest = json.loads((REPO / "target" / "manifest.json").read_text())
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] == "model":
            built = {name.lower() for name in catalog["nodes"][unique_id]["columns"]}
            assert set(node["columns"]) == built, node["name"]

    # The same project builds, with every test passing, on Spark inside the dbt process.
    session = dbt(lane, "run-operation", "stage_external_sources", "--target", "session")
    assert session.returncode == 0, session.stdout[-3000:]
    session = dbt(lane, "build", "--target", "session")
    assert session.returncode == 0, session.stdout[-5000:]
    assert "ERROR=0" in session.stdout

    # Staging keeps every post once: no line lost, none duplicated, none quarantined.
    for table in ("pins", "geolocations", "users"):
        model = f"{lane.prefix}_staging.stg_pinterest__{table}"
        warehouse.execute(f"select count(*), count(distinct ind) from {model}")
        assert warehouse.fetchall() == [(11_154, 11_154)]
