"""Stop SeaweedFS while the sink lands, start it again, and check that the sink rode out the
outage: it committed nothing it had not landed and then landed every record exactly once."""

from __future__ import annotations

import time
import uuid
from collections import Counter

import pytest
from confluent_kafka import Consumer, TopicPartition
from landed import landed_lines

from core.catalogue import TABLE_TOPICS

pytestmark = pytest.mark.fault

OUTAGE_SECONDS = 8


def committed_offsets(lane) -> dict[tuple[str, int], int]:
    """The sink group's committed offset of each partition (read only: it joins nothing)."""
    group = lane.env["SINK_GROUP"]
    consumer = Consumer(lane.kafka("reader", **{"group.id": group}))
    partitions = [
        TopicPartition(lane.topic(suffix), p)
        for suffix in TABLE_TOPICS.values()
        for p in range(int(lane.settings.require("PINTEREST_TOPIC_PARTITIONS")))
    ]
    committed = consumer.committed(partitions, timeout=10)
    consumer.close()
    return {(tp.topic, tp.partition): tp.offset for tp in committed if tp.offset >= 0}


def test_s3_outage_while_sinking_is_ridden_out(run, lane, fault_posts, figures, faults):
    emulated = run("ingestion.emulate", env=lane.env, timeout=900)
    assert emulated.returncode == 0, emulated.stderr
    records = 3 * fault_posts
    flush_size = max(50, records // 600)
    sink = lane.start(
        "ingestion.sink",
        "--flush-size",
        str(flush_size),
        "--until-idle",
        "5",
        "--instance-id",
        f"outage-{uuid.uuid4().hex[:6]}",
    )
    deadline = time.monotonic() + 120
    while lane.count_objects() < 0.3 * records / flush_size:
        assert time.monotonic() < deadline and sink.poll() is None, "the sink did not land"
        time.sleep(0.05)
    landed_before = lane.count_objects()
    running_before = sink.poll() is None
    faults.stop(faults.stack.seaweedfs)
    running_after = sink.poll() is None
    time.sleep(OUTAGE_SECONDS)
    committed_in_outage = committed_offsets(lane)
    faults.restore()
    # It waited the outage out (boto3's own backoff first, then the sink's) instead of
    # failing or giving up.
    running_through = sink.poll() is None
    figures.update(
        objects_before_outage=landed_before,
        sink_running_before_stop=running_before,
        sink_running_after_stop=running_after,
        committed_during_outage=sum(committed_in_outage.values()),
    )
    assert running_before and running_after, "the sink had exited when S3 stopped"
    assert running_through, "the sink exited during the outage"
    # Some records landed and committed, not all: S3 went down in the middle of the work.
    assert landed_before > 0, "S3 stopped before the sink landed anything"
    committed = sum(committed_in_outage.values())
    assert 0 < committed < records, f"{committed:,} of {records:,} committed in the outage"
    _, err = sink.communicate(timeout=900)
    assert sink.returncode == 0, err
    assert landed_before < lane.count_objects(), "the sink had finished before the outage"

    lost = duplicated = 0
    for suffix in TABLE_TOPICS.values():
        topic = lane.topic(suffix)
        in_kafka = Counter((m.partition(), m.offset(), m.value()) for m in lane.consume_all(topic))
        landed = landed_lines(lane, topic)
        lost += sum((in_kafka - landed).values())
        duplicated += sum((landed - in_kafka).values())
        # What was committed while S3 was down had been landed before it went down.
        offsets = {(partition, offset) for partition, offset, _ in landed}
        for (committed_topic, partition), offset in committed_in_outage.items():
            if committed_topic == topic:
                assert all((partition, o) in offsets for o in range(offset)), (topic, partition)
    retries = err.count("retrying in")  # the sink's own retries, after boto3's
    figures.update(
        posts=fault_posts,
        records=records,
        outage_seconds=OUTAGE_SECONDS,
        retries_logged=retries,
        lost=lost,
        duplicated=duplicated,
    )
    assert (lost, duplicated) == (0, 0)
