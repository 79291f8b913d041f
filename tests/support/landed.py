"""What the sink landed, read back record by record."""

from __future__ import annotations

import re
from collections import Counter


def landed_lines(lane, topic: str) -> Counter[tuple[int, int, bytes]]:
    """(partition, offset, line) of every landed line, from object names and contents."""
    name = re.compile(rf".*/partition=(\d+)/{re.escape(topic)}\+\d+\+(\d{{10}})\.json")
    lines: Counter[tuple[int, int, bytes]] = Counter()
    for key, body in lane.objects(topic).items():
        match = name.fullmatch(key)
        assert match, f"{key} is not in the sink's layout"
        partition, start = int(match.group(1)), int(match.group(2))
        for index, line in enumerate(body[:-1].split(b"\n")):
            lines[(partition, start + index, line)] += 1
    return lines
