"""Restart MariaDB while the emulator reads: the emulator must say so and stop with a
checkpoint that --resume completes, or ride it out; a post is never silently skipped.
Following, it rides it out."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from offsets import Watermarks

from core.catalogue import TABLE_KEYS, TABLE_TOPICS

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
    topics = [lane.topic(suffix) for suffix in TABLE_TOPICS.values()]
    records = 3 * fault_posts
    # Struck a third of the way in: Kafka holds some of the posts, the rest are still to read.
    with Watermarks(lane) as marks:
        before_stop = marks.await_records(topics, records // 3, emulator)
        running_before = emulator.poll() is None
        faults.stop(faults.stack.mariadb)
        # Still sending, or stopped by the lost database (MariaDB takes a moment to stop).
        exit_at_stop = emulator.poll()
        after_stop = marks.records(*topics)
    faults.restore()
    figures.update(
        kafka_records_before_stop=before_stop,
        kafka_records_after_stop=after_stop,
        emulator_running_before_stop=running_before,
        emulator_exit_at_stop=exit_at_stop,
    )
    assert running_before, "the emulator had exited before MariaDB stopped"
    assert exit_at_stop in (None, 1), "the emulator had finished when MariaDB stopped"
    assert 0 < before_stop <= after_stop < records, "MariaDB stopped before or after the work"
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


def delivered_key(path) -> int | None:
    try:
        return json.loads(path.read_text())["last_delivered_key"]
    except (FileNotFoundError, ValueError):
        return None


def wait_for_delivery(path, key: int, writer, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while (delivered_key(path) or -1) < key:
        assert writer.poll() is None, f"the emulator ended: {writer.stderr.read()}"
        assert time.monotonic() < deadline, f"the checkpoint is at {delivered_key(path)}"
        time.sleep(0.1)


def test_mariadb_restarted_while_following_is_ridden_out(
    run, lane, settings, fault_posts, figures, faults, tmp_path
):
    checkpoint = tmp_path / "follow.checkpoint"
    follower = lane.start(
        "ingestion.emulate", "--follow", "--poll-interval", "0.2", "--checkpoint", str(checkpoint)
    )
    admin = sa.create_engine(settings.require("PINTEREST_DB_ADMIN_URL"))
    try:
        wait_for_delivery(checkpoint, fault_posts - 1, follower)
        started = time.monotonic()
        faults.stop(faults.stack.mariadb)
        faults.restore()
        figures["restart_seconds"] = round(time.monotonic() - started, 1)
        live = run("standins.generate", "--live", "--rate", "500", "--count", "50")
        assert live.returncode == 0, live.stderr
        wait_for_delivery(checkpoint, fault_posts + 49, follower)
        follower.send_signal(signal.SIGINT)
        out, err = follower.communicate(timeout=60)
    finally:
        if follower.poll() is None:
            follower.send_signal(signal.SIGINT)
            try:
                follower.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                follower.kill()
        with admin.begin() as connection:
            for table, key in TABLE_KEYS.items():
                connection.execute(
                    sa.text(f"DELETE FROM `{table}` WHERE `{key}` >= :first"),
                    {"first": fault_posts},
                )
        admin.dispose()
    figures["notices"] = [line for line in err.splitlines() if "lost the source" in line]
    assert follower.returncode == 130, err
    assert "Traceback" not in err and "error:" not in err
    assert figures["notices"], "the restart did not reach the follower"
    posts = fault_posts + 50
    assert f"{posts:,} posts read, {3 * posts:,} messages delivered, 0 failed" in out
    for table, suffix in TABLE_TOPICS.items():
        keys = Counter(int(m.key()) for m in lane.consume_all(lane.topic(suffix)))
        assert set(keys) == set(range(posts)), f"{table} rows are missing"
        assert max(keys.values()) == 1, f"{table} rows were sent twice"
