"""GET /health's last condition, without a stack: a producer that holds its id from Kafka is
not enough when Kafka no longer answers (it keeps the id while every broker is down)."""

from __future__ import annotations

import asyncio

from ingestion.api.gateway import HAS_PRODUCER_ID, Gateway


def test_a_producer_with_its_id_but_no_answering_cluster_is_not_ready():
    # Nothing listens on port 1. The producer is put in the state it would keep from before
    # its brokers went away, with its callbacks no longer served: no statistics overwrite it.
    gateway = Gateway({"bootstrap.servers": "127.0.0.1:1", "log_level": 0})
    try:
        gateway._running = False
        gateway._poller.join()
        gateway._producer.state = HAS_PRODUCER_ID
        problem = asyncio.run(gateway.health())
    finally:
        gateway.close(timeout=1)
    assert problem is not None
    assert "Kafka is unavailable" in problem
