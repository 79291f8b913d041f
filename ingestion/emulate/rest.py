"""The REST transport: the same messages POSTed to a Kafka REST Proxy v2 endpoint (this
project's `ingestion.api`, or Confluent's REST Proxy behind a gateway) instead of sent with
Kafka's protocol, for producers that cannot reach the brokers.

Rows are grouped per topic into requests of up to `records_per_request`; a few sender threads
keep that many requests in flight. A request refused with 5xx or 429, or lost on the way, is
sent again with backoff (honouring Retry-After) until `delivery_timeout_s`; records the endpoint
reports as retriable (error_code 50003) are sent again alone. A retried request may have been
written once already, so this path is at least once: staging keeps one row per key.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from core.backoff import Backoff
from core.errors import ConfigurationError, FatalError, TransientError
from ingestion.emulate.publish import (
    FLUSH_TIMEOUT_S,
    Batch,
    PostPublisher,
    Publisher,
    encode_key,
)

JSON_V2 = "application/vnd.kafka.json.v2+json"
RETRIABLE_RECORD = 50003  # the REST Proxy's code for a retriable Kafka error
MAX_BACKOFF_S = 5.0
MAX_RETRY_AFTER_S = 30.0

Record = tuple[bytes, bytes, Batch]  # key, value, the batch it counts in


@dataclass(frozen=True)
class RestTarget:
    url: str  # the endpoint's base URL, e.g. http://127.0.0.1:8082
    api_key: str | None
    records_per_request: int = 500
    in_flight: int = 4
    request_timeout_s: float = 30.0
    # How long a record may take, retries included: below the flush timeout, so that a run's
    # end reports every record as delivered or failed rather than unconfirmed.
    delivery_timeout_s: float = 50.0
    linger_s: float = 0.05

    def topic_url(self, topic: str) -> str:
        return f"{self.url.rstrip('/')}/topics/{topic}"

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": JSON_V2, "Accept": "application/vnd.kafka.v2+json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers


def request_body(records: list[Record]) -> bytes:
    """The REST Proxy's JSON embedded format, assembled from the bytes as they are: the key
    is a JSON number and the value is the JSON object the database rendered."""
    return (
        b'{"records":['
        + b",".join(b'{"key":%s,"value":%s}' % (key, value) for key, value, _ in records)
        + b"]}"
    )


def may_pass(status: int) -> bool:
    """A status the REST Proxy answers while busy or while Kafka is away: worth another try."""
    return status == 429 or status >= 500


def error_message(response: requests.Response) -> str:
    try:
        detail = response.json()
        message = detail.get("message") if isinstance(detail, dict) else None
    except ValueError:
        message = None
    return f"HTTP {response.status_code}: {message or response.text[:200] or response.reason}"


def retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return min(float(value), MAX_RETRY_AFTER_S) if value.isdigit() else None


def deliver(
    session: requests.Session, target: RestTarget, topic: str, records: list[Record]
) -> list[str | None]:
    """POST the records until each is acknowledged or failed; returns each one's error."""
    errors: list[str | None] = [None] * len(records)
    todo = list(range(len(records)))
    schedule = Backoff(0.1, MAX_BACKOFF_S, target.delivery_timeout_s, jitter=True)
    last_error = "no answer"
    while todo:
        wait = schedule.next_delay()
        try:
            response = session.post(
                target.topic_url(topic),
                data=request_body([records[i] for i in todo]),
                headers=target.headers(),
                timeout=target.request_timeout_s,
            )
        except requests.RequestException as exc:
            last_error = f"{type(exc).__name__} from {target.url}"
        else:
            if response.status_code == 200:
                todo, last_error = _settle(response, todo, errors, last_error)
            elif may_pass(response.status_code):
                last_error = error_message(response)
                wait = retry_after(response) or wait
            else:
                for index in todo:
                    errors[index] = error_message(response)
                todo = []
        if todo and schedule.overruns(wait):
            for index in todo:
                errors[index] = f"gave up after {schedule.attempts} attempts: {last_error}"
            todo = []
        if todo:
            time.sleep(wait)
    return errors


def _settle(
    response: requests.Response, todo: list[int], errors: list[str | None], last_error: str
) -> tuple[list[int], str]:
    """Record each record's outcome from a 200 answer; returns those to send again."""
    try:
        offsets = response.json()["offsets"]
    except (ValueError, KeyError, TypeError):
        offsets = None
    if not isinstance(offsets, list) or len(offsets) != len(todo):
        for index in todo:
            errors[index] = "the endpoint's answer has no offset per record"
        return [], last_error
    again = []
    for index, offset in zip(todo, offsets, strict=True):
        code = offset.get("error_code") if isinstance(offset, dict) else None
        if code is None:
            continue
        message = f"{code}: {offset.get('error')}"
        if code == RETRIABLE_RECORD:
            again.append(index)
            last_error = message
        else:
            errors[index] = message
    return again, last_error


