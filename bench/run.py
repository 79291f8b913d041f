"""Benchmarks of the pipeline on the local stack, each against the ceiling of the same
components measured in the same run. Prints a table and writes bench/results/<timestamp>.json.

    .venv/bin/python bench/run.py            # quick: 11,154 and 100,000 posts (make bench)
    .venv/bin/python bench/run.py --full     # adds 1,000,000 posts (make bench-full)

Needs the stack running (`make up`). It reloads the source tables, so run it on a stack whose
data you can regenerate. Also draws bench/results/<timestamp>.png and bench/chart.png: time
against posts, log-log, for both stages.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
PYTHON = sys.executable
SIZES_QUICK = [11_154, 100_000]
SIZES_FULL = [11_154, 100_000, 1_000_000]
SAMPLE_EVERY_S = 0.1
SINK_IDLE_S = 5


class TreeMemory:
    """Peak memory of a command and every process it starts (the emulator runs one per table):
    the summed proportional set size (PSS) of the tree, sampled every SAMPLE_EVERY_S, so pages
    the processes share are counted once."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(SAMPLE_EVERY_S):
            self.peak_kib = max(self.peak_kib, sum(map(_pss_kib, _tree(self.pid))))

    def stop(self) -> float:
        """Stop sampling; the peak in MiB."""
        self._done.set()
        self._thread.join()
        return self.peak_kib / 1024


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (2nd field) may hold spaces: the parent pid follows its ')'.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # exited meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    tree = [root]
    for pid in tree:
        tree.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Measured:
    seconds: float
    peak_mib: float
    stdout: str


def start(argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], memory: TreeMemory, started: float) -> Measured:
    stdout, stderr = process.communicate()
    seconds = time.monotonic() - started
    peak = memory.stop()
    if process.returncode != 0:
        sys.exit(f"benchmark step failed: {' '.join(process.args)}\n{stderr[-2000:]}")
    return Measured(seconds, peak, stdout)


def run(argv: list[str], env: dict[str, str] | None = None) -> Measured:
    started = time.monotonic()
    process = start(argv, env)
    return finish(process, TreeMemory(process.pid), started)


def module(name: str, *args: str) -> list[str]:
    return [PYTHON, "-m", name, *args]


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    if match is None:
        sys.exit(f"could not find {pattern!r} in:\n{text}")
    return float(match.group(1).replace(",", ""))


def settings(path: Path = REPO / ".local" / "stack.env") -> dict[str, str]:
    """A stack's settings, as `make up` wrote them."""
    from core.settings import parse_env_file

    return parse_env_file(path.read_text(encoding="utf-8"))


@dataclass
class SizeResult:
    posts: int
    # Each stage alone, on the same data, against its ceiling.
    emulate_seconds: float
    emulate_posts_per_s: float
    emulate_messages_per_s: float
    emulate_mb_per_s: float
    sink_busy_seconds: float
    sink_records_per_s: float
    # Both side by side, as in production: MySQL -> S3.
    end_to_end_seconds: float
    end_to_end_posts_per_s: float
    emulate_peak_mib: float
    sink_peak_mib: float
    dbt_build_seconds: float
    objects: int = 0
    producer_ceiling_messages_per_s: float = 0.0
    producer_ceiling_mb_per_s: float = 0.0
    # The emulator's read of the source tables with nothing sent: its own upper bound here.
    source_read_rows_per_s: float = 0.0
    s3_ceiling_records_per_s: float = 0.0
    ratios: dict[str, float] = field(default_factory=dict)


def producer_ceiling(env: dict[str, str], records: int, record_size: int) -> tuple[float, float]:
    """Kafka's own ProducerPerformance with the emulator's count, size, acks and codec, signed
    in as the emulator's user over the same TLS listener."""
    lane = f"bceil{uuid.uuid4().hex[:8]}"
    create_topics(env, lane)
    topic = f"{lane}.pin"
    client = java_client_file(env, "emulator")
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
            "--producer.config",
            str(client),
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
    client.unlink()
    last = result.stdout.strip().splitlines()[-1]
    return number(r"([\d.,]+) records/sec", last), number(r"\(([\d.,]+) MB/sec\)", last)


