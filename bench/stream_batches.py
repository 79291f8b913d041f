"""What a micro-batch of the streaming hot path costs: with N posts built by `dbt build`
(11,154 by default) in a lane of its own, `python -m streaming --serve-thrift` runs, and R
rounds of new posts (100 each by default) are committed in MariaDB, emulated and landed; the
stream's own report of each micro-batch (its time, each model's, when the marts were current,
what it compacted) is read from its output, and each model's Spark jobs from its event log.
Before the stream stops, the rows and distinct posts of each table it writes are counted
(every post once: the N plus the rounds'). Prints every batch and the medians; writes
bench/results/stream-batches-<timestamp>.json.

    .venv/bin/python bench/stream_batches.py                       # 11,154 + 8 x 100
    .venv/bin/python bench/stream_batches.py --posts 1000000 --rounds 5
    .venv/bin/python bench/stream_batches.py --conf spark.sql.shuffle.partitions=2

Needs the stack running (`make up`); it reloads the source tables, and stops the stack's
Thrift server while the stream serves one (Derby holds one JVM), then starts it again.
"""

from __future__ import annotations

import argparse
import json
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from core.catalogue import ENRICHED_MODEL, SOURCE_TABLES
from core.paths import project_root
from core.settings import Settings
from standins.stack.lifecycle import Stack
from warehouse import thrift

REPO = project_root()
RESULTS = REPO / "bench" / "results"
PYTHON = sys.executable
DBT = str(Path(PYTHON).parent / "dbt")
BATCH = re.compile(
    r"^batch (\d+): (.*) objects merged in ([\d.]+) s \((.*)\)"
    r"(?:; marts current after ([\d.]+) s)?(?:; compacted (.*) in ([\d.]+) s)?$"
)
LANDED = re.compile(r" in ([\d,]+) objects,")


