"""The dbt project as Dagster sees it: how dbt's nodes map to asset keys (where the project
is and its manifest: warehouse/dbt_project.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator

LANDING_GROUP = "landing"


class Translator(DagsterDbtTranslator):
    """dbt's sources are the S3 landing of each topic (`s3/pin`, ...), which the sink
    writes; models keep their names and are grouped by their layer (staging, intermediate,
    audit, marts), seeds as `seeds`."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return landing_key(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        kind = dbt_resource_props["resource_type"]
        if kind == "source":
            return LANDING_GROUP
        if kind == "seed":
            return "seeds"
        return str(dbt_resource_props["fqn"][1])


def landing_key(suffix: str) -> AssetKey:
    return AssetKey(["s3", suffix])


def topic_key(suffix: str) -> AssetKey:
    return AssetKey(["kafka", suffix])


def table_key(table: str) -> AssetKey:
    return AssetKey(["mysql", table])
