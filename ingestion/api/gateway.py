"""The API's side of Kafka: one idempotent producer whose delivery reports resolve asyncio
futures, and the topic metadata the routes need.

An idempotent producer that hits a fatal error (librdkafka's word: Kafka refused its producer
id, say, because its user may not write yet) can never send again. The gateway then starts a
new one, waiting longer each time while the cause lasts; what the failed one held is answered
as a retriable failure, never dropped."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, ConfigResource, TopicMetadata
from starlette.concurrency import run_in_threadpool

from core.backoff import Backoff
from ingestion.api.problems import KAFKA_ERROR, KAFKA_RETRIABLE_ERROR, ApiError, kafka_unavailable
from ingestion.clients.kafka import create_client

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

# librdkafka's statistics say whether the producer holds its producer id (idempotence state
# "Assigned"): it has signed in and may write. Once a second is cheap, and soon enough for a
# readiness check.
STATS_INTERVAL_MS = 1000
HAS_PRODUCER_ID = "Assigned"
# How long a readiness check trusts the last metadata Kafka answered.
HEALTH_TTL_S = 5.0
# A new producer half a second after a fatal error, then twice as long each time the next one
# fails too, up to this: a missing right may take a while to be granted.
REPLACE_FIRST_S = 0.5
REPLACE_CAP_S = 30.0
# A failed producer is polled until it has reported every record it held. Its queue was purged
# by the failure; a request already sent is answered by the broker or times out within its
# delivery.timeout.ms. Past that and this margin, what is left is purged and reported.
DRAIN_MARGIN_S = 5.0
# What librdkafka reports for a record of a producer that failed: refused, or purged from it.
# Those refused or purged from its queue were never sent; one purged in flight may have been
# written (a client's retry then duplicates it, as after any timeout). Either way the client
# may send it again: the producer that replaces the failed one can write it.
LOST_WITH_PRODUCER = (KafkaError._FATAL, KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT)


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

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        count: int,
        failure: Callable[[KafkaError], Delivery] = failure,
    ) -> None:
        self._loop = loop
        self._failure = failure
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
                self.settle(index, self._failure(error))

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


class _Producer:
    """One librdkafka producer, and its idempotence state as its statistics last told it."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.state = "Init"
        self.client: Producer = create_client(
            Producer,
            {**config, "statistics.interval.ms": STATS_INTERVAL_MS, "stats_cb": self._on_stats},
        )

    def _on_stats(self, text: str) -> None:
        self.state = orjson.loads(text).get("eos", {}).get("idemp_state", self.state)

    def serve(self, call: Callable[[], int]) -> str | None:
        """Run a call that serves callbacks (poll, flush); returns the producer's fatal error
        if the call raised it. librdkafka raises it once; when a delivery report is served in
        the same call, the client library raises a SystemError instead."""
        try:
            call()
        except KafkaException as exc:
            if not exc.args[0].fatal():
                raise
            return exc.args[0].str()
        except SystemError:
            return "a fatal error (its text was lost with a delivery report served with it)"
        return None


