"""Read-ahead, as the generator's batches and the emulator's pages use it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ingestion.read_ahead import read_ahead


def test_read_ahead_keeps_order_and_forwards_errors() -> None:
    assert list(read_ahead(iter(range(1000)))) == list(range(1000))

    def failing() -> Iterator[int]:
        yield 1
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        list(read_ahead(failing()))


def test_read_ahead_keeps_order_and_raises_a_reader_error_after_the_pages_before_it():
    def pages():
        yield [(1, b"a")]
        yield [(2, b"b")]
        raise RuntimeError("connection lost")

    received = []
    with pytest.raises(RuntimeError, match="connection lost"):
        for page in read_ahead(pages()):
            received.append(page)
    assert received == [[(1, b"a")], [(2, b"b")]]


def test_read_ahead_stops_reading_when_the_consumer_stops():
    produced = []

    def pages():
        for n in range(1000):
            produced.append(n)
            yield [(n, b"")]

    reader = read_ahead(pages(), depth=2)
    next(reader)
    reader.close()
    time.sleep(0.3)
    assert len(produced) < 10, "the reader went on after the consumer left"
