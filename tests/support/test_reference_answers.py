"""Unit tests for the independent reference answers, on small hand-made inputs.

Every expected value here was worked out by hand from the written rules, not by running the
code, so these tests pin the rules themselves.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import reference_answers as ra

MARKERS = [
    "No Title Data Available",
    "No description available Story format",
    "No description available",
    "User Info Error",
    "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
    "Image src error.",
]

PIN_TEXT_COLUMNS = [
    "unique_id",
    "title",
    "description",
    "poster_name",
    "follower_count",
    "tag_list",
    "is_image_or_video",
    "image_src",
    "save_location",
    "category",
]


def pin(index: Any, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "index": index,
        "unique_id": f"uid-{index}",
        "title": "A title",
        "description": "A description",
        "poster_name": "Poster",
        "follower_count": "100",
        "tag_list": "a,b",
        "is_image_or_video": "image",
        "image_src": "https://example.com/x.jpg",
        "downloaded": 1,
        "save_location": "Local save in /data/art",
        "category": "art",
    }
    record.update(fields)
    return record


def geo(ind: Any, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ind": ind,
        "timestamp": "2020-06-01T12:00:00",
        "latitude": 1.5,
        "longitude": -2.25,
        "country": "Chad",
    }
    record.update(fields)
    return record


def user(ind: Any, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "ind": ind,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "age": 30,
        "date_joined": "2016-03-04T05:06:07",
    }
    record.update(fields)
    return record


def post(**fields: Any) -> dict[str, Any]:
    """A joined, already-cleaned post row for the mart tests."""
    row: dict[str, Any] = {
        "ind": 1,
        "category": "art",
        "country": "Chad",
        "poster_name": "Poster",
        "follower_count": 100,
        "timestamp": datetime(2020, 6, 1),
        "user_name": "Ada Lovelace",
        "age": 30,
        "date_joined": datetime(2016, 3, 4),
    }
    row.update(fields)
    return row


def as_set(rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {tuple(sorted(row.items())) for row in rows}


def rows_equal(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    return len(actual) == len(expected) and as_set(actual) == as_set(expected)


# --- whitespace and markers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "space",
    [
        *(" ", "\t", "\n", "\x0b", "\f", "\r", "\u00a0", "\u1680", "\u2000", "\u2005"),
        *("\u200a", "\u202f", "\u205f", "\u3000", "\u2028", "\u2029"),
    ],
)
def test_strips_each_whitespace_kind(space):
    assert ra.clean_text(f"{space}{space}x y{space}") == "x y"
    assert ra.clean_text(space * 3) is None


@pytest.mark.parametrize("not_space", ["\u200b", "\ufeff", "\x1c", "\x1f", "\x85", "\u180e"])
def test_keeps_characters_outside_the_whitespace_set(not_space):
    assert ra.clean_text(f"{not_space}x{not_space}") == f"{not_space}x{not_space}"
    assert ra.clean_text(not_space) == not_space


def test_inner_whitespace_is_kept():
    assert ra.clean_text(" a \u00a0 b ") == "a \u00a0 b"


@pytest.mark.parametrize("marker", MARKERS)
def test_each_marker_becomes_none(marker):
    assert ra.clean_text(marker) is None
    assert ra.clean_text(f"\u00a0 {marker}\u3000\n") is None


@pytest.mark.parametrize(
    "near_miss",
    ["user info error", "User Info Error!", "No description", "Image src error", "No  Title"],
)
def test_markers_match_whole_value_case_sensitively(near_miss):
    assert ra.clean_text(near_miss) == near_miss


def test_empty_and_none_become_none():
    assert ra.clean_text("") is None
    assert ra.clean_text(None) is None


def test_non_text_value_in_text_column_is_read_as_text():
    assert ra.clean_text(42) == "42"


@pytest.mark.parametrize("column", PIN_TEXT_COLUMNS)
@pytest.mark.parametrize("marker", MARKERS)
def test_markers_apply_to_every_pin_text_column(column, marker):
    cleaned = ra.clean_pins([pin(1, **{column: marker})])[1]
    assert cleaned[column] is None


@pytest.mark.parametrize("marker", MARKERS)
def test_markers_apply_to_geo_and_user_text_columns(marker):
    g = ra.clean_geos([geo(1, country=marker, timestamp=marker)])[1]
    assert (g["country"], g["timestamp"]) == (None, None)
    u = ra.clean_users([user(1, first_name=marker, last_name=marker, date_joined=marker)])[1]
    assert (u["user_name"], u["date_joined"]) == (None, None)


# --- follower counts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("812", 812),
        ("0", 0),
        ("007", 7),
        ("122k", 122_000),
        ("1.5k", 1_500),
        ("0.5k", 500),
        ("1.001k", 1_001),
        ("1.2345k", 1_234),  # truncated toward zero
        ("0.0004k", 0),
        ("3M", 3_000_000),
        ("1.5M", 1_500_000),
        ("2.9999999M", 2_999_999),
        ("  12k\u00a0", 12_000),
        ("\u300099\u2029", 99),
        (812, 812),  # an int where text was expected is read as its text
    ],
)
def test_follower_count_forms(raw, expected):
    assert ra.parse_follower_count(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "User Info Error",
        "-5",
        "+5",
        "1B",
        "k",
        "M",
        "1.5",
        "1,000",
        "12K",
        "3m",
        "1.k",
        ".5k",
        "1 k",
        "1kk",
        "1e3",
        "\u0661\u0662",  # Arabic-Indic digits are not [0-9]
        "12\u200b",
        "99999999999999999999",  # beyond a 64-bit count
        "",
        "   ",
        None,
        1.5,
    ],
)
def test_follower_count_unparseable_forms_are_none(raw):
    assert ra.parse_follower_count(raw) is None


# --- media type and save location ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("image", "image"),
        ("video", "video"),
        ("multi-video(story page format)", "video"),
        (" image\u00a0", "image"),
        ("Image", None),
        ("VIDEO", None),
        ("multi-video", None),
        ("gif", None),
        ("User Info Error", None),
        ("", None),
        (None, None),
    ],
)
def test_media_type(raw, expected):
    assert ra.parse_media_type(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Local save in /data/art", "/data/art"),
        ("Local save in   /data/art ", "/data/art"),
        (" \u00a0Local save in /data/art", "/data/art"),
        ("Local save in ", None),
        ("Local save in", None),
        ("Local save in \u3000", None),
        ("Local save in User Info Error", None),
        ("/data/art", "/data/art"),
        ("local save in /data/art", "local save in /data/art"),
        ("Local save in/data", "Local save in/data"),
        ("User Info Error", None),
        (None, None),
    ],
)
def test_save_location(raw, expected):
    assert ra.parse_save_location(raw) == expected


# --- timestamps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-01-02 03:04:05", datetime(2020, 1, 2, 3, 4, 5)),
        ("2020-01-02T03:04:05", datetime(2020, 1, 2, 3, 4, 5)),
        ("2020-01-02T03:04:05.5", datetime(2020, 1, 2, 3, 4, 5, 500_000)),
        ("2020-01-02T03:04:05.123456", datetime(2020, 1, 2, 3, 4, 5, 123_456)),
        ("2020-01-02T03:04:05Z", datetime(2020, 1, 2, 3, 4, 5)),
        ("2020-01-02T03:04:05.25Z", datetime(2020, 1, 2, 3, 4, 5, 250_000)),
        ("2020-01-02T03:04:05+02:00", datetime(2020, 1, 2, 1, 4, 5)),
        ("2020-01-02T03:04:05-05:30", datetime(2020, 1, 2, 8, 34, 5)),
        ("2020-01-02T03:04:05+00:00", datetime(2020, 1, 2, 3, 4, 5)),
        ("2020-12-31T23:30:00-01:00", datetime(2021, 1, 1, 0, 30)),  # crosses a year
        ("2021-01-01T00:30:00+01:00", datetime(2020, 12, 31, 23, 30)),
        ("2020-02-29 00:00:00", datetime(2020, 2, 29)),
        (" 2020-01-02 03:04:05\u00a0", datetime(2020, 1, 2, 3, 4, 5)),
    ],
)
def test_timestamp_forms(raw, expected):
    assert ra.parse_timestamp(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "2019-02-29 00:00:00",
        "2020-13-01 00:00:00",
        "2020-01-01 24:00:00",
        "2020-01-02",
        "2020-01-02T03:04",
        "2020-01-02T03:04:05.1234567",  # a fraction finer than microseconds
        "2020-01-02T03:04:05+24:00",
        "2020-01-02T03:04:05+0200",
        "2020-01-02T03:04:05z",
        "2020/01/02 03:04:05",
        "not a date",
        "",
        "User Info Error",
        None,
    ],
)
def test_unparseable_timestamps_are_none(raw):
    assert ra.parse_timestamp(raw) is None


# --- staging tables --------------------------------------------------------------------------


def test_clean_pin_columns():
    record = pin(
        7,
        title="  Sunset\u2003",
        follower_count="1.5k",
        is_image_or_video="multi-video(story page format)",
        save_location="Local save in /data/travel",
        category=" travel ",
    )
    assert ra.clean_pins([record]) == {
        7: {
            "ind": 7,
            "unique_id": "uid-7",
            "title": "Sunset",
            "description": "A description",
            "poster_name": "Poster",
            "follower_count": 1500,
            "tag_list": "a,b",
            "is_image_or_video": "video",
            "image_src": "https://example.com/x.jpg",
            "downloaded": 1,
            "save_location": "/data/travel",
            "category": "travel",
        }
    }


def test_clean_geo_columns():
    record = geo(3, timestamp="2019-05-06 07:08:09", latitude=10, longitude=-20.5, country=" Peru")
    assert ra.clean_geos([record]) == {
        3: {
            "ind": 3,
            "country": "Peru",
            "coordinates": [10.0, -20.5],
            "timestamp": datetime(2019, 5, 6, 7, 8, 9),
        }
    }
    assert isinstance(ra.clean_geos([record])[3]["coordinates"][0], float)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Ada", "Lovelace", "Ada Lovelace"),
        (" Ada\u00a0", "\u3000Lovelace ", "Ada Lovelace"),
        ("Ada", None, "Ada"),
        (None, "Lovelace", "Lovelace"),
        ("Ada", "  ", "Ada"),
        ("User Info Error", "Lovelace", "Lovelace"),
        (None, None, None),
        ("", "User Info Error", None),
    ],
)
def test_user_name(first, last, expected):
    cleaned = ra.clean_users([user(1, first_name=first, last_name=last)])[1]
    assert cleaned["user_name"] == expected


def test_clean_user_columns():
    record = user(4, age=42, date_joined="2017-08-09T10:11:12Z")
    assert ra.clean_users([record]) == {
        4: {
            "ind": 4,
            "user_name": "Ada Lovelace",
            "age": 42,
            "date_joined": datetime(2017, 8, 9, 10, 11, 12),
        }
    }


def test_last_landed_duplicate_wins():
    pins = ra.clean_pins([pin(1, title="first"), pin(2), pin(1, title="second")])
    assert pins[1]["title"] == "second"
    assert sorted(pins) == [1, 2]
    geos = ra.clean_geos([geo(1, country="Old"), geo(1, country="New")])
    assert geos == {1: ra.clean_geo(geo(1, country="New"))}
    users = ra.clean_users([user(1, age=20), user(1, age=21), user(1, age=22)])
    assert users[1]["age"] == 22


def test_later_duplicate_wins_even_when_its_values_are_empty():
    pins = ra.clean_pins([pin(1, category="art"), pin(1, category="User Info Error")])
    assert pins[1]["category"] is None


def test_records_without_a_key_are_dropped():
    assert list(ra.clean_pins([pin(None), pin(1), {"title": "no index"}])) == [1]
    assert list(ra.clean_geos([geo(None), geo(2)])) == [2]
    assert list(ra.clean_users([user(None), user(3)])) == [3]


def test_posts_are_an_inner_join_on_ind():
    pins = ra.clean_pins([pin(1), pin(2), pin(3)])
    geos = ra.clean_geos([geo(1), geo(2), geo(4)])
    users = ra.clean_users([user(1), user(3), user(4)])
    joined = ra.posts(pins, geos, users)
    assert len(joined) == 1
    row = joined[0]
    assert row["ind"] == 1
    assert row["country"] == "Chad"
    assert row["user_name"] == "Ada Lovelace"
    assert row["timestamp"] == datetime(2020, 6, 1, 12)
    assert row["follower_count"] == 100


# --- age groups and windows ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (None, None),
        (0, None),
        (17, None),
        (18, "18-24"),
        (24, "18-24"),
        (25, "25-35"),
        (35, "25-35"),
        (36, "36-50"),
        (50, "36-50"),
        (51, "50+"),
        (99, "50+"),
    ],
)
def test_age_group_boundaries(age, expected):
    assert ra.age_group(age) == expected


def test_age_group_marts_leave_out_minors_and_unknown_ages():
    rows = [post(age=17), post(age=None), post(age=18, follower_count=4)]
    assert ra.median_follower_count_by_age_group(rows) == [
        {"age_group": "18-24", "median_follower_count": 4.0}
    ]
    assert ra.most_popular_category_by_age_group(rows) == [
        {"age_group": "18-24", "category": "art", "category_count": 1}
    ]


def test_post_year_window_edges_default():
    rows = [
        post(timestamp=datetime(2017, 12, 31, 23, 59, 59)),
        post(timestamp=datetime(2018, 1, 1)),
        post(timestamp=datetime(2022, 12, 31, 23, 59, 59)),
        post(timestamp=datetime(2023, 1, 1)),
        post(timestamp=None),
    ]
    assert {row["post_year"] for row in ra.most_popular_category_by_year(rows)} == {2018, 2022}


def test_post_year_window_is_a_parameter():
    rows = [post(timestamp=datetime(year, 1, 1)) for year in (2010, 2011, 2012, 2013)]
    result = ra.most_popular_category_by_year(rows, post_years=(2011, 2012))
    assert {row["post_year"] for row in result} == {2011, 2012}


def test_post_year_comes_from_the_utc_timestamp():
    pins = ra.clean_pins([pin(1)])
    geos = ra.clean_geos([geo(1, timestamp="2023-01-01T00:30:00+01:00")])
    users = ra.clean_users([user(1)])
    rows = ra.posts(pins, geos, users)
    assert ra.most_popular_category_by_year(rows) == [
        {"post_year": 2022, "category": "art", "category_count": 1}
    ]


def test_join_year_window_edges_default():
    rows = [
        post(user_name=f"u{year}", date_joined=datetime(year, 6, 1), follower_count=year)
        for year in (2014, 2015, 2020, 2021)
    ]
    assert as_set(ra.median_follower_count_by_join_year(rows)) == as_set(
        [
            {"join_year": 2015, "median_follower_count": 2015.0},
            {"join_year": 2020, "median_follower_count": 2020.0},
        ]
    )
    assert as_set(ra.users_joined_by_year(rows)) == as_set(
        [
            {"join_year": 2015, "number_users_joined": 1},
            {"join_year": 2020, "number_users_joined": 1},
        ]
    )
    assert {
        row["join_year"] for row in ra.median_follower_count_by_age_group_and_join_year(rows)
    } == {
        2015,
        2020,
    }


def test_join_year_window_is_a_parameter():
    rows = [post(date_joined=datetime(year, 1, 1)) for year in (2001, 2002, 2003)]
    result = ra.users_joined_by_year(rows, join_years=(2002, 2002))
    assert result == [{"join_year": 2002, "number_users_joined": 1}]
    result = ra.median_follower_count_by_join_year(rows, join_years=(2003, 2010))
    assert result == [{"join_year": 2003, "median_follower_count": 100.0}]
    result = ra.median_follower_count_by_age_group_and_join_year(rows, join_years=(2001, 2001))
    assert result == [{"age_group": "25-35", "join_year": 2001, "median_follower_count": 100.0}]


# --- task 4, 5, 7: most popular category ----------------------------------------------------


def test_most_popular_category_by_country_with_ties_and_nulls():
    rows = [
        post(country="Chad", category="art"),
        post(country="Chad", category="art"),
        post(country="Chad", category="food"),
        post(country="Peru", category="art"),
        post(country="Peru", category="food"),
        post(country="Peru", category=None),
        post(country="Peru", category=None),
        post(country="Peru", category=None),
        post(country=None, category="travel"),
        post(country=None, category="travel"),
    ]
    expected = [
        {"country": "Chad", "category": "art", "category_count": 2},
        {"country": "Peru", "category": "art", "category_count": 1},
        {"country": "Peru", "category": "food", "category_count": 1},
    ]
    assert rows_equal(ra.most_popular_category_by_country(rows), expected)


def test_most_popular_category_by_year_with_ties_and_nulls():
    rows = [
        post(timestamp=datetime(2019, 1, 1), category="art"),
        post(timestamp=datetime(2019, 12, 31), category="food"),
        post(timestamp=datetime(2019, 5, 5), category=None),
        post(timestamp=datetime(2020, 1, 1), category="food"),
        post(timestamp=datetime(2020, 2, 1), category="food"),
        post(timestamp=datetime(2020, 3, 1), category="art"),
    ]
    expected = [
        {"post_year": 2019, "category": "art", "category_count": 1},
        {"post_year": 2019, "category": "food", "category_count": 1},
        {"post_year": 2020, "category": "food", "category_count": 2},
    ]
    assert rows_equal(ra.most_popular_category_by_year(rows), expected)


def test_most_popular_category_by_age_group_with_ties_and_nulls():
    rows = [
        post(age=20, category="art"),
        post(age=24, category="food"),
        post(age=18, category="food"),
        post(age=30, category="art"),
        post(age=35, category="food"),
        post(age=51, category=None),
        post(age=60, category="travel"),
    ]
    expected = [
        {"age_group": "18-24", "category": "food", "category_count": 2},
        {"age_group": "25-35", "category": "art", "category_count": 1},
        {"age_group": "25-35", "category": "food", "category_count": 1},
        {"age_group": "50+", "category": "travel", "category_count": 1},
    ]
    assert rows_equal(ra.most_popular_category_by_age_group(rows), expected)


# --- task 6: most followed user --------------------------------------------------------------


def test_most_followed_user_by_country_keeps_ties_and_distinct_rows():
    rows = [
        post(country="Chad", poster_name="A", follower_count=500),
        post(country="Chad", poster_name="A", follower_count=500),  # same row twice: kept once
        post(country="Chad", poster_name="B", follower_count=500),
        post(country="Chad", poster_name="C", follower_count=100),
        post(country="Chad", poster_name="D", follower_count=None),
        post(country="Chad", poster_name=None, follower_count=9_000),
        post(country="Peru", poster_name="E", follower_count=7),
        post(country=None, poster_name="F", follower_count=1_000_000),
    ]
    expected = [
        {"country": "Chad", "poster_name": "A", "follower_count": 500},
        {"country": "Chad", "poster_name": "B", "follower_count": 500},
        {"country": "Peru", "poster_name": "E", "follower_count": 7},
    ]
    assert rows_equal(ra.most_followed_user_by_country(rows), expected)
    assert rows_equal(ra.country_with_most_followed_user(rows), expected[:2])


def test_country_with_most_followed_user_ties_across_countries():
    rows = [
        post(country="Chad", poster_name="A", follower_count=3_000_000),
        post(country="Peru", poster_name="B", follower_count=3_000_000),
        post(country="Fiji", poster_name="C", follower_count=2_999_999),
    ]
    expected = [
        {"country": "Chad", "poster_name": "A", "follower_count": 3_000_000},
        {"country": "Peru", "poster_name": "B", "follower_count": 3_000_000},
    ]
    assert rows_equal(ra.country_with_most_followed_user(rows), expected)


def test_most_followed_user_marts_are_empty_without_counts():
    rows = [post(follower_count=None)]
    assert ra.most_followed_user_by_country(rows) == []
    assert ra.country_with_most_followed_user(rows) == []


# --- task 8, 10, 11: medians -----------------------------------------------------------------


def test_median_by_age_group_interpolates_and_skips_null_counts():
    rows = [
        post(age=18, follower_count=1),
        post(age=24, follower_count=2),
        post(age=20, follower_count=None),
        post(age=30, follower_count=5),
        post(age=31, follower_count=1),
        post(age=32, follower_count=100),
        post(age=40, follower_count=None),
    ]
    result = ra.median_follower_count_by_age_group(rows)
    expected = [
        {"age_group": "18-24", "median_follower_count": 1.5},
        {"age_group": "25-35", "median_follower_count": 5.0},
    ]
    assert rows_equal(result, expected)
    assert all(isinstance(row["median_follower_count"], float) for row in result)


def test_median_counts_every_post_not_every_user():
    rows = [post(follower_count=10), post(follower_count=10), post(follower_count=40)]
    assert ra.median_follower_count_by_age_group(rows) == [
        {"age_group": "25-35", "median_follower_count": 10.0}
    ]


def test_median_by_join_year():
    rows = [
        post(date_joined=datetime(2016, 1, 1), follower_count=1_000),
        post(date_joined=datetime(2016, 12, 31), follower_count=3_000),
        post(date_joined=datetime(2016, 7, 1), follower_count=None),
        post(date_joined=datetime(2017, 1, 1), follower_count=7),
        post(date_joined=None, follower_count=9),
    ]
    expected = [
        {"join_year": 2016, "median_follower_count": 2_000.0},
        {"join_year": 2017, "median_follower_count": 7.0},
    ]
    assert rows_equal(ra.median_follower_count_by_join_year(rows), expected)


def test_median_by_age_group_and_join_year():
    rows = [
        post(age=20, date_joined=datetime(2016, 1, 1), follower_count=1),
        post(age=22, date_joined=datetime(2016, 2, 1), follower_count=2),
        post(age=23, date_joined=datetime(2016, 3, 1), follower_count=4),
        post(age=20, date_joined=datetime(2017, 1, 1), follower_count=10),
        post(age=20, date_joined=datetime(2017, 1, 1), follower_count=11),
        post(age=60, date_joined=datetime(2017, 1, 1), follower_count=5),
        post(age=17, date_joined=datetime(2017, 1, 1), follower_count=5),
        post(age=40, date_joined=None, follower_count=5),
    ]
    expected = [
        {"age_group": "18-24", "join_year": 2016, "median_follower_count": 2.0},
        {"age_group": "18-24", "join_year": 2017, "median_follower_count": 10.5},
        {"age_group": "50+", "join_year": 2017, "median_follower_count": 5.0},
    ]
    assert rows_equal(ra.median_follower_count_by_age_group_and_join_year(rows), expected)


def test_median_of_large_counts_is_exact_for_halves():
    rows = [post(follower_count=3_000_000), post(follower_count=3_000_001)]
    assert ra.median_follower_count_by_age_group(rows) == [
        {"age_group": "25-35", "median_follower_count": 3_000_000.5}
    ]


# --- task 9: distinct users ------------------------------------------------------------------


def test_users_joined_by_year_counts_distinct_users():
    joined = datetime(2016, 3, 4, 5, 6, 7)
    rows = [
        post(user_name="Ada", age=30, date_joined=joined),
        post(user_name="Ada", age=30, date_joined=joined),  # same user, second post
        post(user_name="Ada", age=31, date_joined=joined),  # differs by age: another user
        post(user_name="Ada", age=30, date_joined=datetime(2016, 3, 4, 5, 6, 8)),
        post(user_name="Bob", age=30, date_joined=joined),
        post(user_name=None, age=30, date_joined=joined),
        post(user_name="Cy", age=None, date_joined=joined),
        post(user_name="Di", age=30, date_joined=None),
        post(user_name="Ed", age=12, date_joined=datetime(2019, 1, 1)),  # minors still count
    ]
    expected = [
        {"join_year": 2016, "number_users_joined": 4},
        {"join_year": 2019, "number_users_joined": 1},
    ]
    assert rows_equal(ra.users_joined_by_year(rows), expected)


def test_users_joined_only_counts_users_with_posts():
    pins = ra.clean_pins([pin(1)])
    geos = ra.clean_geos([geo(1), geo(2)])
    users = ra.clean_users([user(1), user(2, first_name="Bob")])
    assert ra.users_joined_by_year(ra.posts(pins, geos, users)) == [
        {"join_year": 2016, "number_users_joined": 1}
    ]


# --- everything together ---------------------------------------------------------------------


def test_all_marts_end_to_end():
    pin_records = [
        pin(1, category="art", follower_count="1k", poster_name="Ann"),
        pin(2, category="food", follower_count="2k", poster_name="Ben"),
        pin(3, category="food", follower_count="User Info Error", poster_name="Cat"),
        pin(2, category="art", follower_count="3M", poster_name="Ben"),  # replaces pin 2
        pin(4, category="travel", follower_count="5"),  # no geo row: not a post
        pin(None, category="ghost"),
    ]
    geo_records = [
        geo(1, country="Chad", timestamp="2019-01-01 00:00:00"),
        geo(2, country="Chad", timestamp="2019-06-01T00:00:00Z"),
        geo(3, country="Peru", timestamp="2024-01-01T00:00:00"),
    ]
    user_records = [
        user(1, first_name="Ann", last_name=None, age=20, date_joined="2015-01-01 00:00:00"),
        user(2, first_name="Ben", last_name="Bo", age=20, date_joined="2015-05-05T00:00:00"),
        user(3, first_name="Cat", last_name="Cy", age=60, date_joined="2021-01-01T00:00:00"),
        user(4),
    ]
    marts = ra.all_marts(pin_records, geo_records, user_records)
    expected = {
        "most_popular_category_by_country": [
            {"country": "Chad", "category": "art", "category_count": 2},
            {"country": "Peru", "category": "food", "category_count": 1},
        ],
        "most_popular_category_by_year": [
            {"post_year": 2019, "category": "art", "category_count": 2},
        ],
        "most_followed_user_by_country": [
            {"country": "Chad", "poster_name": "Ben", "follower_count": 3_000_000},
        ],
        "country_with_most_followed_user": [
            {"country": "Chad", "poster_name": "Ben", "follower_count": 3_000_000},
        ],
        "most_popular_category_by_age_group": [
            {"age_group": "18-24", "category": "art", "category_count": 2},
            {"age_group": "50+", "category": "food", "category_count": 1},
        ],
        "median_follower_count_by_age_group": [
            {"age_group": "18-24", "median_follower_count": 1_500_500.0},
        ],
        "users_joined_by_year": [
            {"join_year": 2015, "number_users_joined": 2},
        ],
        "median_follower_count_by_join_year": [
            {"join_year": 2015, "median_follower_count": 1_500_500.0},
        ],
        "median_follower_count_by_age_group_and_join_year": [
            {"age_group": "18-24", "join_year": 2015, "median_follower_count": 1_500_500.0},
        ],
    }
    assert set(marts) == set(expected)
    for name, rows in expected.items():
        assert rows_equal(marts[name], rows), name


def test_all_marts_passes_the_windows_through():
    marts = ra.all_marts(
        [pin(1)],
        [geo(1, timestamp="2030-01-01 00:00:00")],
        [user(1, date_joined="2001-01-01 00:00:00")],
        post_years=(2030, 2030),
        join_years=(2000, 2001),
    )
    assert marts["most_popular_category_by_year"] == [
        {"post_year": 2030, "category": "art", "category_count": 1}
    ]
    assert marts["users_joined_by_year"] == [{"join_year": 2001, "number_users_joined": 1}]
    assert marts["median_follower_count_by_join_year"] == [
        {"join_year": 2001, "median_follower_count": 100.0}
    ]


def test_all_marts_on_empty_input():
    marts = ra.all_marts([], [], [])
    assert len(marts) == 9
    assert all(rows == [] for rows in marts.values())
