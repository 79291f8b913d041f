"""The orchestrator's services are restarted only when what they act on changed, as the code
location resolves it: `make live` used to find the UI and daemon that `up --orchestrator` had
just started "changed" (DBT_SCHEMA unset then, the default spelled out by the runner) and
restart both, killing the sensor's first build. No process is started here: the record the
services are started with is compared with what a later command would start them with."""

from __future__ import annotations

import os

import pytest

from core.catalogue import DEFAULT_SCHEMA
from core.settings import Settings
from standins.live.runner import live_environment
from standins.stack.lifecycle import Stack

STACK_ENV = """\
export S3_BUCKET=pinterest-raw
export PINTEREST_TOPIC_PREFIX=pinterest
export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092
"""


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A stack whose state is a scratch folder, in a shell that exported none of the
    orchestrator's settings."""
    for name in list(os.environ):
        if name.startswith(("PINTEREST_", "SINK_", "DBT_", "S3_", "KAFKA_")):
            monkeypatch.delenv(name)
    (tmp_path / "stack.env").write_text(STACK_ENV)
    monkeypatch.setenv("PINTEREST_STATE_DIR", str(tmp_path))
    return Stack.from_settings(Settings.load())


def run_with(monkeypatch, env: dict[str, str]) -> None:
    """The process environment a command sets before it starts the services."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_live_keeps_the_orchestrator_that_up_started(scratch, monkeypatch):
    for service in scratch.orchestrator:
        service.write_home()  # `python -m standins.stack up --orchestrator` starting it
    run_with(monkeypatch, live_environment(Settings.load(), DEFAULT_SCHEMA))
    assert [service.name for service in scratch.orchestrator if service.outdated()] == []


def test_a_second_live_run_keeps_the_first_ones_orchestrator(scratch, monkeypatch):
    run_with(monkeypatch, live_environment(Settings.load(), DEFAULT_SCHEMA))
    scratch.dagster_ui.write_home()
    run_with(monkeypatch, live_environment(Settings.load(), DEFAULT_SCHEMA))
    assert not scratch.dagster_ui.outdated()


def test_an_empty_setting_is_no_change_from_an_unset_one(scratch, monkeypatch):
    scratch.dagster_ui.write_home()
    run_with(monkeypatch, {"SINK_TOPICS_DIR": "", "DBT_SCHEMA": "", "PINTEREST_RAW_ROOT": ""})
    assert not scratch.dagster_ui.outdated()


@pytest.mark.parametrize(
    "change",
    [
        {"DBT_SCHEMA": "other"},
        {"PINTEREST_TOPIC_PREFIX": "other"},
        {"SINK_TOPICS_DIR": "elsewhere"},
        {"PINTEREST_RAW_SCHEMA": "other_raw"},
        {"PINTEREST_SENSOR_INTERVAL": "2"},
    ],
)
def test_another_landing_or_schema_restarts_them(scratch, monkeypatch, change):
    scratch.dagster_ui.write_home()
    run_with(monkeypatch, change)
    assert scratch.dagster_ui.outdated()
