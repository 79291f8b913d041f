"""`python -m ingestion.emulate --follow` against the real stack: the rows present at start,
then every row the live source adds, each once, until a stop; `--resume` goes on after it. It
holds no transaction between reads (an ALTER TABLE goes through), reads each table from its own
position (a geolocation or user row landing after its pin is sent), and rides out its database
sessions killed."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from source_posts import copy_posts

from core.catalogue import GEOLOCATIONS, POSTS, TABLE_TOPICS, USERS

FIRST_LIVE_KEY = 11_154
FOLLOW = ("--follow", "--poll-interval", "0.2")
# What an ALTER may wait for, here, before it fails (MariaDB's default is a day), and the
# time it may take: an instant change waits for the reads in progress only.
ALTER_LOCK_WAIT_S = 20
ALTER_S = 5


def saved_positions(path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def wait_for_checkpoint(
    path, key: int, timeout: float = 90, table: str | None = None, writer=None
) -> None:
    """Until every table (or `table`) is delivered up to `key`, while `writer` runs."""
    deadline = time.monotonic() + timeout
    saved = None
    while saved is None or saved < key:
        assert time.monotonic() < deadline, f"the checkpoint is at {saved}, not yet at {key}"
        if writer is not None and writer.poll() is not None:
            pytest.fail(f"the emulator ended, its checkpoint at {saved}: {writer.stderr.read()}")
        time.sleep(0.1)
        data = saved_positions(path)
        if data is not None:
            saved = data["last_delivered_key"] if table is None else data["tables"][table]


def end(process) -> None:
    """Stop a follower a test left running (Ctrl-C; SIGKILL if that does not end it), so that
    no session of it outlives the test."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def follow(lane):
    """Starts `emulate --follow` in the lane, saving its checkpoint to the given file."""
    started = []

    def start(checkpoint, *args: str) -> subprocess.Popen[str]:
        process = lane.start("ingestion.emulate", *FOLLOW, "--checkpoint", str(checkpoint), *args)
        started.append(process)
        return process

    yield start
    for process in started:
        end(process)


def stop(process, sig: int) -> tuple[str, str]:
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    return out, err


def keys_in(lane) -> dict[str, Counter]:
    return {
        table: Counter(int(m.key()) for m in lane.consume_all(lane.topic(suffix)))
        for table, suffix in TABLE_TOPICS.items()
    }


def assert_each_key_once(lane, last: int) -> None:
    for table, keys in keys_in(lane).items():
        assert set(keys) == set(range(last + 1)), f"{table} rows are missing"
        assert max(keys.values()) == 1, f"{table} rows were sent twice"


def test_follow_sends_new_rows_until_stopped_and_resumes(run, lane, live_source, follow, tmp_path):
    checkpoint = tmp_path / "follow.checkpoint"
    follower = follow(checkpoint)
    wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY - 1, writer=follower)
    live = run("standins.generate", "--live", "--rate", "300", "--count", "300")
    assert live.returncode == 0, live.stderr
    wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 299, writer=follower)
    out, _ = stop(follower, signal.SIGINT)
    assert "11,454 posts read, 34,362 messages delivered, 0 failed" in out

    # Rows added while nothing follows are sent by the next run, after the checkpoint.
    live = run("standins.generate", "--live", "--rate", "1000", "--count", "20")
    assert live.returncode == 0, live.stderr
    follower = follow(checkpoint, "--resume")
    wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 319, writer=follower)
    live = run("standins.generate", "--live", "--rate", "300", "--count", "30")
    assert live.returncode == 0, live.stderr
    wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 349, writer=follower)
    out, _ = stop(follower, signal.SIGTERM)
    assert "50 posts read, 150 messages delivered, 0 failed" in out

    assert_each_key_once(lane, FIRST_LIVE_KEY + 349)


def test_follow_refuses_flags_that_end_a_run(run):
    result = run("ingestion.emulate", "--follow", "--limit", "5")
    assert result.returncode == 2
    assert "--follow runs until stopped" in result.stderr
    result = run("ingestion.emulate", "--poll-interval", "2")
    assert result.returncode == 2
    assert "--poll-interval only applies with --follow" in result.stderr


def test_follow_sends_rows_that_arrive_after_their_post(lane, live_source, follow, tmp_path):
    # The posts arrive in three steps: the older ones (all three tables), the newer ones' pin
    # rows alone, then their geolocation and user rows.
    checkpoint = tmp_path / "follow.checkpoint"
    follower = follow(checkpoint)
    wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY - 1, writer=follower)
    late = 2_680
    last = FIRST_LIVE_KEY + late - 1
    copy_posts(live_source, [POSTS.name], FIRST_LIVE_KEY, late)
    wait_for_checkpoint(checkpoint, last, table=POSTS.name, writer=follower)
    tables = saved_positions(checkpoint)["tables"]
    assert tables[GEOLOCATIONS.name] == tables[USERS.name] == FIRST_LIVE_KEY - 1
    copy_posts(live_source, [GEOLOCATIONS.name, USERS.name], FIRST_LIVE_KEY, late)
    wait_for_checkpoint(checkpoint, last, writer=follower)
    out, _ = stop(follower, signal.SIGINT)
    posts = FIRST_LIVE_KEY + late
    assert f"{posts:,} posts read, {3 * posts:,} messages delivered, 0 failed" in out
    assert f"checkpoint: key {last} in" in out
    assert_each_key_once(lane, last)


