"""The marts as the end-to-end tests compare them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MARTS = [
    "most_popular_category_by_country",
    "most_popular_category_by_year",
    "most_followed_user_by_country",
    "country_with_most_followed_user",
    "most_popular_category_by_age_group",
    "median_follower_count_by_age_group",
    "users_joined_by_year",
    "median_follower_count_by_join_year",
    "median_follower_count_by_age_group_and_join_year",
]


def canonical(rows: Iterable[Iterable[Any]]) -> list[tuple[Any, ...]]:
    """Comparable form: tuples of values, floats rounded, sorted."""

    def value(v: Any) -> Any:
        return round(float(v), 6) if isinstance(v, float) else v

    return sorted(tuple(value(v) for v in row) for row in rows)


def documented_columns(manifest: dict, model: str) -> list[str]:
    """The columns a model's YAML documents, in order."""
    return list(manifest["nodes"][f"model.pinterest_pipeline.{model}"]["columns"])


def compare_marts(warehouse, schema: str, manifest: dict, expected: dict) -> None:
    """Every mart holds exactly its documented columns, in order, and on every one of them
    the rows of the independent answers (a column they lack is a KeyError: a failure)."""
    for mart in MARTS:
        columns = documented_columns(manifest, mart)
        warehouse.execute(f"select * from {schema}.{mart}")
        built = [column[0].split(".")[-1] for column in warehouse.description]
        assert built == columns, mart
        actual = canonical(warehouse.fetchall())
        assert actual, f"{mart} is empty"
        assert actual == canonical([tuple(row[c] for c in columns) for row in expected[mart]]), mart
