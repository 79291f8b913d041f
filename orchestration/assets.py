"""The pipeline's assets, from the source tables to the report. Each stage past the source is
the command a user runs for it (the emulator, the sink, `dbt build`, the report), so Dagster
runs exactly what `make demo` runs, with the same settings.

No `from __future__ import annotations` here: Dagster reads the type of `context` at
definition time."""

import json
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Backoff,
    BetaWarning,
    Config,
    ConfigurableResource,
    DataVersion,
    Failure,
    MaterializeResult,
    ObserveResult,
    RetryPolicy,
    RetryRequested,
    asset,
    multi_asset,
    multi_observable_source_asset,
)
from dagster_dbt import DbtCliResource, dbt_assets

from core import paths
from core.catalogue import TABLE_KEYS, TABLE_TOPICS
from core.settings import Settings
from ingestion.clients.mysql import open_engine
from orchestration.orchestrator_config import OrchestratorConfig
from orchestration.translator import (
    LANDING_GROUP,
    Translator,
    landing_key,
    table_key,
    topic_key,
)

# Observable source assets are marked beta; they are the documented way to observe a source.
warnings.filterwarnings("ignore", "Function `multi_observable_source_asset`", BetaWarning)

# The emulator and the sink are idempotent (a checkpoint, exactly-once landing), so a failed
# attempt is simply tried again; most failures are a service briefly away.
COMMAND_RETRIES = RetryPolicy(max_retries=3, delay=5, backoff=Backoff.EXPONENTIAL)
# dbt is retried only for what is transient (the warehouse or S3 away); a failed test is not.
DBT_RETRIES = 4
TRANSIENT = re.compile(
    r"could not connect|failed to connect|connection refused|connection reset|broken pipe|"
    r"TTransportException|TSocket read 0 bytes|timed out|temporarily unavailable|\b503\b|SlowDown|"
    r"Could not read from|Unable to connect",
    re.IGNORECASE,
)


class Pipeline(ConfigurableResource):  # type: ignore[misc]
    """The pipeline's settings, read when a step runs (environment over `.local/stack.env`),
    so that no value, and no secret, is part of a definition. `output_dir` is where the
    report and the reconciliation counts go."""

    output_dir: str = str(paths.output_dir())

    def settings(self) -> Settings:
        return Settings.load()


# The dbt op's name, for a run's config (`{"ops": {DBT_OP: {"config": {...}}}}`).
DBT_OP = "dbt_models"


class BuildConfig(Config):  # type: ignore[misc]
    # While rows still arrive, a rule between tables is checked a build after the rows it
    # holds were staged (dbt's var `continuous`, macros/test_scope.sql); a build after every
    # record landed (the whole pipeline once, the last build of `make live`) checks them all.
    continuous: bool = True
    retry_seconds: float = 5.0  # the first wait before a transient failure is tried again
    retries: int = DBT_RETRIES  # how often a transient failure is tried again


def _run(context: AssetExecutionContext, settings: Settings, module: str, *args: str) -> str:
    """Run a command of the pipeline; its output goes to the run's log. Returns its last
    line (the command's summary)."""
    context.log.info(f"python -m {module} {' '.join(args)}")
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=paths.project_root(),
        env=settings.child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        if line.strip():
            last = line.strip()
            context.log.info(last)
    code = process.wait()
    if code != 0:
        raise Failure(description=f"python -m {module} exited with {code}: {last}")
    return last


@multi_observable_source_asset(
    specs=[
        AssetSpec(
            table_key(table),
            description=f"MySQL table `{table}` (key `{key}`), written by the generator or a "
            "live source. Observed: its row count and last key.",
            group_name="source",
            kinds={"mysql"},
        )
        for table, key in TABLE_KEYS.items()
    ],
)
def source_tables(pipeline: Pipeline) -> Iterator[ObserveResult]:
    engine = open_engine(pipeline.settings().require("PINTEREST_DB_URL"), "PINTEREST_DB_URL")
    try:
        with engine.connect() as connection:
            for table, key in TABLE_KEYS.items():
                rows, last = connection.execute(
                    sa.select(sa.func.count(), sa.func.max(sa.column(key))).select_from(
                        sa.table(table)
                    )
                ).one()
                yield ObserveResult(
                    asset_key=table_key(table),
                    data_version=DataVersion(f"{rows}:{last}"),
                    metadata={"rows": int(rows), "last_key": -1 if last is None else int(last)},
                )
    finally:
        engine.dispose()


@multi_asset(
    specs=[
        AssetSpec(
            topic_key(suffix),
            deps=[table_key(table)],
            description=f"Kafka topic `<prefix>.{suffix}`: the rows of `{table}` as JSON, sent "
            "by the emulator (`python -m ingestion.emulate`, resumed from its checkpoint).",
            group_name="kafka",
            kinds={"kafka"},
        )
        for table, suffix in TABLE_TOPICS.items()
    ],
    retry_policy=COMMAND_RETRIES,
)
def kafka_topics(context: AssetExecutionContext, pipeline: Pipeline) -> Iterator[MaterializeResult]:
    settings = pipeline.settings()
    prefix = OrchestratorConfig.from_settings(settings).topic_prefix
    checkpoint = settings.state / "dagster" / f"emulate-{prefix}.checkpoint"
    summary = _run(
        context, settings, "ingestion.emulate", "--checkpoint", str(checkpoint), "--resume"
    )
    for suffix in TABLE_TOPICS.values():
        yield MaterializeResult(asset_key=topic_key(suffix), metadata={"emulator": summary})


