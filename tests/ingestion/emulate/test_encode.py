import json
from datetime import datetime

import pytest

from ingestion.emulate.encode import encode_key, encode_row


def test_rows_become_compact_utf8_json_with_iso_datetimes():
    row = {"ind": 7, "timestamp": datetime(2020, 1, 2, 3, 4, 5), "title": "café 🎨", "x": None}
    encoded = encode_row(row)
    assert (
        encoded == '{"ind":7,"timestamp":"2020-01-02T03:04:05","title":"café 🎨","x":null}'.encode()
    )
    assert json.loads(encoded)["title"] == "café 🎨"


def test_nan_is_refused_rather_than_written_as_invalid_json():
    with pytest.raises(ValueError):
        encode_row({"latitude": float("nan")})


def test_keys_are_the_decimal_text_of_the_post_key():
    assert encode_key(0) == b"0"
    assert encode_key(11153) == b"11153"
