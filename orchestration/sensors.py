"""The sensor on newly landed objects: each tick lists what the sink landed past the cursor
(object keys sort in offset order, so a listing starts after the last one seen) and asks for
a build of the models those topics feed. The first build waits until every topic has landed
something and builds everything. One build at a time: while one is queued or running the tick
waits; after a failed one the next tick builds everything again."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from dagster import (
    AssetKey,
    AssetMaterialization,
    AssetSelection,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from core.catalogue import TABLE_TOPICS
from ingestion.clients.s3 import s3_client
from ingestion.sink.layout import topic_folder
from orchestration.assets import Pipeline
from orchestration.orchestrator_config import OrchestratorConfig
from orchestration.tags import WAREHOUSE_TAG_KEY
from orchestration.translator import landing_key

SENSOR_NAME = "landed_objects"
# Runs that write the warehouse carry this tag; the instance runs one at a time (dagster.yaml).
WAREHOUSE_TAG = {WAREHOUSE_TAG_KEY: "dbt"}
BUILD_TAG = "pinterest/build"
SCOPE_TAG = "pinterest/scope"
# The job of what the sensor builds when every topic has new objects.
INCREMENTAL_JOB = "incremental_build"


class LastRun(enum.Enum):
    NONE = "none"
    IN_FLIGHT = "in flight"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


IN_FLIGHT = {
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
}


@dataclass(frozen=True)
class Cursor:
    """What the sensor has seen: the last object per partition folder, and whether a build of
    the reference data (the seeds) was asked for. Kept per landing and schema (`scope`): a
    sensor pointed at another starts again, seeds included."""

    scope: str
    objects: dict[str, str] = field(default_factory=dict)
    seeded: bool = False

    @classmethod
    def load(cls, text: str | None, scope: str) -> Cursor:
        saved = json.loads(text) if text else {}
        if saved.get("scope") != scope:
            return cls(scope)
        return cls(scope, dict(saved.get("objects", {})), bool(saved.get("seeded")))

    def dump(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class Decision:
    topics: frozenset[str]  # suffixes whose models to build; empty: no run
    whole: bool  # build the seeds and the marts' views too (the first build, after a failure)
    reason: str
    cursor: Cursor


def decide(newest: Mapping[str, str], cursor: Cursor, last_run: LastRun) -> Decision:
    """What a tick does, given the newest object per partition folder
    (`<topics dir>/<topic>/partition=<p>/`), the cursor, and the sensor's last run."""
    if last_run is LastRun.IN_FLIGHT:
        return Decision(frozenset(), False, "a build is queued or running", cursor)
    landed = {folder for folder, key in newest.items() if key > cursor.objects.get(folder, "")}
    topics = frozenset(suffix for suffix in TABLE_TOPICS.values() if _fed(suffix, landed))
    objects = {**cursor.objects, **newest}
    if last_run is LastRun.FAILED:
        # Whatever failed (a seed dropped with its schema included), build all of it again.
        everything = frozenset(TABLE_TOPICS.values())
        return Decision(
            everything, True, "the last build failed", Cursor(cursor.scope, objects, True)
        )
    if topics and not cursor.seeded:
        # The first build creates every model: a test between tables (a user's pin) cannot run
        # before both exist, so it waits until each topic has landed something, then builds all.
        waiting = sorted(s for s in TABLE_TOPICS.values() if not _fed(s, objects))
        if waiting:
            reason = f"the first build waits for a first object in {', '.join(waiting)}"
            return Decision(frozenset(), False, reason, Cursor(cursor.scope, objects, False))
        everything = frozenset(TABLE_TOPICS.values())
        return Decision(everything, True, "the first build", Cursor(cursor.scope, objects, True))
    if topics:
        reason = f"new objects in {', '.join(sorted(topics))}"
        return Decision(topics, False, reason, Cursor(cursor.scope, objects, True))
    return Decision(
        frozenset(), False, "nothing new landed", Cursor(cursor.scope, objects, cursor.seeded)
    )


def _fed(suffix: str, folders: Iterable[str]) -> bool:
    return any(folder.split("/")[-3].endswith(f".{suffix}") for folder in folders)


