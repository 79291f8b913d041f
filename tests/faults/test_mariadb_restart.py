"""Restart MariaDB while the emulator reads: the emulator must say so and stop with a
checkpoint that --resume completes, or ride it out; a post is never silently skipped."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from ingestion.catalogue import TABLE_TOPICS

pytestmark = pytest.mark.fault

SENDING_SECONDS = 10


def test_mariadb_restarted_while_emulating_leaves_no_gap(
    run, lane, fault_posts, figures, faults, tmp_path
):
    checkpoint = tmp_path / "emulate.checkpoint"
    emulator = lane.start(
        "ingestion.emulate",
        "--rate",
        str(fault_posts // SENDING_SECONDS),
        "--page-size",
        "500",
        "--checkpoint",
        str(checkpoint),
    )
    time.sleep(SENDING_SECONDS / 3)
    faults.stop(faults.stack.mariadb)
    faults.restore()
    _, err = emulator.communicate(timeout=900)
    assert "Traceback" not in err
    resumed = False
    if emulator.returncode != 0:
        assert emulator.returncode == 1, err
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "database" in errors[0], err
        assert checkpoint.exists(), err
        again = run("ingestion.emulate", "--checkpoint", str(checkpoint), "--resume", env=lane.env)
        assert again.returncode == 0, again.stderr
        resumed = True

    missing = {}
    resent = 0
    for table, suffix in TABLE_TOPICS.items():
        keys = Counter(int(m.key()) for m in lane.consume_all(lane.topic(suffix)))
        missing[table] = fault_posts - len(keys)
        resent += sum(keys.values()) - len(keys)
    figures.update(
        posts=fault_posts,
        emulator_exit=emulator.returncode,
        resumed=resumed,
        error=next((line for line in err.splitlines() if line.startswith("error:")), None),
        missing=missing,
        resent_messages=resent,
    )
    assert missing == dict.fromkeys(TABLE_TOPICS, 0)
