"""An ingestion API of a test's own: a real `python -m ingestion.api` process on a free
port, writing to a lane's topics through the stack's Kafka, with a key made up here."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from offsets import Watermarks

JSON_V2 = "application/vnd.kafka.json.v2+json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Api:
    url: str
    key: str
    process: subprocess.Popen[str]

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", "Content-Type": JSON_V2, **extra}

    def post(self, topic: str, body: Any, **kwargs: Any) -> requests.Response:
        return requests.post(
            f"{self.url}/topics/{topic}", json=body, headers=self.headers(), timeout=60, **kwargs
        )

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", headers=self.headers(), timeout=30)

    def await_healthy(self, within: float = 30.0) -> None:
        """Until `/health` says a post would now be sent (the producer holds its id)."""
        deadline = time.monotonic() + within
        while (health := requests.get(f"{self.url}/health", timeout=10)).status_code != 200:
            assert time.monotonic() < deadline, f"the API is not healthy: {health.text}"
            time.sleep(0.1)

    def stop(self) -> str:
        """SIGTERM, as `make down` does; returns what the API printed."""
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=60)
        return out


@contextmanager
def running_api(
    prefix: str, bootstrap: str, *args: str, env: dict[str, str] | None = None
) -> Iterator[Api]:
    port = free_port()
    key = secrets.token_urlsafe(24)
    process = subprocess.Popen(
        [sys.executable, "-m", "ingestion.api", "--port", str(port), *args],
        env={
            **os.environ,
            "INGEST_API_KEY": key,
            "PINTEREST_TOPIC_PREFIX": prefix,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            **(env or {}),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    api = Api(f"http://127.0.0.1:{port}", key, process)
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"the API exited: {process.communicate()[0]}"
        try:
            if requests.get(f"{api.url}/", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "the API did not answer within 30 s"
        time.sleep(0.1)
    try:
        yield api
    finally:
        if process.poll() is None:
            api.stop()


def records_in(lane: Any, topic: str, patience: float = 30.0) -> int:
    """The records a topic holds, counted by its offsets."""
    with Watermarks(lane, patience) as marks:
        return marks.records(topic)
