"""What the pipeline writes for the user (reconcile's counts, the report, the live runner's
figures, the orchestrator's report asset) is kept where `dbt clean` does not reach: `output/`
at the repository's root, whichever folder a command runs from. dbt's `target/` is dbt's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from core import paths
from core.settings import Settings
from orchestration.assets import Pipeline
from standins.live.__main__ import build_parser as live_parser
from warehouse.dbt_project import DBT
from warehouse.reconcile.__main__ import build_parser as reconcile_parser
from warehouse.report.__main__ import build_parser as report_parser


def default_outputs(tmp_path: Path) -> dict[str, Path]:
    settings = Settings.load({"PINTEREST_STACK_ENV": str(tmp_path / "absent.env")})
    report = report_parser(settings).parse_args([])
    output_dir = Path(Pipeline().output_dir)
    return {
        "reconcile --output": reconcile_parser(settings).parse_args([]).output,
        "report --reconcile": report.reconcile,
        "report --output": report.output,
        "live --output": live_parser(settings).parse_args([]).output,
        "the report asset's counts": output_dir / "reconcile.json",
        "the report asset's page": output_dir / "report" / "index.html",
    }


def test_every_default_output_is_under_output_at_the_root(tmp_path):
    outputs = default_outputs(tmp_path)
    assert [
        name for name, path in outputs.items() if not path.is_relative_to(paths.output_dir())
    ] == []
    assert paths.output_dir().parent == paths.project_root()


def test_the_outputs_survive_dbt_clean(tmp_path):
    # A scratch copy of the project: `dbt clean` in the shared one would empty the target/
    # other tests' dbt runs use.
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(paths.project_root() / "dbt_project.yml", project)
    built = project / "target" / "manifest.json"
    written = [
        project / path.relative_to(paths.project_root())
        for path in default_outputs(tmp_path).values()
    ]
    for path in [built, *written]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")

    cleaned = subprocess.run(
        [str(DBT), "clean", "--profiles-dir", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
    assert not built.exists()  # dbt clean did clean
    assert [path for path in written if not path.exists()] == []
