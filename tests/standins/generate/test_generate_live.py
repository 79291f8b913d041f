"""`python -m standins.generate --live` against the real MariaDB: posts keep coming, each with
its geolocation and user row, at the rate asked, after the last key there."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from standins.generate.rows import CATEGORIES, SOURCE_ROWS

FIRST_LIVE_KEY = SOURCE_ROWS  # the default data set holds keys 0..11153
KEYS = {"pinterest_data": "index", "geolocation_data": "ind", "user_data": "ind"}


def delete_live_rows(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        for table, key in KEYS.items():
            connection.execute(sa.text(f"DELETE FROM `{table}` WHERE `{key}` >= {FIRST_LIVE_KEY}"))


def live_rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row past the default data set, per table, in key order."""
    rows = {}
    with engine.connect() as connection:
        for table, key in (
            ("pinterest_data", "index"),
            ("geolocation_data", "ind"),
            ("user_data", "ind"),
        ):
            rows[table] = [
                tuple(row)
                for row in connection.execute(
                    sa.text(f"SELECT * FROM `{table}` WHERE `{key}` >= {FIRST_LIVE_KEY} ORDER BY 1")
                )
            ]
    return rows


def test_live_posts_continue_the_keys_at_the_rate_asked(run, live_source):
    result = run("standins.generate", "--live", "--rate", "100", "--count", "40")
    assert result.returncode == 0, result.stderr
    last = FIRST_LIVE_KEY + 39
    assert f"generated 40 live posts (keys {FIRST_LIVE_KEY}-{last})" in result.stdout
    seconds = float(re.search(r"in ([\d.]+) s", result.stdout).group(1))
    # Paced, not as fast as it can: the 40th post is due 0.39 s after the first.
    assert seconds >= 0.39
    rows = live_rows(live_source)
    for table in rows:
        assert [row[0] for row in rows[table]] == list(range(FIRST_LIVE_KEY, last + 1)), table
    assert {row[11] for row in rows["pinterest_data"]} <= set(CATEGORIES)

    # The next run goes on after the last key, whichever run wrote it.
    again = run("standins.generate", "--live", "--rate", "1000", "--count", "5")
    assert again.returncode == 0, again.stderr
    assert f"(keys {last + 1}-{last + 5})" in again.stdout


def test_live_posts_are_the_same_for_a_seed_and_start(run, live_source):
    assert run("standins.generate", "--live", "--rate", "1000", "--count", "20").returncode == 0
    first = live_rows(live_source)
    delete_live_rows(live_source)
    assert run("standins.generate", "--live", "--rate", "1000", "--count", "20").returncode == 0
    assert live_rows(live_source) == first
    delete_live_rows(live_source)
    other = run("standins.generate", "--live", "--rate", "1000", "--count", "20", "--seed", "3")
    assert other.returncode == 0
    assert live_rows(live_source) != first


def test_sigterm_stops_after_whole_posts(live_source):
    generator = subprocess.Popen(
        [sys.executable, "-m", "standins.generate", "--live", "--rate", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2)
    generator.send_signal(signal.SIGTERM)
    out, err = generator.communicate(timeout=30)
    assert generator.returncode == 130, err
    assert "Traceback" not in err
    posts = int(re.search(r"generated (\d+) live posts", out).group(1))
    assert posts > 50
    rows = live_rows(live_source)
    # Each post committed with its geolocation and user row, or not at all.
    assert [len(rows[table]) for table in rows] == [posts] * 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--live", "--rows", "5"], "--rows does not apply to --live"),
        (["--live", "--truncate"], "--truncate does not apply to --live"),
        (["--rate", "5"], "--rate only applies with --live"),
        (["--live", "--rate", "0"], "--rate"),
    ],
)
def test_live_flag_mistakes_exit_2(run, args, message):
    result = run("standins.generate", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
