"""Throughput with more processes, as ratios measured in one run:

- the emulator against one broker (the default stack) and against a cluster of three;
- the sink with 1, 2 and 3 processes in one consumer group, on the cluster's topics of 12
  partitions.

Starts a three-broker cluster beside the default stack (other ports, state in
.local/bench-cluster) and stops it at the end; needs the default stack running (`make up`).
Reloads both stacks' source tables. Prints a table and writes
bench/results/scale-<timestamp>.json.

    .venv/bin/python bench/scale.py                      # 300,000 posts, 3 trials
    .venv/bin/python bench/scale.py --posts 1000000 --trials 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid

import run as bench

REPO = bench.REPO
STATE = REPO / ".local" / "bench-cluster"
PARTITIONS = 12
SINK_IDLE_S = 5
# Away from the default stack's ports and from the test suite's cluster, and below the
# kernel's ephemeral range (32768 up), where a connection's own port may take one first.
CLUSTER = {
    "PINTEREST_MYSQL_PORT": "24306",
    "PINTEREST_KAFKA_PORT": "24092",
    "PINTEREST_KAFKA_CONTROLLER_PORT": "24093",
    "PINTEREST_KAFKA_ADMIN_PORT": "24094",
    "PINTEREST_S3_PORT": "26333",
    "PINTEREST_THRIFT_PORT": "25000",
    "PINTEREST_API_PORT": "24082",
    "PINTEREST_DAGSTER_PORT": "24000",
    "PINTEREST_SPARK_MASTER_PORT": "24077",
    "PINTEREST_KAFKA_BROKERS": "3",
    "PINTEREST_TOPIC_PARTITIONS": str(PARTITIONS),
    "PINTEREST_STATE_DIR": str(STATE),
    "PINTEREST_STACK_ENV": str(STATE / "stack.env"),
}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def lane(env: dict[str, str]) -> dict[str, str]:
    """A prefix of its own with 12 partitions a topic, granted, on the stack `env` names."""
    prefix = f"scale{uuid.uuid4().hex[:8]}"
    grant = {**env, "PINTEREST_TOPIC_PARTITIONS": str(PARTITIONS)}
    bench.run(bench.module("standins.stack", "grant", "--topic-prefix", prefix), grant)
    return {**env, "PINTEREST_TOPIC_PREFIX": prefix}


def emulate(env: dict[str, str], posts: int) -> tuple[float, dict[str, str]]:
    """Posts per second of one emulator run into a fresh lane, and the lane."""
    filled = lane(env)
    out = bench.run(bench.module("ingestion.emulate"), filled).stdout
    return posts / bench.number(r"in ([\d.]+) s \(", out), filled


def sink(env: dict[str, str], processes: int, records: int) -> tuple[float, float]:
    """(records per second, seconds) of `processes` sinks in one new group landing the lane's
    topics from the start; the idle wait that ends each is not counted."""
    run_id = uuid.uuid4().hex[:6]
    prefix = env["PINTEREST_TOPIC_PREFIX"]
    group = {
        **env,
        "SINK_GROUP": f"{prefix}-s3-sink-{run_id}",
        "SINK_TOPICS_DIR": f"bench-{prefix}/{run_id}/topics",
    }
    argv = bench.module("ingestion.sink", "--until-idle", str(SINK_IDLE_S))
    started = time.monotonic()
    running = [
        bench.start([*argv, "--instance-id", f"bench-{run_id}-{n}"], group)
        for n in range(processes)
    ]
    landed = 0
    for process in running:
        out, err = process.communicate()
        if process.returncode != 0:
            sys.exit(f"a sink failed:\n{err[-2000:]}")
        landed += int(bench.number(r"([\d,]+) records landed", out))
    seconds = time.monotonic() - started - SINK_IDLE_S
    if landed != records:
        sys.exit(f"{processes} sinks landed {landed:,} records of {records:,}")
    return records / seconds, seconds


def stack(env: dict[str, str], command: str) -> None:
    bench.run(bench.module("standins.stack", command), env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300_000, help="posts per run")
    parser.add_argument("--trials", type=int, default=3, help="runs of each measurement")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running")
    args = parser.parse_args()

    single = {**os.environ, **bench.settings()}
    say(f"starting a three-broker cluster in {STATE.relative_to(REPO)}")
    stack({**os.environ, **CLUSTER}, "up")
    cluster = {**os.environ, **CLUSTER, **bench.settings(STATE / "stack.env")}
    try:
        for env in (single, cluster):
            generate = ("--rows", str(args.posts), "--seed", "7", "--truncate")
            bench.run(bench.module("standins.generate", *generate), env)
        emulator: dict[str, list[float]] = {"1 broker": [], "3 brokers": []}
        sinks: dict[int, list[float]] = {1: [], 2: [], 3: []}
        for trial in range(1, args.trials + 1):
            say(f"trial {trial}/{args.trials}: the emulator against 1 and 3 brokers")
            emulator["1 broker"].append(emulate(single, args.posts)[0])
            rate, filled = emulate(cluster, args.posts)
            emulator["3 brokers"].append(rate)
            # Alternate the order, so that a drift of the machine does not favour one count.
            counts = (1, 2, 3) if trial % 2 else (3, 2, 1)
            order = ", ".join(map(str, counts))
            say(f"trial {trial}/{args.trials}: the sink with {order} processes")
            for processes in counts:
                rate, _ = sink(filled, processes, 3 * args.posts)
                sinks[processes].append(rate)
    finally:
        if not args.keep:
            stack({**os.environ, **CLUSTER}, "down")

    cores = os.cpu_count() or 1
    median = {name: statistics.median(rates) for name, rates in emulator.items()}
    sink_median = {n: statistics.median(rates) for n, rates in sinks.items()}
    result = {
        "machine": bench.machine(),
        "posts": args.posts,
        "partitions": PARTITIONS,
        "trials": args.trials,
        "emulator_posts_per_s": emulator,
        "sink_records_per_s": {str(n): rates for n, rates in sinks.items()},
        "ratios": {
            "emulator_3_brokers_vs_1": median["3 brokers"] / median["1 broker"],
            **{f"sink_{n}_vs_1_process": sink_median[n] / sink_median[1] for n in (2, 3)},
        },
        "sink_records_per_s_per_core": {str(n): sink_median[n] / cores for n in sinks},
    }
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = bench.RESULTS / f"scale-{stamp}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")

    def runs(rates: list[float]) -> str:
        return ", ".join(f"{rate:,.0f}" for rate in rates)

    print(
        f"{args.posts:,} posts; topics of {PARTITIONS} partitions; {cores} cores; "
        f"median of {args.trials} trials"
    )
    for name, rates in emulator.items():
        ratio = median[name] / median["1 broker"]
        print(
            f"emulator, {name:<11} {median[name]:>9,.0f} posts/s   {ratio:.2f}x   ({runs(rates)})"
        )
    for n, rates in sinks.items():
        ratio = sink_median[n] / sink_median[1]
        per_core = sink_median[n] / cores
        label = f"{n} process{'es' if n > 1 else ''}"
        print(
            f"sink, {label:<14} {sink_median[n]:>9,.0f} records/s {ratio:.2f}x   "
            f"{per_core:,.0f} per core   ({runs(rates)})"
        )
    print(f"\nwritten to {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