def java_client_file(env: dict[str, str], role: str) -> Path:
    """The Java client's form of a role's librdkafka properties (a private file: it holds
    the password)."""
    from ingestion.clients.kafka import config_var, parse_properties
    from standins.stack.stack_config import write_private

    ours = parse_properties(Path(env[config_var(role)]).read_text(encoding="utf-8"))
    login = "org.apache.kafka.common.security.scram.ScramLoginModule required"
    properties = {
        "security.protocol": ours["security.protocol"],
        "sasl.mechanism": ours["sasl.mechanism"],
        "sasl.jaas.config": (
            f'{login} username="{ours["sasl.username"]}" password="{ours["sasl.password"]}";'
        ),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": ours["ssl.ca.location"],
    }
    path = REPO / ".local" / "run" / f"bench-{role}-{uuid.uuid4().hex[:8]}.properties"
    write_private(path, "".join(f"{key}={value}\n" for key, value in properties.items()))
    return path


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


def lane_env(lane: str) -> dict[str, str]:
    return {
        "PINTEREST_TOPIC_PREFIX": lane,
        "SINK_TOPICS_DIR": f"bench-{lane}/topics",
        "SINK_GROUP": f"{lane}-s3-sink",
    }


def create_topics(env: dict[str, str], lane: str) -> None:
    # The sink subscribes by pattern: its topics must exist before it joins, and each Kafka
    # user may use only the prefixes the stack's administrator granted it.
    run(module("standins.stack", "grant", "--topic-prefix", lane), env)


def sink_command() -> list[str]:
    return module("ingestion.sink", "--until-idle", str(SINK_IDLE_S))


def measure_size(posts: int, env: dict[str, str]) -> SizeResult:
    run(module("standins.generate", "--rows", str(posts), "--truncate"))
    read = run([PYTHON, str(REPO / "bench" / "source_read.py")], env).stdout
    tag = f"bench{posts}x{uuid.uuid4().hex[:6]}"

    # Each stage alone: the emulator fills the topics, then the sink lands them.
    alone = lane_env(f"{tag}a")
    create_topics(env, alone["PINTEREST_TOPIC_PREFIX"])
    emulate = run(module("ingestion.emulate"), alone).stdout
    sink = run(sink_command(), alone).stdout

    # End to end: both side by side, as in production, on a fresh lane.
    both = lane_env(f"{tag}b")
    create_topics(env, both["PINTEREST_TOPIC_PREFIX"])
    started = time.monotonic()
    sink_process = start(sink_command(), both)
    sink_memory = TreeMemory(sink_process.pid)
    emulate_both = run(module("ingestion.emulate"), both)
    sink_both = finish(sink_process, sink_memory, started)
    end_to_end = sink_both.seconds - SINK_IDLE_S  # the sink's idle wait is not work
    if number(r"([\d,]+) records landed", sink_both.stdout) != number(
        r"([\d,]+) messages delivered", emulate_both.stdout
    ):
        sys.exit(f"end to end: the sink did not land every message:\n{sink_both.stdout}")

    messages = number(r"([\d,]+) messages delivered", emulate)
    megabytes = number(r"([\d.,]+) MB, in", emulate)
    emulate_seconds = number(r"in ([\d.]+) s \(", emulate)
    landed = number(r"([\d,]+) records landed", sink)
    objects = number(r"in ([\d,]+) objects", sink)
    busy = number(r"; ([\d.]+) s busy", sink)

    # dbt reads the environment only: the stack's settings, then the end-to-end lane's.
    lane = both["PINTEREST_TOPIC_PREFIX"]
    dbt_env = {
        **env,
        "PINTEREST_RAW_ROOT": f"s3a://{env['S3_BUCKET']}/bench-{lane}/topics",
        "PINTEREST_RAW_SCHEMA": f"{lane}_raw",
        "DBT_SCHEMA": lane,
        **both,
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
        sink_busy_seconds=busy,
        sink_records_per_s=landed / busy,
        end_to_end_seconds=end_to_end,
        end_to_end_posts_per_s=posts / end_to_end,
        emulate_peak_mib=emulate_both.peak_mib,
        sink_peak_mib=sink_both.peak_mib,
        dbt_build_seconds=build.seconds,
        objects=int(objects),
        source_read_rows_per_s=number(r"\(([\d,]+) rows/s\)", read),
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
        "source_read_vs_producer_ceiling": result.source_read_rows_per_s
        / result.producer_ceiling_messages_per_s,
        "emulator_vs_source_read": result.emulate_messages_per_s / result.source_read_rows_per_s,
        "sink_vs_s3_ceiling": result.sink_records_per_s / result.s3_ceiling_records_per_s,
        "sink_vs_emulator": result.sink_records_per_s / result.emulate_messages_per_s,
    }
    return result


