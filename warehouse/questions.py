"""The analysis questions (Tasks 4-11) as dbt declares them: each mart's YAML `meta` holds its
task, its place in the list, its question and the ordering its rows are shown in. `answers`
and the report read them from the project's YAML (project_questions: no dbt profile, no parse),
the tests also from the parsed manifest, which holds the same `meta`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from core.errors import ConfigurationError
from core.paths import project_root

# A list of columns, each optionally descending: all an ordering may be, since it is put
# into SQL as it is.
_ORDER_BY = re.compile(r"[a-z_][a-z0-9_]*( desc)?(, [a-z_][a-z0-9_]*( desc)?)*")


class Question(NamedTuple):
    task: str  # "Task 4"
    question: str
    mart: str
    order_by: str


def questions(manifest: Mapping[str, Any]) -> list[Question]:
    """The marts that answer a question, in the order of their `position`."""
    found: dict[int, Question] = {}
    for node in manifest["nodes"].values():
        meta = node["config"].get("meta") or {}
        if node["resource_type"] != "model" or "question" not in meta:
            continue
        where = f"{node['original_file_path']}: the meta of {node['name']}"
        try:
            task, position, order_by = int(meta["task"]), int(meta["position"]), meta["order_by"]
        except (KeyError, TypeError, ValueError):
            raise ConfigurationError(
                f"{where} needs task and position (numbers), question and order_by"
            ) from None
        if not _ORDER_BY.fullmatch(str(order_by)):
            raise ConfigurationError(
                f"{where}: order_by must be columns separated by ', ', each optionally "
                f"' desc'; got {order_by!r}"
            )
        if position in found:
            raise ConfigurationError(
                f"{where}: position {position} is {found[position].mart}'s too"
            )
        found[position] = Question(f"Task {task}", str(meta["question"]), node["name"], order_by)
    return [found[position] for position in sorted(found)]


def project_questions(root: Path | None = None) -> list[Question]:
    """The questions as the models' YAML files declare them (`meta`, or `config: meta`), read
    without dbt: a command that shows them needs no profile and no `dbt parse`."""
    root = root or project_root()
    nodes: dict[str, Any] = {}
    for path in sorted((root / "models").rglob("*.yml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}") from None
        for model in document.get("models") or []:
            config = model.get("config") or {}
            meta = {**(model.get("meta") or {}), **(config.get("meta") or {})}
            nodes[f"model.{model['name']}"] = {
                "resource_type": "model",
                "name": model["name"],
                "original_file_path": str(path.relative_to(root)),
                "config": {"meta": meta},
            }
    return questions({"nodes": nodes})
