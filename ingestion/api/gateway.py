"""The API's side of Kafka: one idempotent producer whose delivery reports resolve asyncio
futures, and the topic metadata the routes need."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, TopicMetadata
from starlette.concurrency import run_in_threadpool

from ingestion.api.errors import KAFKA_ERROR, KAFKA_RETRIABLE_ERROR, kafka_unavailable
from ingestion.kafka_client import create_client

log = logging.getLogger("ingestion.api")

# What the REST Proxy's producer does by default, plus the Java client's partitioner so that a
# key lands in the same partition whichever path it took.
PRODUCER_DEFAULTS: dict[str, Any] = {
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 5,
    "compression.type": "lz4",
    "partitioner": "murmur2_random",
    # A request waits for its records' reports: bound that wait well below client timeouts.
    "delivery.timeout.ms": 30_000,
}
METADATA_TIMEOUT_S = 3.0
METADATA_TTL_S = 10.0
ANY_PARTITION = -1  # librdkafka's RD_KAFKA_PARTITION_UA: let the partitioner choose


@dataclass(frozen=True)
class Delivery:
    """One record's outcome, as the REST Proxy reports it in `offsets`."""

    partition: int | None
    offset: int | None
    error_code: int | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        # By hand: dataclasses.asdict was a tenth of the API's CPU under load.
        return {
            "partition": self.partition,
            "offset": self.offset,
            "error_code": self.error_code,
            "error": self.error,
        }


def failure(error: KafkaError) -> Delivery:
    code = KAFKA_RETRIABLE_ERROR if error.retriable() else KAFKA_ERROR
    return Delivery(None, None, code, error.str())


class _Pending:
    """The reports of one request's records. They arrive on the poll thread; the request's
    future is resolved on the event loop once the last one is in."""

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._remaining = count
        self.results: list[Delivery | None] = [None] * count
        self.future: asyncio.Future[list[Delivery]] = loop.create_future()
        if count == 0:
            self.future.set_result([])

    def reporter(self, index: int) -> Any:
        def report(error: KafkaError | None, message: Message) -> None:
            if error is None:
                self.settle(index, Delivery(message.partition(), message.offset()))
            else:
                self.settle(index, failure(error))

        return report

    def settle(self, index: int, delivery: Delivery) -> None:
        self.results[index] = delivery
        with self._lock:
            self._remaining -= 1
            last = self._remaining == 0
        if last:
            self._loop.call_soon_threadsafe(self._resolve)

    def _resolve(self) -> None:
        if not self.future.done():
            self.future.set_result([delivery for delivery in self.results if delivery is not None])


HIDDEN = (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError.TOPIC_AUTHORIZATION_FAILED)


class Gateway:
    def __init__(self, config: dict[str, Any]) -> None:
        self.bootstrap = str(config["bootstrap.servers"])
        producer_config = {**PRODUCER_DEFAULTS, **config, "error_cb": self._on_error}
        self.max_message_bytes = int(producer_config.get("message.max.bytes", 1_000_000))
        self._producer = create_client(Producer, producer_config)
        self._admin = create_client(AdminClient, {**config, "log_level": 0})
        self._partitions: dict[str, tuple[int, float]] = {}  # topic -> (count, fetched at)
        # Set when librdkafka reports every broker down: the next request checks metadata
        # afresh instead of trusting the cache, and clears it if a broker answers.
        self._suspect_down = False
        self._running = True
        self._poller = threading.Thread(target=self._poll, name="kafka-poll", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while self._running:
            self._producer.poll(0.1)

    def _on_error(self, error: KafkaError) -> None:
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self._suspect_down = True
        log.warning("kafka: %s", error.str())

    def close(self, timeout: float = 30.0) -> int:
        """Wait for outstanding reports and stop; returns the number of records unreported."""
        remaining = self._producer.flush(timeout)
        self._running = False
        self._poller.join()
        return remaining

    def _metadata(self, topic: str | None) -> dict[str, TopicMetadata]:
        try:
            metadata = self._producer.list_topics(topic, timeout=METADATA_TIMEOUT_S)
        except KafkaException as exc:
            self._suspect_down = True
            raise kafka_unavailable(exc.args[0].str()) from None
        self._suspect_down = False
        return metadata.topics

    def topic_names(self) -> list[str]:
        return sorted(self._metadata(None))

    async def partition_count(self, topic: str) -> int | None:
        """The topic's partitions, or None if it does not exist. Cached briefly: a hit is
        answered on the event loop, only a lookup goes to a thread (it blocks)."""
        cached = self._partitions.get(topic)
        if cached and not self._suspect_down and time.monotonic() - cached[1] < METADATA_TTL_S:
            return cached[0]
        return await run_in_threadpool(self._look_up_partitions, topic)

    def _look_up_partitions(self, topic: str) -> int | None:
        found = self._metadata(topic).get(topic)
        if found is None or found.error is not None:
            # A topic the API's Kafka user may not see is, to the API's clients, absent.
            if found is not None and found.error.code() not in HIDDEN:
                raise kafka_unavailable(found.error.str())
            self._partitions.pop(topic, None)
            return None
        self._partitions[topic] = (len(found.partitions), time.monotonic())
        return len(found.partitions)

    def describe(self, topic: str) -> tuple[TopicMetadata, dict[str, str | None]] | None:
        """The topic's partitions and configs, or None if it does not exist."""
        found = self._metadata(topic).get(topic)
        if found is None or found.error is not None:
            return None
        future = self._admin.describe_configs([ConfigResource("topic", topic)])
        try:
            entries = next(iter(future.values())).result(timeout=METADATA_TIMEOUT_S)
        except KafkaException as exc:
            raise kafka_unavailable(exc.args[0].str()) from None
        return found, {name: entry.value for name, entry in entries.items()}

    async def produce(
        self, topic: str, records: list[tuple[int | None, bytes | None, bytes | None]]
    ) -> list[Delivery]:
        """Send (partition, key, value) records; resolves once Kafka acknowledged or failed
        each of them, in their order."""
        pending = _Pending(asyncio.get_running_loop(), len(records))
        for index, (partition, key, value) in enumerate(records):
            try:
                self._producer.produce(
                    topic,
                    value,
                    key,
                    partition=ANY_PARTITION if partition is None else partition,
                    on_delivery=pending.reporter(index),
                )
            except BufferError:
                pending.settle(
                    index,
                    Delivery(None, None, KAFKA_RETRIABLE_ERROR, "the API's send queue is full"),
                )
            except KafkaException as exc:
                pending.settle(index, failure(exc.args[0]))
        return await pending.future
