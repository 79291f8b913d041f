"""What the orchestrator costs while nothing happens: the CPU time and memory of Dagster's UI
and daemon (with the code servers they start) over --minutes with no new data, the sensor
looking at S3 every PINTEREST_SENSOR_INTERVAL seconds. Starts them if needed, waits until no
run is queued or running, then measures. Writes bench/results/orchestrator-idle-<time>.json.

    .venv/bin/python bench/orchestrator_idle.py --minutes 5

Needs the stack running (`make up`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from core.settings import Settings
from standins.stack.lifecycle import Stack, start

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"


TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--minutes", type=float, default=5.0)
args = parser.parse_args()

stack = Stack.from_settings(Settings.load())
start(stack.orchestrator, print)


def session_usage(session: int) -> tuple[float, int, int]:
    """(CPU seconds, resident bytes, processes) of every process in a session."""
    cpu, rss, count = 0.0, 0, 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            resident = int((stat.parent / "statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if int(fields[3]) != session:
            continue
        # utime, stime, cutime, cstime: children that exited count too.
        cpu += sum(int(value) for value in fields[11:15]) / TICK
        rss += resident * PAGE
        count += 1
    return cpu, rss, count


busy = [DagsterRunStatus.QUEUED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
with DagsterInstance.from_config(str(stack.dagster_ui.home)) as instance:
    while instance.get_runs(filters=RunsFilter(statuses=busy)):
        print("waiting for the runs in flight to finish", file=sys.stderr)
        time.sleep(10)
time.sleep(30)  # the last run's process exits; the sensor settles on "nothing new"
sessions = {service.name: service.pid() for service in stack.orchestrator}
before = {name: session_usage(pid) for name, pid in sessions.items() if pid}
began = time.monotonic()
time.sleep(args.minutes * 60)
elapsed = time.monotonic() - began
after = {name: session_usage(pid) for name, pid in sessions.items() if pid}

figures = {"minutes": args.minutes, "services": {}}
for name in after:
    cpu = after[name][0] - before[name][0]
    figures["services"][name] = {
        "cpu_seconds": round(cpu, 1),
        "cpu_share_of_one_core": round(cpu / elapsed, 4),
        "resident_mb": round(after[name][1] / 2**20),
        "processes": after[name][2],
    }
total = sum(s["cpu_seconds"] for s in figures["services"].values())
figures["cpu_share_of_one_core"] = round(total / elapsed, 4)
RESULTS.mkdir(parents=True, exist_ok=True)
out = RESULTS / f"orchestrator-idle-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
out.write_text(json.dumps(figures, indent=1) + "\n")
for name, usage in figures["services"].items():
    print(
        f"{name:<15} {usage['cpu_seconds']:6.1f} CPU-s in {elapsed / 60:.1f} min "
        f"({usage['cpu_share_of_one_core']:.1%} of a core), {usage['resident_mb']} MB resident "
        f"in {usage['processes']} processes"
    )
print(f"together {figures['cpu_share_of_one_core']:.1%} of one core while idle; written to {out}")
