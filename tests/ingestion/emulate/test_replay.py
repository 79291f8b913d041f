"""The replay's checkpoint is the key every table is delivered up to."""

from ingestion.emulate.replay import common_watermark
from ingestion.emulate.source import BEFORE_FIRST_KEY
from ingestion.emulate.table_worker import TableStatus


def status(table, *, rows, delivered, watermark, end=None, failed=0, done=True):
    return TableStatus(
        table,
        rows=rows,
        delivered=delivered,
        failed=failed,
        watermark=watermark,
        end=end,
        done=done,
    )


def test_the_table_furthest_behind_sets_the_checkpoint():
    statuses = [
        status("a", rows=10, delivered=9, watermark=40, done=False),
        status("b", rows=10, delivered=5, watermark=25, done=False),
    ]
    assert common_watermark(statuses, after=0) == 25


def test_a_table_done_to_its_end_counts_up_to_the_end_past_its_last_row():
    # The geo table has no row after 90; it was asked to send up to 100 and did.
    statuses = [
        status("pin", rows=100, delivered=100, watermark=100, end=100),
        status("geo", rows=90, delivered=90, watermark=90, end=100),
    ]
    assert common_watermark(statuses, after=0) == 100


def test_failures_or_missing_reports_hold_a_finished_table_at_its_watermark():
    failed = status("a", rows=10, delivered=9, failed=1, watermark=4, end=10)
    unconfirmed = status("b", rows=10, delivered=8, watermark=6, end=10)
    assert common_watermark([failed], after=0) == 4
    assert common_watermark([unconfirmed], after=0) == 6


def test_nothing_delivered_keeps_the_start():
    statuses = [status("a", rows=3, delivered=0, watermark=None, done=False)]
    assert common_watermark(statuses, after=17) == 17
    assert common_watermark(statuses, after=BEFORE_FIRST_KEY) is None
