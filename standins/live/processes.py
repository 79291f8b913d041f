"""The pipeline's own processes in a live run, each a `python -m ingestion.<command>` with its
output in a log file. Each runs in a session of its own, so a Ctrl-C in the terminal reaches
only the runner, which stops them in order; and each gets SIGTERM if the runner dies."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.errors import FatalError

_PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    args: list[str]
    env: Mapping[str, str]
    restarts: int = 0

    def check(self) -> None:
        """A FatalError if the process has exited."""
        code = self.process.poll()
        if code is not None:
            raise FatalError(f"the {self.name} exited with code {code}; see {self.log}")

    def exited(self) -> int | None:
        return self.process.poll()

    def restart(self) -> None:
        """Start the same command again (after it exited)."""
        self.process = start(self.name, self.args, self.log.parent, self.env).process
        self.restarts += 1

    def stop(self, timeout: float = 120.0) -> int:
        """SIGTERM (its clean stop), then SIGKILL if it does not end within `timeout`."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start(name: str, args: list[str], logs: Path, env: Mapping[str, str]) -> Child:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", *args],
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
            preexec_fn=_end_with_parent,
        )
    return Child(name, process, log, args, env)


def run(name: str, args: list[str], logs: Path, env: Mapping[str, str], timeout: float) -> None:
    """Run a command to its end; a FatalError naming its log if it fails."""
    child = start(name, args, logs, env)
    try:
        code = child.process.wait(timeout)
    except subprocess.TimeoutExpired:
        child.stop()
        raise FatalError(
            f"the {name} did not finish within {timeout:.0f} s; see {child.log}"
        ) from None
    if code != 0:
        raise FatalError(f"the {name} exited with code {code}; see {child.log}")
