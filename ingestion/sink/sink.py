"""The sink's loop: consume, buffer per partition, land objects, then commit.

Exactly once, across crashes: an offset is committed only after the object holding its record
is uploaded (and after its dead-letter copy is acknowledged). Object keys and contents are a
pure function of the records from the committed offset on, so a restarted run writes the same
key with the same bytes; and on assignment the sink looks for an object that a crashed run
uploaded but did not commit, and skips past it.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from confluent_kafka import (
    OFFSET_INVALID,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)

from core.errors import ConfigurationError, FatalError, TransientError
from ingestion.sink.buffer import PartitionBuffer
from ingestion.sink.object_store import Landing
from ingestion.sink.records import dead_letter, landing_problem

T = TypeVar("T")
# A rebalance callback (on_assign, on_revoke), and what makes a consumer subscribed with them.
Rebalance = Callable[[Consumer, list[TopicPartition]], None]
Connect = Callable[[Rebalance, Rebalance], Consumer]
# A group that loses a coordinator may fence a static member by its own instance id (a join
# whose answer was lost: apache/kafka#23542): the sink joins again with a new consumer. More
# often than this in one run, another process holds the same instance id.
MAX_REJOINS = 3

log = logging.getLogger(__name__)

# What Kafka answers while a broker is lost, or a partition's leader or the group's
# coordinator moves to another: a cluster settles within seconds, so these are asked again
# for up to this long. Anything else (this process lost its partitions, say) is not.
AWAY_SECONDS = 120.0
AWAY = {
    KafkaError._WAIT_COORD,
    KafkaError._TRANSPORT,
    KafkaError._TIMED_OUT,
    KafkaError._DESTROY_BROKER,
    KafkaError.REQUEST_TIMED_OUT,
    KafkaError.NETWORK_EXCEPTION,
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.NOT_LEADER_FOR_PARTITION,
    KafkaError.LEADER_NOT_AVAILABLE,
    # The client's metadata lost the partition with its leader's broker, for a moment.
    KafkaError._UNKNOWN_PARTITION,
    # A new leader's high watermark has not caught up yet (seen in CI's three-broker test
    # when the sink joined again right after a broker was killed).
    KafkaError.OFFSET_NOT_AVAILABLE,
}


@dataclass(frozen=True)
class Rotation:
    flush_size: int = 10_000
    # On record timestamps: deterministic, so a rerun cuts objects at the same records.
    interval_ms: int | None = None
    # On the wall clock: bounds latency on a quiet topic, but a rerun may cut elsewhere.
    schedule_ms: int | None = None


@dataclass
class Stats:
    landed: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    objects: int = 0
    skipped_objects: int = 0
    # From the first record consumed to the last object landed: the rate without idle waits.
    first_record_at: float | None = None
    last_landed_at: float | None = None
    idle_seconds: float = 0.0

    @property
    def busy_seconds(self) -> float:
        if self.first_record_at is None or self.last_landed_at is None:
            return 0.0
        return self.last_landed_at - self.first_record_at - self.idle_seconds

    @property
    def records(self) -> int:
        return sum(self.landed.values()) + sum(self.dead_lettered.values())


class _Fenced(Exception):
    """The group gave this sink's instance id to another member."""


