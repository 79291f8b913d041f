"""When each post became visible in the source database: a thread reads the last key every
`interval` seconds. A key is dated by the first read that saw it, so a freshness measured from
here overstates the true one by at most `interval`."""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable


class CommitClock:
    def __init__(self, last_key: Callable[[], int], interval: float = 0.1) -> None:
        self._last_key = last_key
        self._interval = interval
        self._keys: list[int] = []  # increasing
        self._times: list[float] = []  # epoch seconds of the read that first saw each key
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="commit-clock", daemon=True)
        self.error: BaseException | None = None

    def start(self) -> None:
        self._read()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._read()
            except Exception as exc:  # reported by the runner, which owns the outcome
                self.error = exc
                return

    def _read(self) -> None:
        key = self._last_key()
        now = time.time()
        with self._lock:
            if not self._keys or key > self._keys[-1]:
                self._keys.append(key)
                self._times.append(now)

    @property
    def last_key(self) -> int:
        with self._lock:
            return self._keys[-1]

    @property
    def first_key(self) -> int:
        """The last key present when the clock started: later keys have a commit time."""
        with self._lock:
            return self._keys[0]

    def committed_at(self, key: int) -> float | None:
        """Epoch seconds of the first read that saw `key`; None for keys present at start or
        not seen yet."""
        with self._lock:
            if not self._keys or key <= self._keys[0]:
                return None
            index = bisect.bisect_left(self._keys, key)
            return self._times[index] if index < len(self._times) else None
