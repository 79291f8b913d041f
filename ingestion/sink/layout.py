"""Object keys of the Confluent S3 sink:
`<topics.dir>/<topic>/partition=<p>/<topic>+<p>+<offset>.json`, the offset being the first
record's, zero-padded to 10 digits so that keys sort in offset order."""

from __future__ import annotations


def partition_prefix(topics_dir: str, topic: str, partition: int) -> str:
    return f"{topics_dir}/{topic}/partition={partition}/"


def object_key(topics_dir: str, topic: str, partition: int, start_offset: int) -> str:
    name = f"{topic}+{partition}+{start_offset:010d}.json"
    return partition_prefix(topics_dir, topic, partition) + name
