"""Crash a service of a stack as a machine would: SIGKILL, no shutdown hook."""

from __future__ import annotations

import os
import signal
import time

from ingestion.net import port_open
from ingestion.stack.service import Service


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
