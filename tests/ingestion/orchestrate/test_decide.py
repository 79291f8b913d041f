"""The landing sensor's decision, tick by tick: what landed past the cursor, and the state of
the sensor's last build, give the run (or none) and the next cursor."""

from __future__ import annotations

from ingestion.orchestrate.landing import LastRun, decide

PIN0 = "topics/pinterest.pin/partition=0/"
GEO1 = "topics/pinterest.geo/partition=1/"


def key(folder: str, offset: int) -> str:
    topic, partition = folder.split("/")[1], folder.split("=")[1].rstrip("/")
    return f"{folder}{topic}+{partition}+{offset:010d}.json"


def test_new_objects_build_the_topics_they_belong_to():
    cursor = {PIN0: key(PIN0, 0), GEO1: key(GEO1, 0)}
    newest = {PIN0: key(PIN0, 0), GEO1: key(GEO1, 500)}
    decision = decide(newest, cursor, LastRun.SUCCEEDED)
    assert decision.topics == {"geo"}
    assert decision.cursor == newest


def test_offsets_compare_as_numbers_not_text():
    # Zero-padded offsets: 10,000 sorts after 9,999.
    decision = decide({PIN0: key(PIN0, 10_000)}, {PIN0: key(PIN0, 9_999)}, LastRun.NONE)
    assert decision.topics == {"pin"}


def test_nothing_new_runs_nothing():
    cursor = {PIN0: key(PIN0, 7)}
    decision = decide(dict(cursor), cursor, LastRun.SUCCEEDED)
    assert decision.topics == frozenset()
    assert decision.reason == "nothing new landed"


def test_a_first_tick_builds_what_is_there():
    decision = decide({PIN0: key(PIN0, 0)}, {}, LastRun.NONE)
    assert decision.topics == {"pin"}


def test_a_build_in_flight_holds_the_cursor():
    cursor = {PIN0: key(PIN0, 0)}
    decision = decide({PIN0: key(PIN0, 900)}, cursor, LastRun.IN_FLIGHT)
    assert decision.topics == frozenset()
    assert decision.cursor == cursor  # the next tick still sees the new objects


def test_after_a_failed_build_everything_is_built_again():
    cursor = {PIN0: key(PIN0, 3)}
    decision = decide(dict(cursor), cursor, LastRun.FAILED)
    assert decision.topics == {"pin", "geo", "user"}
    assert decision.reason == "the last build failed"
