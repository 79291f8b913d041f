"""Start, find and stop the stack's background processes.

Each service runs detached in its own session (so `make up` can return) with its output in a
log file and its pid in a pid file. Only processes recorded in those pid files are ever
stopped, and a pid is trusted only while its command line still names the service's marker, so
a recycled pid can never make `make down` kill a stranger's process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from core.errors import FatalError, TransientError


def _cmdline(pid: int) -> str:
    # Right after exec the kernel can briefly show an empty command line; a zombie shows one
    # for good. A few short retries tell the two apart.
    for _ in range(5):
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return ""
        if raw:
            return raw.replace(b"\0", b" ").decode(errors="replace")
        time.sleep(0.02)
    return ""


def running_pid(pid_file: Path, marker: str) -> int | None:
    """The pid recorded in pid_file if that process is alive and still ours."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    if marker in _cmdline(pid):
        return pid
    return None


def start_detached(
    argv: Sequence[str],
    *,
    log_path: Path,
    pid_file: Path,
    cwd: Path,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file.write_text(f"{proc.pid}\n")
    return proc


def wait_until(
    check: Callable[[], bool],
    *,
    timeout: float,
    alive: Callable[[], bool],
    what: str,
    log_path: Path,
) -> float:
    """Poll check() until it is true; fail fast if the process died. Returns seconds waited."""
    started = time.monotonic()
    while True:
        if check():
            return time.monotonic() - started
        if not alive():
            raise FatalError(f"{what} exited during start-up; see {log_path}")
        if time.monotonic() - started > timeout:
            raise TransientError(
                f"{what} did not become ready within {timeout:.0f} s; see {log_path}"
            )
        time.sleep(0.25)


def stop(pid_file: Path, marker: str, *, timeout: float = 30.0) -> bool:
    """SIGTERM the service's process group, SIGKILL it after timeout. True if it was running."""
    pid = running_pid(pid_file, marker)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while running_pid(pid_file, marker) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    if running_pid(pid_file, marker) is not None:
        _signal_group(pid, signal.SIGKILL)
        time.sleep(0.5)
    pid_file.unlink(missing_ok=True)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)
