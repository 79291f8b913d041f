"""The landing sensor's decision, tick by tick: what landed past the cursor, and the state of
the sensor's last build, give the run (or none) and the next cursor."""

from __future__ import annotations

from orchestration.sensors import Cursor, LastRun, decide

SCOPE = "s3://bucket/topics/pinterest -> pinterest"
PIN0 = "topics/pinterest.pin/partition=0/"
GEO1 = "topics/pinterest.geo/partition=1/"


def key(folder: str, offset: int) -> str:
    topic, partition = folder.split("/")[1], folder.split("=")[1].rstrip("/")
    return f"{folder}{topic}+{partition}+{offset:010d}.json"


def seen(objects: dict[str, str], seeded: bool = True) -> Cursor:
    return Cursor(SCOPE, objects, seeded)


def test_new_objects_build_the_topics_they_belong_to():
    cursor = seen({PIN0: key(PIN0, 0), GEO1: key(GEO1, 0)})
    newest = {PIN0: key(PIN0, 0), GEO1: key(GEO1, 500)}
    decision = decide(newest, cursor, LastRun.SUCCEEDED)
    assert decision.topics == {"geo"}
    assert not decision.whole
    assert decision.cursor == seen(newest)


def test_offsets_compare_as_numbers_not_text():
    # Zero-padded offsets: 10,000 sorts after 9,999.
    cursor = seen({PIN0: key(PIN0, 9_999)})
    decision = decide({PIN0: key(PIN0, 10_000)}, cursor, LastRun.SUCCEEDED)
    assert decision.topics == {"pin"}


def test_nothing_new_runs_nothing():
    cursor = seen({PIN0: key(PIN0, 7)})
    decision = decide(dict(cursor.objects), cursor, LastRun.SUCCEEDED)
    assert decision.topics == frozenset()
    assert decision.reason == "nothing new landed"


def test_the_first_build_waits_for_every_topic_then_builds_all_with_the_seeds():
    # A geolocation's test reads the pins: it cannot run before stg_pinterest__pins exists.
    early = decide({PIN0: key(PIN0, 0)}, Cursor(SCOPE), LastRun.NONE)
    assert early.topics == frozenset() and not early.whole
    assert early.reason == "the first build waits for a first object in geo, user"
    user0 = "topics/pinterest.user/partition=0/"
    first = decide({GEO1: key(GEO1, 0), user0: key(user0, 0)}, early.cursor, LastRun.NONE)
    assert first.topics == {"pin", "geo", "user"} and first.whole
    assert first.cursor.objects == {PIN0: key(PIN0, 0), GEO1: key(GEO1, 0), user0: key(user0, 0)}
    second = decide({PIN0: key(PIN0, 9)}, first.cursor, LastRun.SUCCEEDED)
    assert second.topics == {"pin"} and not second.whole


def test_an_empty_first_tick_keeps_the_seeds_for_the_first_build():
    empty = decide({}, Cursor(SCOPE), LastRun.NONE)
    assert empty.topics == frozenset()
    assert not empty.cursor.seeded


def test_a_cursor_of_another_landing_or_schema_starts_again():
    text = seen({PIN0: key(PIN0, 5)}).dump()
    assert Cursor.load(text, SCOPE) == seen({PIN0: key(PIN0, 5)})
    assert Cursor.load(text, "s3://bucket/topics/pinterest -> lane") == Cursor(
        "s3://bucket/topics/pinterest -> lane"
    )


def test_a_build_in_flight_holds_the_cursor():
    cursor = seen({PIN0: key(PIN0, 0)})
    decision = decide({PIN0: key(PIN0, 900)}, cursor, LastRun.IN_FLIGHT)
    assert decision.topics == frozenset()
    assert decision.cursor == cursor  # the next tick still sees the new objects


def test_after_a_failed_build_everything_is_built_again():
    cursor = seen({PIN0: key(PIN0, 3)})
    decision = decide(dict(cursor.objects), cursor, LastRun.FAILED)
    assert decision.topics == {"pin", "geo", "user"}
    assert decision.whole
    assert decision.reason == "the last build failed"
