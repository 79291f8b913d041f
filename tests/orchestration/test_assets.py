"""The pipeline's assets materialised in-process against the stack, in a lane: one run of the
`pipeline` job observes the source tables, sends and lands every row, builds every dbt model
with its tests as asset checks, and writes the report, with every stage reconciled."""

from __future__ import annotations

import json

import pytest
from dagster import DagsterEventType, DagsterInstance

from core.settings import Settings
from orchestration.assets import Pipeline
from orchestration.definitions import build_definitions


@pytest.fixture
def lane_env(lane, warehouse, monkeypatch):
    for name, value in lane.dbt_env.items():
        monkeypatch.setenv(name, value)
    return lane


def test_the_pipeline_job_runs_every_stage_and_reconciles(source_rows, lane_env, tmp_path):
    definitions = build_definitions(Settings.load(), Pipeline(output_dir=str(tmp_path)))
    job = definitions.resolve_job_def("pipeline")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        assert result.success, [event.message for event in result.all_events if event.is_failure]
        observed = {
            event.asset_key.to_user_string(): event.event_specific_data.asset_observation
            for event in result.all_events
            if event.event_type is DagsterEventType.ASSET_OBSERVATION
        }
        materialized = {
            event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
        }
        checks = [
            event.event_specific_data
            for event in result.all_events
            if event.event_type is DagsterEventType.ASSET_CHECK_EVALUATION
        ]

    graph = definitions.resolve_asset_graph()
    every_asset = {key.to_user_string() for key in graph.get_all_asset_keys()}
    tables = {"mysql/pinterest_data", "mysql/geolocation_data", "mysql/user_data"}
    assert set(observed) == tables
    for table, rows in source_rows.items():
        assert observed[f"mysql/{table}"].metadata["rows"].value == len(rows)
    assert materialized == every_asset - tables
    assert len(checks) == len(list(graph.asset_check_keys)) > 60
    assert all(check.passed for check in checks), [c.check_name for c in checks if not c.passed]

    counts = json.loads((tmp_path / "reconcile.json").read_text())
    posts = counts["tables"][0]
    assert posts["mysql_rows"] == posts["staging_rows"] == len(source_rows["pinterest_data"])
    assert "<html" in (tmp_path / "report" / "index.html").read_text()[:500].lower()
