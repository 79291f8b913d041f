"""The REST transport's client against a scripted endpoint: what it does with each kind of
answer. (Against the real API: tests/ingestion/emulate/test_rest_transport.py.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

import requests
from http_server import serving

from ingestion.emulate.publish import DeliveryTracker
from ingestion.emulate.rest import RestPublisher, RestTarget, deliver, request_body


@contextmanager
def scripted(*answers: tuple[int, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An endpoint that gives these answers in turn (then the last again); yields its URL and
    the bodies it received."""
    received: list[dict[str, Any]] = []
    queue = list(answers)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            status, body = queue.pop(0) if len(queue) > 1 else queue[0]
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.kafka.v2+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with serving(Handler) as url:
        yield url, received


def offsets(*codes: int | None) -> dict[str, Any]:
    return {
        "offsets": [
            {"partition": 0, "offset": n, "error_code": code, "error": code and "broker busy"}
            for n, code in enumerate(codes)
        ]
    }


BATCH = DeliveryTracker().batch()  # deliver() only carries it along
RECORDS = [(b"1", b'{"index": 1}', BATCH), (b"2", b'{"index": 2}', BATCH), (b"3", b"{}", BATCH)]


def target(url: str) -> RestTarget:
    return RestTarget(url=url, api_key="k" * 20, delivery_timeout_s=5)


def test_the_body_is_the_rest_proxy_json_format_with_the_bytes_as_they_are():
    body = json.loads(request_body(RECORDS))
    assert body["records"] == [
        {"key": 1, "value": {"index": 1}},
        {"key": 2, "value": {"index": 2}},
        {"key": 3, "value": {}},
    ]


def test_records_answered_retriable_are_sent_again_alone():
    answers = ((200, offsets(None, 50003, None)), (200, offsets(None)))
    with scripted(*answers) as (url, received), requests.Session() as session:
        errors = deliver(session, target(url), "p.pin", RECORDS)
    assert errors == [None, None, None]
    assert [len(body["records"]) for body in received] == [3, 1]
    assert received[1]["records"] == [{"key": 2, "value": {"index": 2}}]


def test_records_answered_with_a_final_error_fail_and_are_not_retried():
    answer = (200, offsets(None, 50002, None))
    with scripted(answer) as (url, received), requests.Session() as session:
        errors = deliver(session, target(url), "p.pin", RECORDS)
    assert errors == [None, "50002: broker busy", None]
    assert len(received) == 1


def test_an_answer_without_an_offset_per_record_fails_them_all():
    with scripted((200, {"offsets": []})) as (url, _), requests.Session() as session:
        errors = deliver(session, target(url), "p.pin", RECORDS)
    assert errors == ["the endpoint's answer has no offset per record"] * 3


def test_an_endpoint_that_keeps_refusing_is_given_up_on_at_the_delivery_timeout():
    refusal = (503, {"error_code": 50003, "message": "Kafka is unavailable"})
    with scripted(refusal) as (url, received), requests.Session() as session:
        errors = deliver(session, target(url), "p.pin", RECORDS[:1])
    assert errors[0].startswith("gave up after ")
    assert errors[0].endswith("attempts: HTTP 503: Kafka is unavailable")
    assert 3 <= len(received) <= 20  # backoff, not a busy loop


def test_the_publisher_reports_every_record_and_moves_the_watermark():
    with scripted((200, offsets(None, None))) as (url, received):
        publisher = RestPublisher(
            RestTarget(url=url, api_key=None, records_per_request=2), {"pinterest_data": "p.pin"}
        )
        tracker: DeliveryTracker = publisher.tracker
        batch = tracker.batch()
        for key in (1, 2, 3, 4):
            publisher.produce(batch, "pinterest_data", key, b"{}")
        batch.close()
        assert publisher.flush(timeout=10) == 0
    assert (tracker.delivered, tracker.failed, tracker.watermark) == (4, 0, 4)
    assert [len(body["records"]) for body in received] == [2, 2]
