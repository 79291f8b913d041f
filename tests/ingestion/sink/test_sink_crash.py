"""SIGKILL the sink while it lands, restart it, and check that S3 holds every Kafka record
exactly once and that objects rewritten by a restart are byte-identical."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time

from ingestion.topics import TABLE_TOPICS

FLUSH_SIZE = 50


def landed_records(lane, topic):
    """(partition, offset) -> line, from the objects' names and contents."""
    name = re.compile(rf".*/partition=(\d+)/{re.escape(topic)}\+\d+\+(\d{{10}})\.json")
    records = {}
    for key, body in lane.objects(topic).items():
        match = name.fullmatch(key)
        partition, start = int(match.group(1)), int(match.group(2))
        for index, line in enumerate(body[:-1].split(b"\n")):
            position = (partition, start + index)
            assert position not in records, f"offset {position} landed twice"
            records[position] = line
    return records


def test_sigkill_mid_stream_loses_and_duplicates_nothing(run, lane, source_rows):
    assert run("ingestion.emulate", env=lane.env).returncode == 0
    expected_objects = 33_462 // FLUSH_SIZE
    rng = random.Random(20)
    seen: dict[str, bytes] = {}
    kills = 0
    for target in (0.1, 0.3, 0.5, 0.7, 0.85):
        sink = subprocess.Popen(
            [sys.executable, "-m", "ingestion.sink", "--flush-size", str(FLUSH_SIZE)],
            env={**os.environ, **lane.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while lane.count_objects() < target * expected_objects and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(rng.uniform(0, 0.3))
        sink.send_signal(signal.SIGKILL)
        sink.wait()
        kills += 1
        for key, body in lane.objects().items():
            assert seen.setdefault(key, body) == body, f"{key} was rewritten differently"
    assert 0 < len(seen) < expected_objects, "the kills did not land mid-stream"

    final = run(
        "ingestion.sink", "--flush-size", str(FLUSH_SIZE), "--until-idle", "3", env=lane.env
    )
    assert final.returncode == 0, final.stderr
    objects = lane.objects()
    for key, body in seen.items():
        assert objects[key] == body, f"{key} changed after the restart"
    for suffix in TABLE_TOPICS.values():
        topic = lane.topic(suffix)
        in_kafka = {(m.partition(), m.offset()): m.value() for m in lane.consume_all(topic)}
        assert len(in_kafka) == 11_154
        assert landed_records(lane, topic) == in_kafka
    assert kills == 5
