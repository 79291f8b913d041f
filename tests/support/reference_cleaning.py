"""The cleaning of Tasks 1-3 written again, independently of dbt, from the rules as the README
and the models' YAML state them: the end-to-end test compares every staging column with what
this makes of the source rows. Nothing here is read from the dbt project (not even the
markers: they are listed below, from docs/source-data.md)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MARKERS = {
    "No Title Data Available",
    "No description available Story format",
    "No description available",
    "User Info Error",
    "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
    "Image src error.",
}
# Java's `\s` (ASCII whitespace) and Unicode's separators: what staging trims.
ASCII_SPACE = " \t\n\x0b\x0c\r"
FOLLOWERS = re.compile(r"([0-9]+(?:\.[0-9]+)?)([kM])")
TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
MEDIA = {"image": "image", "video": "video", "multi-video(story page format)": "video"}


def _space(char: str) -> bool:
    return char in ASCII_SPACE or unicodedata.category(char) in ("Zs", "Zl", "Zp")


def trim(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _space(text[start]):
        start += 1
    while end > start and _space(text[end - 1]):
        end -= 1
    return text[start:end]


def text(value: Any) -> str | None:
    if value is None:
        return None
    trimmed = trim(str(value))
    return None if trimmed == "" or trimmed in MARKERS else trimmed


def followers(value: Any) -> int | None:
    cleaned = text(value)
    if cleaned is None:
        return None
    if re.fullmatch("[0-9]+", cleaned):
        return bigint(int(cleaned))
    match = FOLLOWERS.fullmatch(cleaned)
    if match is None:
        return None
    # The number is read as a decimal of 6 places (rounded half up), then multiplied and
    # truncated.
    number = Decimal(match.group(1)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
    return bigint(int(number * (1000 if match.group(2) == "k" else 1_000_000)))


def bigint(number: int) -> int | None:
    return number if number < 2**63 else None


def timestamp(value: Any) -> datetime | None:
    cleaned = text(value)
    if cleaned is None or not TIMESTAMP.fullmatch(cleaned):
        return None
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:  # a day or hour that does not exist
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def save_location(value: Any) -> str | None:
    if value is None:
        return None
    trimmed = trim(str(value))
    if trimmed == "Local save in":
        trimmed = ""
    elif trimmed.startswith("Local save in") and trimmed[len("Local save in")] in ASCII_SPACE:
        trimmed = trimmed[len("Local save in") + 1 :]
    return text(trimmed)


def integer(value: Any) -> int | None:
    return None if value is None else int(value)


def pin(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "ind": row["index"],
        "unique_id": text(row["unique_id"]),
        "title": text(row["title"]),
        "description": text(row["description"]),
        "follower_count": followers(row["follower_count"]),
        "poster_name": text(row["poster_name"]),
        "tag_list": text(row["tag_list"]),
        "is_image_or_video": MEDIA.get(text(row["is_image_or_video"]) or ""),
        "image_src": text(row["image_src"]),
        "save_location": save_location(row["save_location"]),
        "category": text(row["category"]),
        "downloaded": integer(row["downloaded"]),
    }


def geolocation(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "ind": row["ind"],
        "country": text(row["country"]),
        "coordinates": [row["latitude"], row["longitude"]],
        "timestamp": timestamp(row["timestamp"]),
    }


def user(row: dict[str, Any]) -> dict[str, Any]:
    names = [part for part in (text(row["first_name"]), text(row["last_name"])) if part]
    return {
        "ind": row["ind"],
        "user_name": " ".join(names) or None,
        "age": integer(row["age"]),
        "date_joined": timestamp(row["date_joined"]),
    }


# The staging model of each source table, and how its rows are cleaned.
STAGING = {
    "pinterest_data": ("stg_pinterest__pins", pin),
    "geolocation_data": ("stg_pinterest__geolocations", geolocation),
    "user_data": ("stg_pinterest__users", user),
}
