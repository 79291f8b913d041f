"""Progress for long work: a tqdm bar on a terminal, a plain log line every few seconds
otherwise (CI logs, pipes), so both people and log readers see that work moves."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO

from tqdm import tqdm


class Progress:
    def __init__(
        self,
        what: str,
        total: int | None = None,
        unit: str = "posts",
        stream: TextIO | None = None,
        log_every: float = 5.0,
    ) -> None:
        self.what = what
        self.total = total
        self.unit = unit
        self.count = 0
        self._stream = stream or sys.stderr
        self._log_every = log_every
        self._started = time.monotonic()
        self._last_log = self._started
        self._logged = 0
        self._bar = (
            tqdm(total=total, desc=what, unit=f" {unit}", file=self._stream, smoothing=0.1)
            if self._stream.isatty()
            else None
        )

    def advance(self, n: int = 1) -> None:
        self.count += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = time.monotonic()
        if now - self._last_log >= self._log_every:
            self._last_log = now
            self._log_line(now)

    def _log_line(self, now: float) -> None:
        self._logged = self.count
        rate = self.count / max(now - self._started, 1e-9)
        of_total = f"/{self.total:,}" if self.total else ""
        print(
            f"{self.what}: {self.count:,}{of_total} {self.unit} ({rate:,.0f}/s)",
            file=self._stream,
            flush=True,
        )

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def close(self) -> None:
        """End the bar; in log mode, a last line when the last one is stale."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.count != self._logged:
            self._log_line(time.monotonic())

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


# A wait longer than this gets a word on the terminal (it may last for seconds more).
SLOW_AFTER_S = 1.5


@contextmanager
def announced(
    what: str, stream: TextIO | None = None, after: float = SLOW_AFTER_S
) -> Iterator[None]:
    """Say `what` is being waited for, if the block has not finished after `after` seconds:
    a quick check stays silent, a slow one is not mistaken for a hang."""
    out = stream or sys.stderr
    timer = threading.Timer(after, lambda: print(f"{what} ...", file=out, flush=True))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
