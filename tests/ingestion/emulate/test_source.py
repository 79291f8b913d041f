"""The source reads against the real database: the JSON it renders is the row, the pages
cover exactly the asked key range."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from core.catalogue import TABLE_KEYS
from ingestion.emulate.source import (
    BEFORE_FIRST_KEY,
    fetch_post,
    replay_span,
    table_pages,
    table_queries,
)


@pytest.fixture
def connection(settings, source_rows):
    engine = sa.create_engine(settings.require("PINTEREST_DB_URL"))
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@pytest.mark.parametrize("table", list(TABLE_KEYS))
def test_every_row_renders_as_the_json_of_its_columns(connection, source_rows, table):
    queries = table_queries(connection, table)
    pages = list(table_pages(connection, queries, after=BEFORE_FIRST_KEY, upto=2**62, page=4000))
    assert [len(page) for page in pages] == [4000, 4000, 3154]
    keys = [key for page in pages for key, _ in page]
    assert keys == sorted(source_rows[table]), "pages must cover every key once, in order"
    rendered = {key: json.loads(value) for page in pages for key, value in page}
    assert rendered == source_rows[table]


def test_pages_hold_keys_after_after_up_to_upto(connection):
    queries = table_queries(connection, "user_data")
    pages = list(table_pages(connection, queries, after=99, upto=130, page=10))
    assert [[key for key, _ in page] for page in pages] == [
        list(range(100, 110)),
        list(range(110, 120)),
        list(range(120, 130)),
        [130],
    ]


def test_a_post_is_fetched_from_every_table(connection, source_rows):
    queries = [table_queries(connection, table) for table in TABLE_KEYS]
    post = fetch_post(connection, queries, 42)
    assert {table: json.loads(row) for table, row in post.rows.items()} == {
        table: source_rows[table][42] for table in TABLE_KEYS
    }
    missing = fetch_post(connection, queries, 10**9)
    assert missing.rows == dict.fromkeys(TABLE_KEYS)


def test_replay_span(connection):
    assert replay_span(connection, BEFORE_FIRST_KEY, None) == (11_154, 11_153)
    assert replay_span(connection, 100, 25) == (25, 125)
    assert replay_span(connection, 11_150, 25) == (3, 11_153)
    assert replay_span(connection, 20_000, None) == (0, 20_000)