def kill_sessions(engine: sa.Engine) -> int:
    """KILL the source user's other sessions: the emulator's, when it is the only other client
    of the source (the tests hold the stack's lock). A user may end its own sessions without
    any privilege."""
    with engine.connect() as connection:
        sessions = connection.execute(
            sa.text(
                "SELECT ID FROM information_schema.PROCESSLIST "
                "WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AND ID <> CONNECTION_ID()"
            )
        ).scalars()
        killed = 0
        for session in list(sessions):
            connection.execute(sa.text("KILL :id"), {"id": session})
            killed += 1
    return killed


def test_follow_rides_out_its_database_sessions_killed(
    lane, live_source, follow, settings, tmp_path
):
    checkpoint = tmp_path / "follow.checkpoint"
    reader = sa.create_engine(settings.require("PINTEREST_DB_URL"))
    follower = follow(checkpoint)
    try:
        wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY - 1, writer=follower)
        # Waiting for rows: a worker per table, each with its session.
        assert kill_sessions(reader) >= 3
        live = lane.start("standins.generate", "--live", "--rate", "200", "--count", "400")
        # And while rows arrive.
        wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 100, writer=follower)
        assert kill_sessions(reader) >= 3
        _, err = live.communicate(timeout=60)
        assert live.returncode == 0, err
        wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 399, writer=follower)
        assert follower.poll() is None, "the follower ended"
    finally:
        reader.dispose()
    out, err = stop(follower, signal.SIGTERM)
    assert "lost the source database" in err, "the kills did not reach the follower"
    assert "error:" not in err
    posts = FIRST_LIVE_KEY + 400
    assert f"{posts:,} posts read, {3 * posts:,} messages delivered, 0 failed" in out
    assert_each_key_once(lane, FIRST_LIVE_KEY + 399)


def alter(engine: sa.Engine, change: str) -> float:
    """ALTER TABLE pinterest_data; returns how long it took."""
    with engine.connect() as connection:
        connection.execute(sa.text(f"SET SESSION lock_wait_timeout = {ALTER_LOCK_WAIT_S}"))
        started = time.monotonic()
        connection.execute(sa.text(f"ALTER TABLE `{POSTS.name}` {change}"))
        return time.monotonic() - started


def test_follow_lets_an_alter_table_through(run, lane, live_source, follow, tmp_path):
    checkpoint = tmp_path / "follow.checkpoint"
    # Slowed down, the rows present take it some 11 s: the first ALTER comes while it reads
    # them, the second while it waits for new rows.
    follower = follow(checkpoint, "--rate", "1000")
    try:
        wait_for_checkpoint(checkpoint, 1_000, table=POSTS.name, writer=follower)
        assert alter(live_source, "ADD COLUMN `follow_probe` INT NOT NULL DEFAULT 7") < ALTER_S
        reached = saved_positions(checkpoint)["tables"][POSTS.name]
        assert reached < FIRST_LIVE_KEY - 1, "the follower read every row before the ALTER ended"
        wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY - 1, writer=follower)
        live = run("standins.generate", "--live", "--rate", "500", "--count", "50")
        assert live.returncode == 0, live.stderr
        wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 49, writer=follower)

        assert alter(live_source, "DROP COLUMN `follow_probe`") < ALTER_S
        assert follower.poll() is None, "the follower ended"
        live = run("standins.generate", "--live", "--rate", "500", "--count", "50")
        assert live.returncode == 0, live.stderr
        wait_for_checkpoint(checkpoint, FIRST_LIVE_KEY + 99, writer=follower)
        out, _ = stop(follower, signal.SIGINT)
    finally:
        end(follower)  # first: a follower that held a lock would hold up the restore
        alter(live_source, "DROP COLUMN IF EXISTS `follow_probe`")
    posts = FIRST_LIVE_KEY + 100
    assert f"{posts:,} posts read, {3 * posts:,} messages delivered, 0 failed" in out
    assert_each_key_once(lane, FIRST_LIVE_KEY + 99)
    # The rows after each ALTER were read as the table was then.
    pins = {int(m.key()): json.loads(m.value()) for m in lane.consume_all(lane.topic("pin"))}
    probed = {key for key, row in pins.items() if "follow_probe" in row}
    assert probed == set(range(FIRST_LIVE_KEY, FIRST_LIVE_KEY + 50))
    assert all(pins[key]["follow_probe"] == 7 for key in probed)
