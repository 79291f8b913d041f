"""Kafka's own count of what topics hold, from their partitions' watermarks, read as a lane's
reader user: the records a topic holds (high - low), or its end offsets (the sum of its high
watermarks, which only a write moves)."""

from __future__ import annotations

import subprocess
import time
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

PASSING_ERRORS = {
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    KafkaError.UNKNOWN_TOPIC_OR_PART,
}


class Watermarks:
    """One reader consumer for many reads (a test watching work go by). A topic just created
    (or a broker just restarted) answers "not leader" for a moment: that is retried for up to
    `patience` seconds, not counted."""

    def __init__(self, lane: Any, patience: float = 30.0) -> None:
        self._consumer = Consumer(lane.kafka("reader", **{"group.id": lane.reader_group}))
        self._patience = patience

    def __enter__(self) -> Watermarks:
        return self

    def __exit__(self, *_: object) -> None:
        self._consumer.close()

    def of(self, topic: str) -> list[tuple[int, int]]:
        """(low, high) of each partition of the topic."""
        deadline = time.monotonic() + self._patience
        while True:
            try:
                partitions = self._consumer.list_topics(topic, timeout=10).topics[topic].partitions
                return [
                    self._consumer.get_watermark_offsets(TopicPartition(topic, p), 10)
                    for p in sorted(partitions)
                ]
            except KafkaException as exc:
                error = exc.args[0]
                passing = error.retriable() or error.code() in PASSING_ERRORS
                if not passing or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def records(self, *topics: str) -> int:
        return sum(high - low for topic in topics for low, high in self.of(topic))

    def end(self, *topics: str) -> int:
        return sum(high for topic in topics for _, high in self.of(topic))

    def await_records(
        self, topics: list[str], at_least: int, worker: subprocess.Popen[str], timeout: float = 120
    ) -> int:
        """Wait until the topics hold `at_least` records, the worker writing them still running
        all along; returns the count reached."""
        deadline = time.monotonic() + timeout
        while (count := self.records(*topics)) < at_least:
            assert worker.poll() is None, f"the worker exited after {count:,} records"
            assert time.monotonic() < deadline, f"{count:,} records after {timeout:.0f} s"
            time.sleep(0.05)
        return count


def end_offsets(lane: Any, *topics: str, patience: float = 30.0) -> int:
    """The sum of the topics' high watermarks: what a write to them moves."""
    with Watermarks(lane, patience) as marks:
        return marks.end(*topics)
