"""The order `make up` starts services in, without the real services: the ingestion API only
once Kafka is configured (its user and rights exist), the others all at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from standins.stack.api_service import IngestApi
from standins.stack.lifecycle import start
from standins.stack.service import Service
from standins.stack.stack_config import Credentials, Layout, StackConfig


class Recorded(Service):
    """A stand-in that records what `start` does with it instead of running anything."""

    def __init__(
        self, name: str, events: list[str], *, running: bool = False, after: bool = False
    ) -> None:
        super().__init__(Layout(Path("/nonexistent")), StackConfig(), Credentials.generate())
        self.name = name
        self.after_configure = after
        self._events = events
        self._running = running

    @property
    def port(self) -> int | None:
        return None

    @property
    def marker(self) -> str:
        return self.name

    def install(self) -> None:
        pass

    def command(self) -> Sequence[str]:
        return []

    def pid(self) -> int | None:
        return 1 if self._running else None

    def outdated(self) -> bool:
        return False

    def launch(self) -> None:
        self._events.append(f"launch {self.name}")
        self._running = True

    def wait_ready(self) -> float:
        self._events.append(f"ready {self.name}")
        return 0.0

    def ready(self) -> bool:
        return True

    def configure(self) -> None:
        self._events.append(f"configure {self.name}")


def test_the_api_is_launched_once_kafka_is_configured():
    assert IngestApi.after_configure
    events: list[str] = []
    names = ["mariadb", "kafka", "seaweedfs", "spark"]
    services = [Recorded(name, events) for name in names]
    services.append(Recorded("api", events, after=IngestApi.after_configure))
    start(services, lambda line: None)
    # The others start together, the API after the last of them is configured (Kafka makes
    # the users and ACLs in its configure).
    assert events[:4] == [f"launch {name}" for name in names]
    assert events.index("launch api") > events.index("configure kafka")
    assert events[-3:] == ["launch api", "ready api", "configure api"]


def test_a_running_api_is_not_launched_again():
    events: list[str] = []
    services = [Recorded("kafka", events), Recorded("api", events, running=True, after=True)]
    lines: list[str] = []
    start(services, lines.append)
    assert "launch api" not in events
    assert events[-2:] == ["ready api", "configure api"]
    assert "already running" in lines[-1]
