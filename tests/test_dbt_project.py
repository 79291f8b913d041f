"""The dbt project without a warehouse: every node documented, and the Databricks target
parses and compiles (there is no Databricks here, so this is what CI can prove of it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
import yaml
from marts import MARTS

from core.catalogue import AUDIT_MODEL, SOURCE_TABLES
from core.errors import ConfigurationError
from warehouse.audit import SourceAudit
from warehouse.questions import project_questions, questions

REPO = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).parent / "dbt")
# Obvious placeholders: nothing here reaches a workspace.
DATABRICKS_PLACEHOLDERS = {
    "DATABRICKS_HOST": "dbc-00000000-0000.cloud.databricks.com",
    "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/0000000000000000",
    "DATABRICKS_TOKEN": "placeholder-not-a-token",
    "PINTEREST_RAW_ROOT": "s3://example-bucket/topics",
}


def dbt(*args: str, env: dict[str, str] | None = None, target_path: Path) -> str:
    result = subprocess.run(
        [DBT, *args, "--target-path", str(target_path)],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def manifest(settings, tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("dbt-parse")
    env = {"DBT_PROFILES_DIR": settings.require("DBT_PROFILES_DIR")}
    dbt("parse", env=env, target_path=target)
    return json.loads((target / "manifest.json").read_text())


def test_every_model_source_seed_and_column_is_documented(manifest):
    undocumented = []
    nodes = [*manifest["nodes"].values(), *manifest["sources"].values()]
    for node in nodes:
        if node["resource_type"] not in ("model", "source", "seed"):
            continue
        if not node["description"].strip():
            undocumented.append(node["unique_id"])
        undocumented += [
            f"{node['unique_id']}.{name}"
            for name, column in node["columns"].items()
            if not column["description"].strip()
        ]
    assert undocumented == []
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) == 16


# What a data test's description says of the rows it checks, by its `where` scope
# (macros/test_scope.sql): the words a reader of the YAML or the docs site sees.
SCOPE_WORDS = {
    "__unchecked__": "the rows staged since it last passed",
    "__unchecked_settled__": "leaves the rows it staged itself to the next build",
    None: "every row, on every build",
    "": "on every build",
}


def test_every_data_test_says_which_rows_it_checks(manifest):
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    wrong = [
        (test["unique_id"], test["config"]["where"])
        for test in tests
        if SCOPE_WORDS.get(test["config"]["where"], "an unknown scope") not in test["description"]
    ]
    assert wrong == []
    # Every test of an incremental model checks what it has not checked yet; a test that
    # checks the whole table says so in its config.
    incremental = {
        node["unique_id"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    }
    whole = [
        test["unique_id"]
        for test in tests
        if test["attached_node"] in incremental and test["config"]["where"] is None
    ]
    assert whole == []
    assert len(tests) > 70


def test_a_description_written_twice_is_a_doc_block():
    """A description that columns or data tests share is written once, in a `{% docs %}` block
    of a `_*__docs.md` file, and named in the YAML as `{{ doc("name") }}`, so that it changes
    in one place (the rendered text is in the manifest, which the tests above read)."""
    written: dict[str, list[str]] = {}

    def note(description: object, where: str) -> None:
        text = " ".join(str(description or "").split())
        if text and "doc(" not in text:
            written.setdefault(text, []).append(where)

    def note_tests(tests: list, where: str) -> None:
        for test in tests:
            if isinstance(test, dict):
                ((name, arguments),) = test.items()
                note((arguments or {}).get("description"), f"{where}:{name}")

    for path in sorted((REPO / "models").rglob("*.yml")):
        document = yaml.safe_load(path.read_text())
        tables = [
            *document.get("models", []),
            *(table for source in document.get("sources", []) for table in source["tables"]),
        ]
        for table in tables:
            note_tests(table.get("data_tests", []), table["name"])
            for column in table.get("columns", []):
                where = f"{table['name']}.{column['name']}"
                note(column.get("description"), where)
                note_tests(column.get("data_tests", []), where)
    assert {text: where for text, where in written.items() if len(where) > 1} == {}


def test_a_variable_set_empty_is_unset_for_dbt_too(tmp_path):
    """As for the pipeline's commands (core/settings.py): `DBT_SCHEMA=` is the default
    schema, not schemas named `_staging`, `_marts`..."""
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text((REPO / "profiles.example.yml").read_text())
    empty = dict.fromkeys(("DBT_SCHEMA", "PINTEREST_RAW_SCHEMA", "PINTEREST_TOPIC_PREFIX"), "")
    env = {**empty, "DBT_PROFILES_DIR": str(profiles), "SPARK_THRIFT_PASSWORD": "unused"}
    dbt("parse", env=env, target_path=tmp_path / "target")
    parsed = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert parsed["nodes"]["model.pinterest_pipeline.stg_pinterest__pins"]["schema"] == (
        "pinterest_staging"
    )
    assert parsed["sources"]["source.pinterest_pipeline.pinterest.pin"]["schema"] == (
        "pinterest_raw"
    )


def test_every_model_has_unit_tests(manifest):
    tested = {test["model"] for test in manifest["unit_tests"].values()}
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert models - tested == set()


def test_the_report_exposure_depends_on_every_mart(manifest):
    exposure = manifest["exposures"]["exposure.pinterest_pipeline.analysis_report"]
    marts = {
        node["unique_id"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }
    assert len(marts) == 9
    assert marts <= set(exposure["depends_on"]["nodes"])
    # The data-quality counts come from the audit (the report reads no raw source).
    assert f"model.pinterest_pipeline.{AUDIT_MODEL}" in exposure["depends_on"]["nodes"]
    assert exposure["type"] == "dashboard" and exposure["description"].strip()


def test_the_catalogue_of_source_tables_is_the_dbt_projects(manifest):
    """Python names each table's raw source, key and staging model from the catalogue; dbt
    declares them in its sources and models: the two must agree."""
    sources = {
        source["name"]: source
        for source in manifest["sources"].values()
        if source["source_name"] == "pinterest"
    }
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert set(sources) == {table.topic for table in SOURCE_TABLES}
    for table in SOURCE_TABLES:
        assert table.key in sources[table.topic]["columns"], table
        staging = models[table.staging_model]
        assert sources[table.topic]["unique_id"] in staging["depends_on"]["nodes"], table
        assert staging["fqn"][1] == "staging", table
    # Reconcile and the report read dbt's audit of these tables, with one row per source table.
    audit = models[AUDIT_MODEL]
    assert audit["fqn"][1] == "audit"
    assert {"source_table", *(f.name for f in fields(SourceAudit))} <= set(audit["columns"])


def test_only_staging_and_the_landings_audit_read_the_sources(manifest):
    """As dbt Labs' structure guide has it, staging alone calls `source()`; but for the
    landing's audit, which counts the lines staging drops (in no staging model) and so reads
    the landing itself."""
    readers = {
        node["name"]: node["fqn"][1]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and any(parent.startswith("source.") for parent in node["depends_on"]["nodes"])
    }
    assert readers == {
        **{table.staging_model: "staging" for table in SOURCE_TABLES},
        "audit_pinterest__landed_objects": "audit",
    }


def test_every_mart_declares_the_question_it_answers(manifest):
    asked = questions(manifest)
    marts = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }
    assert {question.mart for question in asked} == marts
    # In the order the tests expect them (their own list, kept independently).
    assert [question.mart for question in asked] == MARTS
    assert [question.task for question in asked] == [
        f"Task {n}" for n in (4, 5, 6, 6, *range(7, 12))
    ]
    assert all(question.question and question.order_by for question in asked)


def test_the_yaml_and_the_manifest_ask_the_same_questions(manifest):
    """answers and the report read the YAML, without dbt: the same as dbt's parse."""
    assert project_questions() == questions(manifest)


