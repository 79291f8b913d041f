"""Kill the Kafka broker while the emulator sends, bring it back, and check that staging
holds every post exactly once."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from offsets import Watermarks

from core.catalogue import TABLE_TOPICS

pytestmark = pytest.mark.fault

SENDING_SECONDS = 10
STAGING = {"pinterest_data": "pins", "geolocation_data": "geolocations", "user_data": "users"}


def test_broker_killed_while_emulating_loses_no_post(
    run, lane, fault_posts, figures, faults, warehouse, tmp_path
):
    checkpoint = tmp_path / "emulate.checkpoint"
    emulator = lane.start(
        "ingestion.emulate",
        "--rate",
        str(fault_posts // SENDING_SECONDS),
        "--checkpoint",
        str(checkpoint),
    )
    topics = [lane.topic(suffix) for suffix in TABLE_TOPICS.values()]
    records = 3 * fault_posts
    # Struck a third of the way in: Kafka holds some of the posts, the emulator sends the rest.
    with Watermarks(lane) as marks:
        before_kill = marks.await_records(topics, records // 3, emulator)
    running_before = emulator.poll() is None
    killed = time.monotonic()
    faults.kill(faults.stack.kafka)
    running_after = emulator.poll() is None
    time.sleep(2)  # the outage
    faults.restore()
    outage = time.monotonic() - killed
    figures.update(
        kafka_records_before_kill=before_kill,
        emulator_running_before_kill=running_before,
        emulator_running_after_kill=running_after,
    )
    assert running_before and running_after, "the emulator had exited when the broker died"
    assert 0 < before_kill < records, "the broker died before or after the emulator's work"
    _, err = emulator.communicate(timeout=900)
    assert "Traceback" not in err
    if emulator.returncode != 0:
        # Allowed: a non-zero exit with a checkpoint that --resume completes.
        assert checkpoint.exists(), err
        resumed = run(
            "ingestion.emulate", "--checkpoint", str(checkpoint), "--resume", env=lane.env
        )
        assert resumed.returncode == 0, resumed.stderr

    in_kafka = {}
    for table, suffix in TABLE_TOPICS.items():
        keys = Counter(int(m.key()) for m in lane.consume_all(lane.topic(suffix)))
        assert len(keys) == fault_posts, f"{table}: {fault_posts - len(keys)} posts missing"
        in_kafka[table] = sum(keys.values())

    sink = run("ingestion.sink", "--until-idle", "5", env=lane.env, timeout=900)
    assert sink.returncode == 0, sink.stderr
    staged = lane.dbt("run-operation", "stage_external_sources")
    assert staged.returncode == 0, staged.stdout[-3000:]
    built = lane.dbt("build", "--select", "+staging", "--exclude", "test_type:unit")
    assert built.returncode == 0, built.stdout[-5000:]
    staging_rows = {}
    for table, model in STAGING.items():
        relation = f"{lane.prefix}_staging.stg_pinterest__{model}"
        warehouse.execute(f"select count(*), count(distinct ind) from {relation}")
        staging_rows[table] = warehouse.fetchall()[0]
    figures.update(
        posts=fault_posts,
        broker_down_seconds=round(outage, 1),
        emulator_exit=emulator.returncode,
        kafka_records=in_kafka,
        duplicates_in_kafka=sum(in_kafka.values()) - 3 * fault_posts,
        staging_rows={table: rows for table, (rows, _) in staging_rows.items()},
    )
    for table, counts in staging_rows.items():
        assert counts == (fault_posts, fault_posts), table
