"""Process management, without the real services: what `make up`/`make down` rely on."""

from __future__ import annotations

import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.errors import ConfigurationError, FatalError
from standins.stack import process
from standins.stack.install import require_java
from standins.stack.service import Service
from standins.stack.stack_config import Credentials, Layout, StackConfig


class Sleeper(Service):
    """A stand-in service: a Python process that sleeps, or exits at once when told to."""

    name = "sleeper"
    start_timeout = 5.0

    def __init__(self, layout: Layout, port: int, exit_at_once: bool = False) -> None:
        super().__init__(layout, StackConfig(), Credentials.generate())
        self._port = port
        self._exit = exit_at_once

    @property
    def port(self) -> int:
        return self._port

    @property
    def marker(self) -> str:
        return f"sleeper-{self.layout.state}"

    def install(self) -> None:
        pass

    @property
    def ready_file(self) -> Path:
        return self.home / "ready"

    def command(self) -> Sequence[str]:
        if self._exit:
            body = "import sys; sys.exit(3)"
        else:
            body = f"import time; open({str(self.ready_file)!r}, 'w'); time.sleep(60)"
        return [sys.executable, "-c", body, self.marker]

    def ready(self) -> bool:
        return self.ready_file.exists()

    def configure(self) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_start_find_and_stop_a_service(tmp_path: Path):
    service = Sleeper(Layout(tmp_path), free_port())
    service.launch()
    assert service.wait_ready() < 5
    pid = service.pid()
    assert pid is not None
    assert service.stop() is True
    assert service.pid() is None
    assert not service.pid_file.exists()
    assert service.stop() is False


def test_a_recycled_pid_is_not_ours(tmp_path: Path):
    pid_file = tmp_path / "x.pid"
    pid_file.write_text("1\n")  # init: alive, but not a stack process
    assert process.running_pid(pid_file, "sleeper-") is None
    assert process.stop(pid_file, "sleeper-") is False


def test_taken_port_is_a_clear_error(tmp_path: Path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        service = Sleeper(Layout(tmp_path), port)
        with pytest.raises(
            ConfigurationError, match=rf"port 127.0.0.1:{port} needed by sleeper is taken"
        ):
            service.launch()
    assert service.pid() is None


def test_service_that_dies_on_start_names_its_log(tmp_path: Path):
    service = Sleeper(Layout(tmp_path), free_port(), exit_at_once=True)
    service.launch()
    with pytest.raises(
        FatalError, match=rf"sleeper exited during start-up; see {service.log_path}"
    ):
        service.wait_ready()


def test_missing_java_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ConfigurationError, match=r"Java 17\+ is required .* not on PATH"):
        require_java()


def test_credentials_are_generated_once_and_private(tmp_path: Path):
    path = tmp_path / "credentials.json"
    first = Credentials.load_or_create(path)
    assert Credentials.load_or_create(path) == first
    assert path.stat().st_mode & 0o777 == 0o600
    assert first != Credentials.generate()
