"""The sink against the real stack: poison records, bad input, layout details."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

from ingestion.sink.records import HEADER_ERROR, HEADER_OFFSET, HEADER_PARTITION, HEADER_TOPIC

GOOD = [b'{"index":1,"title":"first"}', b'{"index":2,"title":"caf\xc3\xa9"}', b'{"index":3}']
POISON = {
    None: "value is null",
    b"\xff\xfe\xfd": "value is not UTF-8",
    b"not json at all": "value is not JSON",
    b'{"index": 4': "value is not JSON",
    b"[1, 2, 3]": "value is a JSON list, not an object",
    b'{"index":\n5}': "value spans several lines",
}

# A made-up S3 secret that the stack's key does not have; never echoed.
WRONG_SECRET = "NotTheSecret123"  # pragma: allowlist secret


def produce(lane, topic, values, key=b"same-partition"):
    producer = Producer(lane.kafka("emulator", **{"enable.idempotence": True}))
    for value in values:
        producer.produce(topic, value=value, key=key)
    assert producer.flush(10) == 0


def test_poison_records_are_dead_lettered_and_good_ones_landed(run, lane):
    pin = lane.topic("pin")
    sequence = [GOOD[0], *list(POISON)[:3], GOOD[1], *list(POISON)[3:], GOOD[2]]
    produce(lane, pin, sequence)

    result = run("ingestion.sink", "--until-idle", "4", env=lane.env)
    assert result.returncode == 0, result.stderr
    assert f"{len(POISON)} dead-lettered" in result.stdout

    landed = b"".join(lane.objects(pin).values())
    assert landed == b"\n".join(GOOD) + b"\n"

    dead = lane.consume_all(lane.topic("dlq"))
    assert len(dead) == len(POISON)
    poison_offsets = [offset for offset, value in enumerate(sequence) if value not in GOOD]
    for message, offset, (value, error) in zip(dead, poison_offsets, POISON.items(), strict=True):
        headers = dict(message.headers())
        assert headers[HEADER_TOPIC] == pin.encode()
        assert headers[HEADER_OFFSET] == str(offset).encode()
        assert headers[HEADER_PARTITION] == str(json.loads(message.value())["partition"]).encode()
        assert headers[HEADER_ERROR] == error.encode()
        envelope = json.loads(message.value())
        original = (
            None if envelope["value_base64"] is None else base64.b64decode(envelope["value_base64"])
        )
        assert original == value
        assert envelope["offset"] == offset

    # The dead-letter topic is landed too, in the same layout, as valid JSON lines.
    dlq_lines = b"".join(lane.objects(lane.topic("dlq")).values())[:-1].split(b"\n")
    assert sorted(json.loads(line)["offset"] for line in dlq_lines) == poison_offsets


def committed(lane, group: str, topic: str) -> int:
    """Records of the topic before the group's committed offsets (read only)."""
    consumer = Consumer(lane.kafka("reader", **{"group.id": group}))
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    offsets = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
    consumer.close()
    return sum(max(tp.offset, 0) for tp in offsets)


def test_the_prefix_flag_decides_the_topics_and_the_group(run, lane):
    """Another prefix in the environment (the stack's, whose topics the sink's user may
    read too): `--topic-prefix` alone decides what is landed and the group that commits."""
    produce(lane, lane.topic("pin"), GOOD)
    env = {**lane.env, "PINTEREST_TOPIC_PREFIX": "pinterest"}
    del env["SINK_GROUP"]
    result = run("ingestion.sink", "--topic-prefix", lane.prefix, "--until-idle", "4", env=env)
    assert result.returncode == 0, result.stderr
    assert f"({lane.prefix}.pin 3)" in result.stdout
    assert {key.split("/")[2] for key in lane.objects()} == {lane.topic("pin")}
    assert committed(lane, f"{lane.prefix}-s3-sink", lane.topic("pin")) == 3


def test_rerun_with_nothing_new_lands_nothing(run, lane):
    produce(lane, lane.topic("geo"), GOOD)
    first = run("ingestion.sink", "--until-idle", "3", env=lane.env)
    assert "3 records landed" in first.stdout
    before = lane.objects()
    second = run("ingestion.sink", "--until-idle", "3", env=lane.env)
    assert second.returncode == 0, second.stderr
    assert "0 records landed" in second.stdout
    assert lane.objects() == before


def test_record_timestamps_rotate_objects_deterministically(run, lane):
    producer = Producer(lane.kafka("emulator"))
    for index, timestamp in enumerate([1_000, 1_500, 2_100, 2_200, 5_000]):
        producer.produce(
            lane.topic("user"), value=b'{"ind":%d}' % index, key=b"k", timestamp=timestamp
        )
    producer.flush(10)
    result = run(
        "ingestion.sink", "--rotate-interval-ms", "1000", "--until-idle", "3", env=lane.env
    )
    assert result.returncode == 0, result.stderr
    bodies = [body.count(b"\n") for _, body in sorted(lane.objects().items())]
    assert bodies == [2, 2, 1]


def assert_one_clear_line(result, code, *fragments, secret=None):
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    for fragment in fragments:
        assert fragment in last, last
    if secret:
        assert secret not in result.stdout + result.stderr


def test_help(run):
    result = run("ingestion.sink", "--help")
    assert result.returncode == 0
    for flag in ("--group", "--topics-regex", "--flush-size", "--until-idle", "SINK_FLUSH_SIZE"):
        assert flag in result.stdout
    # Derived defaults are told as what they derive from, not as the environment's value.
    text = " ".join(result.stdout.split())
    assert "default: <prefix>-s3-sink" in text
    assert "default: <prefix>\\..*" in text


def test_missing_bucket(run, lane):
    result = run(
        "ingestion.sink", "--until-idle", "1", env={**lane.env, "S3_BUCKET": "no-such-bucket-here"}
    )
    assert_one_clear_line(result, 1, "bucket no-such-bucket-here does not exist", "S3_BUCKET")


def test_wrong_s3_secret(run, lane):
    result = run(
        "ingestion.sink",
        "--until-idle",
        "1",
        env={**lane.env, "S3_SECRET_ACCESS_KEY": WRONG_SECRET},
    )
    assert_one_clear_line(result, 1, "refused access", "S3_SECRET_ACCESS_KEY", secret=WRONG_SECRET)


def test_bad_flags(run):
    assert_one_clear_line(run("ingestion.sink", "--flush-size", "0"), 2, "positive integer")
    assert_one_clear_line(
        run("ingestion.sink", "--topics-regex", "(unclosed"), 2, "not a regular expression"
    )
    assert_one_clear_line(run("ingestion.sink", "--unknown"), 2, "unrecognized arguments")


def test_unreachable_broker(run, lane):
    result = run("ingestion.sink", "--bootstrap-servers", "127.0.0.1:1", env=lane.env)
    assert_one_clear_line(result, 1, "cannot reach Kafka at 127.0.0.1:1")


def test_sigterm_lands_the_files_in_hand(lane):
    produce(lane, lane.topic("pin"), GOOD)
    sink = subprocess.Popen(
        [sys.executable, "-m", "ingestion.sink"],  # a service: flush size not reached
        env={**os.environ, **lane.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(6)  # joined the group and consumed the three records by now
    assert lane.count_objects() == 0, "a service must not land before the flush size"
    sink.send_signal(signal.SIGTERM)
    out, err = sink.communicate(timeout=60)
    assert sink.returncode == 130, err
    assert "Traceback" not in err
    assert "3 records landed" in out
    assert b"".join(lane.objects(lane.topic("pin")).values()) == b"\n".join(GOOD) + b"\n"