def test_an_ordering_that_is_not_a_list_of_columns_is_refused(manifest):
    node = next(n for n in manifest["nodes"].values() if "question" in n["config"]["meta"])
    meta = {**node["config"]["meta"], "order_by": "country; drop table x"}
    tampered = {"nodes": {"one": {**node, "config": {**node["config"], "meta": meta}}}}
    with pytest.raises(ConfigurationError, match=r"order_by must be columns"):
        questions(tampered)


def mart_materializations(manifest: dict) -> set[str]:
    return {
        node["config"]["materialized"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }


def test_the_marts_are_views_where_spark_serves_them(manifest):
    """Current whenever the enriched model is, at no cost per run (dbt_project.yml)."""
    assert mart_materializations(manifest) == {"view"}


def test_databricks_target_parses_and_compiles(settings, tmp_path):
    env = {"DBT_PROFILES_DIR": settings.require("DBT_PROFILES_DIR"), **DATABRICKS_PLACEHOLDERS}
    dbt("parse", "--target", "databricks", env=env, target_path=tmp_path)
    # Databricks keeps them current itself, from the tables' changes.
    parsed = json.loads((tmp_path / "manifest.json").read_text())
    assert mart_materializations(parsed) == {"materialized_view"}
    # Incremental models ask the warehouse whether they exist as they compile: only the marts
    # compile without one.
    output = dbt(
        "compile",
        "--target",
        "databricks",
        "--no-populate-cache",
        "--select",
        "path:models/marts",
        env=env,
        target_path=tmp_path,
    )
    assert "databricks" in output
    compiled = tmp_path / "compiled" / "pinterest_pipeline" / "models" / "marts"
    median = (compiled / "median_follower_count_by_age_group.sql").read_text()
    assert "percentile(follower_count, 0.5)" in median


def test_an_unreachable_workspace_is_reported_within_a_bounded_wait(settings, tmp_path):
    """The profile bounds the Databricks connector's retries (by default 30, up to 60 s apart:
    over 4 minutes before a wrong host was reported). The command's timeout is the bound."""
    env = {"DBT_PROFILES_DIR": settings.require("DBT_PROFILES_DIR"), **DATABRICKS_PLACEHOLDERS}
    result = subprocess.run(
        [
            *(DBT, "compile", "--target", "databricks", "--select", "path:models/staging"),
            *("--target-path", str(tmp_path)),
        ],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Failed to resolve" in result.stdout or "Max retries" in result.stdout, result.stdout
