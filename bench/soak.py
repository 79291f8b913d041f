"""The orchestrated pipeline under faults: `python -m standins.live` (builds by Dagster's
sensor) for --minutes at --rate posts/s in a lane of its own, with the sink SIGKILLed and the
Spark Thrift Server restarted at the moments given. Then: reconcile must pass, and every mart
must equal what `dbt build --full-refresh` makes of the same landing. Prints freshness
(p50 / p95 / max), and per fault how long until the pipeline was fresh again: the first build
after it whose posts had a p95 under --fresh seconds. Writes bench/results/soak-<time>.json.

    .venv/bin/python bench/soak.py                       # 30 minutes at 50 posts/s
    .venv/bin/python bench/soak.py --minutes 6 --kill-sink-at 2 --restart-thrift-at 4

Needs the stack running (`make up`); it reloads the source tables with the 11,154-post set and
starts the orchestrator for its lane (stopped again at the end).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from core.paths import output_dir
from core.settings import Settings
from standins.stack.lifecycle import Stack, start
from warehouse import thrift

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
PYTHON = sys.executable


MARTS = sorted(p.stem for p in (REPO / "models" / "marts").glob("*.sql"))


def minutes(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part]


parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--minutes", type=float, default=30.0)
parser.add_argument("--rate", type=float, default=50.0)
parser.add_argument("--kill-sink-at", type=minutes, default=[8.0, 20.0], metavar="MIN,MIN")
parser.add_argument("--restart-thrift-at", type=minutes, default=[14.0], metavar="MIN,MIN")
parser.add_argument("--fresh", type=float, default=60.0, help="p95 that counts as fresh (s)")
args = parser.parse_args()

settings = Settings.load()
env = settings.child_env()
name = f"bsk{uuid.uuid4().hex[:6]}"
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
report = RESULTS / f"soak-{stamp}.json"
stack = Stack.from_settings(settings)


def say(line: str) -> None:
    print(f"soak {time.strftime('%H:%M:%S')}: {line}", file=sys.stderr, flush=True)


# Kafka lets each user work only on prefixes the stack's administrator granted.
if subprocess.run(
    [PYTHON, "-m", "standins.stack", "grant", "--topic-prefix", name], cwd=REPO, env=env
).returncode:
    sys.exit("creating the lane's topics failed")
if subprocess.run([PYTHON, "-m", "standins.generate", "--truncate"], cwd=REPO, env=env).returncode:
    sys.exit("generating the source tables failed")
live = subprocess.Popen(
    [
        PYTHON,
        "-m",
        "standins.live",
        "--rate",
        str(args.rate),
        "--duration",
        str(args.minutes * 60),
        "--output",
        str(report),
    ],
    cwd=REPO,
    env=env,
)
began = time.time()
faults: list[dict[str, object]] = []


def sink_pids() -> list[int]:
    """The live runner's sink service (not its catch-up run, which has --until-idle)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
            environ = (cmdline.parent / "environ").read_bytes()
        except OSError:
            continue
        ours = f"PINTEREST_TOPIC_PREFIX={name}".encode() in environ
        if ours and b"ingestion.sink" in words and b"--until-idle" not in words:
            pids.append(int(cmdline.parent.name))
    return pids


def inject() -> None:
    plan = [(m, "kill sink") for m in args.kill_sink_at]
    plan += [(m, "restart thrift") for m in args.restart_thrift_at]
    for at, what in sorted(plan):
        delay = began + at * 60 - time.time()
        if delay > 0 and live.poll() is None:
            time.sleep(delay)
        if live.poll() is not None:
            return
        moment = time.time()
        if what == "kill sink":
            pids = sink_pids()
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            say(f"SIGKILLed the sink (pids {pids})")
            faults.append({"what": what, "at": moment, "pids": pids})
        else:
            stack.spark.stop()
            stopped = time.time()
            start([stack.spark], say)
            say(
                f"restarted the Thrift server: down {stopped - moment:.1f} s, up again after "
                f"{time.time() - moment:.1f} s"
            )
            faults.append({"what": what, "at": moment, "ready": time.time()})


injector = threading.Thread(target=inject, daemon=True)
injector.start()
code = live.wait()
say(f"live exited with {code}")
reconciled = (
    subprocess.run(
        [
            PYTHON,
            "-m",
            "warehouse.reconcile",
            "--output",
            str(RESULTS / f"soak-{stamp}-reconcile.json"),
        ],
        cwd=REPO,
        env=env,
    ).returncode
    == 0
)


