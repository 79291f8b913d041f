"""The pieces of a table worker that need no services: read-ahead and the common end."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from ingestion.emulate.table_worker import Control, prefetched


def test_read_ahead_keeps_order_and_raises_a_reader_error_after_the_pages_before_it():
    def pages():
        yield [(1, b"a")]
        yield [(2, b"b")]
        raise RuntimeError("connection lost")

    received = []
    with pytest.raises(RuntimeError, match="connection lost"):
        for page in prefetched(pages()):
            received.append(page)
    assert received == [[(1, b"a")], [(2, b"b")]]


def test_read_ahead_stops_reading_when_the_consumer_stops():
    produced = []

    def pages():
        for n in range(1000):
            produced.append(n)
            yield [(n, b"")]

    reader = prefetched(pages(), depth=2)
    next(reader)
    reader.close()
    time.sleep(0.3)
    assert len(produced) < 10, "the reader went on after the consumer left"


def test_a_stop_ends_every_worker_at_the_furthest_key_any_reached():
    control = Control(multiprocessing.get_context("forkserver"), 3, after=0, upto=1000)
    control.leave(2, 640)  # this worker had already stopped at 640

    def worker(index: int, reached: int, ends: list[int]) -> None:
        while control.running:
            time.sleep(0.001)
        ends.append(control.wait_for_end(index, reached))

    ends: list[int] = []
    threads = [
        threading.Thread(target=worker, args=(0, 700, ends)),
        threading.Thread(target=worker, args=(1, 650, ends)),
    ]
    for thread in threads:
        thread.start()
    end = control.align_end(lambda index: True)
    for thread in threads:
        thread.join(5)
    assert end == 700
    assert ends == [700, 700]
    assert control.running
