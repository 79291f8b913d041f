"""The emulator against the real stack: interrupt and resume, random mode, bad input."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter, defaultdict

from source_posts import copy_posts

from core.catalogue import GEOLOCATIONS, POSTS, TABLE_TOPICS, USERS
from standins.generate.rows import SOURCE_ROWS  # the default data set's posts


def keys_by_partition(messages):
    keys = defaultdict(list)
    for message in messages:
        keys[message.partition()].append(int(message.key()))
    return keys


def test_interrupted_replay_resumes_without_gaps(run, lane, source_rows, tmp_path):
    checkpoint = tmp_path / "emulate.checkpoint"
    first = lane.start("ingestion.emulate", "--rate", "2000", "--checkpoint", str(checkpoint))
    time.sleep(3)
    first.send_signal(signal.SIGINT)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "Traceback" not in err
    saved = json.loads(checkpoint.read_text())["last_delivered_key"]
    assert 0 < saved < 11_153, "the interrupt did not land mid-run"
    assert f"checkpoint: key {saved}" in out

    second = run("ingestion.emulate", "--checkpoint", str(checkpoint), "--resume", env=lane.env)
    assert second.returncode == 0, second.stderr
    assert f"resuming after key {saved}" in second.stderr
    assert json.loads(checkpoint.read_text())["last_delivered_key"] == 11_153

    # The three tables are sent by separate processes, each stopped after the row in hand and
    # resumed after its own key: every row once.
    for table, suffix in TABLE_TOPICS.items():
        keys = Counter(int(m.key()) for m in lane.consume_all(lane.topic(suffix)))
        assert set(keys) == set(source_rows[table]), f"{table} rows are missing"
        assert max(keys.values()) == 1, f"a clean interrupt must not resend {table} rows"


def test_a_resumed_replay_sends_rows_that_arrived_after_their_post(
    run, lane, live_source, tmp_path
):
    # A replay sends the newer posts' pin rows alone; their geolocation and user rows land
    # after it ended, with keys below the last key it sent: the resumed replay sends them.
    checkpoint = tmp_path / "emulate.checkpoint"
    args = ("--checkpoint", str(checkpoint))
    copy_posts(live_source, [POSTS.name], SOURCE_ROWS, 100)
    first = run("ingestion.emulate", *args, env=lane.env)
    assert first.returncode == 0, first.stderr
    last = SOURCE_ROWS + 99
    assert f"checkpoint: key {SOURCE_ROWS - 1} ({POSTS.name} {last}) in" in first.stdout
    copy_posts(live_source, [GEOLOCATIONS.name, USERS.name], SOURCE_ROWS, 100)
    second = run("ingestion.emulate", *args, "--resume", env=lane.env)
    assert second.returncode == 0, second.stderr
    assert f"resuming after key {SOURCE_ROWS - 1} ({POSTS.name} {last})" in second.stderr
    assert "0 posts read, 200 messages delivered, 0 failed" in second.stdout
    assert f"checkpoint: key {last} in" in second.stdout
    for table, suffix in TABLE_TOPICS.items():
        keys = Counter(int(m.key()) for m in lane.consume_all(lane.topic(suffix)))
        assert set(keys) == set(range(last + 1)), f"{table} rows are missing"
        assert max(keys.values()) == 1, f"{table} rows were sent twice"


def test_random_mode_is_reproducible_for_a_seed(run, lane, source_rows):
    args = ["--mode", "random", "--seed", "5", "--count", "40", "--max-interval", "0"]
    for _ in range(2):
        result = run("ingestion.emulate", *args, env=lane.env)
        assert result.returncode == 0, result.stderr
        assert "40 posts read, 120 messages delivered" in result.stdout
    messages = lane.consume_all(lane.topic("geo"))
    assert len(messages) == 80
    for keys in keys_by_partition(messages).values():
        half = len(keys) // 2
        assert keys[:half] == keys[half:], "the second run sent other posts"
    all_keys = [int(m.key()) for m in messages]
    assert len(set(all_keys)) > 20, "random mode should spread over the posts"


def test_replay_limit_and_start_after(run, lane, source_rows):
    result = run("ingestion.emulate", "--start-after", "100", "--limit", "25", env=lane.env)
    assert result.returncode == 0, result.stderr
    keys = sorted(int(m.key()) for m in lane.consume_all(lane.topic("user")))
    assert keys == list(range(101, 126))
