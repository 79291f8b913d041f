"""Integration tests of `python -m standins.generate` against a real MariaDB/MySQL.

They use the database named by the PINTEREST_DB_ADMIN_URL setting and replace its rows (the
test suite owns the local stack). As everywhere in this suite, a missing database is a failure
that says what to do, never a skip.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymysql
import pytest
from sqlalchemy.engine import make_url

from core.catalogue import TABLE_NAMES
from core.errors import ConfigurationError
from core.settings import Settings
from standins.generate import schema
from standins.generate.__main__ import build_parser
from standins.generate.load import parse_target
from standins.generate.rows import SOURCE_ROWS, SyntheticData

REPO = Path(__file__).resolve().parents[3]
ADMIN = "PINTEREST_DB_ADMIN_URL"
READER = "PINTEREST_DB_URL"

EXPECTED_COLUMNS = {
    "pinterest_data": [
        ("index", "int"),
        ("unique_id", "varchar(36)"),
        ("title", "text"),
        ("description", "text"),
        ("poster_name", "text"),
        ("follower_count", "varchar(32)"),
        ("tag_list", "text"),
        ("is_image_or_video", "varchar(64)"),
        ("image_src", "text"),
        ("downloaded", "int"),
        ("save_location", "varchar(255)"),
        ("category", "varchar(64)"),
    ],
    "geolocation_data": [
        ("ind", "int"),
        ("timestamp", "datetime"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("country", "varchar(255)"),
    ],
    "user_data": [
        ("ind", "int"),
        ("first_name", "varchar(255)"),
        ("last_name", "varchar(255)"),
        ("age", "int"),
        ("date_joined", "datetime"),
    ],
}
KEYS = {"pinterest_data": "index", "geolocation_data": "ind", "user_data": "ind"}
SELECT_ALL = {
    "pinterest_data": "SELECT * FROM `pinterest_data` ORDER BY `index`",
    "geolocation_data": "SELECT * FROM `geolocation_data` ORDER BY `ind`",
    "user_data": "SELECT * FROM `user_data` ORDER BY `ind`",
}


# -- helpers -----------------------------------------------------------------------------


def admin_url() -> str:
    url = Settings.load().get(ADMIN)
    if not url:
        pytest.fail(f"{ADMIN} is not set: run `make up` (or export it) to test against a database")
    return url


def connect(url: str) -> Any:
    parsed = make_url(url)
    return pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username,
        password=parsed.password or "",
        database=parsed.database,
        charset="utf8mb4",
        autocommit=True,
    )


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "standins.generate", *args],
        cwd=REPO,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def cli_env(overrides: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(overrides or {})
    return env


def with_password(url: str, password: str) -> str:
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def table_checksum(connection: Any) -> str:
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in TABLE_NAMES:
            cursor.execute(SELECT_ALL[table])
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def generator_checksum(rows: int, seed: int) -> str:
    """What the tables must contain, computed without the database."""
    per_table: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLE_NAMES}
    for batch in SyntheticData(rows, seed).batches(5000):
        per_table["pinterest_data"].extend(batch.posts)
        per_table["geolocation_data"].extend(batch.geolocations)
        per_table["user_data"].extend(batch.users)
    digest = hashlib.sha256()
    for table in TABLE_NAMES:
        for row in per_table[table]:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def counts(connection: Any) -> dict[str, int]:
    result = {}
    with connection.cursor() as cursor:
        for table, query in schema.COUNT_ROWS.items():
            cursor.execute(query)
            result[table] = cursor.fetchone()[0]
    return result


def scalar(connection: Any, query: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]


def assert_one_line_error(result: subprocess.CompletedProcess[str], *secrets: str) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for secret in secrets:
        assert secret not in result.stderr and secret not in result.stdout
    return lines[0]


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def url() -> str:
    return admin_url()


@pytest.fixture(scope="module")
def db(url: str) -> Iterator[Any]:
    connection = connect(url)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def default_run(url: str, db: Any) -> subprocess.CompletedProcess[str]:
    """The default run: 11,154 posts, seed 42."""
    result = run_cli("--truncate")
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def loaded(default_run: subprocess.CompletedProcess[str], db: Any) -> Any:
    """The default run's tables, reloaded if a test that ran earlier replaced them."""
    if (
        counts(db) != dict.fromkeys(TABLE_NAMES, SOURCE_ROWS)
        or scalar(db, "SELECT `unique_id` FROM `pinterest_data` WHERE `index` = 0")
        != next(SyntheticData(SOURCE_ROWS, 42).iter_rows())[0][1]
    ):
        assert run_cli("--truncate").returncode == 0
    return default_run


# -- the default run ---------------------------------------------------------------------


def test_default_run_reports_a_summary(default_run: subprocess.CompletedProcess[str]) -> None:
    summary = default_run.stdout.strip().splitlines()[-1]
    assert f"generated {SOURCE_ROWS} posts" in summary
    assert "posts/s" in summary and " s (" in summary
    # Not a terminal: plain progress lines instead of a bar, the last one complete.
    last = default_run.stderr.strip().splitlines()[-1]
    assert last.startswith(f"generate: {SOURCE_ROWS:,}/{SOURCE_ROWS:,} posts")


