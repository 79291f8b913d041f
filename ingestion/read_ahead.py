"""Iterate in a background thread, a few items ahead: the next item is produced (rows
generated, a page read from the database) while the consumer is busy with the current one,
waiting on the network without holding the GIL."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

T = TypeVar("T")


def read_ahead(items: Iterable[T], depth: int = 2, name: str = "read-ahead") -> Generator[T]:
    """The items in their order, at most `depth` ahead (so at most depth + 1 exist at once).
    An error of the producer is raised after the items before it. When the consumer stops,
    so does the producer, before this returns: it may share the consumer's connection."""
    ahead: queue.Queue[tuple[T] | BaseException | None] = queue.Queue(depth)
    closing = threading.Event()

    def offer(item: tuple[T] | BaseException | None) -> bool:
        """Queue the item unless the consumer left; False if it did."""
        while not closing.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer((item,)):
                    return
            offer(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            offer(exc)

    producer = threading.Thread(target=produce, name=name, daemon=True)
    producer.start()
    try:
        while (entry := ahead.get()) is not None:
            if isinstance(entry, BaseException):
                raise entry
            yield entry[0]
    finally:
        closing.set()
        producer.join()
