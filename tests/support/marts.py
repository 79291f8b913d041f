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
