"""`make mutants`: break each rule of the dbt project in turn (tests/mutants/mutations.py), in a
scratch copy of the project, and report every mutant that the unit and data tests let through.

Each mutant is tried in two steps, the second only if the first lets it through:
1. the unit tests of the models it changes and of their children (cheap: no table written);
2. a `--full-refresh` build of those models with their data tests, over the landing of
   `make demo` (in schemas of its own, `<DBT_SCHEMA>_mutants_*`), after which the same models
   are built again unmutated for the next mutant.
A mutant is killed when a test fails; a mutant that makes dbt err is reported as invalid (a
mutant must break a rule, not the SQL). Exit 0 only when every mutant is killed.

Usage: python tests/mutants/mutate.py [--only NAME ...] [--output PATH]"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mutations import MUTANTS, Mutant

from core.catalogue import DEFAULT_SCHEMA
from core.errors import ConfigurationError
from core.paths import output_dir, project_root
from core.settings import Settings
from warehouse.dbt_project import DBT, PROJECT_FILES

# A build or test of a few models takes a minute or two; far longer is a hung warehouse.
DBT_TIMEOUT_S = 1800


class Failed(Exception):
    """The run cannot judge the mutants: say why in one line."""


@dataclass(frozen=True)
class Outcome:
    name: str
    rule: str
    verdict: str  # killed, survived, invalid
    by: list[str]  # the tests that failed (or the nodes that erred)
    seconds: float


class Project:
    """A scratch copy of the dbt project, restored before each mutant."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        shutil.rmtree(root, ignore_errors=True)
        for part in PROJECT_FILES:
            source = project_root() / part
            if source.is_dir():
                shutil.copytree(source, root / part)
            else:
                (root / part).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, root / part)

    def restore(self, path: str) -> None:
        shutil.copy2(project_root() / path, self.root / path)

    def mutate(self, mutant: Mutant) -> None:
        path = self.root / mutant.path
        text = path.read_text()
        if text.count(mutant.old) != 1:
            raise Failed(
                f"mutant {mutant.name}: its text is not in {mutant.path} exactly once: "
                "update tests/mutants/mutations.py"
            )
        path.write_text(text.replace(mutant.old, mutant.new))

    def dbt(self, *args: str) -> list[dict]:
        """Run dbt in the copy; the results of its nodes."""
        target = self.root / "target"
        shutil.rmtree(target, ignore_errors=True)
        try:
            subprocess.run(
                [str(DBT), *args, "--target-path", str(target)],
                cwd=self.root,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=DBT_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            raise Failed(
                f"dbt {' '.join(args)} ran over {DBT_TIMEOUT_S} s: is the warehouse up?"
            ) from None
        results = target / "run_results.json"
        if not results.exists():
            return [{"unique_id": "dbt", "status": "error"}]
        return json.loads(results.read_text())["results"]


def node_name(unique_id: str) -> str:
    """`unit_test.<project>.<model>.<name>` and `test.<project>.<name>.<hash>` -> name."""
    parts = unique_id.split(".")
    return parts[-1] if parts[0] == "unit_test" else parts[2] if len(parts) > 2 else unique_id


def failed(results: list[dict], status: str) -> list[str]:
    return [result["unique_id"] for result in results if result["status"] == status]


def judge(project: Project, mutant: Mutant, warned: set[str]) -> tuple[str, list[str]]:
    """The mutant's verdict and the tests behind it. `warned` are the tests that warn on the
    unmutated project: their warning kills nothing."""
    unit = project.dbt("test", "--resource-type", "unit_test", "--select", mutant.select)
    if failed(unit, "fail"):
        return "killed", failed(unit, "fail")
    if failed(unit, "error"):
        return "invalid", failed(unit, "error")
    built = project.dbt(
        "build", "--full-refresh", "--select", mutant.select, "--exclude-resource-type", "unit_test"
    )
    caught = failed(built, "fail") + [t for t in failed(built, "warn") if t not in warned]
    verdict = (
        ("killed", caught)
        if caught
        else ("invalid", failed(built, "error"))
        if failed(built, "error")
        else ("survived", [])
    )
    # The next mutant's models read these: they are built again unmutated, or the run stops.
    project.restore(mutant.path)
    restored = project.dbt(
        "build",
        "--full-refresh",
        "--select",
        mutant.select,
        "--exclude-resource-type",
        "test",
        "unit_test",
    )
    if failed(restored, "error"):
        raise Failed(f"rebuilding {mutant.select} unmutated failed: {failed(restored, 'error')[0]}")
    return verdict


def environment(settings: Settings) -> dict[str, str]:
    """The stack's settings, with schemas of the mutants' own (the demo's landing is only
    read)."""
    schema = (settings.get("DBT_SCHEMA") or DEFAULT_SCHEMA) + "_mutants"
    return {
        **settings.child_env(),
        "DBT_SCHEMA": schema,
        "PINTEREST_RAW_SCHEMA": f"{schema}_raw",
        "DBT_PROFILES_DIR": settings.require("DBT_PROFILES_DIR"),
    }


def main() -> int:
    try:
        return run()
    except (Failed, ConfigurationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="run only the mutants of these names")
    parser.add_argument("--output", default=str(output_dir() / "mutants.json"), help="JSON results")
    args = parser.parse_args()
    mutants = [m for m in MUTANTS if not args.only or m.name in args.only]
    if args.only and len(mutants) != len(set(args.only)):
        unknown = sorted(set(args.only) - {m.name for m in MUTANTS})
        print(f"error: no mutant named {', '.join(unknown)}", file=sys.stderr)
        return 2
    project = Project(
        project_root() / "target" / "mutants" / "project", environment(Settings.load())
    )
    print(f"mutants: a clean build of the copy in {project.root}", file=sys.stderr, flush=True)
    baseline = project.dbt("build", "--full-refresh")
    broken = failed(baseline, "fail") + failed(baseline, "error")
    if broken:
        raise Failed(f"the unmutated project fails: {', '.join(broken[:5])}")
    warned = set(failed(baseline, "warn"))
    outcomes = []
    for number, mutant in enumerate(mutants, start=1):
        started = time.monotonic()
        project.mutate(mutant)
        verdict, by = judge(project, mutant, warned)
        project.restore(mutant.path)
        outcome = Outcome(
            mutant.name, mutant.rule, verdict, by, round(time.monotonic() - started, 1)
        )
        outcomes.append(outcome)
        shown = ", ".join(node_name(unique_id) for unique_id in by[:3])
        print(
            f"mutants: {number}/{len(mutants)} {mutant.name}: {verdict}"
            + (f" by {shown}" if shown else "")
            + f" ({outcome.seconds:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    report = Path(args.output)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps([o.__dict__ for o in outcomes], indent=2) + "\n")
    survivors = [o.name for o in outcomes if o.verdict != "killed"]
    killed = len(outcomes) - len(survivors)
    print(
        f"mutants: {killed} of {len(outcomes)} killed"
        + (f"; not killed: {', '.join(survivors)}" if survivors else "")
        + f"; results in {report}"
    )
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
