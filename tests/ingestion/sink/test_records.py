import pytest

from ingestion.sink.layout import object_key
from ingestion.sink.records import landing_problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (b'{"ind": 1}', None),
        ('{"title": "café 🎨"}'.encode(), None),
        (None, "value is null"),
        (b"\xff\xfe{}", "value is not UTF-8"),
        (b"not json", "value is not JSON"),
        (b'{"ind": 1', "value is not JSON"),
        (b"[1, 2]", "value is a JSON list, not an object"),
        (b'"text"', "value is a JSON str, not an object"),
        (b"42", "value is a JSON int, not an object"),
        (b'{"ind":\n1}', "value spans several lines"),
        (b"", "value is not JSON"),
        # Strict RFC 8259: what Python's json module would let through.
        (b'{"latitude": NaN}', "value is not JSON"),
        (b'{"title": "\\ud800"}', "value is not JSON"),
        (b'{"ind": 1}\r', "value spans several lines"),
    ],
)
def test_landing_problem(value, problem):
    assert landing_problem(value) == problem


def test_object_keys_follow_the_confluent_layout():
    assert (
        object_key("topics", "pinterest.pin", 2, 1234)
        == "topics/pinterest.pin/partition=2/pinterest.pin+2+0000001234.json"
    )
