"""Crash a service of a stack, or a command of the pipeline, as a machine would: SIGKILL, no
shutdown hook."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from core.net import port_open
from standins.stack.service import Service


def kill(service: Service) -> None:
    """SIGKILL the service (as a crash or the OOM killer would) and wait until its port is
    closed."""
    pid = service.pid()
    assert pid is not None, f"{service.name} is not running"
    os.kill(pid, signal.SIGKILL)
    wait_closed(service)


def wait_closed(service: Service) -> None:
    deadline = time.monotonic() + 60
    while port_open(service.config.host, service.port):
        assert time.monotonic() < deadline, f"{service.name} still listens after it stopped"
        time.sleep(0.1)


def kill_running(process: subprocess.Popen[str]) -> None:
    """SIGKILL a command that must be running until then: it dies of the kill, not of
    something before it."""
    assert process.poll() is None, f"it had exited ({process.returncode}) before the kill"
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