def table(results: list[SizeResult]) -> str:
    rows = [
        (
            "posts",
            "emulator posts/s",
            "msgs/s",
            "Kafka ceiling",
            "ratio",
            "read alone",
            "sink records/s",
            "S3 ceiling",
            "ratio",
            "sink/emulator",
            "MySQL->S3 s",
            "emulator MiB",
            "sink MiB",
            "dbt build s",
        )
    ]
    for r in results:
        rows.append(
            (
                f"{r.posts:,}",
                f"{r.emulate_posts_per_s:,.0f}",
                f"{r.emulate_messages_per_s:,.0f}",
                f"{r.producer_ceiling_messages_per_s:,.0f}",
                f"{r.ratios['emulator_vs_producer_ceiling']:.2f}",
                f"{r.source_read_rows_per_s:,.0f}",
                f"{r.sink_records_per_s:,.0f}",
                f"{r.s3_ceiling_records_per_s:,.0f}",
                f"{r.ratios['sink_vs_s3_ceiling']:.2f}",
                f"{r.ratios['sink_vs_emulator']:.2f}",
                f"{r.end_to_end_seconds:.1f}",
                f"{r.emulate_peak_mib:.0f}",
                f"{r.sink_peak_mib:.0f}",
                f"{r.dbt_build_seconds:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )


def chart(results: list[SizeResult], path: Path) -> None:
    """Time against posts, log-log, for both stages; dotted: time growing as the data does."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    posts = [r.posts for r in results]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for label, seconds in (
        ("MySQL -> S3 (emulator and sink)", [r.end_to_end_seconds for r in results]),
        ("dbt build", [r.dbt_build_seconds for r in results]),
    ):
        (line,) = axes.plot(posts, seconds, marker="o", label=label)
        proportional = [seconds[0] * p / posts[0] for p in posts]
        axes.plot(posts, proportional, linestyle=":", color=line.get_color(), alpha=0.6)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("posts")
    axes.set_ylabel("seconds")
    axes.set_title("Pipeline time against posts (dotted: proportional to the data)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def machine() -> dict[str, object]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    memory = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    return {
        "cores": os.cpu_count(),
        "cpu": model.group(1) if model else "unknown",
        "memory_gib": round(int(memory.group(1)) / 2**20, 1) if memory else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="add the 1,000,000-post size")
    args = parser.parse_args()
    env = settings()
    results = []
    for posts in SIZES_FULL if args.full else SIZES_QUICK:
        print(f"measuring {posts:,} posts", file=sys.stderr, flush=True)
        results.append(measure_size(posts, env))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = RESULTS / f"{stamp}.json"
    out.write_text(
        json.dumps({"machine": machine(), "results": [asdict(r) for r in results]}, indent=2) + "\n"
    )
    chart(results, RESULTS / f"{stamp}.png")
    chart(results, REPO / "bench" / "chart.png")
    print(table(results))
    print(f"\nwritten to {out.relative_to(REPO)} and bench/chart.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
