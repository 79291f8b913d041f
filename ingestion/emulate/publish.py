"""Send rows to Kafka and know, from the delivery reports, which keys are safely stored."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

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


# How long a run waits at its end for the last delivery reports.
FLUSH_TIMEOUT_S = 60.0


class Batch:
    """Messages tracked as one unit (a post's rows, or a page of a table): delivered when each
    of them is. Counting per batch rather than per message keeps the delivery callback to an
    increment."""

    __slots__ = ("_tracker", "closed", "failed", "last_key", "reported", "sent")

    def __init__(self, tracker: DeliveryTracker) -> None:
        self._tracker = tracker
        self.sent = 0
        self.reported = 0
        self.failed = 0
        self.last_key: int | None = None
        self.closed = False

    def report(self, error: KafkaError | str | None, _message: Message | None = None) -> None:
        """A delivery report: from Kafka, or a REST endpoint's error text."""
        self.reported += 1
        if error is None:
            self._tracker.delivered += 1
        else:
            self.failed += 1
            self._tracker.failed += 1
            if self._tracker.first_error is None:
                self._tracker.first_error = error if isinstance(error, str) else error.str()

    def close(self) -> None:
        """No more messages will join the batch."""
        self.closed = True


class DeliveryTracker:
    """The watermark is the last key of the last batch such that it and every batch opened
    before it are closed and had all their messages delivered: a checkpoint that never skips
    an unacknowledged message, whatever order the reports come in."""

    def __init__(self) -> None:
        self._open: deque[Batch] = deque()
        self.watermark: int | None = None
        self.delivered = 0
        self.failed = 0
        self.first_error: str | None = None

    def batch(self) -> Batch:
        batch = Batch(self)
        self._open.append(batch)
        return batch

    def advance(self) -> None:
        """Move the watermark past every finished batch at the head."""
        batches = self._open
        while batches:
            head = batches[0]
            if not head.closed or head.failed or head.reported < head.sent:
                return
            batches.popleft()
            if head.last_key is not None:
                self.watermark = head.last_key


def encode_key(key: int) -> bytes:
    return str(key).encode("ascii")


class PostPublisher(ABC):
    """Sends rows as messages, by some transport, and tracks their delivery."""

    def __init__(self, topics: Mapping[str, str]) -> None:
        """topics: source table -> topic."""
        self._topics = dict(topics)
        self.tracker = DeliveryTracker()
        self.value_bytes = 0
        # Why the transport stopped for good, if it did.
        self.fatal: str | None = None

    @abstractmethod
    def produce(self, batch: Batch, table: str, key: int, value: bytes) -> None:
        """Queue one row's message as part of `batch`; may block while the transport is full."""

    @abstractmethod
    def poll(self) -> None:
        """Serve delivery reports that arrived, and advance the watermark."""

    @abstractmethod
    def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> int:
        """Wait for outstanding delivery reports; returns the number still outstanding."""

    def publish(self, post: Post) -> int:
        """Queue the post's messages as one batch; returns how many."""
        batch = self.tracker.batch()
        for table, row in post.rows.items():
            if row is not None:
                self.produce(batch, table, post.key, row)
        batch.last_key = post.key
        batch.close()
        return batch.sent


class ProducerFailed(Exception):
    """Kafka stopped the producer for good (a fatal error, such as a user without the right
    to write): nothing more can be sent by it."""


class Publisher(PostPublisher):
    """Over Kafka's own protocol."""

    def __init__(self, config: Mapping[str, Any], topics: Mapping[str, str]) -> None:
        super().__init__(topics)
        self._producer = Producer(dict(config))

    def _serve(self, call: Callable[[], int]) -> int:
        """Run a producer call that serves callbacks. A fatal error is raised from it once;
        when a delivery report is served at the same moment, the client library raises a
        SystemError instead, and the fatal error's text is the one seen before."""
        if self.fatal is not None:
            raise ProducerFailed(self.fatal)
        try:
            return call()
        except KafkaException as exc:
            self.fatal = exc.args[0].str()
        except SystemError:
            self.fatal = "the Kafka producer failed fatally"
        raise ProducerFailed(self.fatal)

    def produce(self, batch: Batch, table: str, key: int, value: bytes) -> None:
        """Queue one row's message as part of `batch`. Blocks briefly while the local queue is
        full instead of dropping anything. Delivery reports are served by `poll`, which the
        caller runs every so often: once per message would cost more than the message."""
        batch.sent += 1
        batch.last_key = key
        self.value_bytes += len(value)
        topic = self._topics[table]
        encoded_key = encode_key(key)
        while True:
            try:
                self._producer.produce(topic, value, encoded_key, on_delivery=batch.report)
                return
            except BufferError:
                self._serve(lambda: self._producer.poll(0.05))

    def poll(self) -> None:
        self._serve(lambda: self._producer.poll(0))
        self.tracker.advance()

    def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> int:
        """After a fatal error, what was queued has been purged (and reported as failed)."""
        if self.fatal is not None:
            remaining = self._producer.flush(0)
        else:
            try:
                remaining = self._serve(lambda: self._producer.flush(timeout))
            except ProducerFailed:
                remaining = self._producer.flush(0)
        self.tracker.advance()
        return remaining