def mart_rows(cursor: object) -> dict[str, list[tuple[object, ...]]]:
    rows = {}
    for mart in MARTS:
        # The lane's name and the marts' file names: identifiers this script made or read.
        cursor.execute(f"select * from {name}_marts.{mart}")  # type: ignore[attr-defined]  # noqa: S608
        rows[mart] = sorted(map(tuple, cursor.fetchall()), key=repr)  # type: ignore[attr-defined]
    return rows


# The sensor must not build while the full refresh rebuilds the same schema.
for service in reversed(stack.orchestrator):
    service.stop()
connection = thrift.connect(
    settings.require("SPARK_THRIFT_HOST"),
    int(settings.require("SPARK_THRIFT_PORT")),
    thrift.Login.from_settings(settings),
)
incremental = mart_rows(connection.cursor())
dbt = [
    str(Path(PYTHON).with_name("dbt")),
    "build",
    "--full-refresh",
    "--exclude-resource-type",
    "unit_test",
    "--quiet",
]
rebuilt = subprocess.run(dbt, cwd=REPO, env=env).returncode == 0
full = mart_rows(connection.cursor())
differing = [mart for mart in MARTS if incremental[mart] != full[mart]]

figures = json.loads(report.read_text())
# Every post's times stay in output/ (megabytes); the result keeps what they give.
output = output_dir()
output.mkdir(exist_ok=True)
(output / f"soak-{stamp}-live.json").write_text(report.read_text())
timeline = figures.pop("committed_and_enriched_at")
figures.pop("latencies_seconds")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


# A build's posts share the moment they entered the enriched model.
builds: dict[float, list[float]] = {}
for committed, entered in timeline:
    builds.setdefault(entered, []).append(entered - committed)
# The level before any fault (builds after the first, which carries the backlog), for faults
# on a pipeline that is not under --fresh even when nothing goes wrong.
first_fault = min((fault["at"] for fault in faults), default=math.inf)
steady = sorted(p95(builds[at]) for at in sorted(builds)[1:] if at < first_fault)  # type: ignore[operator]
steady_p95 = steady[len(steady) // 2] if steady else None
for fault in faults:
    after = sorted(at for at in builds if at > fault["at"])  # type: ignore[operator]
    fresh = [at for at in after if p95(builds[at]) <= args.fresh]
    fault["fresh_again_after_s"] = round(fresh[0] - fault["at"], 1) if fresh else None  # type: ignore[operator]
    level = [at for at in after if steady_p95 and p95(builds[at]) <= 1.1 * steady_p95]
    fault["back_to_steady_after_s"] = round(level[0] - fault["at"], 1) if level else None  # type: ignore[operator]
    fault["worst_p95_after_s"] = round(max((p95(builds[at]) for at in after[:5]), default=0), 1)
figures.update(
    minutes=args.minutes,
    faults=faults,
    reconciled=reconciled,
    full_refresh_ran=rebuilt,
    marts_differing_from_full_refresh=differing,
    live_exit_code=code,
    build_p95_seconds=[round(p95(v), 1) for _, v in sorted(builds.items())],
    steady_p95_seconds=steady_p95,
)
report.write_text(json.dumps(figures, indent=1) + "\n")
runs = figures["builds"]
print(
    f"\n{len(runs)} builds, median {sorted(b['seconds'] for b in runs)[len(runs) // 2]:.1f} s; "
    f"restarts {figures['restarts']}"
)
for what, summary in figures["freshness_seconds"].items():
    if summary:
        print(
            f"{what:<32} {summary['posts']:>7,} posts  p50 {summary['p50']:5.1f} s  "
            f"p95 {summary['p95']:5.1f} s  max {summary['max']:5.1f} s"
        )
for fault in faults:
    print(
        f"{fault['what']:<16} at {fault['at'] - began:6.0f} s: fresh again (p95 <= "  # type: ignore[operator]
        f"{args.fresh:g} s) after {fault['fresh_again_after_s']} s; back to the steady p95 "
        f"({steady_p95} s, +10%) after {fault['back_to_steady_after_s']} s; worst p95 of the "
        f"next 5 builds {fault['worst_p95_after_s']} s"
    )
print(
    f"reconcile {'passed' if reconciled else 'FAILED'}; marts equal to a full refresh: "
    f"{'yes' if rebuilt and not differing else f'NO {differing}'}; written to {report}"
)
sys.exit(0 if reconciled and rebuilt and not differing and code == 0 else 1)
