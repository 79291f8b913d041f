"""Any one broker of the three SIGKILLed at a random moment while posts are emulated and
landed, and started again a few seconds later: the emulator finishes by itself (exit 0, no
`--resume`), the sink goes on, and S3 holds every Kafka record once by (topic, partition,
offset), every post in each topic once."""

from __future__ import annotations

import random
import time
from collections import Counter

import crash
import pytest
from landed import landed_lines
from offsets import Watermarks

from core.catalogue import TABLE_TOPICS

pytestmark = pytest.mark.fault

SENDING_SECONDS = 20
SEED = 3


def test_a_broker_killed_mid_run_loses_and_duplicates_nothing(
    cluster, cluster_lane, cluster_posts, figures
):
    lane, posts = cluster_lane, cluster_posts
    rng = random.Random(SEED)
    victim = rng.choice(cluster.stack.brokers)
    kill_after = rng.uniform(0.15, 0.6) * SENDING_SECONDS
    down_for = rng.uniform(2.0, 6.0)

    started = time.monotonic()
    emulator = lane.start("ingestion.emulate", "--rate", str(posts // SENDING_SECONDS))
    # Its topics exist: a batch sink waits for its first partitions while the group forms,
    # however long a broker (perhaps its coordinator) is away within its limit.
    sink = lane.start("ingestion.sink", "--flush-size", "500", "--until-idle", "15")
    topics = [lane.topic(suffix) for suffix in TABLE_TOPICS.values()]
    with Watermarks(lane) as marks:
        time.sleep(max(0.0, started + kill_after - time.monotonic()))
        before_kill = marks.records(*topics)
    running_before = {"emulator": emulator.poll() is None, "sink": sink.poll() is None}
    crash.kill(victim)
    running_after = {"emulator": emulator.poll() is None, "sink": sink.poll() is None}
    time.sleep(down_for)
    cluster.restore()
    back = time.monotonic()
    figures.update(
        kafka_records_before_kill=before_kill,
        running_before_kill=running_before,
        running_after_kill=running_after,
    )
    # The broker died in the middle of the work: both were at it, and Kafka held some of
    # the posts, not all.
    assert all(running_before.values()) and all(running_after.values()), running_after
    assert 0 < before_kill < 3 * posts, "the broker died before or after the emulator's work"
    _, emulator_err = emulator.communicate(timeout=900)
    emulated = time.monotonic() - started
    _, sink_err = sink.communicate(timeout=900)
    assert emulator.returncode == 0, emulator_err[-3000:]
    assert sink.returncode == 0, sink_err[-3000:]
    assert "Traceback" not in emulator_err + sink_err

    lost = duplicated = records = 0
    for suffix in TABLE_TOPICS.values():
        topic = lane.topic(suffix)
        messages = lane.consume_all(topic)
        keys = Counter(int(message.key()) for message in messages)
        assert len(keys) == posts, f"{topic}: {posts - len(keys)} posts missing in Kafka"
        assert max(keys.values()) == 1, f"{topic}: a post was written twice"
        in_kafka = Counter((m.partition(), m.offset(), m.value()) for m in messages)
        landed = landed_lines(lane, topic)
        records += sum(in_kafka.values())
        lost += sum((in_kafka - landed).values())
        duplicated += sum((landed - in_kafka).values())
    figures.update(
        posts=posts,
        broker_killed=victim.name,
        killed_after_seconds=round(kill_after, 1),
        down_seconds=round(back - started - kill_after, 1),
        emulator_exit=emulator.returncode,
        emulate_seconds=round(emulated, 1),
        records=records,
        lost=lost,
        duplicated=duplicated,
    )
    assert records == 3 * posts
    assert (lost, duplicated) == (0, 0)
