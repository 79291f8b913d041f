"""What the stream runs, as dbt compiles it: the models tagged `hot_path` compiled with the var
`hot_path_batch` (macros/hot_path.sql), in the order of their dependencies, each with the
table it merges into and its key, and how the landed objects of each source table are read.
Nothing here knows a cleaning or join rule: they are in the compiled SQL."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError
from core.paths import project_root
from core.settings import Settings
from warehouse.dbt_project import DBT

TAG = "hot_path"
MARTS = "marts"  # the models folder of the marts
# The stream's temporary views of a micro-batch's objects: `<prefix><source table>`.
BATCH_PREFIX = "hot_path_batch_"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class LandedTable:
    name: str  # the dbt source table, also the topic's suffix
    json_schema: str  # DDL of the JSON fields and the corrupt-record column


@dataclass(frozen=True)
class HotPathModel:
    name: str
    relation: str  # as dbt renders it: `schema`.`table`
    unique_key: str
    sql: str
    # The source tables upstream of it: a micro-batch with no object of any runs it not.
    reads: frozenset[str]
    after: frozenset[str]  # the hot-path models it reads: merged before it runs
    # A mart reads it (through others or not): the posts are in the marts once every such
    # model merged, and the others wait for them.
    feeds_marts: bool = False


@dataclass(frozen=True)
class Plan:
    json_options: dict[str, str]
    tables: tuple[LandedTable, ...]
    models: tuple[HotPathModel, ...]  # dependencies first


def compile_plan(settings: Settings, target: Path) -> Plan:
    """Compile the hot path's models into `target` and read them back."""
    target.mkdir(parents=True, exist_ok=True)
    compiled = subprocess.run(
        [
            str(DBT),
            "compile",
            "--quiet",
            "--no-populate-cache",
            "--select",
            f"tag:{TAG}",
            # The models only: a test's compile may query the warehouse.
            "--indirect-selection",
            "empty",
            "--vars",
            json.dumps({"hot_path_batch": BATCH_PREFIX}),
            "--target-path",
            str(target),
        ],
        cwd=project_root(),
        env={**settings.child_env(), "DBT_LOG_PATH": str(target)},
        capture_output=True,
        text=True,
        check=False,
    )
    manifest_path = target / "manifest.json"
    if compiled.returncode != 0 or not manifest_path.exists():
        detail = (compiled.stdout + compiled.stderr).strip().splitlines()[-1:] or ["no output"]
        raise ConfigurationError(
            f"dbt could not compile the hot path's models ({detail[0]}): see {target}/dbt.log"
        )
    return read_plan(json.loads(manifest_path.read_text(encoding="utf-8")))


def read_plan(manifest: dict[str, Any]) -> Plan:
    sources = {
        node["unique_id"]: node
        for node in manifest["sources"].values()
        if node["source_name"] == "pinterest"
    }
    if not sources:
        raise ConfigurationError("the dbt project declares no `pinterest` source")
    first = next(iter(sources.values()))
    options = {str(key): str(value) for key, value in first["meta"]["json_options"].items()}
    tables = tuple(_landed_table(node, options) for node in sources.values())
    nodes = manifest["nodes"]
    tagged = {
        unique_id: node
        for unique_id, node in nodes.items()
        if node["resource_type"] == "model" and TAG in node["tags"]
    }
    feeding = set().union(
        *(
            _upstream(unique_id, nodes)
            for unique_id, node in nodes.items()
            if node["resource_type"] == "model" and node["fqn"][1] == MARTS
        )
    )
    models = []
    for unique_id in _dependencies_first(tagged):
        node = tagged[unique_id]
        if not node.get("compiled_code"):
            raise ConfigurationError(f"dbt compiled no SQL for {node['name']}")
        models.append(
            HotPathModel(
                name=node["name"],
                relation=node["relation_name"],
                unique_key=_identifier(node["config"]["unique_key"], node["name"]),
                sql=node["compiled_code"],
                reads=frozenset(
                    sources[upstream]["name"] for upstream in _upstream_sources(unique_id, nodes)
                ),
                after=frozenset(
                    tagged[upstream]["name"]
                    for upstream in _upstream(unique_id, nodes)
                    if upstream in tagged
                ),
                feeds_marts=unique_id in feeding,
            )
        )
    return Plan(json_options=options, tables=tables, models=tuple(models))


def _landed_table(node: dict[str, Any], options: dict[str, str]) -> LandedTable:
    corrupt = options["columnNameOfCorruptRecord"]
    skipped = {*node["meta"]["added_by_landing"], corrupt}
    fields = [
        f"`{_identifier(column['name'], node['name'])}` {column['data_type']}"
        for column in node["columns"].values()
        if column["name"] not in skipped
    ]
    return LandedTable(node["name"], ", ".join([*fields, f"`{corrupt}` string"]))


def _identifier(text: Any, model: str) -> str:
    if not isinstance(text, str) or not IDENTIFIER.fullmatch(text):
        raise ConfigurationError(f"{model}: {text!r} is not a plain column name")
    return text


def _upstream(unique_id: str, nodes: dict[str, Any]) -> set[str]:
    """Every node and source the node reads, directly or through others."""
    found: set[str] = set()
    pending = [unique_id]
    while pending:
        for upstream in nodes[pending.pop()].get("depends_on", {}).get("nodes", []):
            if upstream not in found:
                found.add(upstream)
                if upstream in nodes:
                    pending.append(upstream)
    return found


def _upstream_sources(unique_id: str, nodes: dict[str, Any]) -> set[str]:
    return {upstream for upstream in _upstream(unique_id, nodes) if upstream.startswith("source.")}


def _dependencies_first(tagged: dict[str, Any]) -> list[str]:
    ordered: list[str] = []

    def visit(unique_id: str) -> None:
        if unique_id in ordered:
            return
        for upstream in tagged[unique_id]["depends_on"]["nodes"]:
            if upstream in tagged:
                visit(upstream)
        ordered.append(unique_id)

    for unique_id in sorted(tagged):
        visit(unique_id)
    return ordered
