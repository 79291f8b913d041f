"""What may be landed as a line of JSON, and the envelope of a record that may not."""

from __future__ import annotations

import base64
import json

import orjson
from confluent_kafka import Message

# Kafka Connect's dead-letter header names, so tools written for Connect's DLQ read ours.
HEADER_TOPIC = "__connect.errors.topic"
HEADER_PARTITION = "__connect.errors.partition"
HEADER_OFFSET = "__connect.errors.offset"
HEADER_ERROR = "__connect.errors.exception.message"


def landing_problem(value: bytes | None) -> str | None:
    """Why a value cannot be landed as one line of a JSON-lines object, or None if it can.

    JSON is checked by orjson: strictly RFC 8259 (no NaN or Infinity, no lone surrogate
    escapes), and several times faster than the standard library, which made this check the
    sink's largest cost."""
    if value is None:
        return "value is null"
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            return "value is not UTF-8"
        return "value is not JSON"
    if not isinstance(parsed, dict):
        return f"value is a JSON {type(parsed).__name__}, not an object"
    # Valid JSON can hold raw line breaks only as whitespace between tokens; landed verbatim
    # they would split the record across lines.
    if b"\n" in value or b"\r" in value:
        return "value spans several lines"
    return None


def dead_letter(message: Message, error: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(value, headers) of the dead-letter record for `message`. The value is a one-line JSON
    envelope that keeps the original bytes (base64), so the DLQ itself lands as valid JSON."""
    value = message.value()
    key = message.key()
    envelope = {
        "topic": message.topic(),
        "partition": message.partition(),
        "offset": message.offset(),
        "timestamp": message.timestamp()[1],
        "error": error,
        "key": None if key is None else key.decode("utf-8", errors="replace"),
        "value_base64": None if value is None else base64.b64encode(value).decode("ascii"),
    }
    headers = [
        (HEADER_TOPIC, message.topic().encode()),
        (HEADER_PARTITION, str(message.partition()).encode()),
        (HEADER_OFFSET, str(message.offset()).encode()),
        (HEADER_ERROR, error.encode()),
    ]
    return json.dumps(envelope, separators=(",", ":")).encode(), headers
