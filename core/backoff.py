"""How long to wait before trying again: delays that double up to a cap, within a budget of
time. The emulator's REST sends and the sink's S3 calls share it."""

from __future__ import annotations

import random
import time


class Backoff:
    def __init__(self, first: float, cap: float, budget: float, jitter: bool = False) -> None:
        """`jitter` scales each delay by a random 0.5-1, so that many senders retrying at
        once spread out."""
        self.first = first
        self.cap = cap
        self.jitter = jitter
        self.deadline = time.monotonic() + budget
        self.attempts = 0

    def next_delay(self) -> float:
        """The wait after this attempt; counts the attempt."""
        # The exponent stops growing long after the cap is reached: 2**1024 is no float.
        delay = min(self.cap, self.first * 2 ** min(self.attempts, 64))
        self.attempts += 1
        return delay * random.uniform(0.5, 1.0) if self.jitter else delay

    def overruns(self, wait: float) -> bool:
        """Whether waiting this long would end past the budget."""
        return time.monotonic() + wait > self.deadline
