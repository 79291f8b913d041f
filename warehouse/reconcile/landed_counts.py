"""Stage 3: records (lines) the sink landed in S3 for a topic, and anything else there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core.errors import TransientError
from ingestion.sink.layout import object_key_pattern, topic_folder


@dataclass(frozen=True)
class LandedCounts:
    records: int
    objects: int
    # Objects under the topic's folder whose names are not the sink's.
    foreign_objects: int


def count_landed(
    client: Any,
    bucket: str,
    topics_dir: str,
    topic: str,
    on_object: Callable[[int], None] = lambda _: None,
) -> LandedCounts:
    folder = topic_folder(topics_dir, topic)
    name = object_key_pattern(topics_dir, topic)
    records = objects = foreign = 0
    try:
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder)
        for page in pages:
            for entry in page.get("Contents", []):
                if not name.fullmatch(entry["Key"]):
                    foreign += 1
                    continue
                body = client.get_object(Bucket=bucket, Key=entry["Key"])["Body"]
                # Every landed record is one line ending in a newline.
                records += sum(chunk.count(b"\n") for chunk in body.iter_chunks(1 << 20))
                objects += 1
                on_object(1)
    except (BotoCoreError, ClientError) as exc:
        raise TransientError(f"cannot read s3://{bucket}/{folder}: {exc}") from None
    return LandedCounts(records, objects, foreign)
