"""The emulator's REST transport through a real ingestion API: it lands the same records as
the Kafka transport, and it rides out refusals (5xx, 429) by retrying."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import requests
from api_process import records_in, running_api
from http_server import serving

from core.catalogue import TABLE_KEYS, TABLE_TOPICS

OBJECT = re.compile(r".*/partition=(\d+)/[^/]+\.json")


def landed_records(lane) -> dict[str, Counter[tuple[int, str]]]:
    """Topic suffix -> (partition, value as canonical JSON) -> how many times it landed."""
    landed: dict[str, Counter[tuple[int, str]]] = {}
    for suffix in TABLE_TOPICS.values():
        records: Counter[tuple[int, str]] = Counter()
        for key, body in lane.objects(lane.topic(suffix)).items():
            partition = int(OBJECT.fullmatch(key).group(1))
            for line in body.splitlines():
                records[(partition, json.dumps(json.loads(line), sort_keys=True))] += 1
        landed[suffix] = records
    return landed


def test_rest_lands_the_same_records_as_kafka(run, lane, contexts, source_rows):
    emulate = run("ingestion.emulate", env=lane.env)
    assert emulate.returncode == 0, emulate.stderr
    assert run("ingestion.sink", "--until-idle", "3", env=lane.env).returncode == 0
    over_kafka = landed_records(lane)

    with contexts.lane() as rest_lane, running_api(rest_lane.prefix, rest_lane.bootstrap) as api:
        env = {**rest_lane.env, "INGEST_API_KEY": api.key}
        emulate = run("ingestion.emulate", "--transport", "rest", "--rest-url", api.url, env=env)
        assert emulate.returncode == 0, emulate.stderr
        assert "11,154 posts read, 33,462 messages delivered, 0 failed" in emulate.stdout
        sink = run("ingestion.sink", "--until-idle", "3", env=rest_lane.env)
        assert sink.returncode == 0, sink.stderr
        assert "33,462 records landed" in sink.stdout
        over_rest = landed_records(rest_lane)

    for table, suffix in TABLE_TOPICS.items():
        assert sum(over_rest[suffix].values()) == len(source_rows[table])
        # Same records, in the same partitions, each once.
        assert over_rest[suffix] == over_kafka[suffix]
        assert set(over_rest[suffix].values()) == {1}
        keys = {json.loads(value)[TABLE_KEYS[table]] for _, value in over_rest[suffix]}
        assert keys == set(source_rows[table])


class FlakyGateway(BaseHTTPRequestHandler):
    """An API gateway in front of the real API that refuses some produce requests: every
    third with 503, every fifth with 429; others are passed on."""

    upstream = ""
    posts = 0
    refused: ClassVar[Counter[int]] = Counter()
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def _forward(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        answer = requests.request(
            method, self.upstream + self.path, data=body, headers=headers, timeout=60
        )
        self._reply(answer.status_code, answer.content, answer.headers.get("Content-Type"))

    def _reply(self, status: int, body: bytes, content_type: str | None, **extra: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._forward("GET")

    def do_POST(self) -> None:
        with self.lock:
            FlakyGateway.posts += 1
            number = FlakyGateway.posts
        status = 503 if number % 3 == 0 else 429 if number % 5 == 0 else None
        if status is None:
            self._forward("POST")
            return
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.lock:
            FlakyGateway.refused[status] += 1
        body = json.dumps({"error_code": status, "message": "try again"}).encode()
        self._reply(status, body, "application/vnd.kafka.v2+json", **{"Retry-After": "0"})


@contextmanager
def flaky_gateway(upstream: str) -> Iterator[str]:
    FlakyGateway.upstream = upstream
    FlakyGateway.posts = 0
    FlakyGateway.refused = Counter()
    with serving(FlakyGateway) as url:
        yield url


def test_refusals_are_retried_until_every_record_is_in(run, lane, source_rows):
    with running_api(lane.prefix, lane.bootstrap) as api, flaky_gateway(api.url) as gateway:
        env = {**lane.env, "INGEST_API_KEY": api.key}
        emulate = run(
            "ingestion.emulate",
            *("--transport", "rest", "--rest-url", gateway, "--rest-records", "100"),
            *("--limit", "3000"),
            env=env,
        )
        assert emulate.returncode == 0, emulate.stderr
        assert "3,000 posts read, 9,000 messages delivered, 0 failed" in emulate.stdout
    assert FlakyGateway.refused[503] >= 10 and FlakyGateway.refused[429] >= 5
    for suffix in TABLE_TOPICS.values():
        # Refused requests never reached Kafka: nothing is missing and nothing doubled.
        assert records_in(lane, lane.topic(suffix)) == 3000


def test_a_refusal_that_is_final_is_counted_not_retried(run, lane, source_rows, tmp_path):
    checkpoint = tmp_path / "checkpoint"
    # The API takes at most 50 records a request; the emulator sends 100: every request is
    # refused with 413, which no retry can fix.
    with running_api(lane.prefix, lane.bootstrap, "--max-records", "50") as api:
        env = {**lane.env, "INGEST_API_KEY": api.key}
        emulate = run(
            "ingestion.emulate",
            *("--transport", "rest", "--rest-url", api.url, "--rest-records", "100"),
            *("--limit", "500", "--checkpoint", str(checkpoint)),
            env=env,
        )
    assert emulate.returncode == 1
    assert "500 posts read, 0 messages delivered, 1,500 failed, 0 unconfirmed" in emulate.stdout
    last = emulate.stderr.strip().splitlines()[-1]
    assert last.startswith("error: 1,500 messages were not delivered (first error: HTTP 413")
    assert last.endswith("rerun with --resume to send them")
    assert "Traceback" not in emulate.stderr
    assert json.loads(checkpoint.read_text())["last_delivered_key"] is None
    for suffix in TABLE_TOPICS.values():
        assert records_in(lane, lane.topic(suffix)) == 0
