"""Answers to the eight analysis questions, computed in plain Python from raw source rows.

The end-to-end test compares these with the dbt marts. To be a meaningful check this module
shares nothing with the `ingestion` package or the dbt SQL: it re-implements the cleaning rules
and the marts from their written specification, using only the standard library.

Inputs are lists of records in landing order, as read from the landed JSON. Each mart is a list
of dicts whose order carries no meaning (the caller sorts).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

Record = Mapping[str, Any]
Row = dict[str, Any]
YearWindow = tuple[int, int]

DEFAULT_POST_YEARS: YearWindow = (2018, 2022)
DEFAULT_JOIN_YEARS: YearWindow = (2015, 2020)

# Placeholders the source writes instead of leaving a value empty; they mean "no value".
MARKERS = frozenset(
    {
        "No Title Data Available",
        "No description available Story format",
        "No description available",
        "User Info Error",
        "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
        "Image src error.",
    }
)

# Not str.isspace(): that also counts \x1c-\x1f and \x85, which the rules keep.
_ASCII_WHITESPACE = frozenset(" \t\n\x0b\f\r")
_UNICODE_WHITESPACE_CATEGORIES = frozenset({"Zs", "Zl", "Zp"})

_PLAIN_COUNT = re.compile(r"[0-9]+")
_SCALED_COUNT = re.compile(r"([0-9]+(?:\.[0-9]+)?)([kM])")
_COUNT_MULTIPLIERS = {"k": 1_000, "M": 1_000_000}

_MEDIA_TYPES = {
    "image": "image",
    "video": "video",
    "multi-video(story page format)": "video",
}

_SAVE_LOCATION_PREFIX = "Local save in "

# [0-9] rather than \d so that non-ASCII digits are not accepted.
_TIMESTAMP = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[T ]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,6}))?"
    r"(?P<zone>Z|(?P<sign>[+-])(?P<zone_hour>[0-9]{2}):(?P<zone_minute>[0-9]{2}))?"
)

_AGE_GROUPS = (
    # (lowest age, highest age or None for no upper bound, label)
    (18, 24, "18-24"),
    (25, 35, "25-35"),
    (36, 50, "36-50"),
    (51, None, "50+"),
)


# --- text cleaning -------------------------------------------------------------------------


def _is_whitespace(char: str) -> bool:
    return char in _ASCII_WHITESPACE or (
        unicodedata.category(char) in _UNICODE_WHITESPACE_CATEGORIES
    )


def strip_whitespace(text: str) -> str:
    """Trim the rules' whitespace set from both ends; inner whitespace is kept."""
    start, end = 0, len(text)
    while start < end and _is_whitespace(text[start]):
        start += 1
    while end > start and _is_whitespace(text[end - 1]):
        end -= 1
    return text[start:end]


def clean_text(value: Any) -> str | None:
    """Trimmed text, or None for a missing, empty or placeholder value."""
    if value is None:
        return None
    # A value of the wrong JSON type is read as its text, as a string column would hold it.
    text = strip_whitespace(value if isinstance(value, str) else str(value))
    if not text or text in MARKERS:
        return None
    return text


def parse_follower_count(value: Any) -> int | None:
    """'812' -> 812, '1.5k' -> 1500, '3M' -> 3000000; anything else -> None."""
    text = clean_text(value)
    if text is None:
        return None
    if _PLAIN_COUNT.fullmatch(text):
        return _bigint(int(text))
    scaled = _SCALED_COUNT.fullmatch(text)
    if scaled is None:
        return None
    # Decimal keeps '1.001k' exact where a float product could land just under 1001.
    return _bigint(int(Decimal(scaled[1]) * _COUNT_MULTIPLIERS[scaled[2]]))


def _bigint(number: int) -> int | None:
    """A count too large for a 64-bit integer is no count."""
    return number if number < 2**63 else None


def parse_media_type(value: Any) -> str | None:
    text = clean_text(value)
    return None if text is None else _MEDIA_TYPES.get(text)


def parse_save_location(value: Any) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    if text.startswith(_SAVE_LOCATION_PREFIX):
        text = text[len(_SAVE_LOCATION_PREFIX) :]
    elif text == _SAVE_LOCATION_PREFIX.rstrip():
        # The first trim already ate the prefix's trailing space: nothing followed it.
        text = ""
    return clean_text(text)


def _timestamp_offset(match: re.Match[str]) -> timedelta | None:
    """UTC offset of a parsed timestamp; zero when none is given, None when out of range."""
    if match["sign"] is None:
        return timedelta(0)
    hours, minutes = int(match["zone_hour"]), int(match["zone_minute"])
    if hours > 23 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if match["sign"] == "-" else offset