class Gateway:
    def __init__(self, config: dict[str, Any]) -> None:
        self.bootstrap = str(config["bootstrap.servers"])
        self._config = {**PRODUCER_DEFAULTS, **config, "error_cb": self._on_error}
        self.max_message_bytes = int(self._config.get("message.max.bytes", 1_000_000))
        self._drain_s = int(self._config["delivery.timeout.ms"]) / 1000 + DRAIN_MARGIN_S
        self._producer = _Producer(self._config)
        self._admin = create_client(AdminClient, {**config, "log_level": 0})
        self._partitions: dict[str, tuple[int, float]] = {}  # topic -> (count, fetched at)
        # Set when librdkafka reports every broker down: the next request checks metadata
        # afresh instead of trusting the cache, and clears it if a broker answers.
        self._suspect_down = False
        self._metadata_at = -math.inf  # when Kafka last answered a metadata request
        # The current producer's fatal error, until a new producer replaces it at _replace_at.
        self._failure: str | None = None
        self._replace_at = 0.0
        self._backoff = self._new_backoff()
        self.replacements = 0
        # Producers that failed, with the time past which what they still hold is purged.
        self._retired: list[tuple[_Producer, float]] = []
        self._running = True
        self._poller = threading.Thread(target=self._poll, name="kafka-poll", daemon=True)
        self._poller.start()

    @staticmethod
    def _new_backoff() -> Backoff:
        return Backoff(REPLACE_FIRST_S, REPLACE_CAP_S, budget=math.inf)

    def _poll(self) -> None:
        """Serve the producers' callbacks until closed. Nothing may end this thread: without
        it no request is ever answered."""
        while self._running:
            try:
                self._poll_once()
            except Exception:
                log.exception("kafka: serving the producer's callbacks failed")
                time.sleep(0.1)

    def _poll_once(self) -> None:
        current = self._producer
        fatal = current.serve(lambda: current.client.poll(0.1))
        if fatal is not None:
            self._failed(current, fatal)
        if current.state == HAS_PRODUCER_ID and self._backoff.attempts:
            self._backoff = self._new_backoff()  # the cause passed: the next failure is new
        self._drain_retired()
        if self._failure is not None and time.monotonic() >= self._replace_at:
            self._replace()

    def _failed(self, producer: _Producer, error: str) -> None:
        if producer is not self._producer or self._failure is not None:
            return
        delay = self._backoff.next_delay()
        self._replace_at = time.monotonic() + delay
        self._failure = error
        log.error("kafka: the producer failed (%s); a new one starts in %.1f s", error, delay)

    def _replace(self) -> None:
        self._retired.append((self._producer, time.monotonic() + self._drain_s))
        self._producer = _Producer(self._config)
        self._failure = None
        self.replacements += 1
        log.warning("kafka: a new producer replaces the one that failed")

    def _drain_retired(self) -> None:
        now = time.monotonic()
        for entry in list(self._retired):
            old, purge_at = entry
            old.serve(lambda old=old: old.client.poll(0))  # its failure is known already
            if len(old.client) and now > purge_at:
                old.client.purge(in_queue=True, in_flight=True)
                old.serve(lambda old=old: old.client.poll(0))
            if not len(old.client):
                self._retired.remove(entry)

    @staticmethod
    def _lost_with_producer(error: KafkaError) -> Delivery:
        """A record's failure; one the producer's fatal error cost is the client's to retry.
        (Its reports may be served before the fatal error is: the error is in the log and
        at /health, not here.)"""
        if error.code() not in LOST_WITH_PRODUCER:
            return failure(error)
        message = f"{error.str()}: the API's Kafka producer failed and is being replaced"
        return Delivery(None, None, KAFKA_RETRIABLE_ERROR, message)

    def _on_error(self, error: KafkaError) -> None:
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self._suspect_down = True
        log.warning("kafka: %s", error.str())

    def close(self, timeout: float = 30.0) -> int:
        """Wait for outstanding reports and stop; returns the number of records unreported."""
        self._running = False
        self._poller.join()
        deadline = time.monotonic() + timeout
        remaining = 0
        for producer in [self._producer, *(old for old, _ in self._retired)]:
            left = max(0.0, deadline - time.monotonic())
            producer.serve(lambda producer=producer, left=left: producer.client.flush(left))
            remaining += len(producer.client)
        return remaining

    async def health(self) -> str | None:
        """Why the API cannot produce now, or None when it can: its producer has not failed,
        holds its producer id (so it signed in, and may write), and Kafka answered a
        metadata request within HEALTH_TTL_S (asked again only past that, or once librdkafka
        saw every broker down: a probe every second costs Kafka little)."""
        if self._failure is not None:
            wait = max(0.0, self._replace_at - time.monotonic())
            return f"its Kafka producer failed ({self._failure}); a new one starts in {wait:.0f} s"
        state = self._producer.state
        if state != HAS_PRODUCER_ID:
            return f"its Kafka producer has no producer id from Kafka yet (state {state})"
        if self._suspect_down or time.monotonic() - self._metadata_at > HEALTH_TTL_S:
            try:
                await run_in_threadpool(self._metadata, None)
            except ApiError as exc:
                return exc.message
        return None

    def _metadata(self, topic: str | None) -> dict[str, TopicMetadata]:
        try:
            metadata = self._producer.client.list_topics(topic, timeout=METADATA_TIMEOUT_S)
        except KafkaException as exc:
            self._suspect_down = True
            raise kafka_unavailable(exc.args[0].str()) from None
        self._suspect_down = False
        self._metadata_at = time.monotonic()
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
        each of them, in their order. While the producer has failed and the next one is not
        started yet, nothing is sent: the API is unavailable."""
        if self._failure is not None:
            raise kafka_unavailable(f"the API's Kafka producer failed: {self._failure}")
        producer = self._producer.client
        pending = _Pending(asyncio.get_running_loop(), len(records), self._lost_with_producer)
        for index, (partition, key, value) in enumerate(records):
            try:
                producer.produce(
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
                pending.settle(index, self._lost_with_producer(exc.args[0]))
        return await pending.future