class S3Sink:
    def __init__(
        self,
        connect: Connect,
        dlq_producer: Producer,
        landing: Landing,
        *,
        dlq_topic: str,
        rotation: Rotation,
        on_records: Callable[[int], None] = lambda n: None,
    ) -> None:
        self.connect = connect
        self.dlq = dlq_producer
        self.landing = landing
        self.dlq_topic = dlq_topic
        self.rotation = rotation
        self.on_records = on_records
        self.buffers: dict[tuple[str, int], PartitionBuffer] = {}
        self.stats = Stats()
        self._dlq_errors: list[str] = []
        self.assigned_at: float | None = None
        # Since when the group is forming without us holding an assignment: from the start,
        # and from each revocation (eager rebalancing revokes everything first) to the
        # assignment that ends it.
        self.joining_since: float | None = time.monotonic()
        self.rejoins = 0
        self.consumer = connect(self.on_assign, self.on_revoke)

    # -- rebalancing -------------------------------------------------------------------

    def on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Start each partition at its committed offset, skipping objects a crashed run
        uploaded without committing."""
        try:
            committed = riding_out(lambda: consumer.committed(partitions, timeout=30))
            for partition in committed:
                if partition.offset == OFFSET_INVALID or partition.offset < 0:
                    low, _ = riding_out(
                        lambda p=partition: consumer.get_watermark_offsets(p, timeout=30)
                    )
                    partition.offset = int(low)
        except KafkaException as exc:
            raise TransientError(
                f"could not read where to start ({exc.args[0].str()}): is Kafka up? rerun"
            ) from None
        for partition in committed:
            partition.offset = self._skip_landed(
                partition.topic, partition.partition, partition.offset
            )
            self.buffers[(partition.topic, partition.partition)] = PartitionBuffer(
                partition.topic, partition.partition
            )
        consumer.assign(committed)
        self.assigned_at = time.monotonic()
        self.joining_since = None

    def _skip_landed(self, topic: str, partition: int, offset: int) -> int:
        skipped = False
        while (landed := self.landing.landed_at(topic, partition, offset)) is not None:
            offset = landed.last_offset + 1
            self.stats.skipped_objects += 1
            skipped = True
        if skipped:
            self._commit(TopicPartition(topic, partition, offset))
        return offset

    def _commit(self, position: TopicPartition) -> None:
        """Commit one partition's offset, riding out a coordinator that is away."""

        def say(error: KafkaError, wait: float) -> None:
            log.warning(
                "sink: committing offsets failed (%s); retrying in %.1f s", error.str(), wait
            )

        try:
            riding_out(lambda: self.consumer.commit(offsets=[position], asynchronous=False), say)
        except KafkaException as exc:
            if exc.args[0].code() == KafkaError.FENCED_INSTANCE_ID:
                raise _Fenced(exc.args[0].str()) from None
            # Landed but not committed: the next run finds the object and skips past it.
            raise TransientError(f"could not commit offsets ({exc.args[0].str()}): rerun") from None

    def _rejoin(self, reason: str) -> None:
        """Join the group again with a new consumer. What is buffered is not committed: the
        new consumer reads it again from the committed offsets (an object landed without its
        commit is found and skipped on assignment)."""
        self.rejoins += 1
        if self.rejoins > MAX_REJOINS:
            raise FatalError(
                f"the consumer group fenced this sink {self.rejoins} times ({reason}): another "
                "process of the group uses the same --instance-id (SINK_INSTANCE_ID must be "
                "unique per sink process)"
            )
        log.warning("sink: the group fenced this sink (%s); joining it again", reason)
        self.buffers.clear()
        # A fenced consumer may refuse to leave cleanly: it is gone either way.
        with contextlib.suppress(KafkaException):
            self.consumer.close()
        self.assigned_at = None
        self.joining_since = time.monotonic()
        self.consumer = self.connect(self.on_assign, self.on_revoke)

    def on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Finish the files in hand while the partitions are still ours."""
        if self.joining_since is None:
            self.joining_since = time.monotonic()
        for partition in partitions:
            buffer = self.buffers.pop((partition.topic, partition.partition), None)
            if buffer is not None and buffer.pending:
                self._land(buffer)

    # -- the loop ------------------------------------------------------------------------

    def handle(self, message: Message) -> None:
        topic, partition, offset = message.topic(), message.partition(), message.offset()
        if self.stats.first_record_at is None:
            self.stats.first_record_at = time.monotonic()
        buffer = self.buffers.get((topic, partition))
        if buffer is None:  # a stray message from a partition revoked meanwhile
            return
        timestamp = message.timestamp()[1]
        interval = self.rotation.interval_ms
        if (
            interval is not None
            and buffer.first_timestamp is not None
            and timestamp - buffer.first_timestamp >= interval
        ):
            self._land(buffer)
        problem = landing_problem(message.value())
        if problem is None:
            buffer.append(offset, message.value(), timestamp)
            self.stats.landed[topic] += 1
        elif topic == self.dlq_topic:
            # Never dead-letter the dead-letter topic (it would loop): land the envelope.
            buffer.append(offset, dead_letter(message, problem)[0], timestamp)
            self.stats.landed[topic] += 1
        else:
            value, headers = dead_letter(message, problem)
            self._produce_dead_letter(message.key(), value, headers)
            buffer.skip(offset)
            self.stats.dead_lettered[topic] += 1
        if buffer.records >= self.rotation.flush_size:
            self._land(buffer)

    def rotate_on_schedule(self) -> None:
        schedule = self.rotation.schedule_ms
        if schedule is None:
            return
        now = time.monotonic()
        for buffer in self.buffers.values():
            if buffer.pending and (now - buffer.opened_at) * 1000 >= schedule:
                self._land(buffer)

    def land_all(self) -> None:
        for buffer in self.buffers.values():
            if buffer.pending:
                self._land(buffer)

    def _produce_dead_letter(
        self, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        def report(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                self._dlq_errors.append(error.str())

        while True:
            try:
                self.dlq.produce(self.dlq_topic, value, key, headers=headers, on_delivery=report)
                return
            except BufferError:
                self.dlq.poll(0.05)

    def _land(self, buffer: PartitionBuffer) -> None:
        """Dead letters acknowledged, then the object uploaded, then the offset committed: a
        crash between any two steps repeats work but loses nothing."""
        if buffer.dead_lettered and (self.dlq.flush(60) or self._dlq_errors):
            raise TransientError(
                f"could not write to the dead-letter topic {self.dlq_topic}: "
                f"{self._dlq_errors[0] if self._dlq_errors else 'timed out'}"
            )
        if buffer.records:
            assert buffer.start_offset is not None and buffer.next_offset is not None
            assert buffer.first_offset is not None
            self.landing.upload(
                buffer.topic,
                buffer.partition,
                buffer.start_offset,
                buffer.first_offset,
                buffer.next_offset - 1,
                buffer.body(),
            )
            self.stats.objects += 1
        assert buffer.next_offset is not None
        self._commit(TopicPartition(buffer.topic, buffer.partition, buffer.next_offset))
        self.on_records(buffer.records + buffer.dead_lettered)
        self.stats.last_landed_at = time.monotonic()
        buffer.reset()

    def run(
        self,
        *,
        until_idle: float | None,
        should_stop: Callable[[], bool],
        topics_match: Callable[[], bool] = lambda: False,
    ) -> None:
        """Consume until stopped, or until nothing arrived for `until_idle` seconds; then land
        every buffer. While the group forms (before the first assignment, and from a
        revocation to the next assignment), the sink waits on, up to AWAY_SECONDS, as long
        as `topics_match()`: a group forms slowly while a broker is away."""
        last_activity = time.monotonic()
        while not should_stop():
            try:
                messages = self._consume()
            except _Fenced as fenced:
                self._rejoin(str(fenced))
                last_activity = time.monotonic()
                continue
            now = time.monotonic()
            if messages:
                last_activity = now
            # Idle time counts from the last message or the last (re)assignment, whichever
            # is later: joining the group takes a moment.
            idle_since = max(last_activity, self.assigned_at or 0.0)
            if until_idle is not None and not messages and now - idle_since >= until_idle:
                joining = self.joining_since
                if joining is not None and now - joining < AWAY_SECONDS and topics_match():
                    last_activity = now
                    continue
                self.stats.idle_seconds += now - idle_since
                break
        self.land_all()

    def _consume(self) -> list[Message]:
        """One round: consume, land what is due, serve the dead-letter producer. Raises
        _Fenced when the group fenced this sink."""
        messages = self.consumer.consume(num_messages=2000, timeout=0.5)
        for message in messages:
            error = message.error()
            if error is None:
                self.handle(message)
            elif error.code() == KafkaError.FENCED_INSTANCE_ID:
                raise _Fenced(error.str())
            elif error.fatal():
                raise FatalError(f"Kafka consumer error: {error.str()}")
            elif error.code() in REFUSALS:
                # Rights do not come back by waiting: say so before anything is read.
                raise ConfigurationError(
                    f"Kafka refused the sink ({error.str()}): check that its Kafka user "
                    "(KAFKA_SINK_CONFIG) may read the topics and use the consumer group"
                )
            else:  # transient (broker restart, rebalance): librdkafka recovers by itself
                log.warning("sink: Kafka reports %s; continuing", error.str())
        self.dlq.poll(0)
        self.rotate_on_schedule()
        return messages


# Errors that mean the sink's user lacks a right: nothing would ever be landed.
REFUSALS = (
    KafkaError.GROUP_AUTHORIZATION_FAILED,
    KafkaError.TOPIC_AUTHORIZATION_FAILED,
    KafkaError._AUTHENTICATION,
)


def riding_out(
    call: Callable[[], T], on_retry: Callable[[KafkaError, float], None] | None = None
) -> T:
    """`call()`, asked again with a growing wait while Kafka answers that a broker, a leader
    or the coordinator is away (AWAY), for up to AWAY_SECONDS; then its error is raised."""
    deadline = time.monotonic() + AWAY_SECONDS
    wait = 0.5
    while True:
        try:
            return call()
        except KafkaException as exc:
            error = exc.args[0] if exc.args and isinstance(exc.args[0], KafkaError) else None
            if error is None or error.code() not in AWAY or time.monotonic() > deadline:
                raise
            if on_retry is not None:
                on_retry(error, wait)
            time.sleep(wait)
            wait = min(wait * 2, 5.0)
