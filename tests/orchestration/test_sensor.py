"""The landing sensor against the stack's S3, in a lane: objects landed for one topic give a
run request naming exactly the models that topic feeds (the first waits for every topic and
builds all); nothing new gives no run."""

from __future__ import annotations

import json

import pytest
from dagster import AssetKey, DagsterInstance, SensorResult, build_sensor_context

from core.settings import Settings
from ingestion.sink.layout import object_key
from orchestration.assets import Pipeline
from orchestration.definitions import build_definitions
from orchestration.sensors import SENSOR_NAME

MARTS = {
    "country_with_most_followed_user",
    "median_follower_count_by_age_group",
    "median_follower_count_by_age_group_and_join_year",
    "median_follower_count_by_join_year",
    "most_followed_user_by_country",
    "most_popular_category_by_age_group",
    "most_popular_category_by_country",
    "most_popular_category_by_year",
    "users_joined_by_year",
}


@pytest.fixture
def lane_env(lane, monkeypatch):
    for name, value in lane.env.items():
        monkeypatch.setenv(name, value)
    return lane


def tick(definitions, instance, cursor):
    sensor = definitions.resolve_sensor_def(SENSOR_NAME)
    context = build_sensor_context(
        instance=instance,
        cursor=cursor,
        definitions=definitions,
        sensor_name=SENSOR_NAME,
        resources={"pipeline": Pipeline()},
    )
    result = sensor(context)
    assert isinstance(result, SensorResult)
    return result


def land(lane, suffix, partition, offset):
    key = object_key(lane.topics_dir, lane.topic(suffix), partition, offset)
    lane.s3().put_object(Bucket=lane.bucket, Key=key, Body=b'{"ind": 1}\n')
    return key


def names(keys):
    return {key.path[-1] for key in keys}


def test_new_geo_objects_build_what_geo_feeds_and_nothing_else(lane_env):
    lane = lane_env
    definitions = build_definitions(Settings.load())
    with DagsterInstance.ephemeral() as instance:
        empty = tick(definitions, instance, None)
        assert not empty.run_requests
        assert empty.skip_reason.skip_message == "nothing new landed"

        land(lane, "geo", 0, 0)
        newest = land(lane, "geo", 2, 40)
        early = tick(definitions, instance, empty.cursor)
        assert not early.run_requests
        assert early.skip_reason.skip_message == (
            "the first build waits for a first object in pin, user"
        )
        (event,) = early.asset_events
        assert event.asset_key == AssetKey(["s3", "geo"])
        assert event.metadata["new_objects"].value == 2

        land(lane, "pin", 0, 0)
        land(lane, "user", 1, 0)
        first = tick(definitions, instance, early.cursor)
        (request,) = first.run_requests
        assert names(request.asset_selection) == {
            "missing_value_markers",  # the first build loads the seeds
            "categories",
            "stg_pinterest__pins",
            "stg_pinterest__geolocations",
            "stg_pinterest__users",
            "int_pinterest__posts_enriched",
            "audit_pinterest__landed_objects",
            "audit_pinterest__source_tables",
            "audit_pinterest__markers",
            *MARTS,
        }
        assert AssetKey("report") not in request.asset_selection
        assert request.tags["pinterest/warehouse"] == "dbt"
        assert json.loads(first.cursor)["objects"][newest.rsplit("/", 1)[0] + "/"] == newest

        again = tick(definitions, instance, first.cursor)
        assert not again.run_requests and not again.asset_events

        land(lane, "geo", 2, 41)
        later = tick(definitions, instance, again.cursor)
        (request,) = later.run_requests
        assert "stg_pinterest__geolocations" in names(request.asset_selection)
        assert not {"stg_pinterest__pins", "stg_pinterest__users"} & names(request.asset_selection)
        assert "missing_value_markers" not in names(request.asset_selection)
        # The marts are views over the enriched model: current without a build of their own.
        assert not set(MARTS) & names(request.asset_selection)


def test_the_report_follows_the_models_its_exposure_reads(lane_env):
    graph = build_definitions(Settings.load()).resolve_asset_graph()
    upstream = names(graph.get(AssetKey("report")).parent_keys)
    assert upstream == {*MARTS, "audit_pinterest__source_tables", "stg_pinterest__pins"}