def run(argv: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"step failed: {' '.join(argv)}\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return result.stdout


def parse_batch(line: str) -> dict[str, object] | None:
    found = BATCH.match(line)
    if found is None:
        return None
    objects = {
        table: int(count) for table, count in (part.split() for part in found.group(2).split(", "))
    }
    models = {
        name: float(seconds.removesuffix(" s"))
        for name, seconds in (part.rsplit(" ", 2)[:2] for part in found.group(4).split(", "))
    }
    return {
        "batch": int(found.group(1)),
        "objects": objects,
        "seconds": float(found.group(3)),
        "marts_current_seconds": float(found.group(5)) if found.group(5) else None,
        "compacted": found.group(6).split(", ") if found.group(6) else [],
        "compaction_seconds": float(found.group(7)) if found.group(7) else None,
        "models": models,
    }


def jobs_per_model(events: Path) -> dict[str, dict[str, float]]:
    """From the stream's event log: per model (its job group), the Spark jobs it ran, their
    seconds, and the SQL statements (a MERGE is several jobs and some driver work)."""
    jobs: dict[int, tuple[str, int]] = {}
    figures: dict[str, dict[str, float]] = {}
    executions: dict[str, set[str]] = {}
    for log_file in sorted(events.rglob("events_*")):
        for line in log_file.read_text().splitlines():
            event = json.loads(line)
            kind = event["Event"]
            if kind == "SparkListenerJobStart":
                group = event.get("Properties", {}).get("spark.jobGroup.id") or "(stream)"
                jobs[event["Job ID"]] = (group, event["Submission Time"])
                execution = event.get("Properties", {}).get("spark.sql.execution.id")
                executions.setdefault(group, set()).add(str(execution))
            elif kind == "SparkListenerJobEnd" and event["Job ID"] in jobs:
                group, submitted = jobs[event["Job ID"]]
                entry = figures.setdefault(group, {"jobs": 0, "job_seconds": 0.0})
                entry["jobs"] += 1
                entry["job_seconds"] += (event["Completion Time"] - submitted) / 1000
    for group, entry in figures.items():
        entry["statements"] = len(executions.get(group, ()))
        entry["job_seconds"] = round(entry["job_seconds"], 1)
    return dict(sorted(figures.items()))


parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--posts", type=int, default=11_154, help="posts built first")
parser.add_argument("--rounds", type=int, default=8, help="rounds of new posts")
parser.add_argument("--new", type=int, default=100, help="posts per round")
parser.add_argument("--model-threads", type=int, default=4, help="the stream's --model-threads")
parser.add_argument("--compact-every", type=int, default=30, help="the stream's --compact-every")
parser.add_argument(
    "--conf",
    action="append",
    default=[],
    metavar="KEY=VALUE",
    help="a Spark setting of the stream's on top of the stack's (repeatable): what it changes",
)
args = parser.parse_args()

settings = Settings.load()
name = f"bstr{uuid.uuid4().hex[:6]}"
bucket = settings.require("S3_BUCKET")
env = {
    **settings.child_env(),
    "PINTEREST_TOPIC_PREFIX": name,
    "SINK_GROUP": f"{name}-s3-sink",
    "SINK_TOPICS_DIR": f"bench-{name}/topics",
    "PINTEREST_RAW_ROOT": f"s3a://{bucket}/bench-{name}/topics",
    "PINTEREST_RAW_SCHEMA": f"{name}_raw",
    "DBT_SCHEMA": name,
}
scratch = Path(tempfile.mkdtemp(prefix="stream-batches-"))
emulate = [PYTHON, "-m", "ingestion.emulate", "--checkpoint", str(scratch / "emulate.checkpoint")]
sink = [PYTHON, "-m", "ingestion.sink", "--until-idle", "2"]
print(f"building {args.posts:,} posts with dbt in schema {name}", file=sys.stderr)
run([PYTHON, "-m", "standins.stack", "grant", "--topic-prefix", name], env)
run(
    [PYTHON, "-m", "standins.generate", "--rows", str(args.posts), "--seed", "7", "--truncate"],
    env,
)
run(emulate, env)
run(sink, env)
run([DBT, "build", "--exclude-resource-type", "unit_test"], env)

stack = Stack.from_settings(settings)
# The stack's Spark settings, the event log (where each job's model and time are read) and
# those asked for.
events = scratch / "events"
events.mkdir()
properties = scratch / "spark.conf"
properties.write_text(
    (settings.state / "spark" / "spark-defaults.conf").read_text()
    + f"\nspark.eventLog.enabled true\nspark.eventLog.compress false\nspark.eventLog.dir {events}\n"
    + "".join(f"{setting.replace('=', ' ', 1)}\n" for setting in args.conf)
)
stack.spark.stop()
stream = subprocess.Popen(
    [
        *(PYTHON, "-m", "streaming", "--serve-thrift"),
        *("--spark-properties", str(properties)),
        *("--checkpoint", str(scratch / "stream")),
        *("--model-threads", str(args.model_threads)),
        *("--compact-every", str(args.compact_every)),
    ],
    cwd=REPO,
    env=env,
    stdout=subprocess.PIPE,
    stderr=subprocess.STDOUT,
    text=True,
)
lines: queue.Queue[str] = queue.Queue()
threading.Thread(
    target=lambda: [lines.put(line.rstrip()) for line in stream.stdout], daemon=True
).start()  # type: ignore[union-attr]


def next_line(timeout: float) -> str:
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        stream.kill()
        sys.exit(f"the stream said nothing for {timeout:.0f} s")


def held_rows() -> dict[str, list[int]]:
    """Rows and distinct keys of each table the stream writes, read through its Thrift
    server: a stream that lost or doubled a post would show it here."""
    connection = thrift.connect(
        env["SPARK_THRIFT_HOST"],
        int(env["SPARK_THRIFT_PORT"]),
        thrift.Login.from_settings(settings),
    )
    cursor = connection.cursor()
    counts = {}
    for schema, table in [
        *((f"{name}_staging", table.staging_model) for table in SOURCE_TABLES),
        (f"{name}_intermediate", ENRICHED_MODEL),
    ]:
        cursor.execute(f"select count(*), count(distinct ind) from `{schema}`.`{table}`")  # noqa: S608
        counts[table] = list(cursor.fetchone())
    connection.close()
    return counts


batches: list[dict[str, object]] = []
tables: dict[str, list[int]] = {}
try:
    while not next_line(600).startswith("streaming s3://"):
        pass
    print("the stream runs; landing rounds of new posts", file=sys.stderr)
    for number in range(1, args.rounds + 1):
        run(
            [
                PYTHON,
                "-m",
                "standins.generate",
                "--live",
                "--count",
                str(args.new),
                "--rate",
                "1000",
            ],
            env,
        )
        run([*emulate, "--resume"], env)
        landed = LANDED.search(run(sink, env))
        expected = int(landed.group(1).replace(",", "")) if landed else 0
        seen = 0
        while seen < expected:
            batch = parse_batch(next_line(300))
            if batch is None:
                continue
            batch["round"] = number
            batches.append(batch)
            seen += sum(batch["objects"].values())  # type: ignore[attr-defined]
            print(
                f"round {number}: batch {batch['batch']}, {batch['seconds']:.1f} s"
                f" (marts current after {batch['marts_current_seconds']} s): "
                f"{batch['models']}",
                file=sys.stderr,
            )
    tables = held_rows()
    print(f"rows, distinct posts: {tables}", file=sys.stderr)
finally:
    stream.send_signal(signal.SIGINT)
    try:
        stream.wait(timeout=120)
    except subprocess.TimeoutExpired:
        stream.kill()
    run([PYTHON, "-m", "standins.stack", "up"], settings.child_env())

# The first batch pays the stream's warm-up (compiling, the first read of each table).
warm = [float(b["seconds"]) for b in batches[1:]]  # type: ignore[arg-type]
current = [
    float(b["marts_current_seconds"])  # type: ignore[arg-type]
    for b in batches[1:]
    if b["marts_current_seconds"] is not None
]
models = sorted({m for b in batches[1:] for m in b["models"]})  # type: ignore[attr-defined]
figures = {
    "posts": args.posts,
    "new_per_round": args.new,
    "model_threads": args.model_threads,
    "compact_every": args.compact_every,
    "conf": args.conf,
    # Each table: rows and distinct posts after the last round; every post of the source
    # once in each, `posts + rounds x new`.
    "expected_posts": args.posts + args.rounds * args.new,
    "tables": tables,
    "jobs_per_model": jobs_per_model(events),
    "batches": batches,
    "first_batch_seconds": batches[0]["seconds"] if batches else None,
    "warm_median_seconds": statistics.median(warm) if warm else None,
    "warm_max_seconds": max(warm) if warm else None,
    "warm_median_marts_current_seconds": statistics.median(current) if current else None,
    "warm_median_model_seconds": {
        m: statistics.median(b["models"][m] for b in batches[1:] if m in b["models"])  # type: ignore[index,operator]
        for m in models
    },
}
RESULTS.mkdir(parents=True, exist_ok=True)
out = RESULTS / f"stream-batches-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
out.write_text(json.dumps(figures, indent=2) + "\n")
print(json.dumps({k: v for k, v in figures.items() if k != "batches"}, indent=2))
print(f"written to {out.relative_to(REPO)}")
