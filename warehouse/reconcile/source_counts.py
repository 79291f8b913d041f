"""Stage 1: rows of each source table."""

from __future__ import annotations

import sqlalchemy as sa

from core.errors import ConfigurationError
from ingestion.clients.mysql import describe


def count_rows(engine: sa.Engine, tables: list[str]) -> dict[str, int]:
    counts = {}
    try:
        with engine.connect() as connection:
            for table in tables:
                query = sa.select(sa.func.count()).select_from(sa.table(table))
                counts[table] = connection.execute(query).scalar_one()
    except sa.exc.DBAPIError as exc:
        raise ConfigurationError(
            f"cannot count the source tables ({describe(exc)}): load them with "
            "`python -m standins.generate`, or check PINTEREST_DB_URL"
        ) from None
    return counts
