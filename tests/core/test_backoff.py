"""The retry schedule of the emulator's REST sends and the sink's S3 calls."""

from __future__ import annotations

from core.backoff import Backoff


def test_delays_double_up_to_the_cap_and_count_the_attempts():
    schedule = Backoff(0.5, 10.0, budget=600)
    assert [schedule.next_delay() for _ in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]
    assert schedule.attempts == 7


def test_a_long_outage_stays_at_the_cap():
    schedule = Backoff(0.5, 10.0, budget=100_000)
    assert [schedule.next_delay() for _ in range(2000)][-1] == 10.0


def test_jitter_keeps_each_delay_between_half_and_all_of_it():
    schedule = Backoff(0.1, 5.0, budget=600, jitter=True)
    for full in (0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0):
        assert full * 0.5 <= schedule.next_delay() <= full


def test_a_wait_past_the_budget_overruns_it():
    assert not Backoff(0.5, 10.0, budget=60).overruns(10)
    assert Backoff(0.5, 10.0, budget=5).overruns(10)
