"""The pipeline's Kafka topics: one per source table plus a dead-letter topic, all created
explicitly because the broker does not auto-create topics."""

from __future__ import annotations

import re

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

from core.catalogue import SOURCE_TABLES
from core.errors import ConfigurationError, FatalError, PipelineError, TransientError

# The three tables' topics share a partition count, so a post's key hashes to the same
# partition number in each of them.
DLQ_SUFFIX = "dlq"


def kafka_failure(error: KafkaError) -> type[PipelineError]:
    """What kind of failure an error Kafka answered is: a refusal needs a setting or a right
    changed, what librdkafka calls retriable may pass, anything else will not."""
    if error.name().endswith("AUTHORIZATION_FAILED"):
        return ConfigurationError
    return TransientError if error.retriable() else FatalError


def sink_group(prefix: str) -> str:
    """The sink's consumer group, unless one is named."""
    return f"{prefix}-s3-sink"


def sink_topics_regex(prefix: str) -> str:
    """What the sink lands, unless told: every topic of the prefix (the dead-letter one too)."""
    return re.escape(prefix + ".") + ".*"


def topic_names(prefix: str) -> list[str]:
    return [*data_topic_names(prefix), f"{prefix}.{DLQ_SUFFIX}"]


def data_topic_names(prefix: str) -> list[str]:
    """The topics of the source tables (what producers write)."""
    return [f"{prefix}.{table.topic}" for table in SOURCE_TABLES]


def ensure_topics(
    admin: AdminClient, prefix: str, partitions: int, names: list[str] | None = None
) -> list[str]:
    """Create the pipeline's topics (or these of them) that are missing; return the names
    created. A Kafka user sees only the topics it may use, so a producer asks for its own."""
    existing = set(admin.list_topics(timeout=10).topics)
    missing = [name for name in names or topic_names(prefix) if name not in existing]
    if not missing:
        return []
    # Replication is left to the broker's default (-1): right for one local broker and for a
    # replicated cluster alike.
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=-1) for name in missing],
        operation_timeout=30,
    )
    for name, future in futures.items():
        try:
            future.result()
        except KafkaException as exc:
            error = exc.args[0]
            if error.name() in ("TOPIC_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED"):
                raise ConfigurationError(
                    f"topic {name} does not exist and this Kafka user may not create it: "
                    f"create it, or on the local stack run "
                    f"`python -m standins.stack grant --topic-prefix {prefix}`"
                ) from None
            if error.name() != "TOPIC_ALREADY_EXISTS":
                failure = kafka_failure(error)
                raise failure(f"could not create topic {name}: {error.str()}") from None
    return missing


def raise_partitions(admin: AdminClient, names: list[str], partitions: int) -> dict[str, int]:
    """Give these topics `partitions` partitions where they have fewer (Kafka cannot take
    any away); return topic -> count for those that keep more. Keys hash over the new count
    from then on: the three data topics are raised together, so a post's records still
    share a partition number; records already written stay where they are."""
    metadata = admin.list_topics(timeout=10).topics
    counts = {name: len(metadata[name].partitions) for name in names if name in metadata}
    fewer = [
        NewPartitions(name, partitions) for name, count in counts.items() if count < partitions
    ]
    if fewer:
        for name, future in admin.create_partitions(fewer, operation_timeout=30).items():
            try:
                future.result()
            except KafkaException as exc:
                raise kafka_failure(exc.args[0])(
                    f"could not raise {name} to {partitions} partitions: {exc.args[0].str()}"
                ) from None
    return {name: count for name, count in counts.items() if count > partitions}
