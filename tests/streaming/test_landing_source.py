"""The stream's source against the stack's S3: it finds the sink's new objects in offset
order past where it was, at most `max_objects` at a time, gives a planned batch's objects
again after a restart, and never an object the sink did not name."""

from __future__ import annotations

import json

import pytest

from ingestion.sink.layout import object_key
from streaming.landing_source import LandingReader

pytestmark = pytest.mark.stack


def land(lane, topic: str, partition: int, offset: int) -> str:
    key = object_key(lane.topics_dir, topic, partition, offset)
    lane.s3().put_object(Bucket=lane.bucket, Key=key, Body=b'{"ind": 1}\n')
    return key


def reader(lane, **options: str) -> LandingReader:
    topics = {"pin": lane.topic("pin"), "geo": lane.topic("geo")}
    return LandingReader(
        {
            "bucket": lane.bucket,
            "topics_dir": lane.topics_dir,
            "topics": json.dumps(topics),
            **options,
        }
    )


def test_new_objects_are_found_in_order_past_the_last_read(lane):
    pin, geo = lane.topic("pin"), lane.topic("geo")
    # Offsets past 9 and 99: names sort as offsets only because they are zero-padded.
    first = [land(lane, pin, 0, offset) for offset in (0, 7, 12, 100)]
    geo_keys = [land(lane, geo, 1, 3)]
    # Under the folder but not the sink's: never read (reconcile reports it).
    lane.s3().put_object(
        Bucket=lane.bucket, Key=f"{lane.topics_dir}/{pin}/partition=0/notes.json", Body=b"x"
    )
    source = reader(lane, max_objects="3")
    rows, end = source.read(source.initialOffset())
    assert list(rows) == [("pin", key) for key in first[:3]]
    assert end == {"pin": {"0": 12}}
    rows, after = source.read(end)
    assert list(rows) == [("pin", first[3]), ("geo", geo_keys[0])]
    assert after == {"pin": {"0": 100}, "geo": {"1": 3}}
    # Nothing new: nothing read, the offsets stay.
    rows, same = source.read(after)
    assert list(rows) == [] and same == after
    later = land(lane, pin, 0, 101)
    rows, _ = source.read(after)
    assert list(rows) == [("pin", later)]


def test_a_restarted_query_gets_a_planned_batch_again_and_starts_where_told(lane):
    pin = lane.topic("pin")
    keys = [land(lane, pin, 0, offset) for offset in range(5)]
    source = reader(lane, max_objects="2")
    _, first_end = source.read({})
    rows, second_end = source.read(first_end)
    assert list(rows) == [("pin", keys[2]), ("pin", keys[3])]
    # Another process, after a crash: the batch between the checkpoint's offsets, as planned,
    # although more objects landed since.
    land(lane, pin, 0, 5)
    again = reader(lane, max_objects="2")
    assert list(again.readBetweenOffsets(first_end, second_end)) == list(
        [("pin", keys[2]), ("pin", keys[3])]
    )
    # A new query starts past what the tables hold.
    held = reader(lane, start=json.dumps({"pin": {"0": 3}}))
    rows, _ = held.read(held.initialOffset())
    assert [key for _, key in rows] == [keys[4], object_key(lane.topics_dir, pin, 0, 5)]
