"""A producer in a fatal state is replaced, and nothing it held is lost in silence.

The fatal error is the one `make up` used to cause: the API's producer signs in as a user
that may not write yet, so Kafka refuses its idempotent producer id
(CLUSTER_AUTHORIZATION_FAILED), which librdkafka makes fatal. Here the user is a test's own,
given the right to write only once the failure was seen."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import requests
from api_process import running_api
from api_summary import parse_summary
from confluent_kafka.admin import AclOperation
from kafka_user import kafka_user

from ingestion.api.gateway import Gateway
from ingestion.api.problems import KAFKA_RETRIABLE_ERROR
from ingestion.clients.kafka import config_var
from ingestion.topics import data_topic_names, topic_names
from standins.stack.api_service import IngestApi
from standins.stack.stack_config import Credentials, Layout, StackConfig

REFUSED = "Cluster authorization failed"
PATIENCE_S = 60.0  # the longest a new producer may wait once the right exists is 30 s


def wait_for(condition: Callable[[], Any], what: str, patience: float = PATIENCE_S) -> Any:
    """The condition's first value other than None or False: a state only polling can see
    (there is no event)."""
    deadline = time.monotonic() + patience
    while (value := condition()) is None or value is False:
        assert time.monotonic() < deadline, f"waited {patience:.0f} s for {what}"
        time.sleep(0.1)
    return value


@pytest.fixture
def user(api_lane, tmp_path):
    """A user that may see the lane's topics (so requests reach the producer) but not write."""
    with kafka_user(api_lane, tmp_path) as user:
        user.grant(topic_names(api_lane.prefix), AclOperation.DESCRIBE)
        yield user


def test_records_held_at_a_fatal_error_are_answered_and_a_new_producer_writes(api_lane, user):
    topic = api_lane.topic("pin")
    records = [(0, b"1", b'{"n":1}'), (1, b"2", b'{"n":2}'), (None, b"3", b'{"n":3}')]

    async def scenario(gateway: Gateway) -> tuple[list[Any], list[Any]]:
        # Sent before the producer has even connected: it cannot deliver them without its
        # producer id, which Kafka refuses. They are in its hands when it fails.
        held = await gateway.produce(topic, records)

        async def refused() -> bool:
            return REFUSED in (await gateway.health() or "")

        async def ready() -> bool:
            return await gateway.health() is None

        await wait_for_async(refused, "the failure to be reported")
        user.grant(data_topic_names(api_lane.prefix), AclOperation.WRITE)
        await wait_for_async(ready, "a new producer to be ready")
        return held, await gateway.produce(topic, records)

    gateway = Gateway(user.config)
    try:
        held, written = asyncio.run(scenario(gateway))
    finally:
        unreported = gateway.close()
    assert unreported == 0
    assert gateway.replacements >= 1

    assert len(held) == len(records)
    for delivery in held:
        assert delivery.error_code == KAFKA_RETRIABLE_ERROR, delivery
        assert "the API's Kafka producer failed" in (delivery.error or "")
        assert delivery.offset is None

    assert [delivery.error_code for delivery in written] == [None] * len(records)
    assert [delivery.partition for delivery in written][:2] == [0, 1]
    landed = {(m.partition(), m.offset()): m.value() for m in api_lane.consume_all(topic)}
    # Only the second sending is in Kafka, at the offsets answered: none of the first.
    assert landed == {(d.partition, d.offset): r[2] for d, r in zip(written, records, strict=True)}


