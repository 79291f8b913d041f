"""The live run of `python -m standins.live` (its options are in __main__.py, which
imports this only after parsing them): start the pipeline's processes and the orchestrator,
report every build, and stop everything in order."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa
from pyhive import hive

from core.catalogue import ENRICHED_MODEL
from core.errors import PipelineError, UserError
from core.settings import Settings
from core.stopping import StopRequest
from ingestion.clients.mysql import describe, open_engine
from ingestion.emulate.source import last_key
from orchestration.assets import DBT_OP
from orchestration.orchestrator_config import OrchestratorConfig
from orchestration.sensors import INCREMENTAL_JOB
from standins.generate.load import ADMIN_URL_SETTING, create_tables, parse_target, released
from standins.generate.load import connect as connect_database
from standins.live import processes
from standins.live.clock import CommitClock
from standins.live.cycle import Cycle
from standins.live.freshness import Freshness, Summary
from standins.live.runs import RunWatcher
from standins.stack.dagster import LOCATION
from standins.stack.lifecycle import Stack
from standins.stack.lifecycle import start as start_services
from warehouse.thrift import Login, connect


@dataclass(frozen=True)
class LiveConfig:
    rate: float
    rotate_ms: int
    poll_interval: float
    duration: float | None
    schema: str
    topic_prefix: str
    output: Path
    state: Path

    @property
    def logs(self) -> Path:
        return self.state / "live" / self.topic_prefix

    @property
    def checkpoint(self) -> Path:
        """The emulator's, per topic prefix: a later live run resumes where this one ended."""
        return self.logs / "emulate.checkpoint"


def run(given: Settings, args: argparse.Namespace) -> int:
    env = live_environment(given, args.schema)
    # Resolved from what this run starts everything with, as the orchestrator resolves them,
    # before anything is reached.
    settings = Settings.load(env)
    orchestrated = OrchestratorConfig.from_settings(settings)
    config = LiveConfig(
        rate=args.rate,
        rotate_ms=args.rotate_ms,
        poll_interval=args.poll_interval,
        duration=args.duration,
        schema=orchestrated.schema,
        topic_prefix=orchestrated.topic_prefix,
        output=args.output,
        state=settings.state,
    )
    host, port = settings.require("SPARK_THRIFT_HOST"), settings.require_port("SPARK_THRIFT_PORT")
    login = Login.from_settings(settings)
    target = parse_target(settings.require(ADMIN_URL_SETTING))
    # A fresh stack has no source tables yet: the live source starts them at key 0.
    with released(connect_database(target)) as connection:
        create_tables(connection, target)
    engine = open_engine(settings.require("PINTEREST_DB_URL"), "PINTEREST_DB_URL")
    connect(host, port, login).close()  # unreachable: one line now, not after the first build

    def warehouse() -> hive.Connection:
        return connect(host, port, login)

    def newest_key() -> int:
        with engine.connect() as connection:
            return last_key(connection)

    clock = CommitClock(newest_key)
    clock.start()
    freshness = Freshness(clock)
    cycles: list[Cycle] = []
    say(f"live: source at key {clock.last_key}; logs in {config.logs}/; Ctrl-C to stop")
    stack = Stack.from_settings(settings)
    # The orchestrator's services, and so its runs, take this process's environment.
    os.environ.update(env)
    # Left running if it was (it is a stack service), or if asked (`make live`); else stopped
    # at the end if this run started it.
    already_up = all(s.pid() is not None and not s.outdated() for s in stack.orchestrator)
    start_services(stack.orchestrator, lambda line: say(f"live: {line}"))
    say(f"live: builds run in the orchestrator: {stack.dagster_ui.url}")
    watcher = RunWatcher(
        stack.dagster_ui.home, warehouse, config.schema, orchestrated.scope, since=time.time()
    )
    children = start_pipeline(config, env)
    stopped_by_user = False
    error: UserError | PipelineError | None = None
    with StopRequest() as stop:
        deadline = None if config.duration is None else time.monotonic() + config.duration
        try:
            while not stop.requested and (deadline is None or time.monotonic() < deadline):
                supervise(children)
                if clock.error is not None:
                    raise UserError(f"lost the source database: {reason(clock.error)}")
                for cycle in watcher.finished():
                    cycles.append(report_cycle(cycle, freshness, clock))
                stop.wait(1.0)
            stopped_by_user = stop.requested
        except (UserError, PipelineError) as exc:
            error = exc
        say("live: stopping: the source, then the emulator and the sink once they caught up")
        try:
            drain(config, env, children)
            for cycle in last_build(stack, watcher):
                cycles.append(report_cycle(cycle, freshness, clock))
        except (UserError, PipelineError) as exc:
            error = error or exc
    clock.stop()
    watcher.close()
    if not (already_up or args.keep_orchestrator):
        for service in reversed(stack.orchestrator):
            service.stop()
    write_report(config, cycles, freshness, children)
    enriched, marts = Summary.of(freshness.enriched), Summary.of(freshness.marts)
    print(
        f"live: {len(cycles)} builds, {len(freshness.enriched):,} new posts measured; "
        f"freshness in {ENRICHED_MODEL}: {enriched or 'none measured'}; "
        f"in every mart: {marts or 'none measured'}; figures in {config.output}"
    )
    if error is not None:
        raise error
    print("live: every record is landed and staged: `python -m warehouse.reconcile` checks it")
    return 130 if stopped_by_user else 0


def live_environment(settings: Settings, schema: str) -> dict[str, str]:
    """The environment of everything a live run starts: its commands, and the orchestrator's
    services and runs (dbt and the pipeline's commands read their settings from it, the
    stack's under the caller's). The orchestrator builds the schema the run reads."""
    return {**settings.child_env(), "DBT_SCHEMA": schema}