@multi_asset(
    specs=[
        AssetSpec(
            landing_key(suffix),
            deps=[topic_key(suffix)],
            description=f"The S3 landing of `<prefix>.{suffix}`: "
            f"`topics/<prefix>.{suffix}/partition=<p>/<topic>+<p>+<offset>.json`, written "
            "exactly once by the sink (`python -m ingestion.sink`); dbt's source "
            f"`pinterest.{suffix}`.",
            group_name=LANDING_GROUP,
            kinds={"s3"},
        )
        for suffix in TABLE_TOPICS.values()
    ],
    retry_policy=COMMAND_RETRIES,
)
def s3_landing(context: AssetExecutionContext, pipeline: Pipeline) -> Iterator[MaterializeResult]:
    summary = _run(context, pipeline.settings(), "ingestion.sink", "--until-idle", "5")
    for suffix in TABLE_TOPICS.values():
        yield MaterializeResult(asset_key=landing_key(suffix), metadata={"sink": summary})


def transient(text: str) -> bool:
    """Whether a failed dbt invocation's errors are the kind that pass: a service away."""
    return bool(text) and TRANSIENT.search(text) is not None


def failure_text(target: Path) -> tuple[str, bool]:
    """(dbt's error messages, whether a data test failed) from an invocation's artifacts: the
    nodes' errors, else the errors in its log (a failure before any node ran)."""
    messages, tests_failed = [], False
    results = target / "run_results.json"
    if results.exists():
        for result in json.loads(results.read_text(encoding="utf-8")).get("results", []):
            if result.get("status") == "error":
                messages.append(str(result.get("message")))
            elif result.get("status") == "fail":
                tests_failed = True
    log = target / "dbt.log"
    if not messages and log.exists():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                info = json.loads(line)["info"]
            except (ValueError, KeyError, TypeError):
                continue
            if info.get("level") == "error":
                messages.append(str(info.get("msg")))
    return "\n".join(messages), tests_failed


def build_args(config: BuildConfig) -> list[str]:
    """The dbt command of a build run with this config. Without dbt's unit tests: they test
    the project's SQL, not the data, so they run in CI and development (as dbt advises),
    not in the orchestrator's builds."""
    return [
        *("build", "--vars", json.dumps({"continuous": config.continuous})),
        *("--exclude-resource-type", "unit_test"),
    ]


def build_dbt_assets(manifest: Path) -> Any:
    @dbt_assets(
        manifest=manifest,
        name=DBT_OP,
        dagster_dbt_translator=Translator(),
        op_tags={"pinterest/stage": "dbt"},
    )
    def dbt_models(
        context: AssetExecutionContext, dbt: DbtCliResource, config: BuildConfig
    ) -> Iterator[Any]:
        """`dbt build` of the selected models with their tests (as asset checks). Models are
        incremental: a run stages only what landed since the last."""
        invocation = dbt.cli(build_args(config), context=context, raise_on_error=False)
        yield from invocation.stream()
        target = invocation.target_path
        if invocation.is_successful():
            shutil.rmtree(target, ignore_errors=True)
            return
        text, tests_failed = failure_text(target)
        if transient(text) and not tests_failed and context.retry_number < config.retries:
            wait = config.retry_seconds * 2**context.retry_number
            context.log.warning(f"dbt failed on a transient error; retrying in {wait:g} s: {text}")
            # The message is in the log; a retry's artifacts would only pile up.
            shutil.rmtree(target, ignore_errors=True)
            raise RetryRequested(max_retries=config.retries, seconds_to_wait=wait)
        tried = f" after {context.retry_number + 1} attempts" if context.retry_number else ""
        raise Failure(
            description=f"dbt build failed{tried} (artifacts and log in {target}): "
            f"{text[:1000] or 'see the log'}"
        )

    return dbt_models


def build_report(reads: list[AssetKey]) -> Any:
    """The report, after the models it and reconcile read (the marts and the audit)."""

    @asset(
        key="report",
        deps=reads,
        group_name="report",
        kinds={"html"},
        description="The answers of Tasks 4-11 as charts (`output/report/index.html`), with "
        "the reconciliation of every stage (`output/reconcile.json`).",
        retry_policy=COMMAND_RETRIES,
    )
    def report(context: AssetExecutionContext, pipeline: Pipeline) -> MaterializeResult:
        settings = pipeline.settings()
        output = Path(pipeline.output_dir) / "report" / "index.html"
        counts = Path(pipeline.output_dir) / "reconcile.json"
        try:
            _run(context, settings, "warehouse.reconcile", "--output", str(counts))
            reconciled = "every stage holds every record"
        except Failure as failure:
            # A shortfall does not stop the report: the report shows it (as `make report`).
            if not counts.exists():
                raise
            reconciled = f"shortfall: {failure.description}"
        _run(
            context,
            settings,
            "warehouse.report",
            "--reconcile",
            str(counts),
            "--output",
            str(output),
        )
        return MaterializeResult(metadata={"path": str(output), "reconcile": reconciled})

    return report
