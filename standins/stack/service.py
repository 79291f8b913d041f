"""What every stack service has in common: install, launch detached, wait until ready, stop."""

from __future__ import annotations

import hashlib
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path

from core.errors import ConfigurationError
from core.net import port_open
from standins.stack import process
from standins.stack.stack_config import Credentials, Layout, StackConfig


class Service(ABC):
    name: str
    start_timeout: float = 60.0
    # Launched only once every service before it is ready and configured, rather than with
    # them: it needs what their configure makes (the API, its Kafka user and rights).
    after_configure: bool = False

    def __init__(self, layout: Layout, config: StackConfig, creds: Credentials) -> None:
        self.layout = layout
        self.config = config
        self.creds = creds
        self._launched: subprocess.Popen[bytes] | None = None

    @property
    def home(self) -> Path:
        return self.layout.service_dir(self.name)

    @property
    def pid_file(self) -> Path:
        return self.layout.pid_file(self.name)

    @property
    def log_path(self) -> Path:
        return self.layout.log_file(self.name)

    @property
    @abstractmethod
    def port(self) -> int | None:
        """The port clients connect to (None for a service without one)."""

    @property
    @abstractmethod
    def marker(self) -> str:
        """A string only this stack's process of this service has on its command line."""

    @abstractmethod
    def install(self) -> None:
        """Make sure binaries and jars are present; cheap when they are."""

    @abstractmethod
    def command(self) -> Sequence[str]:
        """Prepare config and data files, and return the argv that runs the service."""

    def environment(self) -> Mapping[str, str] | None:
        return None

    @abstractmethod
    def ready(self) -> bool:
        """True once the service answers real requests."""

    def why_not_ready(self) -> str | None:
        """What `status` says of a running service that is not ready; None when it is."""
        return None if self.ready() else "not answering"

    @abstractmethod
    def configure(self) -> None:
        """Idempotent set-up once ready (users, buckets, topics)."""

    def started_with(self) -> str | None:
        """What the process depends on that is not in a file it reads itself (its command
        line, keys, a client file): recorded at launch as a digest, and compared by
        `outdated`. None: nothing to record."""
        return None

    @property
    def stamp_file(self) -> Path:
        return self.home / "started-with.sha256"

    def _stamp(self) -> str | None:
        text = self.started_with()
        return None if text is None else hashlib.sha256(text.encode()).hexdigest()

    def outdated(self) -> bool:
        """True when the running process was started with settings this version of the stack
        would not give it (so `up` restarts it)."""
        stamp = self._stamp()
        if stamp is None:
            return False
        try:
            return self.stamp_file.read_text(encoding="utf-8") != stamp
        except FileNotFoundError:
            return True

    @property
    def address(self) -> str:
        return f"{self.config.host}:{self.port}"

    def pid(self) -> int | None:
        return process.running_pid(self.pid_file, self.marker)

    def ports(self) -> dict[int, str | None]:
        """Every port the service binds -> the setting that moves it (None: none does)."""
        return {} if self.port is None else {self.port: None}

    def launch(self) -> None:
        for port, setting in self.ports().items():
            if port_open(self.config.host, port):
                move = f", or set {setting} to a free port" if setting else ""
                raise ConfigurationError(
                    f"port {self.config.host}:{port} needed by {self.name} is taken by another "
                    f"process: stop that process (see `ss -ltnp`){move}"
                )
        self.home.mkdir(parents=True, exist_ok=True)
        argv = self.command()
        stamp = self._stamp()
        if stamp is not None:
            self.stamp_file.write_text(stamp, encoding="utf-8")
        self._launched = process.start_detached(
            argv,
            log_path=self.log_path,
            pid_file=self.pid_file,
            cwd=self.home,
            env=self.environment(),
        )

    def _alive(self) -> bool:
        # A process this object launched is watched through its handle (which also reaps it);
        # one started by an earlier `make up` through its pid file.
        if self._launched is not None:
            return self._launched.poll() is None
        return self.pid() is not None

    def wait_ready(self) -> float:
        return process.wait_until(
            self.ready,
            timeout=self.start_timeout,
            alive=self._alive,
            what=self.name,
            log_path=self.log_path,
        )

    def stop(self) -> bool:
        return process.stop(self.pid_file, self.marker)
