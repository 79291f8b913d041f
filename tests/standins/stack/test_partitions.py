"""A prefix granted again with a higher PINTEREST_TOPIC_PARTITIONS has its topics raised to it
(so that more sinks can share them); a lower count leaves them as they are, and says so."""

from __future__ import annotations

import uuid

from confluent_kafka.admin import AdminClient

from ingestion.clients.kafka import client_config
from ingestion.topics import topic_names
from standins.stack.kafka_access import revoke


def test_a_higher_partition_count_raises_the_topics_and_a_lower_one_keeps_them(
    run, stack, settings
):
    prefix = f"t{uuid.uuid4().hex[:10]}"
    admin = AdminClient(client_config(settings, "admin"))
    names = topic_names(prefix)

    def grant(partitions: int):
        env = {"PINTEREST_TOPIC_PARTITIONS": str(partitions)}
        result = run("standins.stack", "grant", "--topic-prefix", prefix, env=env)
        assert result.returncode == 0, result.stderr
        return result

    def counts() -> dict[str, int]:
        topics = admin.list_topics(timeout=10).topics
        return {name: len(topics[name].partitions) for name in names}

    try:
        grant(3)
        assert counts() == dict.fromkeys(names, 3)
        raised = grant(6)
        assert "topics created: none (all existed)" in raised.stdout
        assert "partitions per topic: 6" in raised.stdout
        assert counts() == dict.fromkeys(names, 6)
        lower = grant(4)
        assert counts() == dict.fromkeys(names, 6)
        assert f"{prefix}.pin keeps its 6 partitions: Kafka cannot lower a count" in lower.stderr
        assert "Traceback" not in lower.stderr
    finally:
        admin.delete_topics(names)
        revoke(admin, prefix)