def test_schema_matches_the_source(loaded: Any, db: Any) -> None:
    with db.cursor() as cursor:
        for table, expected in EXPECTED_COLUMNS.items():
            cursor.execute(
                "SELECT COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLUMN_KEY "
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                "AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
                (table,),
            )
            columns = cursor.fetchall()
            # MariaDB reports int(11), MySQL 8 plain int: compare without the display width.
            assert [(c[0], re.sub(r"^int\(\d+\)$", "int", c[1])) for c in columns] == expected
            assert all(c[2] in (None, "utf8mb4") for c in columns)
            assert [c[0] for c in columns if c[3] == "PRI"] == [KEYS[table]]
            cursor.execute(
                "SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
                (table,),
            )
            engine, collation = cursor.fetchone()
            assert engine == "InnoDB"
            assert collation.startswith("utf8mb4_")


def test_every_table_holds_keys_0_to_n_minus_1(loaded: Any, db: Any) -> None:
    for table, key in KEYS.items():
        row = scalar(
            db,
            {
                "pinterest_data": "SELECT CONCAT(COUNT(*), ',', MIN(`index`), ',', "
                "MAX(`index`)) FROM `pinterest_data`",
                "geolocation_data": "SELECT CONCAT(COUNT(*), ',', MIN(`ind`), ',', MAX(`ind`)) "
                "FROM `geolocation_data`",
                "user_data": "SELECT CONCAT(COUNT(*), ',', MIN(`ind`), ',', MAX(`ind`)) "
                "FROM `user_data`",
            }[table],
        )
        assert row == f"{SOURCE_ROWS},0,{SOURCE_ROWS - 1}", (table, key)


def test_database_holds_exactly_the_generated_rows(loaded: Any, db: Any) -> None:
    # Byte-for-byte round trip, emoji and non-ASCII text included.
    assert table_checksum(db) == generator_checksum(SOURCE_ROWS, 42)


def test_facts_hold_in_sql(loaded: Any, db: Any) -> None:
    late_joins = scalar(
        db,
        "SELECT COUNT(*) FROM `user_data` u JOIN `geolocation_data` g ON g.`ind` = u.`ind` "
        "WHERE u.`date_joined` > g.`timestamp`",
    )
    assert late_joins == 0
    wandering_users = scalar(
        db,
        "SELECT COUNT(*) FROM (SELECT 1 FROM `user_data` u JOIN `geolocation_data` g "
        "ON g.`ind` = u.`ind` GROUP BY u.`first_name`, u.`last_name`, u.`age`, u.`date_joined` "
        "HAVING COUNT(DISTINCT g.`latitude`, g.`longitude`, g.`country`) > 1) t",
    )
    assert wandering_users == 0
    # An account has one user (names, age, join date) and one place on all of its posts.
    split_accounts = scalar(
        db,
        "SELECT COUNT(*) FROM (SELECT 1 FROM `pinterest_data` p "
        "JOIN `user_data` u ON u.`ind` = p.`index` "
        "JOIN `geolocation_data` g ON g.`ind` = p.`index` "
        "WHERE p.`poster_name` <> 'User Info Error' GROUP BY BINARY p.`poster_name` "
        "HAVING COUNT(DISTINCT BINARY u.`first_name`, BINARY u.`last_name`, u.`age`, "
        "u.`date_joined`) > 1 "
        "OR COUNT(DISTINCT g.`latitude`, g.`longitude`, BINARY g.`country`) > 1) t",
    )
    assert split_accounts == 0
    fickle_posters = scalar(
        db,
        "SELECT COUNT(*) FROM (SELECT 1 FROM `pinterest_data` GROUP BY BINARY `poster_name` "
        "HAVING COUNT(DISTINCT `follower_count`) > 1) t",
    )
    assert fickle_posters == 0
    assert scalar(db, "SELECT COUNT(DISTINCT BINARY `country`) FROM `geolocation_data`") == 243
    assert scalar(db, "SELECT COUNT(DISTINCT `category`) FROM `pinterest_data`") == 13
    distinct_users = scalar(
        db,
        "SELECT COUNT(*) FROM (SELECT DISTINCT BINARY `first_name`, BINARY `last_name`, `age`, "
        "`date_joined` FROM `user_data`) t",
    )
    assert 0.44 * SOURCE_ROWS <= distinct_users <= 0.51 * SOURCE_ROWS


def test_reader_can_select_but_not_insert(loaded: Any) -> None:
    reader_url = Settings.load().get(READER)
    if not reader_url:
        pytest.fail(f"{READER} is not set: run `make up` (or export it)")
    reader = connect(reader_url)
    try:
        assert scalar(reader, "SELECT COUNT(*) FROM `user_data`") == SOURCE_ROWS
        with pytest.raises(pymysql.err.MySQLError) as denied, reader.cursor() as cursor:
            cursor.execute(schema.INSERT_USERS, (SOURCE_ROWS, "A", "B", 30, "2016-01-01"))
        assert denied.value.args[0] == 1142  # INSERT command denied
    finally:
        reader.close()


