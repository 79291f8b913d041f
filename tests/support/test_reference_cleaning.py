"""The independent cleaning the end-to-end test compares staging with, on the forms the rules
name (the same cases as the dbt unit tests, which hold the models)."""

from __future__ import annotations

from datetime import datetime

import reference_cleaning as clean


def test_text_is_trimmed_of_ascii_and_unicode_spaces_and_markers_become_none():
    assert clean.text("  two  words\t") == "two  words"
    assert clean.text("\u00a0Ann\u3000") == "Ann"
    assert clean.text(" \u00a0 ") is None
    assert clean.text("\u00a0User Info Error ") is None
    assert clean.text("No Title Data Available yet") == "No Title Data Available yet"
    assert clean.text(None) is None


def test_follower_counts():
    forms = {"812": 812, "122k": 122_000, "1.5k": 1_500, "3M": 3_000_000, " 3k": 3_000}
    forms |= {"2.25M": 2_250_000, "0": 0, "1.2345675M": 1_234_568, "1.2345k": 1_234}
    for raw, number in forms.items():
        assert clean.followers(raw) == number, raw
    for raw in ("-5", "1B", "k", "1.5", "User Info Error", "1,000", "12K", None):
        assert clean.followers(raw) is None, raw


def test_timestamps_parse_both_forms_to_utc_and_nothing_partial():
    assert clean.timestamp("2020-01-02T03:04:05+02:00") == datetime(2020, 1, 2, 1, 4, 5)
    assert clean.timestamp("2020-01-02T03:04:05.123Z") == datetime(2020, 1, 2, 3, 4, 5, 123000)
    assert clean.timestamp("2020-01-02 03:04:05") == datetime(2020, 1, 2, 3, 4, 5)
    for raw in ("2020-01-02", "yesterday", "2019-02-30 00:00:00", None):
        assert clean.timestamp(raw) is None, raw


def test_save_location_media_type_and_names():
    assert clean.save_location(" Local save in /data/mens-fashion ") == "/data/mens-fashion"
    assert clean.save_location("Local save in ") is None
    assert clean.save_location("/data/travel") == "/data/travel"
    assert clean.MEDIA.get(clean.text("multi-video(story page format)") or "") == "video"
    user = {"ind": 1, "first_name": " Ada ", "last_name": None, "age": 3, "date_joined": None}
    assert clean.user(user)["user_name"] == "Ada"
    assert (
        clean.user({**user, "first_name": "", "last_name": "User Info Error"})["user_name"] is None
    )
