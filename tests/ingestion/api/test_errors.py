"""Every refusal the API makes, asserted on status and body, as the REST Proxy shapes them:
`{"error_code": ..., "message": ...}`. None of them writes anything: after each one, Kafka's
end offsets of the lane's topics are where they were."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
import requests
from api_process import JSON_V2, running_api
from api_summary import Summary, parse_summary
from offsets import Watermarks

from core.catalogue import TABLE_TOPICS

VALID = {"records": [{"key": 1, "value": {"a": 1}}]}


def post_raw(api, topic, data: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(f"{api.url}/topics/{topic}", data=data, headers=headers, timeout=30)


def assert_error(response: requests.Response, status: int, code: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/vnd.kafka.v2+json"
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code
    for word in words:
        assert word in body["message"], body["message"]


@pytest.fixture(scope="module")
def pin(api_lane) -> str:
    return api_lane.topic("pin")


@pytest.fixture
def written(api_lane) -> Iterator[Callable[[], int]]:
    """How far Kafka's end offsets of the lane's topics (all of them: a refusal writes nowhere)
    moved since the last call, or since the test began."""
    topics = [api_lane.topic(suffix) for suffix in (*TABLE_TOPICS.values(), "dlq")]
    with Watermarks(api_lane) as marks:
        last = marks.end(*topics)

        def moved() -> int:
            nonlocal last
            now = marks.end(*topics)
            moved, last = now - last, now
            return moved

        yield moved


@pytest.fixture
def refused(written) -> Callable[..., None]:
    """assert_error, and that the refused request wrote nothing."""

    def check(response: requests.Response, status: int, code: int, *words: str) -> None:
        assert_error(response, status, code, *words)
        assert written() == 0, f"a request refused with {status} wrote to Kafka"

    return check


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key-wrong-key-wrong"},
        {"X-API-Key": "wrong-key-wrong-key-wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["none", "wrong-bearer", "wrong-header", "basic"],
)
def test_requests_without_the_key_are_401(api, pin, headers, refused):
    for response in (
        post_raw(api, pin, json.dumps(VALID).encode(), {"Content-Type": JSON_V2, **headers}),
        requests.get(f"{api.url}/topics", headers=headers, timeout=10),
        requests.get(f"{api.url}/topics/{pin}", headers=headers, timeout=10),
    ):
        refused(response, 401, 40101, "API key")
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_key_works_as_bearer_and_as_x_api_key(api, pin, written):
    data = json.dumps(VALID).encode()
    for auth in ({"Authorization": f"Bearer {api.key}"}, {"X-API-Key": api.key}):
        assert post_raw(api, pin, data, {"Content-Type": JSON_V2, **auth}).status_code == 200
        assert written() == 1


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "text/plain",
        "application/vnd.kafka.binary.v2+json",
        "application/vnd.kafka.avro.v2+json",
        None,
    ],
)
def test_other_content_types_are_415(api, pin, content_type, refused):
    headers = {"Authorization": f"Bearer {api.key}"}
    if content_type:
        headers["Content-Type"] = content_type
    response = post_raw(api, pin, json.dumps(VALID).encode(), headers)
    refused(response, 415, 415, JSON_V2)


def test_content_type_parameters_are_accepted(api, pin, written):
    headers = api.headers(**{"Content-Type": f"{JSON_V2}; charset=utf-8"})
    assert post_raw(api, pin, json.dumps(VALID).encode(), headers).status_code == 200
    assert written() == 1


@pytest.mark.parametrize(
    "data",
    [b"{", b'{"records": [}', b"", b"\xff\xfe", b'{"records": [{"value": NaN}]}'],
    ids=["truncated", "broken", "empty", "not-utf8", "nan"],
)
def test_malformed_json_is_400(api, pin, data, refused):
    refused(post_raw(api, pin, data, api.headers()), 400, 400, "malformed JSON")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "records"),
        ({"records": []}, "records"),
        ({"records": "x"}, "records"),
        ([VALID], "body"),
        ({"records": [{"key": 1, "valu": 2}]}, "records.0.valu"),
        ({"records": [{"value": 1, "partition": -1}]}, "records.0.partition"),
        ({"records": [{"value": 1, "partition": "1"}]}, "records.0.partition"),
        ({"records": [{"value": 1}], "value_schema_id": 3}, "value_schema_id"),
    ],
    ids=["no-records", "empty", "not-a-list", "array", "typo", "negative", "string", "schema"],
)
def test_invalid_bodies_are_422_naming_the_field(api, pin, body, where, refused):
    response = post_raw(api, pin, json.dumps(body).encode(), api.headers())
    refused(response, 422, 422, where)


def test_unknown_topic_is_40401(api, api_lane, refused):
    response = api.post(api_lane.topic("nosuch"), VALID)
    refused(response, 404, 40401, api_lane.topic("nosuch"), "not found")
    refused(api.get(f"/topics/{api_lane.topic('nosuch')}"), 404, 40401, "not found")


def test_partition_out_of_range_is_40402(api, pin, refused):
    # The first record is valid: it is not written either.
    response = api.post(pin, {"records": [{"value": 1}, {"value": 2, "partition": 3}]})
    refused(response, 404, 40402, "partition 3", "has 3")


def test_topics_outside_the_prefix_are_403(api, refused):
    for response in (api.post("other.pin", VALID), api.get("/topics/other.pin")):
        refused(response, 403, 40301, "outside", "prefix")


def test_unknown_routes_and_methods_keep_the_error_shape(api, refused):
    refused(api.get("/nothing"), 404, 404)
    response = requests.delete(f"{api.url}/topics/x", headers=api.headers(), timeout=10)
    refused(response, 405, 405)


def test_oversized_requests_are_413(api_lane, refused, written):
    pin = api_lane.topic("pin")
    with running_api(
        api_lane.prefix, api_lane.bootstrap, "--max-request-bytes", "2000", "--max-records", "5"
    ) as small:
        big = json.dumps({"records": [{"value": "x" * 3000}]}).encode()
        refused(post_raw(small, pin, big, small.headers()), 413, 413, "2,000")

        # Chunked, with no Content-Length to check up front: counted as it arrives.
        chunks = iter([big[:1000], big[1000:]])
        response = post_raw(small, pin, chunks, small.headers())  # type: ignore[arg-type]
        refused(response, 413, 413, "2,000")

        many = {"records": [{"value": n} for n in range(6)]}
        refused(small.post(pin, many), 413, 413, "6 records", "limit is 5")

        assert small.post(pin, {"records": [{"value": n} for n in range(5)]}).status_code == 200
        assert written() == 5
        summary = parse_summary(small.stop())
    # Nothing left to write when it stopped: the refused requests had queued nothing.
    assert written() == 0
    assert summary == Summary(
        requests=4, acknowledged=5, failed=0, unreported=0, replaced=0, rejected={413: 3}
    )


def test_a_record_over_kafkas_message_limit_is_413_and_nothing_is_written(api, pin, refused):
    # To a topic the API may write (not the dead-letter topic, where nothing could be written).
    records = [{"value": "small"}, {"value": "y" * 1_100_000}]
    response = api.post(pin, {"records": records})
    refused(response, 413, 413, "record 1", "1,000,000")