class RestPublisher(PostPublisher):
    def __init__(self, target: RestTarget, topics: Mapping[str, str]) -> None:
        super().__init__(topics)
        self._target = target
        self._pending: dict[str, list[Record]] = {}
        self._pending_since: dict[str, float] = {}
        self._requests: queue.Queue[tuple[str, list[Record]] | None] = queue.Queue(target.in_flight)
        self._reports: queue.SimpleQueue[tuple[list[Record], list[str | None]]] = (
            queue.SimpleQueue()
        )
        self._outstanding = 0  # records handed to the senders, not yet reported
        self._senders = [
            threading.Thread(target=self._send, name=f"rest-sender-{n}", daemon=True)
            for n in range(target.in_flight)
        ]
        for sender in self._senders:
            sender.start()

    def _send(self) -> None:
        with requests.Session() as session:
            while (job := self._requests.get()) is not None:
                topic, records = job
                self._reports.put((records, deliver(session, self._target, topic, records)))

    def produce(self, batch: Batch, table: str, key: int, value: bytes) -> None:
        batch.sent += 1
        batch.last_key = key
        self.value_bytes += len(value)
        topic = self._topics[table]
        pending = self._pending.setdefault(topic, [])
        if not pending:
            self._pending_since[topic] = time.monotonic()
        pending.append((encode_key(key), value, batch))
        if len(pending) >= self._target.records_per_request:
            self._submit(topic)

    def _submit(self, topic: str) -> None:
        records = self._pending.pop(topic)
        self._outstanding += len(records)
        while True:
            try:
                self._requests.put((topic, records), timeout=0.05)
                return
            except queue.Full:
                self._serve_reports()

    def _serve_reports(self, wait: float = 0.0) -> None:
        try:
            records, errors = (
                self._reports.get(timeout=wait) if wait else self._reports.get_nowait()
            )
            while True:
                for (_, _, batch), error in zip(records, errors, strict=True):
                    batch.report(error)
                self._outstanding -= len(records)
                records, errors = self._reports.get_nowait()
        except queue.Empty:
            return

    def poll(self) -> None:
        now = time.monotonic()
        for topic in list(self._pending):
            if now - self._pending_since[topic] >= self._target.linger_s:
                self._submit(topic)
        self._serve_reports()
        self.tracker.advance()

    def flush(self, timeout: float = FLUSH_TIMEOUT_S) -> int:
        for topic in list(self._pending):
            self._submit(topic)
        deadline = time.monotonic() + timeout
        while self._outstanding and time.monotonic() < deadline:
            self._serve_reports(wait=0.1)
        self.tracker.advance()
        return self._outstanding


def check_rest_target(target: RestTarget, topics: list[str]) -> None:
    """Fail with one clear line, before anything is sent, when the endpoint cannot be reached,
    refuses the key, or lacks a topic."""
    for topic in topics:
        try:
            response = requests.get(target.topic_url(topic), headers=target.headers(), timeout=10)
        except requests.RequestException as exc:
            raise TransientError(
                f"cannot reach the REST endpoint {target.url} ({type(exc).__name__}): "
                "check --rest-url (INGEST_API_URL), or run `make up`"
            ) from None
        if response.status_code == 401:
            raise ConfigurationError(
                f"{target.url} refused the API key ({error_message(response)}): "
                "check INGEST_API_KEY"
            )
        if response.status_code == 403:
            raise ConfigurationError(
                f"{target.url} does not allow {topic} ({error_message(response)}): "
                "check --topic-prefix"
            )
        if response.status_code == 404:
            raise ConfigurationError(
                f"topic {topic} not found at {target.url}: create it (`make up` creates the "
                "stack's) or check --topic-prefix"
            )
        if response.status_code != 200:
            # Too busy, or Kafka away behind it (503 until it is up), may pass; else not.
            failure = TransientError if may_pass(response.status_code) else FatalError
            raise failure(f"{target.url} answered {error_message(response)} for {topic}")


def open_publisher(target: dict[str, Any] | RestTarget, topics: Mapping[str, str]) -> PostPublisher:
    """A publisher for the transport `target` names: a REST endpoint, or a Kafka producer
    config."""
    if isinstance(target, RestTarget):
        return RestPublisher(target, topics)
    return Publisher(target, topics)
