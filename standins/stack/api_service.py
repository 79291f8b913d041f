"""The ingestion API (`python -m ingestion.api`) as a stack service, on the REST Proxy's port,
with the stack's generated API key in a file only its owner can read."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import requests

from ingestion.clients.kafka import config_var
from standins.stack.service import Service
from standins.stack.stack_config import PORT_SETTINGS, write_private

# The route that says whether the API can produce (ingestion/api/app.py).
HEALTH_PATH = "/health"


class IngestApi(Service):
    name = "api"
    start_timeout = 30.0
    # Its producer signs in as its Kafka user, which Kafka's configure creates and grants its
    # rights: started before them, the producer's first request for a producer id is refused,
    # a fatal error for an idempotent producer.
    after_configure = True

    @property
    def port(self) -> int:
        return self.config.api_port

    def ports(self) -> dict[int, str | None]:
        return {self.port: PORT_SETTINGS["api_port"]}

    @property
    def key_file(self) -> Path:
        return self.home / "api-key"

    @property
    def client_file(self) -> Path:
        """Its Kafka user's settings, which the Kafka service writes."""
        return self.layout.kafka_clients / "api.properties"

    def started_with(self) -> str:
        """Its command line and Kafka user's settings: another user or password restarts it.
        So does a change of the route its readiness is read from: an API started before the
        route existed would never be found ready."""
        text = " ".join(self.command_args()) + f" ready at {HEALTH_PATH}"
        if self.client_file.exists():
            text += self.client_file.read_text(encoding="utf-8")
        return text

    @property
    def marker(self) -> str:
        return f"--api-key-file={self.key_file}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def install(self) -> None:
        """Nothing beyond the Python packages `make install` puts in the venv."""

    def command(self) -> Sequence[str]:
        write_private(self.key_file, self.creds.api_key + "\n")
        return self.command_args()

    def command_args(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "ingestion.api",
            f"--host={self.config.host}",
            f"--port={self.port}",
            f"--bootstrap-servers={self.config.kafka_bootstrap}",
            f"--topic-prefix={self.config.topic_prefix}",
            self.marker,
        ]

    def environment(self) -> Mapping[str, str]:
        # It runs in its own folder, where no stack.env is found: its Kafka user is named here.
        return {**os.environ, config_var("api"): str(self.client_file)}

    def _health(self) -> requests.Response | None:
        try:
            return requests.get(f"{self.url}{HEALTH_PATH}", timeout=5)
        except requests.RequestException:
            return None

    def ready(self) -> bool:
        """Can produce, by its own account (its producer holds its id from Kafka, Kafka
        answers it), not only listens."""
        response = self._health()
        return response is not None and response.status_code == 200

    def why_not_ready(self) -> str | None:
        """From one answer of `/health`, which says why when it cannot produce."""
        response = self._health()
        if response is None:
            return "not answering"
        if response.status_code == 200:
            return None
        if response.status_code == 503:  # it says why, in the REST Proxy's error shape
            try:
                return str(response.json()["message"])
            except (ValueError, KeyError, TypeError):
                pass
        return f"answering {HEALTH_PATH} with HTTP {response.status_code}"

    def configure(self) -> None:
        """Nothing to set up: the topics are Kafka's, created when it started."""
