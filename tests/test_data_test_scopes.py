"""The data tests of the incremental models check every row once, on every build that has rows
they have not checked (macros/test_scope.sql): a first build checks the whole table, a failing
test checks its rows again on the next build, a continuous build leaves the rows it staged to a
rule between tables for the next build, and the check after a continuous run stops takes them.

The landing is written here object by object, in the sink's layout, so that each build sees
exactly the rows the test means it to."""

from __future__ import annotations

import json
from pathlib import Path

# The staging models, their seeds and their data tests; no unit tests (they hold the rules,
# not the scopes).
BUILD = ["--select", "+path:models/staging", "--exclude-resource-type", "unit_test"]
GEO_HAS_ITS_PIN = "test.pinterest_pipeline.relationships_stg_pinterest__geolocations_ind"
AGE_IN_RANGE = "test.pinterest_pipeline.accepted_range_stg_pinterest__users_age"


def pin(key: int) -> dict:
    return {"index": key, "unique_id": f"u{key}", "category": "art", "downloaded": 1}


def geo(key: int) -> dict:
    return {
        "ind": key,
        "country": "Chad",
        "latitude": 1.0,
        "longitude": 2.0,
        "timestamp": "2020-01-01 00:00:00",
    }


def user(key: int, age: int = 30) -> dict:
    return {
        "ind": key,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "age": age,
        "date_joined": "2016-01-01 00:00:00",
    }


class Landing:
    """Objects of one partition per topic, each at the next offset, as the sink names them."""

    def __init__(self, lane) -> None:
        self.lane = lane
        self.offsets = {"pin": 0, "geo": 0, "user": 0}

    def land(self, suffix: str, rows: list[dict]) -> None:
        topic = self.lane.topic(suffix)
        offset = self.offsets[suffix]
        key = f"{self.lane.topics_dir}/{topic}/partition=0/{topic}+0+{offset:010d}.json"
        body = "".join(json.dumps(row) + "\n" for row in rows).encode()
        self.lane.s3().put_object(Bucket=self.lane.bucket, Key=key, Body=body)
        self.offsets[suffix] = offset + len(rows)


def statuses(lane, target: Path, *args: str) -> dict[str, str]:
    """Run dbt; the status of each of the two tests watched (pass, fail...)."""
    result = lane.dbt(*args, "--target-path", str(target))
    results = json.loads((target / "run_results.json").read_text())["results"]
    watched = {}
    for result_row in results:
        for name in (GEO_HAS_ITS_PIN, AGE_IN_RANGE):
            if result_row["unique_id"].startswith(name):
                watched[name] = result_row["status"]
    assert set(watched) == {GEO_HAS_ITS_PIN, AGE_IN_RANGE}, result.stdout[-3000:]
    errors = [r["unique_id"] for r in results if r["status"] == "error"]
    assert not errors, result.stdout[-3000:]
    return watched


def test_each_row_is_checked_once_on_every_kind_of_build(lane, warehouse, tmp_path):
    landing = Landing(lane)
    users = f"{lane.prefix}_staging.stg_pinterest__users"

    # A first build: a geolocation without its pin and an age out of range, each in the whole
    # table this build staged.
    landing.land("pin", [pin(key) for key in range(10)])
    landing.land("geo", [geo(key) for key in range(11)])
    landing.land("user", [user(key, age=150 if key == 3 else 30) for key in range(10)])
    first = statuses(lane, tmp_path / "first", "build", *BUILD)
    assert first == {GEO_HAS_ITS_PIN: "fail", AGE_IN_RANGE: "fail"}

    # Nothing new: the rows that failed are checked again, the failure is not forgotten.
    again = statuses(lane, tmp_path / "again", "build", *BUILD)
    assert again == {GEO_HAS_ITS_PIN: "fail", AGE_IN_RANGE: "fail"}

    # The pin lands and the age is corrected: both pass.
    landing.land("pin", [pin(10)])
    landing.land("user", [user(3)])
    fixed = statuses(lane, tmp_path / "fixed", "build", *BUILD)
    assert fixed == {GEO_HAS_ITS_PIN: "pass", AGE_IN_RANGE: "pass"}

    # A row checked once is not read again: an age broken in place, after its test passed, is
    # outside every later scope (the cost follows what is new).
    warehouse.execute(f"update {users} set age = 200 where ind = 5")
    # A continuous build stages a geolocation whose pin has not landed yet: the rule between
    # tables leaves it to the next build.
    landing.land("geo", [geo(11)])
    continuous = statuses(
        lane, tmp_path / "continuous", "build", *BUILD, "--vars", '{"continuous": true}'
    )
    assert continuous == {GEO_HAS_ITS_PIN: "pass", AGE_IN_RANGE: "pass"}

    # The check after the continuous run stops takes the rows of its last build.
    last = statuses(lane, tmp_path / "last", "test", *BUILD)
    assert last == {GEO_HAS_ITS_PIN: "fail", AGE_IN_RANGE: "pass"}
