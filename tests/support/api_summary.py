"""The line the API prints when it stops, read into numbers: a test asserts each one exactly
(a substring such as "1 produce requests" would also be found in "11 produce requests")."""

from __future__ import annotations

import re
from dataclasses import dataclass

LINE = re.compile(
    r"^api: (?P<requests>[\d,]+) produce requests, (?P<acknowledged>[\d,]+) records "
    r"acknowledged, (?P<failed>[\d,]+) failed, (?P<unreported>[\d,]+) unreported at exit; "
    r"producers replaced after a fatal error: (?P<replaced>[\d,]+); rejected: (?P<rejected>.+)$",
    re.MULTILINE,
)
REJECTED = re.compile(r"(?P<requests>[\d,]+) x (?P<status>\d{3})")


@dataclass(frozen=True)
class Summary:
    requests: int  # produce requests received
    acknowledged: int  # records Kafka acknowledged
    failed: int  # records Kafka refused
    unreported: int  # records with no report when the API exited
    replaced: int  # producers replaced after a fatal error
    rejected: dict[int, int]  # status -> requests answered with it


def number(text: str) -> int:
    return int(text.replace(",", ""))


def parse_summary(output: str) -> Summary:
    """The summary line of the API's output (there must be exactly one)."""
    lines = list(LINE.finditer(output))
    assert len(lines) == 1, f"not one summary line in the API's output:\n{output[-3000:]}"
    found = lines[0]
    rejected = found["rejected"]
    parts = [] if rejected == "none" else rejected.split(", ")
    matches = [REJECTED.fullmatch(part) for part in parts]
    assert all(matches), f"cannot read the rejections {rejected!r}"
    return Summary(
        requests=number(found["requests"]),
        acknowledged=number(found["acknowledged"]),
        failed=number(found["failed"]),
        unreported=number(found["unreported"]),
        replaced=number(found["replaced"]),
        rejected={int(m["status"]): number(m["requests"]) for m in matches if m is not None},
    )
