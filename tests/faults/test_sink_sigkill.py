"""SIGKILL the sink at random moments while it lands, restart it each time, and check that S3
holds every Kafka record exactly once, and that an object rewritten by a restart is
byte-identical."""

from __future__ import annotations

import random
import time
from collections import Counter

import crash
import pytest
from landed import landed_lines
from listeners import socket_inodes

from core.catalogue import TABLE_TOPICS

pytestmark = pytest.mark.fault

KILLS = 20
SEED = 20


def land_the_rest_and_count(run, lane, sink_args, seen, figures) -> tuple[int, int, int, int]:
    """A last sink run lands what the killed ones left; every object seen before is unchanged.
    Returns (records in Kafka, objects, of the records not landed, landed more than once), by
    (partition, offset, value) over the lane's topics, and puts them in `figures`."""
    final = run("ingestion.sink", *sink_args, "--until-idle", "5", env=lane.env)
    assert final.returncode == 0, final.stderr
    objects = lane.objects()
    for key, body in seen.items():
        assert objects[key] == body, f"{key} changed after the restart"
    lost = duplicated = in_kafka_total = 0
    for suffix in TABLE_TOPICS.values():
        topic = lane.topic(suffix)
        in_kafka = Counter((m.partition(), m.offset(), m.value()) for m in lane.consume_all(topic))
        landed = landed_lines(lane, topic)
        in_kafka_total += sum(in_kafka.values())
        lost += sum((in_kafka - landed).values())
        duplicated += sum((landed - in_kafka).values())
    figures.update(records=in_kafka_total, objects=len(objects), lost=lost, duplicated=duplicated)
    return in_kafka_total, len(objects), lost, duplicated


def test_sink_killed_at_random_moments_lands_every_record_once(run, lane, fault_posts, figures):
    emulated = run("ingestion.emulate", env=lane.env, timeout=900)
    assert emulated.returncode == 0, emulated.stderr
    records = 3 * fault_posts
    # Small objects, so that each kill lands between many of them.
    flush_size = max(50, records // 600)
    expected_objects = records // flush_size
    rng = random.Random(SEED)
    moments = sorted(rng.uniform(0.02, 0.95) for _ in range(KILLS))
    seen: dict[str, bytes] = {}
    at_kills: list[int] = []  # the objects landed when each kill struck
    figures.update(objects_at_kills=at_kills)
    started = time.monotonic()
    for moment in moments:
        sink = lane.start("ingestion.sink", "--flush-size", str(flush_size))
        deadline = time.monotonic() + 120
        while lane.count_objects() < moment * expected_objects:
            assert sink.poll() is None, "the sink exited before it was killed"
            assert time.monotonic() < deadline, "the sink did not land"
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.3))
        crash.kill_running(sink)
        landed = lane.objects()
        at_kills.append(len(landed))
        for key, body in landed.items():
            assert seen.setdefault(key, body) == body, f"{key} was rewritten differently"
    # Objects only accumulate: the last kill, and so every one, struck before all had landed.
    assert 0 < len(seen) < expected_objects, "the kills did not land mid-stream"

    in_kafka, _, lost, duplicated = land_the_rest_and_count(
        run, lane, ["--flush-size", str(flush_size)], seen, figures
    )
    figures.update(posts=fault_posts, trials=KILLS, seconds=round(time.monotonic() - started, 1))
    assert in_kafka == records
    assert (lost, duplicated) == (0, 0)


def test_sink_killed_with_wall_clock_rotation_lands_every_record_once(
    run, lane, fault_posts, figures
):
    """Objects cut by the wall clock (the latency bound of the live pipeline) are not a pure
    function of the records, yet a restart never rewrites one: it finds the object a killed
    run uploaded but did not commit, and goes on after it."""
    rotation = ("--rotate-schedule-interval-ms", "200", "--flush-size", "1000000")
    # Records keep arriving while the sink is killed and restarted, as in a live pipeline.
    rate = 500 if fault_posts == 11_154 else 2_500
    emulator = lane.start("ingestion.emulate", "--rate", str(rate))
    rng = random.Random(SEED)
    seen: dict[str, bytes] = {}
    kills = kills_while_emulating = 0
    started = time.monotonic()
    while emulator.poll() is None and kills < 40:
        sink = lane.start("ingestion.sink", *rotation)
        # Killed a random while after it has started (opened its connections): starting
        # Python and signing in take a second or two of their own on a busy machine.
        deadline = time.monotonic() + 60
        while not socket_inodes(sink.pid):
            assert sink.poll() is None, "the sink exited before it was killed"
            assert time.monotonic() < deadline, "the sink opened no connection in 60 s"
            time.sleep(0.05)
        time.sleep(rng.uniform(1.5, 3.0))
        crash.kill_running(sink)
        kills += 1
        # Records were still arriving when it died: the emulator was still sending.
        kills_while_emulating += emulator.poll() is None
        for key, body in lane.objects().items():
            assert seen.setdefault(key, body) == body, f"{key} was rewritten differently"
    assert emulator.wait(timeout=300) == 0, emulator.stderr.read() if emulator.stderr else ""
    figures.update(kills_while_emulating=kills_while_emulating)
    assert kills_while_emulating >= 5 and seen, "the kills did not land mid-stream"

    in_kafka, objects, lost, duplicated = land_the_rest_and_count(
        run, lane, list(rotation), seen, figures
    )
    figures.update(posts=fault_posts, trials=kills, seconds=round(time.monotonic() - started, 1))
    assert in_kafka == 3 * fault_posts
    # The wall clock cut the objects: far more of them than one per partition and trial.
    assert objects > 5 * 9
    assert (lost, duplicated) == (0, 0)