def parse_timestamp(value: Any) -> datetime | None:
    """Naive UTC datetime from 'YYYY-MM-DD HH:MM:SS' or ISO-8601 text; None if unparseable."""
    text = clean_text(value)
    match = None if text is None else _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    offset = _timestamp_offset(match)
    if offset is None:
        return None
    micros = int((match["fraction"] or "").ljust(6, "0"))
    fields = ("year", "month", "day", "hour", "minute", "second")
    try:
        local = datetime(*(int(match[name]) for name in fields), micros)
        return local - offset
    except (ValueError, OverflowError):
        return None


def _to_float(value: Any) -> float | None:
    if value is None or isinstance(value, float):
        return value
    text = clean_text(value)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _to_int(value: Any) -> Any:
    """Text holding a whole number becomes an int; other values pass unchanged."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    if text is None or re.fullmatch(r"[+-]?[0-9]+", text) is None:
        return None
    return int(text)


# --- staging -------------------------------------------------------------------------------


def _latest_by_key(records: Iterable[Record], key_field: str) -> dict[Hashable, Record]:
    """One record per key: a later landing replaces an earlier one; keyless records go."""
    latest: dict[Hashable, Record] = {}
    for record in records:
        key = record.get(key_field)
        if key is not None:
            latest[key] = record
    return latest


def clean_pin(record: Record) -> Row:
    return {
        "ind": record.get("index"),
        "unique_id": clean_text(record.get("unique_id")),
        "title": clean_text(record.get("title")),
        "description": clean_text(record.get("description")),
        "poster_name": clean_text(record.get("poster_name")),
        "follower_count": parse_follower_count(record.get("follower_count")),
        "tag_list": clean_text(record.get("tag_list")),
        "is_image_or_video": parse_media_type(record.get("is_image_or_video")),
        "image_src": clean_text(record.get("image_src")),
        "downloaded": record.get("downloaded"),
        "save_location": parse_save_location(record.get("save_location")),
        "category": clean_text(record.get("category")),
    }


def clean_geo(record: Record) -> Row:
    return {
        "ind": record.get("ind"),
        "country": clean_text(record.get("country")),
        "coordinates": [_to_float(record.get("latitude")), _to_float(record.get("longitude"))],
        "timestamp": parse_timestamp(record.get("timestamp")),
    }


def _join_name(first: str | None, last: str | None) -> str | None:
    parts = [part for part in (first, last) if part is not None]
    return " ".join(parts) if parts else None


def clean_user(record: Record) -> Row:
    return {
        "ind": record.get("ind"),
        "user_name": _join_name(
            clean_text(record.get("first_name")), clean_text(record.get("last_name"))
        ),
        "age": _to_int(record.get("age")),
        "date_joined": parse_timestamp(record.get("date_joined")),
    }


def clean_pins(records: Iterable[Record]) -> dict[Hashable, Row]:
    return {key: clean_pin(record) for key, record in _latest_by_key(records, "index").items()}


def clean_geos(records: Iterable[Record]) -> dict[Hashable, Row]:
    return {key: clean_geo(record) for key, record in _latest_by_key(records, "ind").items()}


def clean_users(records: Iterable[Record]) -> dict[Hashable, Row]:
    return {key: clean_user(record) for key, record in _latest_by_key(records, "ind").items()}


def posts(
    pins: Mapping[Hashable, Row], geos: Mapping[Hashable, Row], users: Mapping[Hashable, Row]
) -> list[Row]:
    """Pins that have both a geolocation and a user (inner joins on ind), one row each."""
    return [
        {**pin, **geos[key], **users[key]}
        for key, pin in pins.items()
        if key in geos and key in users
    ]


# --- grouping helpers ----------------------------------------------------------------------


def age_group(age: Any) -> str | None:
    if age is None:
        return None
    for lowest, highest, label in _AGE_GROUPS:
        if age >= lowest and (highest is None or age <= highest):
            return label
    return None


def _year(moment: datetime | None) -> int | None:
    return None if moment is None else moment.year


def _in_window(year: int | None, window: YearWindow) -> bool:
    return year is not None and window[0] <= year <= window[1]


def _top_categories(pairs: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any, int]]:
    """(group, category, count) for each group's most frequent categories, ties all kept."""
    counts = Counter(
        (group, category) for group, category in pairs if None not in (group, category)
    )
    best: dict[Any, int] = {}
    for (group, _), count in counts.items():
        best[group] = max(best.get(group, 0), count)
    return [(group, cat, count) for (group, cat), count in counts.items() if count == best[group]]


def _medians(pairs: Iterable[tuple[Any, int | None]]) -> dict[Any, float]:
    """Median follower count per group; a None group or count is left out."""
    values: defaultdict[Any, list[int]] = defaultdict(list)
    for group, count in pairs:
        if group is not None and count is not None:
            values[group].append(count)
    return {group: float(statistics.median(counts)) for group, counts in values.items()}


def _join_year(post: Row, join_years: YearWindow) -> int | None:
    """The post's user's join year if inside the window, else None (so it is left out)."""
    year = _year(post["date_joined"])
    return year if _in_window(year, join_years) else None


# --- marts ---------------------------------------------------------------------------------