def test_existing_rows_are_kept_without_truncate(loaded: Any, db: Any) -> None:
    before = table_checksum(db)
    result = run_cli("--rows", "10")
    line = assert_one_line_error(result)
    database = make_url(admin_url()).database
    assert f"tables in {database} already hold {SOURCE_ROWS} posts" in line
    assert "--truncate" in line
    assert table_checksum(db) == before


# -- determinism through the database ----------------------------------------------------


def test_same_seed_same_tables_any_batch_size_other_seed_differs(url: str, db: Any) -> None:
    rows = "3000"
    assert run_cli("--truncate", "--rows", rows, "--seed", "7").returncode == 0
    first = table_checksum(db)
    assert run_cli("--truncate", "--rows", rows, "--seed", "7", "--batch-size", "7").returncode == 0
    assert table_checksum(db) == first
    assert run_cli("--truncate", "--rows", rows, "--seed", "8").returncode == 0
    assert table_checksum(db) != first
    assert counts(db) == dict.fromkeys(TABLE_NAMES, 3000)


# Through a parent that ignores SIGINT, as a shell starts a background job (the ignoring is
# inherited across exec): Ctrl-C must still stop the generator.
IGNORING_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


@pytest.mark.parametrize("parent", [(), ("-c", IGNORING_SIGINT)], ids=["plain", "sigint-ignored"])
def test_ctrl_c_stops_after_whole_batches(url: str, db: Any, parent: tuple[str, ...]) -> None:
    args = ["--truncate", "--rows", "200000", "--batch-size", "1000"]
    process = subprocess.Popen(
        [sys.executable, *parent, "-m", "standins.generate", *args],
        cwd=REPO,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    first_progress = process.stderr.readline()  # a progress line: loading is under way
    assert "posts (" in first_progress, first_progress
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    stopped = next(line for line in stderr.splitlines() if line.startswith("stopped: "))
    written = int(stopped.split()[1])
    assert 20_000 <= written < 200_000 and written % 1000 == 0
    assert counts(db) == dict.fromkeys(TABLE_NAMES, written)


# -- error paths -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["--rows", "0"], ["--rows", "-5"], ["--rows", "many"], ["--batch-size", "0"], ["--bogus"]],
)
def test_bad_flags_exit_2(args: list[str]) -> None:
    result = run_cli(*args, env={ADMIN: "mysql+pymysql://nobody:pw@127.0.0.1:1/nothing"})
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_help_shows_defaults() -> None:
    text = build_parser().format_help()
    for flag in ("--rows", "--seed", "--batch-size", "--truncate", "--db-url"):
        assert flag in text
    assert "11154" in text and "42" in text and "5000" in text and ADMIN in text


def test_wrong_password_is_one_line_without_the_password(url: str) -> None:
    secret = "Wr0ng-Pa55word-xyz"  # pragma: allowlist secret
    result = run_cli("--rows", "10", env={ADMIN: with_password(url, secret)})
    line = assert_one_line_error(result, secret)
    assert "access denied" in line and ADMIN in line


def test_wrong_password_in_db_url_is_not_echoed(url: str) -> None:
    secret = "An0ther-Secret-pw"  # pragma: allowlist secret
    result = run_cli("--rows", "10", "--db-url", with_password(url, secret))
    line = assert_one_line_error(result, secret)
    assert "--db-url" in line


def test_unknown_database_names_the_setting(url: str) -> None:
    other = make_url(url).set(database="no_such_database_here")
    result = run_cli("--rows", "10", env={ADMIN: other.render_as_string(hide_password=False)})
    line = assert_one_line_error(result, make_url(url).password or "\0")
    assert "no_such_database_here" in line and ADMIN in line


def test_unreachable_server_names_the_setting() -> None:
    secret = "Unreachable-pw-123"  # pragma: allowlist secret
    result = run_cli(
        "--rows", "10", env={ADMIN: f"mysql+pymysql://someone:{secret}@127.0.0.1:1/pinterest_data"}
    )
    line = assert_one_line_error(result, secret)
    assert "cannot reach" in line and ADMIN in line


def test_missing_setting_says_what_to_do(tmp_path: Path) -> None:
    env = cli_env({"PINTEREST_STACK_ENV": str(tmp_path / "absent.env")})
    env.pop(ADMIN, None)
    result = subprocess.run(
        [sys.executable, "-m", "standins.generate"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    line = assert_one_line_error(result)
    assert ADMIN in line


def test_malformed_url_is_not_echoed() -> None:
    secret = "Malformed-pw-456"  # pragma: allowlist secret
    with pytest.raises(ConfigurationError) as error:
        parse_target(f"not a url {secret}")
    assert secret not in str(error.value) and ADMIN in str(error.value)
