"""Stage 2: records in each topic, how far the sink group has committed, and the dead-letter
records by the topic they came from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaException, TopicPartition

from core.errors import ConfigurationError, TransientError
from ingestion.clients.kafka import create_client
from ingestion.sink.records import HEADER_TOPIC

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class TopicCounts:
    records: int
    # Records before the group's committed offsets (0 where it committed nothing).
    committed: int


def count_topics(config: dict[str, Any], topics: list[str], group: str) -> dict[str, TopicCounts]:
    """Counts per topic. `group` is only read: no consumer joins it."""
    consumer = create_client(Consumer, {**config, "group.id": group, "log_level": 0})
    try:
        known = consumer.list_topics(timeout=TIMEOUT_S).topics
        counts = {}
        for topic in topics:
            if topic not in known:
                raise ConfigurationError(f"topic {topic} does not exist: run the emulator first")
            partitions = [TopicPartition(topic, p) for p in sorted(known[topic].partitions)]
            committed = consumer.committed(partitions, timeout=TIMEOUT_S)
            records = done = 0
            for position in committed:
                low, high = consumer.get_watermark_offsets(position, timeout=TIMEOUT_S)
                records += high - low
                if position.offset != OFFSET_INVALID:
                    done += max(0, position.offset - low)
            counts[topic] = TopicCounts(records, done)
        return counts
    except KafkaException as exc:
        raise TransientError(f"cannot read offsets from Kafka: {exc.args[0].str()}") from None
    finally:
        consumer.close()


def count_dead_letters(config: dict[str, Any], dlq_topic: str) -> Counter[str]:
    """Dead-letter records by original topic (Connect's header), read from start to end."""
    consumer = create_client(
        Consumer,
        {**config, "group.id": "reconcile", "enable.auto.commit": False, "log_level": 0},
    )
    origins: Counter[str] = Counter()
    try:
        known = consumer.list_topics(timeout=TIMEOUT_S).topics
        if dlq_topic not in known:
            return origins
        remaining = {}
        for partition in known[dlq_topic].partitions:
            low, high = consumer.get_watermark_offsets(
                TopicPartition(dlq_topic, partition), timeout=TIMEOUT_S
            )
            if high > low:
                remaining[partition] = (low, high)
        consumer.assign([TopicPartition(dlq_topic, p, low) for p, (low, _) in remaining.items()])
        while remaining:
            message = consumer.poll(TIMEOUT_S)
            if message is None:
                raise TransientError(f"reading {dlq_topic} stalled: is the broker up?")
            if message.error():
                continue
            headers = dict(message.headers() or [])
            origin = headers.get(HEADER_TOPIC, b"").decode("utf-8", "replace")
            origins[origin or "(no origin header)"] += 1
            if message.offset() + 1 >= remaining[message.partition()][1]:
                del remaining[message.partition()]
        return origins
    except KafkaException as exc:
        raise TransientError(f"cannot read {dlq_topic}: {exc.args[0].str()}") from None
    finally:
        consumer.close()
