"""`python -m ingestion.emulate --follow` against the real stack: the rows present at start,
then every row the live source adds, each once, until a stop; `--resume` goes on after it."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter

from ingestion.catalogue import TABLE_TOPICS

FIRST_LIVE_KEY = 11_154


def wait_for_checkpoint(path, key: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    saved = None
    while saved is None or saved < key:
        assert time.monotonic() < deadline, f"the checkpoint is at {saved}, not yet at {key}"
        time.sleep(0.1)
        try:
            saved = json.loads(path.read_text())["last_delivered_key"]
        except (FileNotFoundError, ValueError):
            saved = None


def stop(process, sig: int) -> str:
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    return out


def test_follow_sends_new_rows_until_stopped_and_resumes(run, lane, live_source, tmp_path):
    checkpoint = tmp_path / "follow.checkpoint"
    args = ("--follow", "--poll-interval", "0.2", "--checkpoint", str(checkpoint))
    follower = lane.start("ingestion.emulate", *args)
    wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY - 1)
    live = run("ingestion.generate", "--live", "--rate", "300", "--count", "300")
    assert live.returncode == 0, live.stderr
    wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 299)
    out = stop(follower, signal.SIGINT)
    assert "11,454 posts read, 34,362 messages delivered, 0 failed" in out

    # Rows added while nothing follows are sent by the next run, after the checkpoint.
    live = run("ingestion.generate", "--live", "--rate", "1000", "--count", "20")
    assert live.returncode == 0, live.stderr
    follower = lane.start("ingestion.emulate", *args, "--resume")
    wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 319)
    live = run("ingestion.generate", "--live", "--rate", "300", "--count", "30")
    assert live.returncode == 0, live.stderr
    wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 349)
    out = stop(follower, signal.SIGTERM)
    assert "50 posts read, 150 messages delivered, 0 failed" in out

    for table, suffix in TABLE_TOPICS.items():
        keys = Counter(int(m.key()) for m in lane.consume_all(lane.topic(suffix)))
        assert set(keys) == set(range(FIRST_LIVE_KEY + 350)), f"{table} rows are missing"
        assert max(keys.values()) == 1, f"{table} rows were sent twice"


def test_follow_refuses_flags_that_end_a_run(run):
    result = run("ingestion.emulate", "--follow", "--limit", "5")
    assert result.returncode == 2
    assert "--follow runs until stopped" in result.stderr
    result = run("ingestion.emulate", "--poll-interval", "2")
    assert result.returncode == 2
    assert "--poll-interval only applies with --follow" in result.stderr
