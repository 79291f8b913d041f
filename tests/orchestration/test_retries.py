"""dbt under the orchestrator: a failure that passes (the warehouse away) is tried again with
a growing wait, a failed data test is not; what failed is in the run's failure."""

from __future__ import annotations

import json
import socket

import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance

from core.settings import Settings
from orchestration.assets import failure_text, transient
from orchestration.definitions import build_definitions


def write_results(target, *results):
    target.mkdir(parents=True, exist_ok=True)
    (target / "run_results.json").write_text(json.dumps({"results": list(results)}))


def test_a_failed_test_is_not_transient(tmp_path):
    write_results(
        tmp_path,
        {"status": "fail", "message": "Got 3 results, configured to fail if != 0"},
        {"status": "success", "message": None},
    )
    text, tests_failed = failure_text(tmp_path)
    assert tests_failed
    assert not transient(text)


def test_an_unreachable_warehouse_is_transient(tmp_path):
    write_results(
        tmp_path,
        {
            "status": "error",
            "message": "Database Error\n  failed to connect: Could not connect "
            "to any of [('127.0.0.1', 10000)]",
        },
    )
    text, tests_failed = failure_text(tmp_path)
    assert not tests_failed and transient(text)


def test_a_compilation_error_is_not_transient(tmp_path):
    write_results(tmp_path, {"status": "error", "message": "Compilation Error in model x"})
    text, _ = failure_text(tmp_path)
    assert not transient(text)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_dbt_is_retried_while_the_warehouse_is_away_then_fails(stack, lane, monkeypatch):
    for name, value in lane.dbt_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SPARK_THRIFT_PORT", str(closed_port()))
    definitions = build_definitions(Settings.load())
    job = definitions.resolve_job_def("pipeline")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            asset_selection=[AssetKey(["staging", "stg_pinterest__pins"])],
            # Two retries, not the default four: each attempt parses the project again.
            run_config={"ops": {"dbt_models": {"config": {"retry_seconds": 0.1, "retries": 2}}}},
        )
    assert not result.success
    retries = [e for e in result.all_events if e.event_type is DagsterEventType.STEP_UP_FOR_RETRY]
    assert len(retries) == 2
    (failure,) = [e for e in result.all_events if e.event_type is DagsterEventType.STEP_FAILURE]
    error = failure.event_specific_data.error.message
    assert "after 3 attempts" in error and "Could not connect" in error, error


@pytest.mark.parametrize("text", ["TTransportException: TSocket read 0 bytes", "503 SlowDown"])
def test_other_transient_errors(text):
    assert transient(text)
