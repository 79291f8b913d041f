"""The sensor on newly landed objects: each tick lists what the sink landed past the cursor
(object keys sort in offset order, so a listing starts after the last one seen) and asks for
a build of the models those topics feed. One build at a time: while one is queued or running
the tick waits; after a failed one the next tick builds everything again."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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

from ingestion.orchestrate.assets import Pipeline
from ingestion.orchestrate.project import landing_key
from ingestion.s3 import s3_client
from ingestion.sink.layout import topic_folder
from ingestion.topics import TABLE_TOPICS

SENSOR_NAME = "landed_objects"
# Runs that write the warehouse carry this tag; the instance runs one at a time (dagster.yaml).
WAREHOUSE_TAG = {"pinterest/warehouse": "dbt"}
BUILD_TAG = "pinterest/build"


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
class Decision:
    topics: frozenset[str]  # suffixes whose models to build; empty: no run
    reason: str
    cursor: dict[str, str]  # partition folder -> last object key seen


def decide(newest: Mapping[str, str], cursor: Mapping[str, str], last_run: LastRun) -> Decision:
    """What a tick does, given the newest object per partition folder
    (`<topics dir>/<topic>/partition=<p>/`), the cursor, and the sensor's last run."""
    if last_run is LastRun.IN_FLIGHT:
        return Decision(frozenset(), "a build is queued or running", dict(cursor))
    landed = {folder for folder, key in newest.items() if key > cursor.get(folder, "")}
    topics = frozenset(suffix for suffix in TABLE_TOPICS.values() if _fed(suffix, landed))
    advanced = {**cursor, **newest}
    if last_run is LastRun.FAILED:
        return Decision(frozenset(TABLE_TOPICS.values()), "the last build failed", advanced)
    if topics:
        return Decision(topics, f"new objects in {', '.join(sorted(topics))}", advanced)
    return Decision(frozenset(), "nothing new landed", advanced)


def _fed(suffix: str, folders: Iterable[str]) -> bool:
    return any(folder.split("/")[-3].endswith(f".{suffix}") for folder in folders)


def newest_objects(
    client: Any, bucket: str, topics_dir: str, prefix: str, cursor: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, int]]:
    """(newest key, objects past the cursor) per partition folder of the pipeline's topics."""
    newest: dict[str, str] = {}
    counts: dict[str, int] = {}
    for suffix in TABLE_TOPICS.values():
        folders = client.list_objects_v2(
            Bucket=bucket, Prefix=topic_folder(topics_dir, f"{prefix}.{suffix}"), Delimiter="/"
        ).get("CommonPrefixes", [])
        for folder in (item["Prefix"] for item in folders):
            after = cursor.get(folder, "")
            pages = client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=folder, StartAfter=after or folder
            )
            keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
            if keys:
                newest[folder], counts[folder] = max(keys), len(keys)
    return newest, counts


def last_run(context: SensorEvaluationContext) -> tuple[LastRun, str]:
    """The state of the sensor's last run, and its id ("" when there is none)."""
    runs = context.instance.get_runs(
        filters=RunsFilter(tags={"dagster/sensor_name": SENSOR_NAME}), limit=1
    )
    if not runs:
        return LastRun.NONE, ""
    run = runs[0]
    if run.status in IN_FLIGHT:
        return LastRun.IN_FLIGHT, run.run_id
    if run.status is DagsterRunStatus.SUCCESS:
        return LastRun.SUCCEEDED, run.run_id
    return LastRun.FAILED, run.run_id


def build_sensor(report: AssetKey, interval: int) -> SensorDefinition:
    landing = AssetSelection.assets(*(landing_key(s) for s in TABLE_TOPICS.values()))
    # Everything dbt builds from the landing; the report belongs to the daily build.
    models = landing.downstream(include_self=False) - AssetSelection.assets(report)

    @sensor(
        name=SENSOR_NAME,
        minimum_interval_seconds=interval,
        default_status=DefaultSensorStatus.RUNNING,
        target=models,
        description="Builds the models that newly landed objects feed (incremental), one "
        "build at a time; after a failed build, builds everything on the next tick.",
    )
    def landed_objects(context: SensorEvaluationContext, pipeline: Pipeline) -> Any:
        settings = pipeline.settings()
        cursor = json.loads(context.cursor) if context.cursor else {}
        state, last_id = last_run(context)
        newest, counts = (
            ({}, {})
            if state is LastRun.IN_FLIGHT
            else newest_objects(
                s3_client(settings, max_attempts=2),
                settings.require("S3_BUCKET"),
                settings.get("SINK_TOPICS_DIR") or "topics",
                settings.get("PINTEREST_TOPIC_PREFIX") or "pinterest",
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
                cursor=json.dumps(decision.cursor, sort_keys=True),
                asset_events=events,
            )
        graph = context.repository_def.asset_graph
        fed = AssetSelection.assets(*(landing_key(s) for s in decision.topics))
        selection = sorted(
            (fed.downstream(include_self=False) & models).resolve(graph),
            key=lambda key: key.to_user_string(),
        )
        # A rebuild after a failure may see the same objects: its key names the failed run.
        after = f" after {last_id}" if state is LastRun.FAILED else ""
        request = RunRequest(
            run_key=json.dumps(decision.cursor, sort_keys=True) + after,
            asset_selection=selection,
            tags={**WAREHOUSE_TAG, BUILD_TAG: "incremental", "pinterest/reason": decision.reason},
        )
        return SensorResult(
            run_requests=[request],
            cursor=json.dumps(decision.cursor, sort_keys=True),
            asset_events=events,
        )

    return landed_objects
