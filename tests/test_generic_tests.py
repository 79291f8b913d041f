"""Each generic data test of the project (tests/dbt/generic/) passes on data that keeps its rule
and fails on data that breaks it. The tests run as written, copied into a scratch dbt project
whose seeds and models hold both kinds of data."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DBT = str(Path(sys.executable).parent / "dbt")

SEEDS = {
    "numbers": "value\n0\n5\n10\n\n",
    "numbers_out_of_range": "value\n-1\n5\n11\n",
    "parts": "grp,part\na,1\na,2\nb,3\n",
    "totals": "grp,total\na,3\nb,3\nc,0\n",
    "totals_wrong": "grp,total\na,3\nb,4\nc,1\n",
    "pairs": "x,y\n1,1\n1,2\n2,1\n",
    "pairs_repeated": "x,y\n1,1\n1,2\n1,2\n",
    "landing_clean": (
        "source_table,landed_lines,malformed_lines,keyless_lines\npin,1000,0,0\ngeo,500,0,0\n"
    ),
    "landing_some_bad": (
        "source_table,landed_lines,malformed_lines,keyless_lines\npin,1000,3,2\ngeo,500,0,0\n"
    ),
    "landing_too_bad": (
        "source_table,landed_lines,malformed_lines,keyless_lines\npin,1000,0,0\ngeo,500,4,2\n"
    ),
}
MODELS = {
    "in_order": "select 1 as first_column, 2 as second_column",
    "out_of_order": "select 1 as first_column, 2 as second_column",
    "undocumented_column": "select 1 as first_column, 2 as second_column",
}
PROPERTIES = """
seeds:
  - name: numbers
    columns:
      - name: value
        data_tests:
          - accepted_range: {arguments: {min_value: 0, max_value: 10}}
          - accepted_range: {arguments: {min_value: 0}}
          - accepted_range: {arguments: {max_value: 10}}
  - name: numbers_out_of_range
    columns:
      - name: value
        data_tests:
          - accepted_range: {arguments: {min_value: 0, max_value: 10}}
          - accepted_range: {arguments: {min_value: 0}}
          - accepted_range: {arguments: {max_value: 10}}
  - name: parts
    columns:
      - name: part
        data_tests:
          - adds_up_to: {arguments: {group_by: grp, to: ref('totals'), total: total}}
          - adds_up_to: {arguments: {group_by: grp, to: ref('totals_wrong'), total: total}}
  - name: pairs
    data_tests:
      - unique_combination: {arguments: {columns: [x, y]}}
  - name: pairs_repeated
    data_tests:
      - unique_combination: {arguments: {columns: [x, y]}}
  - name: landing_clean
    data_tests:
      - malformed_share: {arguments: {max_share: 0.01}}
  - name: landing_some_bad
    data_tests:
      - malformed_share: {arguments: {max_share: 0.01}}
  - name: landing_too_bad
    data_tests:
      - malformed_share: {arguments: {max_share: 0.01}}
models:
  - name: in_order
    data_tests: [columns_in_documented_order]
    columns: [{name: first_column}, {name: second_column}]
  - name: out_of_order
    data_tests: [columns_in_documented_order]
    columns: [{name: second_column}, {name: first_column}]
  - name: undocumented_column
    data_tests: [columns_in_documented_order]
    columns: [{name: first_column}]
"""
# (test name, model or seed, arguments as dbt names the node) -> status and failures found.
EXPECTED = {
    "accepted_range_numbers_value__10__0": ("pass", 0),
    "accepted_range_numbers_value__0": ("pass", 0),
    "accepted_range_numbers_value__10": ("pass", 0),
    "accepted_range_numbers_out_of_range_value__10__0": ("fail", 2),
    "accepted_range_numbers_out_of_range_value__0": ("fail", 1),
    "accepted_range_numbers_out_of_range_value__10": ("fail", 1),
    "adds_up_to_parts_part__grp__ref_totals___total": ("pass", 0),
    "adds_up_to_parts_part__grp__ref_totals_wrong___total": ("fail", 2),
    "unique_combination_pairs_x__y": ("pass", 0),
    "unique_combination_pairs_repeated_x__y": ("fail", 1),
    "malformed_share_landing_clean_0_01": ("pass", 0),
    "malformed_share_landing_some_bad_0_01": ("warn", 1),
    "malformed_share_landing_too_bad_0_01": ("fail", 2),
    "columns_in_documented_order_in_order_": ("pass", 0),
    "columns_in_documented_order_out_of_order_": ("fail", 1),
    "columns_in_documented_order_undocumented_column_": ("fail", 1),
}


@pytest.fixture
def project(tmp_path, lane, warehouse) -> tuple[Path, dict[str, str]]:
    """A dbt project of the generic tests and their cases, in the lane's schemas."""
    root = tmp_path / "cases"
    shutil.copytree(REPO / "tests" / "dbt" / "generic", root / "tests" / "generic")
    (root / "seeds").mkdir()
    for name, rows in SEEDS.items():
        (root / "seeds" / f"{name}.csv").write_text(rows)
    (root / "models").mkdir()
    for name, sql in MODELS.items():
        (root / "models" / f"{name}.sql").write_text(sql + "\n")
    (root / "models" / "_cases.yml").write_text(PROPERTIES)
    (root / "dbt_project.yml").write_text(
        "name: generic_test_cases\nversion: '1.0'\nconfig-version: 2\n"
        "profile: pinterest_pipeline\ntest-paths: [tests]\n"
        "vars: {malformed_severity: error}\n"
        "seeds: {generic_test_cases: {+schema: seeds, +file_format: delta}}\n"
        "models: {generic_test_cases: {+schema: staging, +file_format: delta}}\n"
    )
    return root, lane.dbt_env


def test_each_generic_test_passes_on_good_data_and_fails_on_bad(project):
    root, env = project
    target = root / "target"
    built = subprocess.run(
        [DBT, "build", "--target-path", str(target)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    tests = {
        result["unique_id"].split(".")[2]: (result["status"], result["failures"])
        for result in results
        if result["unique_id"].startswith("test.")
    }
    assert tests == EXPECTED, built.stdout[-3000:]
    # The tests are the project's own: a copy of each generic test it has is checked here.
    project_tests = {path.stem for path in (REPO / "tests" / "dbt" / "generic").glob("*.sql")}
    covered = {t for t in project_tests if any(name.startswith(f"{t}_") for name in EXPECTED)}
    assert covered == project_tests
