"""Freshness bookkeeping without services: commit times from the clock's reads, latencies per
post counted once, marts credited by a successful build that wrote the enriched model."""

from __future__ import annotations

import time

import pytest

from standins.live.clock import CommitClock
from standins.live.cycle import Cycle, marts_current
from standins.live.freshness import Freshness, Summary, percentile


def cycle(entered, enriched_done=None, marts_done=None) -> Cycle:
    return Cycle(
        number=1,
        started=0.0,
        seconds=1.0,
        failed=[],
        enriched_done=enriched_done,
        marts_done=marts_done,
        staged=len(entered),
        entered=entered,
    )


def test_a_key_is_dated_by_the_first_read_that_saw_it():
    keys = iter([10, 10, 13, 13, 20])
    clock = CommitClock(lambda: next(keys))
    for _ in range(5):
        clock._read()
    assert clock.first_key == 10 and clock.last_key == 20
    assert clock.committed_at(10) is None  # present at start: no commit time
    assert clock.committed_at(11) == clock.committed_at(13)
    assert clock.committed_at(14) == clock.committed_at(20) >= clock.committed_at(13)
    assert clock.committed_at(21) is None  # not seen yet


def test_the_clock_reads_in_its_thread_until_stopped():
    key = [0]

    def last_key() -> int:
        key[0] += 1
        return key[0]

    clock = CommitClock(last_key, interval=0.01)
    clock.start()
    time.sleep(0.2)
    clock.stop()
    seen = clock.last_key
    time.sleep(0.05)
    assert seen > 5 and clock.last_key == seen


def test_each_post_counts_once_and_waits_for_marts_that_all_succeeded():
    keys = iter([0, 3, 6])
    clock = CommitClock(lambda: next(keys))
    clock._read()
    clock._read()  # keys 1-3 seen
    committed = clock.committed_at(2)
    freshness = Freshness(clock)

    enriched, marts = freshness.record(cycle([1, 2, 3], enriched_done=committed + 5))
    assert (
        enriched == pytest.approx([5.0, 5.0, 5.0]) and marts == []
    )  # a mart failed or did not run

    clock._read()  # keys 4-6 seen
    later = clock.committed_at(5)
    enriched, marts = freshness.record(
        cycle([2, 4, 5], enriched_done=later + 2, marts_done=later + 4)
    )
    assert enriched == pytest.approx([2.0, 2.0])  # key 2 was counted already
    assert sorted(marts) == pytest.approx(sorted([later + 4 - committed] * 3 + [4.0, 4.0]))
    assert Summary.of(freshness.enriched).max == pytest.approx(5.0)


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0
    assert Summary.of([]) is None


def test_posts_are_in_the_marts_when_a_successful_build_wrote_the_enriched_model():
    # The marts are views: a build that leaves them out has its posts in them at once.
    assert marts_current(True, 12.0, []) == 12.0
    # A first build creates the views after the enriched model: its posts wait for the last.
    assert marts_current(True, 12.0, [13.0, 15.0]) == 15.0
    assert marts_current(False, 12.0, []) is None
    assert marts_current(True, None, [13.0]) is None
