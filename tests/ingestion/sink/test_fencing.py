"""A sink the group fences by its own instance id (a coordinator lost with a join in flight)
joins again with a new consumer, its uncommitted buffers dropped for the new consumer to read
again; fenced again and again, another process holds the id, and it says so. Kafka's part is
left out: the consumers here only report the fence."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError

from core.errors import FatalError
from ingestion.sink.buffer import PartitionBuffer
from ingestion.sink.sink import MAX_REJOINS, Rotation, S3Sink


class Fence:
    def error(self) -> KafkaError:
        return KafkaError(KafkaError.FENCED_INSTANCE_ID, "fenced", fatal=True)


class Consumer:
    """Reports the fence `fences` times, then nothing."""

    def __init__(self, fences: int) -> None:
        self.fences = fences
        self.closed = False

    def consume(self, num_messages: int, timeout: float) -> list:
        if self.fences:
            self.fences -= 1
            return [Fence()]
        return []

    def close(self) -> None:
        self.closed = True


class IdleProducer:
    def poll(self, timeout: float) -> int:
        return 0


def sink_over(consumers: list[Consumer]) -> S3Sink:
    made = iter(consumers)
    return S3Sink(
        lambda on_assign, on_revoke: next(made),
        IdleProducer(),
        None,
        dlq_topic="p.dlq",
        rotation=Rotation(),
    )


def test_a_fenced_sink_joins_again_and_drops_what_it_had_not_committed():
    first, second = Consumer(fences=1), Consumer(fences=0)
    sink = sink_over([first, second])
    sink.buffers[("p.pin", 0)] = PartitionBuffer("p.pin", 0)
    sink.run(until_idle=0.1, should_stop=lambda: False)
    assert first.closed and sink.consumer is second
    assert sink.rejoins == 1 and sink.buffers == {}


def test_a_sink_fenced_again_and_again_names_the_instance_id():
    consumers = [Consumer(fences=1) for _ in range(MAX_REJOINS + 1)]
    with pytest.raises(FatalError, match="--instance-id"):
        sink_over(consumers).run(until_idle=0.1, should_stop=lambda: False)
