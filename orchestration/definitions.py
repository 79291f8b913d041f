"""The code location Dagster loads (`dagster-webserver -m orchestration.definitions`):
the assets from the source tables to the report, the sensor on landed objects, the daily full
build, and the resources. Settings are read when a step or a tick runs, never stored here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dagster import (
    AssetKey,
    AssetsDefinition,
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
)
from dagster_dbt import DbtCliResource, get_asset_key_for_model

from core.paths import project_root
from core.settings import Settings
from orchestration.assets import (
    Pipeline,
    build_dbt_assets,
    build_report,
    kafka_topics,
    s3_landing,
    source_tables,
)
from orchestration.orchestrator_config import OrchestratorConfig
from orchestration.sensors import (
    BUILD_TAG,
    INCREMENTAL_JOB,
    SCOPE_TAG,
    WAREHOUSE_TAG,
    build_sensor,
    fed_models,
)
from warehouse.dbt_project import DBT, manifest

REPORT = AssetKey("report")
REPORT_EXPOSURE = "exposure.pinterest_pipeline.analysis_report"


def report_reads(parsed: Mapping[str, Any], dbt_models: AssetsDefinition) -> list[AssetKey]:
    """The models the report (and the reconcile run before it) read, as the report's dbt
    exposure declares them."""
    exposure = parsed["exposures"][REPORT_EXPOSURE]
    models = [
        parsed["nodes"][node]["name"]
        for node in exposure["depends_on"]["nodes"]
        if node.startswith("model.")
    ]
    return sorted(
        (get_asset_key_for_model([dbt_models], model) for model in models),
        key=lambda key: key.to_user_string(),
    )


def build_definitions(settings: Settings, pipeline: Pipeline | None = None) -> Definitions:
    path = manifest(settings)
    dbt_models = build_dbt_assets(path)
    # The services restart when the settings change, so the scope is fixed while they run.
    config = OrchestratorConfig.from_settings(settings)
    tags = {**WAREHOUSE_TAG, SCOPE_TAG: config.scope}
    report = build_report(report_reads(json.loads(path.read_text()), dbt_models))
    full_build = define_asset_job(
        "full_build",
        selection=AssetSelection.assets(dbt_models, report),
        description="`dbt build` of every model with every data test, then the report: the "
        "daily check that what the incremental builds made is right.",
        tags={**tags, BUILD_TAG: "full"},
    )
    incremental = define_asset_job(
        INCREMENTAL_JOB,
        selection=fed_models(REPORT),
        description="What the sensor builds when every topic has new objects: the staging, "
        "intermediate and mart models (incremental) and the audit, with their tests. "
        "`make live` runs it once more after it stops, for the last objects landed.",
        tags={**tags, BUILD_TAG: "incremental"},
    )
    everything = define_asset_job(
        "pipeline",
        selection=AssetSelection.all() | AssetSelection.assets(source_tables),
        description="The whole pipeline once, as `make demo` runs it: observe the source "
        "tables, send what is new (emulator), land it (sink), `dbt build`, the report.",
        # Every record sent is landed before the build: its tests check every row.
        config={"ops": {dbt_models.op.name: {"config": {"continuous": False}}}},
        tags={**tags, BUILD_TAG: "pipeline"},
    )
    return Definitions(
        assets=[source_tables, kafka_topics, s3_landing, dbt_models, report],
        jobs=[full_build, incremental, everything],
        sensors=[build_sensor(REPORT, config.sensor_interval)],
        schedules=[
            ScheduleDefinition(
                name="daily_full_build",
                job=full_build,
                cron_schedule=config.full_build_cron,
                execution_timezone="UTC",
                default_status=DefaultScheduleStatus.RUNNING,
            )
        ],
        resources={
            "dbt": DbtCliResource(
                project_dir=str(project_root()),
                dbt_executable=str(DBT),
                # A path, not a secret: the profile reads its values from the environment.
                profiles_dir=settings.get("DBT_PROFILES_DIR"),
            ),
            "pipeline": pipeline or Pipeline(),
        },
        # One process per run, not one per step: a run is mostly one dbt invocation.
        executor=in_process_executor,
    )


defs = build_definitions(Settings.load())
