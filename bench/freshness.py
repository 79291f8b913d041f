"""Freshness of the continuous pipeline: `python -m standins.live` runs for --minutes at
--rate posts/s, everything on this machine, in a lane of its own (topics, landing, schemas);
for every post committed meanwhile, the time from its commit in MariaDB to its presence in
int_pinterest__posts_enriched and in every mart. Then `python -m warehouse.reconcile` checks
that nothing was lost. Prints p50 / p95 / max and writes bench/results/freshness-<timestamp>.json.

    .venv/bin/python bench/freshness.py                     # 10 minutes at 50 posts/s
    .venv/bin/python bench/freshness.py --minutes 2 --rate 20

Needs the stack running (`make up`); it reloads the source tables with the 11,154-post set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from core.settings import Settings

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
PYTHON = sys.executable


parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--minutes", type=float, default=10.0)
parser.add_argument("--rate", type=float, default=50.0)
args = parser.parse_args()

settings = Settings.load()
env = settings.child_env()
name = f"bfr{uuid.uuid4().hex[:6]}"
env.update(
    PINTEREST_TOPIC_PREFIX=name,
    SINK_GROUP=f"{name}-s3-sink",
    SINK_TOPICS_DIR=f"bench-{name}/topics",
    PINTEREST_RAW_ROOT=f"s3a://{env['S3_BUCKET']}/bench-{name}/topics",
    PINTEREST_RAW_SCHEMA=f"{name}_raw",
    DBT_SCHEMA=name,
)
RESULTS.mkdir(parents=True, exist_ok=True)
stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
report = RESULTS / f"freshness-{stamp}.json"

# Kafka lets each user work only on prefixes the stack's administrator granted.
if subprocess.run(
    [PYTHON, "-m", "standins.stack", "grant", "--topic-prefix", name], cwd=REPO, env=env
).returncode:
    sys.exit("creating the lane's topics failed")
generate = [PYTHON, "-m", "standins.generate", "--truncate"]
if subprocess.run(generate, cwd=REPO, env=env).returncode != 0:
    sys.exit("generating the source tables failed")
live = [
    PYTHON,
    "-m",
    "standins.live",
    "--rate",
    str(args.rate),
    "--duration",
    str(args.minutes * 60),
    "--output",
    str(report),
]
print(f"live for {args.minutes:g} minutes at {args.rate:g} posts/s in lane {name}", file=sys.stderr)
if subprocess.run(live, cwd=REPO, env=env).returncode != 0:
    sys.exit("the live run failed")
reconciled = subprocess.run(
    [
        PYTHON,
        "-m",
        "warehouse.reconcile",
        "--output",
        str(RESULTS / f"freshness-{stamp}-reconcile.json"),
    ],
    cwd=REPO,
    env=env,
)

figures = json.loads(report.read_text())
# Every post's latency stays in the live run's report; the result keeps a histogram of them.
figures["latency_histogram_5s_bins"] = {
    what: {f"{b}-{b + 5}": n for b, n in sorted(Counter(int(x // 5) * 5 for x in values).items())}
    for what, values in figures.pop("latencies_seconds").items()
}
figures["minutes"] = args.minutes
figures["reconciled"] = reconciled.returncode == 0
builds = figures["builds"]
figures["build_seconds_median"] = sorted(b["seconds"] for b in builds)[len(builds) // 2]
report.write_text(json.dumps(figures, indent=1) + "\n")
print(f"\n{len(builds)} builds, median {figures['build_seconds_median']:.1f} s")
for what, summary in figures["freshness_seconds"].items():
    if summary:
        print(
            f"{what:<32} {summary['posts']:>7,} posts  p50 {summary['p50']:5.1f} s  "
            f"p95 {summary['p95']:5.1f} s  max {summary['max']:5.1f} s"
        )
print(f"reconcile: {'passed' if figures['reconciled'] else 'FAILED'}; written to {report}")
sys.exit(0 if figures["reconciled"] else 1)
