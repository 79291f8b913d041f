"""Which builds check the rows they staged themselves with the rules between tables: a build
while records still arrive leaves them to the next build (dbt's var `continuous`); a build
after every record landed checks them (macros/test_scope.sql, tests/test_data_test_scopes.py)."""

from __future__ import annotations

import json

from core.settings import Settings
from orchestration.assets import DBT_OP, BuildConfig, build_args
from orchestration.definitions import build_definitions
from orchestration.sensors import INCREMENTAL_JOB


def continuous(args: list[str]) -> bool:
    return json.loads(args[args.index("--vars") + 1])["continuous"]


def test_a_build_is_continuous_unless_its_run_says_every_record_landed():
    assert continuous(build_args(BuildConfig())) is True
    assert continuous(build_args(BuildConfig(continuous=False))) is False
    # dbt's unit tests run in CI and development (tests/test_pipeline_end_to_end.py).
    assert build_args(BuildConfig())[-2:] == ["--exclude-resource-type", "unit_test"]


def test_the_whole_pipeline_once_checks_every_row_and_the_sensors_builds_do_not():
    definitions = build_definitions(Settings.load())
    pipeline = definitions.resolve_job_def("pipeline").run_config
    assert pipeline["ops"][DBT_OP]["config"]["continuous"] is False
    # The sensor's builds and the daily build run while records arrive: the default.
    for job in (INCREMENTAL_JOB, "full_build"):
        config = definitions.resolve_job_def(job).run_config or {}
        assert "continuous" not in config.get("ops", {}).get(DBT_OP, {}).get("config", {})
