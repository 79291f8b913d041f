"""The ingestion API (`python -m ingestion.api`) as a stack service, on the REST Proxy's port,
with the stack's generated API key in a file only its owner can read."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import requests

from ingestion.stack.config import write_private
from ingestion.stack.service import Service


class IngestApi(Service):
    name = "api"
    start_timeout = 30.0

    @property
    def port(self) -> int:
        return self.config.api_port

    @property
    def key_file(self) -> Path:
        return self.home / "api-key"

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

    def ready(self) -> bool:
        """Answers an authenticated request, which needs Kafka's metadata too."""
        try:
            response = requests.get(
                f"{self.url}/topics",
                headers={"Authorization": f"Bearer {self.creds.api_key}"},
                timeout=5,
            )
        except requests.RequestException:
            return False
        return response.status_code == 200

    def configure(self) -> None:
        """Nothing to set up: the topics are Kafka's, created when it started."""
