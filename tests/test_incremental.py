"""Incremental runs give the full refresh's tables: the posts land in three batches, some
geolocation and user rows a batch after their pin, some pins again (unchanged, and changed),
with an incremental `dbt build` after each; then every staging, intermediate and mart table
equals what `dbt build --full-refresh` makes of the same landing, and the marts equal the
answers computed independently in Python."""

from __future__ import annotations

import json

import reference_answers
from confluent_kafka import Producer
from marts import MARTS, canonical, compare_marts

from core.catalogue import TABLE_TOPICS

# Up to which key each batch carries each table's rows: geolocation and user rows of keys
# 3000-3999 and 7500-7999 land a batch after their pins.
BATCH_ENDS = [
    {"pinterest_data": 4000, "geolocation_data": 3000, "user_data": 3000},
    {"pinterest_data": 8000, "geolocation_data": 7500, "user_data": 7500},
    {"pinterest_data": None, "geolocation_data": None, "user_data": None},
]
RESENT = range(100, 200)  # pins landed again in the last batch, unchanged
CHANGED = range(200, 210)  # pins landed again in the last batch with another category
NEW_CATEGORY = "vehicles"
# Columns that record when a run wrote a row, not what it holds.
RUN_COLUMNS = {"_staged_at"}


def table_rows(warehouse, relation: str) -> list[tuple]:
    warehouse.execute(f"select * from {relation}")
    columns = [column[0].split(".")[-1] for column in warehouse.description]
    keep = [i for i, name in enumerate(columns) if name not in RUN_COLUMNS]
    return canonical([tuple(row[i] for i in keep) for row in warehouse.fetchall()])


def relations(prefix: str) -> list[str]:
    staging = [
        f"{prefix}_staging.{model}"
        for model in (
            "stg_pinterest__pins",
            "stg_pinterest__geolocations",
            "stg_pinterest__users",
        )
    ]
    return [
        *staging,
        f"{prefix}_intermediate.int_pinterest__posts_enriched",
        f"{prefix}_audit.audit_pinterest__landed_objects",
        f"{prefix}_audit.audit_pinterest__source_tables",
        f"{prefix}_audit.audit_pinterest__markers",
        *(f"{prefix}_marts.{mart}" for mart in MARTS),
    ]


def test_incremental_runs_equal_the_full_refresh(run, contexts, lane, source_rows, warehouse):
    # The emulator's messages, sent once to topics of their own, then landed in batches.
    with contexts.lane() as scratch:
        assert run("ingestion.emulate", env=scratch.env).returncode == 0
        messages = {
            table: scratch.consume_all(scratch.topic(suffix))
            for table, suffix in TABLE_TOPICS.items()
        }
    producer = Producer(lane.kafka("emulator", **{"enable.idempotence": True}))
    sent = dict.fromkeys(TABLE_TOPICS, 0)
    pins = {int(m.key()): m for m in messages["pinterest_data"]}
    for number, ends in enumerate(BATCH_ENDS, start=1):
        for table, suffix in TABLE_TOPICS.items():
            rows = sorted(messages[table], key=lambda m: int(m.key()))
            end = len(rows) if ends[table] is None else ends[table]
            for message in rows[sent[table] : end]:
                producer.produce(
                    lane.topic(suffix), message.value(), message.key(), message.partition()
                )
            sent[table] = end
        if number == len(BATCH_ENDS):
            for key in RESENT:
                message = pins[key]
                producer.produce(
                    lane.topic("pin"), message.value(), message.key(), message.partition()
                )
            for key in CHANGED:
                message = pins[key]
                value = {**json.loads(message.value()), "category": NEW_CATEGORY}
                producer.produce(
                    lane.topic("pin"),
                    json.dumps(value).encode(),
                    message.key(),
                    message.partition(),
                )
        assert producer.flush(30) == 0
        landed = run("ingestion.sink", "--until-idle", "3", env=lane.env)
        assert landed.returncode == 0, landed.stderr
        built = lane.dbt("build", "--exclude-resource-type", "unit_test")
        assert built.returncode == 0, built.stdout[-5000:]
        assert "ERROR=0" in built.stdout and "WARN=0" in built.stdout

    incremental = {relation: table_rows(warehouse, relation) for relation in relations(lane.prefix)}
    for table in ("pins", "geolocations", "users"):
        model = f"{lane.prefix}_staging.stg_pinterest__{table}"
        warehouse.execute(f"select count(*), count(distinct ind) from {model}")
        assert warehouse.fetchall() == [(11_154, 11_154)], table
    warehouse.execute(
        f"select ind, category from {lane.prefix}_staging.stg_pinterest__pins "
        f"where ind between {CHANGED.start} and {CHANGED.stop - 1}"
    )
    assert {category for _, category in warehouse.fetchall()} == {NEW_CATEGORY}
    # Every object the sink wrote is counted once by the landing's audit.
    warehouse.execute(f"select count(*) from {lane.prefix}_audit.audit_pinterest__landed_objects")
    objects = [key for key in lane.objects() if ".dlq/" not in key]
    assert warehouse.fetchall() == [(len(objects),)]

    rebuilt = lane.dbt("build", "--full-refresh", "--exclude-resource-type", "unit_test")
    assert rebuilt.returncode == 0, rebuilt.stdout[-5000:]
    for relation in relations(lane.prefix):
        assert table_rows(warehouse, relation) == incremental[relation], relation

    changed_pins = [
        {**row, "category": NEW_CATEGORY} if row["index"] in CHANGED else row
        for row in source_rows["pinterest_data"].values()
    ]
    expected = reference_answers.all_marts(
        changed_pins,
        list(source_rows["geolocation_data"].values()),
        list(source_rows["user_data"].values()),
    )
    manifest = json.loads((lane.repo / "target" / "manifest.json").read_text())
    compare_marts(warehouse, f"{lane.prefix}_marts", manifest, expected)
