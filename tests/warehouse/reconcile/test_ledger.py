from __future__ import annotations

from dataclasses import replace

import pytest

from warehouse.reconcile.ledger import TableLedger

# 100 source rows carried through: 2 dead-lettered, 3 resent and folded by staging, 1 line
# dropped as malformed (a line that did not come from the source).
WHOLE = TableLedger(
    table="pinterest_data",
    topic="pinterest.pin",
    mysql_rows=100,
    kafka_records=104,
    sink_committed=104,
    s3_records=102,
    s3_objects=3,
    s3_foreign_objects=0,
    dlq_records=2,
    raw_lines=103,
    dropped_lines=1,
    duplicates_removed=4,
    staging_rows=98,
)


def test_a_pipeline_that_carried_everything_has_no_problem() -> None:
    assert WHOLE.problems() == []
    assert WHOLE.kafka_pending == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"kafka_records": 90, "sink_committed": 90}, "10 of 100 rows are not in Kafka"),
        ({"s3_records": 100}, "LOST 2 records of pinterest.pin"),
        ({"s3_records": 103}, "1 more records of pinterest.pin landed"),
        ({"kafka_records": 110}, "6 records of pinterest.pin are not landed yet"),
        ({"raw_lines": 101}, "dbt's audit counts 101"),
        ({"staging_rows": 97}, "1 fewer than the source rows not dead-lettered"),
    ],
)
def test_each_shortfall_is_named(change: dict[str, int], expected: str) -> None:
    problems = replace(WHOLE, **change).problems()
    assert any(expected in problem for problem in problems), problems


def test_stages_not_counted_are_not_judged() -> None:
    counted_to_s3 = replace(
        WHOLE, raw_lines=None, dropped_lines=None, duplicates_removed=None, staging_rows=None
    )
    assert counted_to_s3.problems() == []