# The emulator and the sink pick up where they were (a checkpoint, the group's commits): one
# that dies is started again. The source is the thing measured: its loss ends the run.
RESTARTED = ("sink", "emulator")
LAST_BUILD_TIMEOUT = 900.0


def supervise(children: list[processes.Child]) -> None:
    for child in children:
        code = child.exited()
        if code is None:
            continue
        if child.name not in RESTARTED:
            child.check()
        say(f"live: the {child.name} exited with code {code}; starting it again (see {child.log})")
        child.restart()


def last_build(stack: Stack, watcher: RunWatcher) -> list[Cycle]:
    """Ask the orchestrator for one more incremental build (it queues behind a build in
    flight) and wait for it: it stages what landed after the sensor's last look. Returns the
    builds that finished meanwhile, that one last."""
    from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

    ui = stack.dagster_ui
    try:
        run_id = DagsterGraphQLClient(ui.config.host, port_number=ui.port).submit_job_execution(
            INCREMENTAL_JOB,
            repository_location_name=LOCATION,
            # Every record is landed now: its tests check the rows of the builds before it
            # and its own, which a continuous build leaves to the next (macros/test_scope.sql).
            run_config={"ops": {DBT_OP: {"config": {"continuous": False}}}},
            tags={"pinterest/reason": "live: the last build after the stop"},
        )
    except DagsterGraphQLClientError as exc:
        raise UserError(f"the orchestrator refused the last build ({exc}); see {ui.url}") from None
    deadline = time.monotonic() + LAST_BUILD_TIMEOUT
    cycles = watcher.finished()
    while not watcher.has_seen(run_id):
        if time.monotonic() > deadline:
            raise UserError(
                f"the last build ({run_id}) did not finish within {LAST_BUILD_TIMEOUT:.0f} s: "
                f"see {ui.url}/runs/{run_id}"
            )
        time.sleep(1.0)
        cycles += watcher.finished()
    return cycles


def reason(error: BaseException) -> str:
    if isinstance(error, sa.exc.DBAPIError):
        return describe(error)
    return f"{type(error).__name__}: {error}"


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def start_pipeline(config: LiveConfig, env: dict[str, str]) -> list[processes.Child]:
    """Sink first, so nothing waits on it; then the emulator; then the source."""
    sink = processes.start(
        "sink",
        ["ingestion.sink", "--rotate-schedule-interval-ms", str(config.rotate_ms)],
        config.logs,
        env,
    )
    emulator = processes.start(
        "emulator",
        [
            "ingestion.emulate",
            "--follow",
            "--poll-interval",
            str(config.poll_interval),
            "--checkpoint",
            str(config.checkpoint),
            "--resume",
        ],
        config.logs,
        env,
    )
    source = processes.start(
        "source", ["standins.generate", "--live", "--rate", str(config.rate)], config.logs, env
    )
    return [sink, emulator, source]


def drain(config: LiveConfig, env: dict[str, str], children: list[processes.Child]) -> None:
    """Stop the source; let the emulator send every committed row (a last replay after its
    checkpoint covers rows that arrived after its last look); let the sink land every record
    (a batch run of the same group after the service)."""
    sink, emulator, source = children
    source.stop()
    emulator.stop()
    processes.run(
        "emulator catch-up",
        ["ingestion.emulate", "--checkpoint", str(config.checkpoint), "--resume"],
        config.logs,
        env,
        timeout=600,
    )
    sink.stop()
    processes.run(
        "sink catch-up",
        [
            "ingestion.sink",
            "--rotate-schedule-interval-ms",
            str(config.rotate_ms),
            "--until-idle",
            "3",
        ],
        config.logs,
        env,
        timeout=600,
    )


def report_cycle(cycle: Cycle, freshness: Freshness, clock: CommitClock) -> Cycle:
    enriched, marts = freshness.record(cycle)
    parts = [
        f"build {cycle.number}: {cycle.seconds:.1f} s",
        f"source at key {clock.last_key}",
        f"{cycle.staged:,} posts staged",
        f"{len(cycle.entered):,} entered {ENRICHED_MODEL}",
    ]
    if enriched:
        parts.append(f"fresh in {ENRICHED_MODEL}: {Summary.of(enriched)}")
    if marts:
        parts.append(f"in every mart: {Summary.of(marts)}")
    if cycle.failed:
        parts.append(f"FAILED: {', '.join(cycle.failed[:5])} (see logs/dbt.log)")
    say("; ".join(parts))
    return cycle


def write_report(
    config: LiveConfig, cycles: list[Cycle], freshness: Freshness, children: list[processes.Child]
) -> None:
    enriched, marts = Summary.of(freshness.enriched), Summary.of(freshness.marts)
    report = {
        "rate": config.rate,
        "rotate_ms": config.rotate_ms,
        "poll_interval": config.poll_interval,
        "restarts": {child.name: child.restarts for child in children},
        "builds": [
            {
                **{k: v for k, v in asdict(cycle).items() if k != "entered"},
                "entered": len(cycle.entered),
            }
            for cycle in cycles
        ],
        "freshness_seconds": {
            ENRICHED_MODEL: asdict(enriched) if enriched else None,
            "every_mart": asdict(marts) if marts else None,
        },
        "latencies_seconds": {ENRICHED_MODEL: freshness.enriched, "every_mart": freshness.marts},
        "committed_and_enriched_at": [[round(c, 3), round(e, 3)] for c, e in freshness.timeline],
    }
    config.output.parent.mkdir(parents=True, exist_ok=True)
    config.output.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
