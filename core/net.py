"""Whether something listens on a TCP port: the API refuses a taken port with it, and the
stack waits on it for a service to be ready."""

from __future__ import annotations

import socket


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
