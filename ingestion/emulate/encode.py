"""A source row as a Kafka message: the raw row as compact UTF-8 JSON with its original column
names. No cleaning: that belongs to dbt, where it is written once and tested."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _json_default(value: Any) -> Any:
    # DATETIME columns arrive as datetime; ISO-8601 text keeps them readable and parseable.
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_json_default
)


def encode_row(row: dict[str, Any]) -> bytes:
    return _ENCODER.encode(row).encode("utf-8")


def encode_key(key: int) -> bytes:
    return str(key).encode("ascii")
