"""The pieces of a table worker that need no services: the common end."""

from __future__ import annotations

import multiprocessing
import threading
import time

from ingestion.emulate.table_worker import Control


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