def newest_objects(
    client: Any, bucket: str, topics_dir: str, prefix: str, cursor: Cursor
) -> tuple[dict[str, str], dict[str, int]]:
    """(newest key, objects past the cursor) per partition folder of the pipeline's topics."""
    newest: dict[str, str] = {}
    counts: dict[str, int] = {}
    for suffix in TABLE_TOPICS.values():
        folders = client.list_objects_v2(
            Bucket=bucket, Prefix=topic_folder(topics_dir, f"{prefix}.{suffix}"), Delimiter="/"
        ).get("CommonPrefixes", [])
        for folder in (item["Prefix"] for item in folders):
            after = cursor.objects.get(folder, "")
            pages = client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=folder, StartAfter=after or folder
            )
            keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
            if keys:
                newest[folder], counts[folder] = max(keys), len(keys)
    return newest, counts


def last_run(context: SensorEvaluationContext, scope: str) -> tuple[LastRun, str]:
    """The state of the last build of this scope (the sensor's, the live runner's last one,
    the daily one), and its id ("" when there is none)."""
    runs = context.instance.get_runs(filters=RunsFilter(tags={SCOPE_TAG: scope}), limit=1)
    if not runs:
        return LastRun.NONE, ""
    run = runs[0]
    if run.status in IN_FLIGHT:
        return LastRun.IN_FLIGHT, run.run_id
    if run.status is DagsterRunStatus.SUCCESS:
        return LastRun.SUCCEEDED, run.run_id
    return LastRun.FAILED, run.run_id


def fed_models(report: AssetKey) -> AssetSelection:
    """Everything dbt builds from the landing; the report belongs to the daily build."""
    landing = AssetSelection.assets(*(landing_key(s) for s in TABLE_TOPICS.values()))
    return landing.downstream(include_self=False) - AssetSelection.assets(report)


def build_sensor(report: AssetKey, interval: int) -> SensorDefinition:
    models = fed_models(report)
    # Built on a sensor's first build and after a failure, not on every build: the reference
    # data the models read, and the marts, views over the enriched model that are current
    # whenever it is (dbt_project.yml).
    seeds = AssetSelection.groups("seeds")
    views = AssetSelection.groups("marts")

    @sensor(
        name=SENSOR_NAME,
        minimum_interval_seconds=interval,
        default_status=DefaultSensorStatus.RUNNING,
        target=models | seeds,
        description="Builds the models that newly landed objects feed (incremental), one "
        "build at a time. The first build waits for every topic, then builds all of it with "
        "the seeds and the marts' views; after a failed build the next builds everything "
        "again.",
    )
    def landed_objects(context: SensorEvaluationContext, pipeline: Pipeline) -> Any:
        settings = pipeline.settings()
        config = OrchestratorConfig.from_settings(settings)
        where = config.scope
        cursor = Cursor.load(context.cursor, where)
        state, last_id = last_run(context, where)
        newest, counts = (
            ({}, {})
            if state is LastRun.IN_FLIGHT
            else newest_objects(
                s3_client(settings, max_attempts=2),
                config.bucket,
                config.topics_dir,
                config.topic_prefix,
                cursor,
            )
        )
        decision = decide(newest, cursor, state)
        events = [
            AssetMaterialization(
                landing_key(suffix),
                metadata={
                    "new_objects": sum(n for f, n in counts.items() if _fed(suffix, [f])),
                    "newest": max(k for f, k in newest.items() if _fed(suffix, [f])),
                },
            )
            for suffix in TABLE_TOPICS.values()
            if _fed(suffix, counts)
        ]
        if not decision.topics:
            return SensorResult(
                skip_reason=SkipReason(decision.reason),
                cursor=decision.cursor.dump(),
                asset_events=events,
            )
        graph = context.repository_def.asset_graph
        fed = AssetSelection.assets(*(landing_key(s) for s in decision.topics))
        chosen = fed.downstream(include_self=False) & models
        chosen = chosen | seeds if decision.whole else chosen - views
        selection = sorted(chosen.resolve(graph), key=lambda key: key.to_user_string())
        # A rebuild after a failure may see the same objects: its key names the failed run.
        after = f" after {last_id}" if state is LastRun.FAILED else ""
        request = RunRequest(
            run_key=decision.cursor.dump() + after,
            asset_selection=selection,
            tags={
                **WAREHOUSE_TAG,
                BUILD_TAG: "incremental",
                SCOPE_TAG: where,
                "pinterest/reason": decision.reason,
            },
        )
        return SensorResult(
            run_requests=[request],
            cursor=decision.cursor.dump(),
            asset_events=events,
        )

    return landed_objects
