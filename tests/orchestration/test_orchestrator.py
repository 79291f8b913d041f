"""The orchestrator as `make live` runs it: Dagster's daemon and UI as stack services, in a
lane of their own. Rows sent and landed are built by the sensor's run with no other step; the
UI, opened in headless Chromium with every request off the machine refused, shows the asset
graph from the source tables to the report, and the run that succeeded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from browser import chromium_page, screenshot
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from listeners import is_loopback, listening_inodes, socket_inodes

from orchestration.sensors import SENSOR_NAME
from standins.stack.lifecycle import start

GROUPS = ["source", "kafka", "landing", "seeds", "staging", "intermediate", "marts", "report"]


@pytest.fixture
def orchestrator(stack, lane, warehouse, monkeypatch):
    """Dagster's UI and daemon started with this lane's settings, stopped afterwards (the
    rest of the suite runs without them)."""
    for name, value in {**lane.dbt_env, "PINTEREST_SENSOR_INTERVAL": "2"}.items():
        monkeypatch.setenv(name, value)
    start(stack.orchestrator, print)
    try:
        yield stack
    finally:
        for service in reversed(stack.orchestrator):
            service.stop()


def listening_addresses(session: int) -> list[str]:
    """Local addresses of the TCP sockets listened on by every process of a session: the
    service and the code servers and runs it started."""
    listening = listening_inodes()
    addresses = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[3]) != session:
                continue
        except (OSError, IndexError, ValueError):
            continue
        addresses += [listening[i] for i in socket_inodes(int(stat.parent.name)) if i in listening]
    return addresses


def test_the_ui_and_the_daemon_listen_on_loopback_only(orchestrator):
    addresses = []
    for service in orchestrator.orchestrator:
        addresses += listening_addresses(service.pid())  # each runs in a session of its own
    # The UI's port at least (their code servers listen on Unix sockets).
    assert addresses, "the UI listens on no TCP port"
    assert all(is_loopback(address) for address in addresses), addresses


def wait_for_sensor_run(home, since: float, timeout: float):
    with DagsterInstance.from_config(str(home)) as instance:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records = instance.get_run_records(
                filters=RunsFilter(tags={"dagster/sensor_name": SENSOR_NAME}), limit=5
            )
            for record in records:
                if record.create_timestamp.timestamp() < since:
                    continue
                if record.dagster_run.status is DagsterRunStatus.SUCCESS:
                    return record.dagster_run
                assert record.dagster_run.status is not DagsterRunStatus.FAILURE, (
                    f"the sensor's run {record.dagster_run.run_id} failed; see "
                    f"{home}/../logs/dagster-daemon.log"
                )
            time.sleep(2)
    raise AssertionError(f"no successful run of the sensor within {timeout:.0f} s")


def test_landed_rows_are_built_by_the_sensor_and_shown_in_the_ui(
    run, source_rows, lane, orchestrator, warehouse
):
    started = time.time()
    sent = run("ingestion.emulate")
    assert sent.returncode == 0, sent.stderr
    landed = run("ingestion.sink", "--until-idle", "3")
    assert landed.returncode == 0, landed.stderr

    dagster_run = wait_for_sensor_run(orchestrator.dagster_ui.home, started, timeout=900)
    warehouse.execute(
        f"select count(*) from {lane.prefix}_intermediate.int_pinterest__posts_enriched"
    )
    assert warehouse.fetchone()[0] == len(source_rows["pinterest_data"])
    warehouse.execute(f"select count(*) from {lane.prefix}_marts.most_popular_category_by_country")
    assert warehouse.fetchone()[0] > 0

    url = orchestrator.dagster_ui.url
    with chromium_page() as (page, outside):
        page.goto(f"{url}/asset-groups")
        page.get_by_text("report", exact=True).last.wait_for(timeout=60_000)
        skip = page.get_by_role("button", name="Skip")  # a first visit's newsletter prompt
        page.wait_for_timeout(3000)
        if skip.is_visible():
            skip.click()
        # Each group is a node of the graph (the last match; the others are the sidebar's),
        # laid out left to right in lineage order.
        column = {
            group: page.get_by_text(group, exact=True).last.bounding_box()["x"] for group in GROUPS
        }
        order = ["source", "kafka", "landing", "staging", "intermediate", "marts", "report"]
        assert [column[group] for group in order] == sorted(column[g] for g in order), column
        assert column["seeds"] < column["staging"]
        screenshot(page, "dagster-lineage")

        page.goto(f"{url}/runs/{dagster_run.run_id}")
        page.get_by_text(f"Launched by {SENSOR_NAME}").wait_for(timeout=30_000)
        page.get_by_text("Success", exact=True).first.wait_for(timeout=30_000)
        page.get_by_text("RUN_SUCCESS").first.wait_for(timeout=60_000)
        screenshot(page, "dagster-run")
    assert outside == [], "the Dagster UI fetched something off the machine"
