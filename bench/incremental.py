"""What an incremental `dbt build` costs against a full refresh: with 1,000,000 posts built,
10,000 more land and `dbt build` runs; its time is set against `dbt build --full-refresh` of
all 1,010,000 and against building the 10,000 alone in an empty schema. Also how long the
staging models' raw read takes, bounded to the new objects and not. Prints a table and writes
bench/results/incremental-<timestamp>.json.

    .venv/bin/python bench/incremental.py                 # 1,000,000 + 10,000 (about 15 min)
    .venv/bin/python bench/incremental.py --base 100000   # smaller

Needs the stack running (`make up`); it reloads the source tables. Every build is the one the
live pipeline runs: `dbt build --exclude-resource-type unit_test`.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

from pyhive import hive

from core.settings import Settings
from warehouse import thrift

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
PYTHON = sys.executable
DBT = str(Path(PYTHON).parent / "dbt")
BUILD = ["build", "--exclude-resource-type", "unit_test"]


def run(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"step failed: {' '.join(argv)}\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return seconds, result.stdout


def dbt_seconds(output: str) -> float:
    """The build's own time, as dbt reports it (without starting Python and parsing)."""
    found = re.search(r"in 0 hours (\d+) minutes and ([\d.]+) seconds", output)
    if found is None:
        sys.exit(f"no timing in dbt's output:\n{output[-2000:]}")
    return int(found.group(1)) * 60 + float(found.group(2))


def lane(base_env: dict[str, str], name: str) -> dict[str, str]:
    """Topics, consumer group, landing folder and schemas of their own."""
    bucket = base_env["S3_BUCKET"]
    return {
        **base_env,
        "PINTEREST_TOPIC_PREFIX": name,
        "SINK_GROUP": f"{name}-s3-sink",
        "SINK_TOPICS_DIR": f"bench-{name}/topics",
        "PINTEREST_RAW_ROOT": f"s3a://{bucket}/bench-{name}/topics",
        "PINTEREST_RAW_SCHEMA": f"{name}_raw",
        "DBT_SCHEMA": name,
    }


def raw_read(cursor: hive.Cursor, schema: str, base: int | None) -> float:
    """Seconds to count the pin lines of the landing: all of them, or only those of the
    objects landed after those holding the first `base` posts (the bound staging inlines)."""
    # The schema is this script's own lane name; the numbers are ints.
    bound = ""
    if base is not None:
        cursor.execute(
            f"select _partition, max(_landed_offset) from {schema}_staging.stg_pinterest__pins "  # noqa: S608
            f"where ind < {int(base)} group by _partition"
        )
        cases = " ".join(f"when {p} then {o}" for p, o in cursor.fetchall())
        name = "regexp_extract(_landed_file, '[+]([0-9]+)[+]([0-9]+)[.]json$', {})"
        bound = (
            f" where try_cast({name.format(2)} as bigint) > case try_cast({name.format(1)} "
            f"as int) {cases} else -1 end"
        )
    started = time.monotonic()
    cursor.execute(f"select count(*) from {schema}_raw.pin{bound}")  # noqa: S608
    cursor.fetchall()
    return time.monotonic() - started


parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--base", type=int, default=1_000_000, help="posts built first")
parser.add_argument("--new", type=int, default=10_000, help="posts landed after them")
args = parser.parse_args()

settings = Settings.load()
base_env = settings.child_env()
tag = uuid.uuid4().hex[:6]
big, alone = lane(base_env, f"binc{tag}"), lane(base_env, f"bnew{tag}")
checkpoint = REPO / ".local" / "bench" / f"incremental-{tag}.checkpoint"
total = args.base + args.new
print(f"generating {total:,} posts", file=sys.stderr)
for each in (big, alone):  # topics and Kafka access of their own
    run(
        [
            PYTHON,
            "-m",
            "standins.stack",
            "grant",
            "--topic-prefix",
            each["PINTEREST_TOPIC_PREFIX"],
        ],
        each,
    )
run([PYTHON, "-m", "standins.generate", "--rows", str(total), "--seed", "7", "--truncate"], big)

print(f"landing the first {args.base:,} and building them", file=sys.stderr)
emulate = ["-m", "ingestion.emulate", "--checkpoint", str(checkpoint)]
run([PYTHON, *emulate, "--limit", str(args.base)], big)
run([PYTHON, "-m", "ingestion.sink", "--until-idle", "5"], big)
_, first = run([DBT, *BUILD], big)

print(f"landing {args.new:,} more; incremental build, then a full refresh", file=sys.stderr)
run([PYTHON, *emulate, "--resume"], big)
run([PYTHON, "-m", "ingestion.sink", "--until-idle", "5"], big)
incremental_wall, incremental = run([DBT, *BUILD], big)
full_wall, full = run([DBT, *BUILD, "--full-refresh"], big)

print(f"the {args.new:,} alone in an empty schema", file=sys.stderr)
run([PYTHON, "-m", "ingestion.emulate", "--start-after", str(args.base - 1)], alone)
run([PYTHON, "-m", "ingestion.sink", "--until-idle", "5"], alone)
alone_wall, alone_output = run([DBT, *BUILD], alone)

connection = thrift.connect(
    base_env["SPARK_THRIFT_HOST"],
    int(base_env["SPARK_THRIFT_PORT"]),
    thrift.Login.from_settings(Settings.load(base_env)),
)
cursor = connection.cursor()
raw_read(cursor, big["DBT_SCHEMA"], None)  # warm the listing
read_all = min(raw_read(cursor, big["DBT_SCHEMA"], None) for _ in range(3))
read_new = min(raw_read(cursor, big["DBT_SCHEMA"], args.base) for _ in range(3))

figures = {
    "base_posts": args.base,
    "new_posts": args.new,
    "first_build_seconds": dbt_seconds(first),
    "incremental_seconds": dbt_seconds(incremental),
    "full_refresh_seconds": dbt_seconds(full),
    "alone_seconds": dbt_seconds(alone_output),
    "incremental_wall_seconds": incremental_wall,
    "full_refresh_wall_seconds": full_wall,
    "alone_wall_seconds": alone_wall,
    "raw_read_all_pin_seconds": read_all,
    "raw_read_new_pin_seconds": read_new,
}
figures["incremental_vs_alone"] = figures["incremental_seconds"] / figures["alone_seconds"]
figures["incremental_vs_full_refresh"] = (
    figures["incremental_seconds"] / figures["full_refresh_seconds"]
)
RESULTS.mkdir(parents=True, exist_ok=True)
out = RESULTS / f"incremental-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
out.write_text(json.dumps(figures, indent=2) + "\n")
print(f"\n{'figure':<34} value")
for name, value in figures.items():
    print(f"{name:<34} {value:,.2f}" if isinstance(value, float) else f"{name:<34} {value:,}")
print(f"\nwritten to {out.relative_to(REPO)}")
