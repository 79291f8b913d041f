"""One lane with the whole pipeline run through it (emulate, sink, dbt build, reconcile), the
report written from it and the dbt docs site generated, shared by the module's tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Reported:
    lane: Any
    cursor: Any
    report: Path  # the report's HTML
    docs: Path  # a folder with the docs site: index.html, manifest.json, catalog.json
    report_output: str


@pytest.fixture(scope="module")
def reported(run, contexts, source_rows, tmp_path_factory) -> Iterator[Reported]:
    work = tmp_path_factory.mktemp("reported")
    with contexts.lane() as lane, contexts.warehouse(lane) as cursor:
        assert run("ingestion.emulate", env=lane.env).returncode == 0
        assert run("ingestion.sink", "--until-idle", "3", env=lane.env).returncode == 0
        # The data tests are the end-to-end test's: the report only needs the tables.
        built = ("build", "--exclude-resource-type", "test", "unit_test")
        for args in (("run-operation", "stage_external_sources"), built):
            result = lane.dbt(*args)
            assert result.returncode == 0, result.stdout[-3000:]
        env = {
            **lane.env,
            "PINTEREST_RAW_SCHEMA": f"{lane.prefix}_raw",
            "DBT_SCHEMA": lane.prefix,
        }
        counts = work / "reconcile.json"
        reconciled = run("warehouse.reconcile", "--output", str(counts), env=env)
        assert reconciled.returncode == 0, reconciled.stderr
        report = work / "report" / "index.html"
        written = run(
            "warehouse.report", "--reconcile", str(counts), "--output", str(report), env=env
        )
        assert written.returncode == 0, written.stderr
        docs = lane.dbt("docs", "generate")
        assert docs.returncode == 0, docs.stdout[-3000:]
        site = work / "docs"
        site.mkdir()
        for name in ("index.html", "manifest.json", "catalog.json"):
            shutil.copy(lane.repo / "target" / name, site / name)
        yield Reported(lane, cursor, report, site, written.stdout)
