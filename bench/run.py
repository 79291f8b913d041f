"""Benchmarks of the pipeline on the local stack, each against the ceiling of the same
components measured in the same run. Prints a table and writes bench/results/<timestamp>.json.

    .venv/bin/python bench/run.py            # quick: 11,154 and 100,000 posts (make bench)
    .venv/bin/python bench/run.py --full     # adds 1,000,000 posts (make bench-full)

Needs the stack running (`make up`). It reloads the source tables, so run it on a stack whose
data you can regenerate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
PYTHON = sys.executable
SIZES_QUICK = [11_154, 100_000]
SIZES_FULL = [11_154, 100_000, 1_000_000]
# Runs a command and prints its peak resident memory (KiB) as the last line of stderr: the
# children of this wrapper are exactly the measured command.
PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(f'peak_kib={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass
class Measured:
    seconds: float
    peak_mib: float
    stdout: str


def run(argv: list[str], env: dict[str, str] | None = None) -> Measured:
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, "-c", PEAK_WRAPPER, *argv],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"benchmark step failed: {' '.join(argv)}\n{result.stderr[-2000:]}")
    peak = re.search(r"peak_kib=(\d+)", result.stderr)
    return Measured(seconds, int(peak.group(1)) / 1024 if peak else 0.0, result.stdout)


def module(name: str, *args: str) -> list[str]:
    return [PYTHON, "-m", name, *args]


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    if match is None:
        sys.exit(f"could not find {pattern!r} in:\n{text}")
    return float(match.group(1).replace(",", ""))


def settings() -> dict[str, str]:
    values = {}
    for line in (REPO / ".local" / "stack.env").read_text().splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export ") :].partition("=")
            values[name] = value.strip("'")
    return values


@dataclass
class SizeResult:
    posts: int
    emulate_seconds: float
    emulate_posts_per_s: float
    emulate_messages_per_s: float
    emulate_mb_per_s: float
    emulate_peak_mib: float
    sink_busy_seconds: float
    sink_records_per_s: float
    sink_peak_mib: float
    end_to_end_seconds: float
    end_to_end_posts_per_s: float
    dbt_build_seconds: float
    producer_ceiling_messages_per_s: float = 0.0
    producer_ceiling_mb_per_s: float = 0.0
    s3_ceiling_records_per_s: float = 0.0
    ratios: dict[str, float] = field(default_factory=dict)


def producer_ceiling(env: dict[str, str], records: int, record_size: int) -> tuple[float, float]:
    """Kafka's own ProducerPerformance with the emulator's count, size, acks and codec."""
    topic = f"bench-ceiling-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [
            "java",
            "-cp",
            str(REPO / ".local/kafka/libs/*"),
            "org.apache.kafka.tools.TopicCommand",
            "--bootstrap-server",
            env["KAFKA_BOOTSTRAP_SERVERS"],
            "--create",
            "--topic",
            topic,
            "--partitions",
            "3",
        ],
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [
            "java",
            "-cp",
            str(REPO / ".local/kafka/libs/*"),
            "org.apache.kafka.tools.ProducerPerformance",
            "--topic",
            topic,
            "--num-records",
            str(records),
            "--record-size",
            str(record_size),
            "--throughput",
            "-1",
            "--producer-props",
            f"bootstrap.servers={env['KAFKA_BOOTSTRAP_SERVERS']}",
            "acks=all",
            "enable.idempotence=true",
            "compression.type=lz4",
            "linger.ms=20",
            "batch.size=1000000",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    last = result.stdout.strip().splitlines()[-1]
    return number(r"([\d.,]+) records/sec", last), number(r"\(([\d.,]+) MB/sec\)", last)


def s3_ceiling(
    env: dict[str, str], objects: int, object_bytes: int, records_per_object: float
) -> float:
    """A plain upload loop of objects as large and as many as the sink writes: records/s."""
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        region_name=env["S3_REGION"],
        aws_access_key_id=env["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"],
        config=Config(retries={"mode": "standard", "max_attempts": 10}),
    )
    body = b"x" * object_bytes
    prefix = f"bench-ceiling/{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    for index in range(objects):
        client.put_object(Bucket=env["S3_BUCKET"], Key=f"{prefix}/{index:010d}.json", Body=body)
    return objects * records_per_object / (time.monotonic() - started)


def measure_size(posts: int, env: dict[str, str]) -> SizeResult:
    lane = f"bench{posts}x{uuid.uuid4().hex[:6]}"
    lane_env = {
        "PINTEREST_TOPIC_PREFIX": lane,
        "SINK_TOPICS_DIR": f"bench-{lane}/topics",
        "SINK_GROUP": f"{lane}-s3-sink",
    }
    run(module("ingestion.generate", "--rows", str(posts), "--truncate"))

    # The sink subscribes by pattern: its topics must exist before it joins.
    from confluent_kafka.admin import AdminClient

    from ingestion.topics import ensure_topics

    ensure_topics(AdminClient({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"]}), lane, 3)

    # End to end: the emulator and the sink side by side, as in production.
    started = time.monotonic()
    sink = subprocess.Popen(
        [PYTHON, "-c", PEAK_WRAPPER, *module("ingestion.sink", "--until-idle", "5")],
        cwd=REPO,
        env={**os.environ, **lane_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    emulate = run(module("ingestion.emulate"), lane_env)
    sink_out, sink_err = sink.communicate()
    if sink.returncode != 0:
        sys.exit(f"the sink failed:\n{sink_err[-2000:]}")
    end_to_end = time.monotonic() - started - 5  # the sink's idle wait is not work
    sink_peak = number(r"peak_kib=(\d+)", sink_err) / 1024

    messages = number(r"([\d,]+) messages delivered", emulate.stdout)
    megabytes = number(r"([\d.,]+) MB, in", emulate.stdout)
    emulate_seconds = number(r"in ([\d.]+) s \(", emulate.stdout)
    landed = number(r"([\d,]+) records landed", sink_out)
    objects = number(r"in ([\d,]+) objects", sink_out)
    busy = number(r"; ([\d.]+) s busy", sink_out)

    # dbt reads the environment only: the stack's settings, then this lane's.
    dbt_env = {
        **env,
        "PINTEREST_RAW_ROOT": f"s3a://{env['S3_BUCKET']}/bench-{lane}/topics",
        "PINTEREST_RAW_SCHEMA": f"{lane}_raw",
        "DBT_SCHEMA": lane,
        **lane_env,
    }
    dbt = str(Path(PYTHON).parent / "dbt")
    run([dbt, "run-operation", "stage_external_sources"], dbt_env)
    build = run([dbt, "build", "--exclude", "test_type:unit"], dbt_env)

    result = SizeResult(
        posts=posts,
        emulate_seconds=emulate_seconds,
        emulate_posts_per_s=posts / emulate_seconds,
        emulate_messages_per_s=messages / emulate_seconds,
        emulate_mb_per_s=megabytes / emulate_seconds,
        emulate_peak_mib=emulate.peak_mib,
        sink_busy_seconds=busy,
        sink_records_per_s=landed / busy,
        sink_peak_mib=sink_peak,
        end_to_end_seconds=end_to_end,
        end_to_end_posts_per_s=posts / end_to_end,
        dbt_build_seconds=build.seconds,
    )
    record_size = int(megabytes * 1e6 / messages)
    result.producer_ceiling_messages_per_s, result.producer_ceiling_mb_per_s = producer_ceiling(
        env, int(messages), record_size
    )
    result.s3_ceiling_records_per_s = s3_ceiling(
        env, int(objects), int(megabytes * 1e6 / objects), landed / objects
    )
    result.ratios = {
        "emulator_vs_producer_ceiling": result.emulate_messages_per_s
        / result.producer_ceiling_messages_per_s,
        "sink_vs_s3_ceiling": result.sink_records_per_s / result.s3_ceiling_records_per_s,
        "sink_vs_emulator": result.sink_records_per_s / result.emulate_messages_per_s,
    }
    return result


def table(results: list[SizeResult]) -> str:
    rows = [
        (
            "posts",
            "emulate posts/s",
            "vs Kafka ceiling",
            "emulate MiB",
            "sink records/s",
            "vs S3 ceiling",
            "sink MiB",
            "MySQL->S3 s",
            "dbt build s",
        )
    ]
    for r in results:
        rows.append(
            (
                f"{r.posts:,}",
                f"{r.emulate_posts_per_s:,.0f}",
                f"{r.ratios['emulator_vs_producer_ceiling']:.2f}",
                f"{r.emulate_peak_mib:.0f}",
                f"{r.sink_records_per_s:,.0f}",
                f"{r.ratios['sink_vs_s3_ceiling']:.2f}",
                f"{r.sink_peak_mib:.0f}",
                f"{r.end_to_end_seconds:.1f}",
                f"{r.dbt_build_seconds:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="add the 1,000,000-post size")
    args = parser.parse_args()
    env = settings()
    results = [measure_size(posts, env) for posts in (SIZES_FULL if args.full else SIZES_QUICK)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    machine = {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    out = RESULTS / f"{stamp}.json"
    out.write_text(
        json.dumps({"machine": machine, "results": [asdict(r) for r in results]}, indent=2) + "\n"
    )
    print(table(results))
    print(f"\nwritten to {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
