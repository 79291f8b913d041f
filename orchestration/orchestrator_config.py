"""What the orchestrator acts on, resolved once from the settings with the commands' defaults:
the landing its sensor watches, the schema it builds, what its runs' dbt reads, how often it
looks and when it builds everything. The code location reads it; the stack records it when
it starts Dagster's UI and daemon, and restarts them only when it differs, so a default
spelled out (`DBT_SCHEMA=pinterest`) is no change from the variable left unset. No Dagster
import here: `make up` reads it."""

from __future__ import annotations

from dataclasses import dataclass

from core.catalogue import DEFAULT_SCHEMA, DEFAULT_TOPIC_PREFIX
from core.settings import Settings
from ingestion.topics import sink_group

FULL_BUILD_CRON = "0 3 * * *"
SENSOR_INTERVAL_SECONDS = 5
DEFAULT_TOPICS_DIR = "topics"


@dataclass(frozen=True)
class OrchestratorConfig:
    bucket: str
    topics_dir: str
    topic_prefix: str
    schema: str
    sink_group: str
    # Read by dbt only, which has its own defaults for them: "" is dbt's default.
    raw_root: str
    raw_schema: str
    dbt_target: str
    sensor_interval: int
    full_build_cron: str

    @classmethod
    def from_settings(cls, settings: Settings) -> OrchestratorConfig:
        prefix = settings.get("PINTEREST_TOPIC_PREFIX") or DEFAULT_TOPIC_PREFIX
        return cls(
            bucket=settings.require("S3_BUCKET"),
            topics_dir=settings.get("SINK_TOPICS_DIR") or DEFAULT_TOPICS_DIR,
            topic_prefix=prefix,
            schema=settings.get("DBT_SCHEMA") or DEFAULT_SCHEMA,
            sink_group=settings.get("SINK_GROUP") or sink_group(prefix),
            raw_root=settings.get("PINTEREST_RAW_ROOT") or "",
            raw_schema=settings.get("PINTEREST_RAW_SCHEMA") or "",
            dbt_target=settings.get("DBT_TARGET") or "",
            sensor_interval=settings.require_int(
                "PINTEREST_SENSOR_INTERVAL", SENSOR_INTERVAL_SECONDS
            ),
            full_build_cron=settings.get("PINTEREST_FULL_BUILD_CRON") or FULL_BUILD_CRON,
        )

    @property
    def scope(self) -> str:
        """The landing the sensor watches and the schema it builds: what its cursor and its
        runs belong to."""
        return f"s3://{self.bucket}/{self.topics_dir}/{self.topic_prefix} -> {self.schema}"
