"""Send posts to Kafka and know, from the delivery reports, which posts are safely stored."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from ingestion.emulate.encode import encode_key, encode_row
from ingestion.emulate.source import Post

# Tuned for throughput with no loss: idempotence keeps retries from duplicating or reordering,
# acks=all waits for every in-sync replica, batching and lz4 cut requests and bytes.
PRODUCER_DEFAULTS: dict[str, str | int | bool] = {
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 20,
    "batch.size": 1_000_000,
    "batch.num.messages": 10_000,
    "compression.type": "lz4",
    "queue.buffering.max.messages": 500_000,
    "queue.buffering.max.kbytes": 1_048_576,
    # The Java client's partitioner, so keys land where Java producers (Connect, the REST
    # Proxy) would put them.
    "partitioner": "murmur2_random",
}


class DeliveryTracker:
    """Counts delivery reports per post. The watermark is the key of the last post such that
    it and every post sent before it had all their messages acknowledged: a checkpoint that
    never skips an unacknowledged post."""

    def __init__(self) -> None:
        self._outstanding: dict[int, int] = {}  # sequence number -> messages not yet reported
        self._keys: dict[int, int] = {}
        self._order: deque[int] = deque()
        self._failed: set[int] = set()
        self._next_seq = 0
        self.watermark: int | None = None
        self.delivered = 0
        self.failed = 0
        self.first_error: str | None = None

    def sent(self, key: int, messages: int) -> int:
        seq = self._next_seq
        self._next_seq += 1
        self._outstanding[seq] = messages
        self._keys[seq] = key
        self._order.append(seq)
        return seq

    def reported(self, seq: int, error: KafkaError | None) -> None:
        if error is None:
            self.delivered += 1
        else:
            self.failed += 1
            self._failed.add(seq)
            self.first_error = self.first_error or error.str()
        self._outstanding[seq] -= 1
        self._advance()

    def _advance(self) -> None:
        order = self._order
        while order and self._outstanding[order[0]] == 0 and order[0] not in self._failed:
            seq = order.popleft()
            del self._outstanding[seq]
            self.watermark = self._keys.pop(seq)

    @property
    def in_flight(self) -> int:
        return sum(self._outstanding.values())


class Publisher:
    def __init__(self, config: Mapping[str, Any], topics: Mapping[str, str]) -> None:
        """topics: source table -> topic."""
        self._producer = Producer(dict(config))
        self._topics = dict(topics)
        self.tracker = DeliveryTracker()
        self.value_bytes = 0

    def publish(self, post: Post) -> int:
        """Queue the post's messages; returns how many. Blocks briefly while the local queue is
        full instead of dropping anything."""
        rows = [(table, row) for table, row in post.rows.items() if row is not None]
        seq = self.tracker.sent(post.key, len(rows))
        key = encode_key(post.key)

        def report(error: KafkaError | None, _message: Message) -> None:
            self.tracker.reported(seq, error)

        for table, row in rows:
            value = encode_row(row)
            self.value_bytes += len(value)
            while True:
                try:
                    self._producer.produce(self._topics[table], value, key, on_delivery=report)
                    break
                except BufferError:
                    self._producer.poll(0.05)
        self._producer.poll(0)
        return len(rows)

    def flush(self, timeout: float) -> int:
        """Wait for outstanding delivery reports; returns the number still outstanding."""
        return self._producer.flush(timeout)