async def wait_for_async(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + PATIENCE_S
    while not (value := await check()):
        assert time.monotonic() < deadline, f"waited {PATIENCE_S:.0f} s for {what}"
        await asyncio.sleep(0.1)
    return value


class Senders:
    """Clients posting to the API back to back, each request's records numbered, until
    stopped; every answer is kept."""

    def __init__(self, api: Any, topic: str, clients: int = 3, size: int = 5) -> None:
        self.api, self.topic, self.size = api, topic, size
        self.answers: list[tuple[list[int], int, dict[str, Any], Any]] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._next = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send) for _ in range(clients)]

    def __enter__(self) -> Senders:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _numbers(self) -> list[int]:
        with self._lock:
            self._next += self.size
            return list(range(self._next - self.size, self._next))

    def _send(self) -> None:
        while not self._stop.is_set():
            numbers = self._numbers()
            body = {"records": [{"key": n, "value": {"n": n}} for n in numbers]}
            try:
                response = self.api.post(self.topic, body)
                answer = (numbers, response.status_code, response.json(), response.headers)
            except (requests.RequestException, ValueError) as exc:  # unanswered, or not JSON
                self.errors.append(repr(exc))
                continue
            with self._lock:
                self.answers.append(answer)

    def count(self, status: int, saying: str = "") -> int:
        """Answers of this status whose body says this."""
        with self._lock:
            return sum(
                1
                for _, code, body, _ in self.answers
                if code == status and saying in json.dumps(body)
            )


def test_the_api_replaces_a_failed_producer_and_answers_every_request(api_lane, user, tmp_path):
    topic = api_lane.topic("geo")
    env = {config_var("api"): str(user.properties)}
    with running_api(api_lane.prefix, api_lane.bootstrap, env=env) as api:
        # The stack's view of this API, as `make up` and `status` ask it.
        service = IngestApi(
            Layout(tmp_path),
            replace(StackConfig(), api_port=int(api.url.rsplit(":", 1)[1])),
            replace(Credentials.generate(), api_key=api.key),
        )

        def refused() -> requests.Response | None:
            response = requests.get(f"{api.url}/health", timeout=10)
            return response if REFUSED in response.text else None

        health = wait_for(refused, "the API to report its producer's failure")
        assert health.status_code == 503
        assert health.json()["error_code"] == KAFKA_RETRIABLE_ERROR
        assert health.headers["Retry-After"].isdigit()
        assert not service.ready()
        assert REFUSED in (service.why_not_ready() or "")

        with Senders(api, topic) as senders:
            # Both ways a request meets a failure: sent while the producer has failed and the
            # next is not started yet (refused at once), and held by a new producer when it
            # fails too (its records purged, and answered so).
            wait_for(lambda: senders.count(503, REFUSED) > 0, "a request refused at once")
            wait_for(lambda: senders.count(503, "Purged") > 0, "a request held at a failure")
            user.grant(data_topic_names(api_lane.prefix), AclOperation.WRITE)
            wait_for(service.ready, "the API to be ready with a new producer")
            ready_with = senders.count(200)
            wait_for(lambda: senders.count(200) >= ready_with + 20, "requests to be written")
        summary = api.stop()

    assert senders.errors == []
    acknowledged: dict[tuple[int, int], int] = {}
    for numbers, status, body, headers in senders.answers:
        if status == 503:
            assert body["error_code"] == KAFKA_RETRIABLE_ERROR, body
            assert set(body) == {"error_code", "message"}
            assert headers["Retry-After"].isdigit()
            continue
        assert status == 200, body
        for number, offset in zip(numbers, body["offsets"], strict=True):
            # A record the failed producer held is answered as retriable, never as written.
            if offset["error_code"] is not None:
                assert offset["error_code"] == KAFKA_RETRIABLE_ERROR, offset
                continue
            acknowledged[(offset["partition"], offset["offset"])] = number
    assert len(acknowledged) >= 20 * senders.size

    # Kafka holds exactly the records acknowledged, where they were said to be.
    landed = {
        (m.partition(), m.offset()): json.loads(m.value())["n"] for m in api_lane.consume_all(topic)
    }
    assert landed == acknowledged
    counts = parse_summary(summary)
    assert (counts.unreported, counts.acknowledged) == (0, len(acknowledged))
    assert counts.replaced >= 1
    assert "Traceback" not in summary, summary
