"""Freshness: for each post, the time from its commit in the source to its presence in the
enriched model, and in every mart, with percentiles over a run."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from standins.live.clock import CommitClock
from standins.live.cycle import Cycle


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class Summary:
    posts: int
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> Summary | None:
        if not values:
            return None
        return cls(len(values), percentile(values, 0.5), percentile(values, 0.95), max(values))

    def __str__(self) -> str:
        return f"p50 {self.p50:.1f} s, p95 {self.p95:.1f} s, max {self.max:.1f} s"


@dataclass
class Freshness:
    """Latencies of the posts committed after the clock started. A post counts once, when it
    first enters the enriched model; it reaches the marts with the next build whose marts all
    succeed."""

    clock: CommitClock
    enriched: list[float] = field(default_factory=list)
    marts: list[float] = field(default_factory=list)
    # (commit, in the enriched model) per post, epoch seconds: how freshness moved over a run.
    timeline: list[tuple[float, float]] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set)
    _awaiting_marts: list[float] = field(default_factory=list)  # commit times

    def record(self, cycle: Cycle) -> tuple[list[float], list[float]]:
        """This cycle's latencies: (enriched, marts)."""
        enriched: list[float] = []
        if cycle.enriched_done is not None:
            for key in cycle.entered:
                committed = self.clock.committed_at(key)
                if committed is None or key in self._seen:
                    continue
                self._seen.add(key)
                enriched.append(cycle.enriched_done - committed)
                self.timeline.append((committed, cycle.enriched_done))
                self._awaiting_marts.append(committed)
        marts: list[float] = []
        if cycle.marts_done is not None:
            marts = [cycle.marts_done - committed for committed in self._awaiting_marts]
            self._awaiting_marts = []
        self.enriched += enriched
        self.marts += marts
        return enriched, marts