def most_popular_category_by_country(posts: Iterable[Row]) -> list[Row]:
    pairs = ((post["country"], post["category"]) for post in posts)
    return [
        {"country": country, "category": category, "category_count": count}
        for country, category, count in _top_categories(pairs)
    ]


def most_popular_category_by_year(
    posts: Iterable[Row], *, post_years: YearWindow = DEFAULT_POST_YEARS
) -> list[Row]:
    years = ((_year(post["timestamp"]), post["category"]) for post in posts)
    pairs = ((year, category) for year, category in years if _in_window(year, post_years))
    return [
        {"post_year": year, "category": category, "category_count": count}
        for year, category, count in _top_categories(pairs)
    ]


def most_followed_user_by_country(posts: Iterable[Row]) -> list[Row]:
    candidates = {
        (post["country"], post["poster_name"], post["follower_count"])
        for post in posts
        if None not in (post["country"], post["poster_name"], post["follower_count"])
    }
    best: dict[str, int] = {}
    for country, _, followers in candidates:
        best[country] = max(best.get(country, followers), followers)
    return [
        {"country": country, "poster_name": poster, "follower_count": followers}
        for country, poster, followers in candidates
        if followers == best[country]
    ]


def country_with_most_followed_user(posts: Iterable[Row]) -> list[Row]:
    per_country = most_followed_user_by_country(posts)
    if not per_country:
        return []
    top = max(row["follower_count"] for row in per_country)
    return [row for row in per_country if row["follower_count"] == top]


def most_popular_category_by_age_group(posts: Iterable[Row]) -> list[Row]:
    pairs = ((age_group(post["age"]), post["category"]) for post in posts)
    return [
        {"age_group": group, "category": category, "category_count": count}
        for group, category, count in _top_categories(pairs)
    ]


def median_follower_count_by_age_group(posts: Iterable[Row]) -> list[Row]:
    medians = _medians((age_group(post["age"]), post["follower_count"]) for post in posts)
    return [
        {"age_group": group, "median_follower_count": median} for group, median in medians.items()
    ]


def users_joined_by_year(
    posts: Iterable[Row], *, join_years: YearWindow = DEFAULT_JOIN_YEARS
) -> list[Row]:
    # A user is identified by all three fields; one posting many times still counts once.
    users = {
        (post["user_name"], post["age"], post["date_joined"])
        for post in posts
        if None not in (post["user_name"], post["age"], post["date_joined"])
    }
    per_year = Counter(
        year for year in (_year(user[2]) for user in users) if _in_window(year, join_years)
    )
    return [{"join_year": year, "number_users_joined": count} for year, count in per_year.items()]


def median_follower_count_by_join_year(
    posts: Iterable[Row], *, join_years: YearWindow = DEFAULT_JOIN_YEARS
) -> list[Row]:
    medians = _medians((_join_year(post, join_years), post["follower_count"]) for post in posts)
    return [
        {"join_year": year, "median_follower_count": median} for year, median in medians.items()
    ]


def median_follower_count_by_age_group_and_join_year(
    posts: Iterable[Row], *, join_years: YearWindow = DEFAULT_JOIN_YEARS
) -> list[Row]:
    def group(post: Row) -> tuple[str, int] | None:
        pair = (age_group(post["age"]), _join_year(post, join_years))
        return None if None in pair else pair

    medians = _medians((group(post), post["follower_count"]) for post in posts)
    return [
        {"age_group": group_, "join_year": year, "median_follower_count": median}
        for (group_, year), median in medians.items()
    ]


def all_marts(
    pin_records: Iterable[Record],
    geo_records: Iterable[Record],
    user_records: Iterable[Record],
    post_years: YearWindow = DEFAULT_POST_YEARS,
    join_years: YearWindow = DEFAULT_JOIN_YEARS,
) -> dict[str, list[Row]]:
    joined = posts(clean_pins(pin_records), clean_geos(geo_records), clean_users(user_records))
    marts: dict[str, Callable[[list[Row]], list[Row]]] = {
        "most_popular_category_by_country": most_popular_category_by_country,
        "most_popular_category_by_year": lambda rows: most_popular_category_by_year(
            rows, post_years=post_years
        ),
        "most_followed_user_by_country": most_followed_user_by_country,
        "country_with_most_followed_user": country_with_most_followed_user,
        "most_popular_category_by_age_group": most_popular_category_by_age_group,
        "median_follower_count_by_age_group": median_follower_count_by_age_group,
        "users_joined_by_year": lambda rows: users_joined_by_year(rows, join_years=join_years),
        "median_follower_count_by_join_year": lambda rows: median_follower_count_by_join_year(
            rows, join_years=join_years
        ),
        "median_follower_count_by_age_group_and_join_year": (
            lambda rows: median_follower_count_by_age_group_and_join_year(
                rows, join_years=join_years
            )
        ),
    }
    return {name: compute(joined) for name, compute in marts.items()}
