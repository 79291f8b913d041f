"""What a REST Proxy client sees when things go right: offsets for acknowledged records,
the records in Kafka as compact JSON, the topic listing and description, the OpenAPI
document."""

from __future__ import annotations

import json

import requests
from api_process import running_api
from api_summary import Summary, parse_summary
from confluent_kafka.admin import AdminClient

from core.catalogue import TABLE_TOPICS
from ingestion.emulate.publish import PRODUCER_DEFAULTS


def test_posted_records_are_in_kafka_at_the_offsets_answered(api, api_lane):
    topic = api_lane.topic("pin")
    records = [
        {"key": 7, "value": {"index": 7, "title": "café ☕", "follower_count": "3k"}},
        {"key": "seven", "value": [1, 2.5, None, True]},
        {"value": {"no": "key"}, "partition": 2},
        {"key": 9, "value": None},
    ]
    response = api.post(topic, {"records": records})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.kafka.v2+json"
    body = response.json()
    assert body["key_schema_id"] is None and body["value_schema_id"] is None
    offsets = body["offsets"]
    assert [o["error_code"] for o in offsets] == [None] * 4
    assert offsets[2]["partition"] == 2

    landed = {(m.partition(), m.offset()): m for m in api_lane.consume_all(topic)}
    assert len(landed) == 4
    for record, offset in zip(records, offsets, strict=True):
        message = landed[(offset["partition"], offset["offset"])]
        if "key" in record:
            assert message.key() == json.dumps(record["key"], separators=(",", ":")).encode()
        else:
            assert message.key() is None
        if record["value"] is None:
            assert message.value() is None  # a tombstone
        else:
            assert json.loads(message.value()) == record["value"]
            assert b": " not in message.value(), "values are written as compact JSON"


def test_a_keyed_record_lands_where_the_emulator_would_put_it(api, api_lane):
    """The same murmur2 partitioner on the same key bytes: a post's REST and Kafka paths
    agree on its partition."""
    from confluent_kafka import Producer

    topic = api_lane.topic("geo")
    direct = Producer({**api_lane.kafka("emulator"), **PRODUCER_DEFAULTS})
    partitions = {}
    for key in range(40):
        direct.produce(
            topic,
            b"{}",
            str(key).encode(),
            on_delivery=lambda e, m, k=key: partitions.__setitem__(k, m.partition()),
        )
    assert direct.flush(30) == 0
    response = api.post(topic, {"records": [{"key": k, "value": {}} for k in range(40)]})
    assert response.status_code == 200, response.text
    assert {k: o["partition"] for k, o in enumerate(response.json()["offsets"])} == partitions


def test_topics_lists_only_those_under_the_prefix(api, api_lane):
    response = api.get("/topics")
    assert response.status_code == 200
    names = response.json()
    assert sorted(names) == sorted(api_lane.topic(s) for s in [*TABLE_TOPICS.values(), "dlq"])


def test_topic_description_has_its_partitions_and_configs(api, api_lane):
    response = api.get(f"/topics/{api_lane.topic('user')}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == api_lane.topic("user")
    assert [p["partition"] for p in body["partitions"]] == [0, 1, 2]
    for partition in body["partitions"]:
        assert partition["replicas"] == [
            {"broker": partition["leader"], "leader": True, "in_sync": True}
        ]
    assert body["configs"]["cleanup.policy"] == "delete"


def test_the_openapi_document_describes_the_routes_and_their_security(api):
    document = requests.get(f"{api.url}/openapi.json", timeout=10).json()
    produce = document["paths"]["/topics/{topic}"]["post"]
    schema_ref = produce["requestBody"]["content"]["application/vnd.kafka.json.v2+json"]
    assert schema_ref["schema"]["$ref"] == "#/components/schemas/ProduceRequest"
    assert "ProduceRecord" in document["components"]["schemas"]
    assert {"400", "401", "403", "404", "413", "415", "422", "503"} <= set(produce["responses"])
    schemes = document["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}
    assert {"/topics", "/topics/{topic}"} <= set(document["paths"])


def test_kafka_down_is_503_with_retry_after_and_nothing_written(api_lane):
    # Nothing listens on port 1: the API starts, but no broker ever answers it.
    with running_api(api_lane.prefix, "127.0.0.1:1") as cut_off:
        for response in (
            cut_off.post(api_lane.topic("pin"), {"records": [{"key": 1, "value": {}}]}),
            cut_off.get("/topics"),
        ):
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"].isdigit()
            assert response.json()["error_code"] == 50003
            assert "Kafka is unavailable" in response.json()["message"]
        health = requests.get(f"{cut_off.url}/health", timeout=10)
        assert health.status_code == 503
        assert health.headers["Retry-After"].isdigit()
        assert health.json()["error_code"] == 50003
        assert "cannot produce: its Kafka producer has no producer id" in health.json()["message"]
        summary = parse_summary(cut_off.stop())
    assert summary == Summary(
        requests=1, acknowledged=0, failed=0, unreported=0, replaced=0, rejected={503: 2}
    )


def test_sigterm_stops_the_api_cleanly_with_a_summary(api_lane):
    with running_api(api_lane.prefix, api_lane.bootstrap) as own:
        assert own.post(api_lane.topic("pin"), {"records": [{"value": 1}]}).status_code == 200
        output = own.stop()
        assert own.process.returncode == 0
    summary = parse_summary(output)
    assert summary == Summary(
        requests=1, acknowledged=1, failed=0, unreported=0, replaced=0, rejected={}
    )
    assert "Traceback" not in output
    assert own.key not in output


def test_admin_client_sees_what_the_api_wrote(api, api_lane):
    """Counted by Kafka itself: end offsets grow by exactly the records acknowledged."""
    topic = api_lane.topic("user")
    admin = AdminClient(api_lane.kafka("admin"))
    assert admin.list_topics(topic, timeout=10).topics[topic].error is None
    before = len(api_lane.consume_all(topic))
    response = api.post(topic, {"records": [{"key": n, "value": {"n": n}} for n in range(250)]})
    assert response.status_code == 200
    assert len(api_lane.consume_all(topic)) == before + 250
