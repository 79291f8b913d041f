"""A first full `dbt build` of the 11,154-post landing, this project against an earlier commit
of it, back to back on the same Spark Thrift server, each with the dbt profile it shipped: what
a user runs from an empty schema, timed as they would wait for it. The earlier project needed
`dbt run-operation stage_external_sources` before its build; this one stages the sources in
the build. Runs alternate (earlier, this, earlier, ...) so that a slow minute of the shared
machine hits both.
Prints every run and the medians; writes bench/results/first-build-<timestamp>.json.

    .venv/bin/python bench/first_build.py --baseline b994e22 --runs 3

Needs the stack running (`make up`); it reloads the source tables.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from core.settings import Settings

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
PYTHON = sys.executable
DBT = str(Path(PYTHON).parent / "dbt")


def run(argv: list[str], env: dict[str, str], cwd: Path = REPO) -> float:
    started = time.monotonic()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"step failed: {' '.join(argv)}\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return time.monotonic() - started


def own_profile(project: Path) -> str:
    """A profiles folder holding the project's own profiles.example.yml: each commit is timed
    with the dbt settings it shipped (the stack's profile is this commit's)."""
    folder = Path(tempfile.mkdtemp())
    (folder / "profiles.yml").write_bytes((project / "profiles.example.yml").read_bytes())
    return str(folder)


def first_build(project: Path, env: dict[str, str], schema: str, stage_first: bool) -> float:
    """Seconds from an empty schema to a built project."""
    env = {
        **env,
        "DBT_SCHEMA": schema,
        "PINTEREST_RAW_SCHEMA": f"{schema}_raw",
        "DBT_PROFILES_DIR": own_profile(project),
    }
    paths = ["--project-dir", str(project), "--target-path", str(Path(tempfile.mkdtemp()))]
    seconds = 0.0
    if stage_first:
        seconds += run([DBT, "run-operation", "stage_external_sources", *paths], env, project)
    return seconds + run([DBT, "build", *paths], env, project)


parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--baseline", required=True, help="the earlier commit")
parser.add_argument("--runs", type=int, default=3)
args = parser.parse_args()

settings = Settings.load()
name = f"bfb{uuid.uuid4().hex[:6]}"
env = {
    **settings.child_env(),
    "PINTEREST_TOPIC_PREFIX": name,
    "SINK_GROUP": f"{name}-s3-sink",
    "SINK_TOPICS_DIR": f"bench-{name}/topics",
}
env["PINTEREST_RAW_ROOT"] = f"s3a://{env['S3_BUCKET']}/bench-{name}/topics"
run(
    [PYTHON, "-m", "standins.stack", "grant", "--topic-prefix", name], env
)  # topics and Kafka access of its own
run([PYTHON, "-m", "standins.generate", "--truncate"], env)
run([PYTHON, "-m", "ingestion.emulate"], env)
run([PYTHON, "-m", "ingestion.sink", "--until-idle", "5"], env)

worktree = Path(tempfile.mkdtemp()) / "baseline"
subprocess.run(
    ["git", "worktree", "add", "--detach", str(worktree), args.baseline], cwd=REPO, check=True
)
try:
    times: dict[str, list[float]] = {"baseline": [], "this": []}
    # A first build of each warms the server's JIT; it is not counted.
    first_build(worktree, env, f"{name}w0", stage_first=True)
    first_build(REPO, env, f"{name}w1", stage_first=False)
    for number in range(args.runs):
        for which, project, stage in (("baseline", worktree, True), ("this", REPO, False)):
            seconds = first_build(project, env, f"{name}{which[0]}{number}", stage)
            times[which].append(seconds)
            print(f"{which:<9} run {number + 1}: {seconds:.1f} s", file=sys.stderr)
finally:
    subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=REPO, check=False)

figures = {
    "baseline": args.baseline,
    "posts": 11_154,
    "seconds": times,
    "median_seconds": {which: statistics.median(values) for which, values in times.items()},
}
figures["this_vs_baseline"] = (
    figures["median_seconds"]["this"] / figures["median_seconds"]["baseline"]
)
RESULTS.mkdir(parents=True, exist_ok=True)
out = RESULTS / f"first-build-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
out.write_text(json.dumps(figures, indent=2) + "\n")
print(json.dumps(figures, indent=2))
print(f"written to {out.relative_to(REPO)}")
