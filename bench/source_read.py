"""The emulator's read alone: every source table read the way the emulator reads it (the same
queries, keyset pages of 5,000 rows, one process per table), with nothing sent to Kafka.
This is the most the emulator could send on this machine, whatever its producer does.

    .venv/bin/python bench/source_read.py     # needs PINTEREST_DB_URL (.local/stack.env)

Prints `<rows> rows read in <seconds> s (<rows/s> rows/s)`; bench/run.py calls it at each size.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time

import sqlalchemy as sa

from core.catalogue import TABLE_KEYS
from ingestion.emulate.source import (
    BEFORE_FIRST_KEY,
    bulk_read_url,
    table_pages,
    table_queries,
)

PAGE_ROWS = 5000
# Above every key: read to the end of each table.
AFTER_LAST_KEY = 2**63 - 1


def read_table(db_url: str, table: str) -> int:
    engine = sa.create_engine(bulk_read_url(db_url))
    try:
        with engine.connect() as connection:
            queries = table_queries(connection, table)
            pages = table_pages(
                connection, queries, after=BEFORE_FIRST_KEY, upto=AFTER_LAST_KEY, page=PAGE_ROWS
            )
            return sum(len(page) for page in pages)
    finally:
        engine.dispose()


def main() -> int:
    db_url = os.environ.get("PINTEREST_DB_URL")
    if not db_url:
        sys.exit("error: PINTEREST_DB_URL is not set: source .local/stack.env (after `make up`)")
    started = time.monotonic()
    with multiprocessing.get_context("forkserver").Pool(len(TABLE_KEYS)) as pool:
        rows = sum(pool.starmap(read_table, [(db_url, table) for table in TABLE_KEYS]))
    seconds = time.monotonic() - started
    print(f"{rows:,} rows read in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
