"""A batch sink (`--until-idle`) and a group that is slow to form: it waits for its first
partitions, and for the end of a rebalance, while its topics exist, and gives up after the idle
time when none does. Kafka's part (the group forming) is left out: the consumer here never
receives anything."""

from __future__ import annotations

import time

from confluent_kafka import OFFSET_INVALID, KafkaError, KafkaException, TopicPartition

from ingestion.sink import sink as sink_module
from ingestion.sink.sink import Rotation, S3Sink


class NothingArrives:
    def consume(self, num_messages: int, timeout: float) -> list:
        time.sleep(0.01)
        return []

    def committed(self, partitions: list, timeout: float) -> list:
        return partitions

    def assign(self, partitions: list) -> None:
        pass


class IdleProducer:
    def poll(self, timeout: float) -> int:
        return 0


def silent_sink() -> S3Sink:
    return S3Sink(
        lambda on_assign, on_revoke: NothingArrives(),
        IdleProducer(),
        None,
        dlq_topic="p.dlq",
        rotation=Rotation(),
    )


def timed_run(sink: S3Sink, topics_match) -> float:
    started = time.monotonic()
    sink.run(until_idle=0.2, should_stop=lambda: False, topics_match=topics_match)
    return time.monotonic() - started


def test_the_first_partitions_are_waited_for_while_a_topic_matches(monkeypatch):
    monkeypatch.setattr(sink_module, "AWAY_SECONDS", 1.0)
    asked: list[bool] = []

    def topics_match() -> bool:
        asked.append(True)
        return True

    waited = timed_run(silent_sink(), topics_match)
    assert 1.0 <= waited < 2.0
    assert len(asked) >= 3  # once per idle period


def test_without_a_matching_topic_the_idle_time_ends_the_run(monkeypatch):
    monkeypatch.setattr(sink_module, "AWAY_SECONDS", 10.0)
    assert timed_run(silent_sink(), lambda: False) < 0.8


def assigned(sink: S3Sink) -> S3Sink:
    sink.on_assign(NothingArrives(), [])  # what the group gives a sink with no partition
    return sink


def test_once_assigned_the_idle_time_ends_the_run(monkeypatch):
    monkeypatch.setattr(sink_module, "AWAY_SECONDS", 10.0)
    assert timed_run(assigned(silent_sink()), lambda: True) < 0.8


def test_after_a_revocation_the_next_assignment_is_waited_for(monkeypatch):
    monkeypatch.setattr(sink_module, "AWAY_SECONDS", 1.0)
    sink = assigned(silent_sink())
    sink.on_revoke(NothingArrives(), [])  # a rebalance begins: a broker went away
    assert 1.0 <= timed_run(sink, lambda: True) < 2.0


class NewLeader(NothingArrives):
    """A partition with no committed offset whose new leader's high watermark has not caught
    up yet: Kafka answers OFFSET_NOT_AVAILABLE for a moment, then the offsets."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.assigned: list = []

    def committed(self, partitions: list, timeout: float) -> list:
        return [TopicPartition(p.topic, p.partition, OFFSET_INVALID) for p in partitions]

    def get_watermark_offsets(self, partition, timeout: float) -> tuple[int, int]:
        if self.refusals:
            self.refusals -= 1
            raise KafkaException(KafkaError(KafkaError.OFFSET_NOT_AVAILABLE))
        return 7, 40

    def assign(self, partitions: list) -> None:
        self.assigned = partitions


class NothingLanded:
    def landed_at(self, topic: str, partition: int, offset: int) -> None:
        return None


def test_a_new_leader_catching_up_is_waited_for(monkeypatch):
    monkeypatch.setattr(sink_module, "AWAY_SECONDS", 10.0)
    sink = silent_sink()
    sink.landing = NothingLanded()
    consumer = NewLeader(refusals=2)
    sink.on_assign(consumer, [TopicPartition("p.pin", 0)])
    assert [(p.topic, p.partition, p.offset) for p in consumer.assigned] == [("p.pin", 0, 7)]
