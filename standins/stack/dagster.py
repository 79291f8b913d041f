"""The orchestrator as two stack services sharing one Dagster home (`.local/dagster`): the
webserver (the UI, on 127.0.0.1) and the daemon (sensors, schedules, the run queue). Both
load the code location `orchestration.definitions`; runs inherit their environment,
which holds the stack's settings, as a shell that sourced `.local/stack.env` would."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import requests

from core.paths import project_root
from core.settings import STACK_ENV_VAR, STATE_DIR_VAR, Settings, parse_env_file
from orchestration.orchestrator_config import OrchestratorConfig
from orchestration.tags import WAREHOUSE_TAG_KEY
from standins.stack.service import Service
from standins.stack.stack_config import PORT_SETTINGS

LOCATION = "pinterest_pipeline"

# Sensor ticks come every few seconds: keep the skipped ones a day, the rest a week.
INSTANCE_YAML = """\
# Written when the orchestrator starts (`python -m standins.stack up --orchestrator`, or the
# live runner); rewritten on every start.
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    # A queued build starts within a second, not five (the default).
    dequeue_interval_seconds: 1
concurrency:
  runs:
    # Runs that write the warehouse wait for one another (dbt runs must not overlap).
    tag_concurrency_limits:
      - key: "{tag}"
        limit: 1
run_monitoring:
  # A run whose worker died is marked failed, so the sensor builds again on its next tick.
  enabled: true
  poll_interval_seconds: 30
retention:
  sensor:
    purge_after_days:
      skipped: 1
      failure: 7
      success: 7
  schedule:
    purge_after_days: 30
"""

WORKSPACE_YAML = """\
# Written when the orchestrator starts (`up --orchestrator`, or the live runner).
load_from:
  - python_module:
      module_name: orchestration.definitions
      working_directory: "{project}"
      location_name: {location}
"""


class _Dagster(Service):
    """What the webserver and the daemon share: the home, its files, the environment."""

    @property
    def home(self) -> Path:
        return self.layout.service_dir("dagster")

    @property
    def workspace(self) -> Path:
        return self.home / "workspace.yaml"

    def bin(self, name: str) -> str:
        return str(Path(sys.executable).with_name(name))

    def install(self) -> None:
        """Nothing beyond the Python packages `make install` puts in the venv."""

    @property
    def followed_file(self) -> Path:
        return self.home / f"{self.name}.settings.json"

    def followed(self) -> dict[str, Any]:
        """What the sensor, schedule and runs act on, as the code location will resolve it from
        this environment: started with other values (another lane, schema or topic prefix),
        the services are restarted by `up`."""
        return asdict(OrchestratorConfig.from_settings(Settings.load(self.environment())))

    def outdated(self) -> bool:
        try:
            started = json.loads(self.followed_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return True
        return bool(started != self.followed())

    def write_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.followed_file.write_text(json.dumps(self.followed(), indent=1) + "\n")
        (self.home / "dagster.yaml").write_text(INSTANCE_YAML.format(tag=WAREHOUSE_TAG_KEY))
        self.workspace.write_text(WORKSPACE_YAML.format(project=project_root(), location=LOCATION))

    def environment(self) -> dict[str, str]:
        # The stack's settings (written before any service starts) under the caller's.
        stack = parse_env_file(self.layout.stack_env.read_text(encoding="utf-8"))
        return {
            **stack,
            **os.environ,
            "DAGSTER_HOME": str(self.home),
            # Each run's dbt starts from the parse the code location made (partial parsing):
            # dagster-dbt copies it from here, and gives each run a folder of its own here.
            "DBT_TARGET_PATH": str(self.home / "dbt"),
            STATE_DIR_VAR: str(self.layout.state),
            STACK_ENV_VAR: str(self.layout.stack_env),
        }

    def configure(self) -> None:
        """Nothing to set up: the instance is configured by its dagster.yaml."""


class DagsterWebserver(_Dagster):
    name = "dagster-ui"
    start_timeout = 120.0

    @property
    def port(self) -> int:
        return self.config.dagster_port

    def ports(self) -> dict[int, str | None]:
        return {self.port: PORT_SETTINGS["dagster_port"]}

    @property
    def marker(self) -> str:
        return f"-w {self.workspace} --host"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def command(self) -> Sequence[str]:
        self.write_home()
        return [
            self.bin("dagster-webserver"),
            "-w",
            str(self.workspace),
            "--host",
            self.config.host,
            "--port",
            str(self.port),
        ]

    def ready(self) -> bool:
        """Answers, and has loaded the code location."""
        query = "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"
        try:
            response = requests.post(f"{self.url}/graphql", json={"query": query}, timeout=5)
            entries = response.json()["data"]["workspaceOrError"]["locationEntries"]
        except (requests.RequestException, ValueError, KeyError, TypeError):
            return False
        return bool(entries) and all(entry["loadStatus"] == "LOADED" for entry in entries)


class DagsterDaemon(_Dagster):
    name = "dagster-daemon"
    start_timeout = 120.0

    @property
    def port(self) -> None:  # type: ignore[override]
        return None

    @property
    def marker(self) -> str:
        return f"run -w {self.workspace}"

    @property
    def address(self) -> str:
        return "(no port)"

    def command(self) -> Sequence[str]:
        self.write_home()
        return [self.bin("dagster-daemon"), "run", "-w", str(self.workspace)]

    def ready(self) -> bool:
        """Every daemon the instance needs (sensors, schedules, the run queue, run monitoring)
        has sent a heartbeat within the last minute."""
        if not (self.home / "dagster.yaml").exists():
            return False
        with self._instance() as instance:
            needed = set(instance.get_required_daemon_types())
            beats = instance.get_daemon_heartbeats()
        fresh = {name for name, beat in beats.items() if time.time() - beat.timestamp < 60}
        return needed <= fresh

    def stop(self) -> bool:
        """Stop the daemon, then cancel the runs still queued: the next daemon would start
        them with its own settings, which may be another lane's or schema's."""
        stopped = super().stop()
        if stopped and (self.home / "dagster.yaml").exists():
            from dagster import DagsterRunStatus, RunsFilter

            with self._instance() as instance:
                waiting = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED]
                for run in instance.get_runs(filters=RunsFilter(statuses=waiting)):
                    instance.report_run_canceled(run, message="the daemon was stopped")
        return stopped

    def _instance(self) -> Any:
        from dagster import DagsterInstance  # seconds to import: only when needed

        return DagsterInstance.from_config(str(self.home))
