"""Reconcile's settings: a default derived from another setting follows the value in force."""

from __future__ import annotations

import json

from confluent_kafka import Producer


def test_the_group_follows_the_prefix_flag(run, lane, tmp_path):
    """With the stack's prefix in the environment and the lane's on the command line, the
    committed offsets read are those of the lane's sink group."""
    producer = Producer(lane.kafka("emulator"))
    for n in range(4):
        producer.produce(lane.topic("pin"), value=b'{"index": %d}' % n, key=b"%d" % n)
    assert producer.flush(10) == 0
    landed = run("ingestion.sink", "--until-idle", "4", env=lane.env)
    assert landed.returncode == 0, landed.stderr

    env = {**lane.env, "PINTEREST_TOPIC_PREFIX": "pinterest"}
    del env["SINK_GROUP"]
    output = tmp_path / "reconcile.json"
    result = run(
        "warehouse.reconcile",
        "--topic-prefix",
        lane.prefix,
        "--skip-dbt",
        "--output",
        str(output),
        env=env,
    )
    assert "Traceback" not in result.stderr
    pins = next(
        t for t in json.loads(output.read_text())["tables"] if t["table"] == "pinterest_data"
    )
    assert pins["topic"] == lane.topic("pin")
    assert (pins["kafka_records"], pins["sink_committed"]) == (4, 4)


def test_help_tells_the_derived_group(run):
    result = run("warehouse.reconcile", "--help")
    assert result.returncode == 0
    assert "default: <prefix>-s3-sink" in " ".join(result.stdout.split())
