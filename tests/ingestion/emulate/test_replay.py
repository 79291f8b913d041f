"""The replay's checkpoint holds each table's own position: the key it is delivered up to."""

from ingestion.emulate.replay import delivered_positions
from ingestion.emulate.source import AFTER_LAST_KEY
from ingestion.emulate.table_worker import TableJob, TableStatus


def job(table, after=0):
    return TableJob(table, f"t.{table}", "mysql://", {}, after, AFTER_LAST_KEY, 100, None)


def status(table, *, rows, delivered, watermark, failed=0, done=True):
    return TableStatus(
        table, rows=rows, delivered=delivered, failed=failed, watermark=watermark, done=done
    )


def test_each_table_is_at_its_own_watermark():
    jobs = [job("a"), job("b")]
    statuses = {
        "a": status("a", rows=10, delivered=9, watermark=40, done=False),
        "b": status("b", rows=10, delivered=5, watermark=25, done=False),
    }
    assert delivered_positions(jobs, statuses) == {"a": 40, "b": 25}


def test_a_table_done_with_its_rows_stays_at_its_last_row():
    # Asked to send up to 100, the geo table had no row after 90: a geo row with a key up to
    # 100 that lands later is still ahead of its position, and is sent.
    jobs = [job("pin"), job("geo")]
    statuses = {
        "pin": status("pin", rows=100, delivered=100, watermark=100),
        "geo": status("geo", rows=90, delivered=90, watermark=90),
    }
    assert delivered_positions(jobs, statuses) == {"pin": 100, "geo": 90}


def test_failures_or_missing_reports_hold_a_table_at_its_watermark():
    jobs = [job("a"), job("b")]
    statuses = {
        "a": status("a", rows=10, delivered=9, failed=1, watermark=4),
        "b": status("b", rows=10, delivered=8, watermark=6),
    }
    assert delivered_positions(jobs, statuses) == {"a": 4, "b": 6}


def test_nothing_delivered_keeps_the_start():
    jobs = [job("a", after=17), job("b", after=30)]
    statuses = {
        "a": status("a", rows=3, delivered=0, watermark=None, done=False),
        "b": status("b", rows=0, delivered=0, watermark=None),
    }
    assert delivered_positions(jobs, statuses) == {"a": 17, "b": 30}
