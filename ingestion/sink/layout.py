"""Object keys of the Confluent S3 sink:
`<topics.dir>/<topic>/partition=<p>/<topic>+<p>+<offset>.json`, the offset being the first
record's, zero-padded to 10 digits so that keys sort in offset order."""

from __future__ import annotations

import re


def topic_folder(topics_dir: str, topic: str) -> str:
    return f"{topics_dir}/{topic}/"


def partition_prefix(topics_dir: str, topic: str, partition: int) -> str:
    return f"{topic_folder(topics_dir, topic)}partition={partition}/"


def object_key(topics_dir: str, topic: str, partition: int, start_offset: int) -> str:
    name = f"{topic}+{partition}+{start_offset:010d}.json"
    return partition_prefix(topics_dir, topic, partition) + name


def object_key_pattern(topics_dir: str, topic: str) -> re.Pattern[str]:
    """Matches exactly the keys object_key() makes for `topic`."""
    return re.compile(
        re.escape(topic_folder(topics_dir, topic))
        + r"partition=(\d+)/"
        + re.escape(topic)
        + r"\+\1\+\d{10}\.json"
    )
