"""Sinks in one consumer group on the cluster, while posts keep arriving: the group grows from
one sink to three, one of the three is SIGKILLed and started again at 10 random moments while
the others land, then it shrinks back to one. S3 holds every Kafka record exactly once, and an
object written twice (by a sink that took over a killed one's partitions) is byte-identical."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter

import crash
import pytest
from landed import landed_lines
from listeners import socket_inodes

from core.catalogue import TABLE_TOPICS

pytestmark = pytest.mark.fault

SENDING_SECONDS = 40
KILLS = 10
SEED = 11
# Objects cut by size only, so that an object is a function of its records.
FLUSH_SIZE = "200"


def test_three_sinks_killed_and_scaled_land_every_record_once(cluster_lane, cluster_posts, figures):
    lane, posts = cluster_lane, cluster_posts
    rng = random.Random(SEED)
    seen: dict[str, bytes] = {}

    def check_objects() -> None:
        for key, body in lane.objects().items():
            assert seen.setdefault(key, body) == body, f"{key} was rewritten differently"

    def sink(name: str) -> subprocess.Popen[str]:
        # A sink stops by itself once nothing has arrived for 15 s (after the emulator).
        args = ("--flush-size", FLUSH_SIZE, "--instance-id", name, "--until-idle", "15")
        return lane.start("ingestion.sink", *args)

    started = time.monotonic()
    emulator = lane.start("ingestion.emulate", "--rate", str(posts // SENDING_SECONDS))
    sinks = {"a": sink("sink-a")}
    time.sleep(0.1 * SENDING_SECONDS)
    sinks |= {"b": sink("sink-b"), "c": sink("sink-c")}  # 1 -> 3
    moments = sorted(rng.uniform(0.15, 0.7) * SENDING_SECONDS for _ in range(KILLS))
    killed: list[str] = []
    kills_while_emulating = 0
    for moment in moments:
        time.sleep(max(0.0, started + moment - time.monotonic()))
        name = rng.choice(sorted(sinks))
        crash.kill_running(sinks[name])
        killed.append(name)
        # Records were still arriving when it died: the emulator was still sending.
        kills_while_emulating += emulator.poll() is None
        check_objects()
        time.sleep(rng.uniform(0.0, 1.0))
        sinks[name] = sink(f"sink-{name}")
    time.sleep(max(0.0, started + 0.75 * SENDING_SECONDS - time.monotonic()))
    for name in ("b", "c"):  # 3 -> 1: stopped as Ctrl-C would; their partitions go to a
        # A sink restarted a moment ago may still be importing Python modules, where Ctrl-C
        # is a traceback: stop it once it runs (it has opened its connections).
        deadline = time.monotonic() + 60
        while not socket_inodes(sinks[name].pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        sinks[name].send_signal(signal.SIGINT)
        _, err = sinks.pop(name).communicate(timeout=120)
        assert "Traceback" not in err, err[-3000:]
    _, emulator_err = emulator.communicate(timeout=900)
    assert emulator.returncode == 0, emulator_err[-3000:]
    figures.update(kills_while_emulating=kills_while_emulating)
    assert kills_while_emulating == KILLS, "a sink was killed after the emulator had finished"
    _, err = sinks["a"].communicate(timeout=900)
    assert sinks["a"].returncode == 0, err[-3000:]
    # Whatever the last one left (it stops once idle, maybe before its partitions came back).
    rest = lane.start(
        "ingestion.sink", "--flush-size", FLUSH_SIZE, "--instance-id", "sink-a", "--until-idle", "5"
    )
    _, err = rest.communicate(timeout=900)
    assert rest.returncode == 0, err[-3000:]
    check_objects()

    lost = duplicated = records = 0
    for suffix in TABLE_TOPICS.values():
        topic = lane.topic(suffix)
        in_kafka = Counter((m.partition(), m.offset(), m.value()) for m in lane.consume_all(topic))
        landed = landed_lines(lane, topic)
        records += sum(in_kafka.values())
        lost += sum((in_kafka - landed).values())
        duplicated += sum((landed - in_kafka).values())
    figures.update(
        posts=posts,
        kills=Counter(killed),
        objects=len(seen),
        seconds=round(time.monotonic() - started, 1),
        records=records,
        lost=lost,
        duplicated=duplicated,
    )
    assert records == 3 * posts
    assert (lost, duplicated) == (0, 0)
