"""A chart per question, drawn by plotly from the mart that answers it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from warehouse.report.warehouse import Table

# Long answers (one row per country) are charted for their largest rows; the table has all.
TOP_ROWS = 20


@dataclass(frozen=True)
class Chart:
    caption: str  # what the chart answers, its grain and its window
    draw: Callable[[Table], go.Figure]


def _layout(figure: go.Figure, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    figure.update_layout(
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=height,
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def _ranked(rows: list[dict[str, Any]], y: str, top: int | None) -> list[dict[str, Any]]:
    if top is None:
        return rows
    return sorted(rows, key=lambda row: row[y] or 0, reverse=True)[:top]


def bars(
    x: str, y: str, label: str | None = None, *, horizontal: bool = False, top: int | None = None
) -> Callable[[Table], go.Figure]:
    """One bar per row, in the table's order (or the `top` largest, ranked), with `label`
    written on each bar."""

    def draw(table: Table) -> go.Figure:
        rows = _ranked(table.records(), y, top)
        names = [str(row[x]) for row in rows]
        if label and len(set(names)) < len(names):
            # Ties share an x (two posters of one country): one bar each, named apart.
            names = [f"{name} · {row[label]}" for name, row in zip(names, rows, strict=True)]
        sizes = [row[y] for row in rows]
        figure = go.Figure(
            go.Bar(
                x=sizes if horizontal else names,
                y=names if horizontal else sizes,
                orientation="h" if horizontal else "v",
                text=[row[label] for row in rows] if label else None,
                textposition="auto",
            )
        )
        return _axes(figure, names, x, y, horizontal)

    return draw


def coloured_bars(
    x: str,
    y: str,
    colour: str,
    *,
    side_by_side: bool = False,
    horizontal: bool = False,
    top: int | None = None,
) -> Callable[[Table], go.Figure]:
    """A bar per row, a colour (and legend entry) per value of `colour`. Bars of one `x`
    stand side by side when `side_by_side` (a breakdown), else on top of each other (ties,
    which have the same size)."""

    def draw(table: Table) -> go.Figure:
        rows = _ranked(table.records(), y, top)
        names = list(dict.fromkeys(str(row[x]) for row in rows))
        figure = go.Figure()
        for value in sorted({str(row[colour]) for row in rows}):
            members = [row for row in rows if str(row[colour]) == value]
            labels = [str(row[x]) for row in members]
            sizes = [row[y] for row in members]
            figure.add_trace(
                go.Bar(
                    name=value,
                    x=sizes if horizontal else labels,
                    y=labels if horizontal else sizes,
                    orientation="h" if horizontal else "v",
                )
            )
        figure.update_layout(barmode="group" if side_by_side else "overlay")
        return _axes(figure, names, x, y, horizontal)

    return draw


def _axes(figure: go.Figure, names: list[str], x: str, y: str, horizontal: bool) -> go.Figure:
    """Categories in the given order (a horizontal chart lists its first at the top)."""
    if horizontal:
        figure.update_yaxes(type="category", categoryorder="array", categoryarray=names[::-1])
        return _layout(figure, y, x, height=max(420, 26 * len(names) + 120))
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=names)
    return _layout(figure, x, y)


CHARTS: dict[str, Chart] = {
    "most_popular_category_by_country": Chart(
        f"The category with the most posts in each country; the {TOP_ROWS} countries whose top "
        "category has the most posts, coloured by that category. Grain: country and category "
        "(ties kept). Window: all posts with a country and a category.",
        coloured_bars("country", "category_count", "category", horizontal=True, top=TOP_ROWS),
    ),
    "most_popular_category_by_year": Chart(
        "Posts of the most popular category of each year, coloured by category. Grain: year "
        "and category (ties kept). Window: posts made 2018-2022.",
        coloured_bars("post_year", "category_count", "category"),
    ),
    "most_followed_user_by_country": Chart(
        f"Follower count of each country's most followed poster, labelled with the poster; the "
        f"{TOP_ROWS} largest. Grain: country and poster (ties kept). Window: posts with a known "
        "follower count.",
        bars("country", "follower_count", "poster_name", horizontal=True, top=TOP_ROWS),
    ),
    "country_with_most_followed_user": Chart(
        "The country whose most followed poster has the most followers of all, labelled with "
        "the poster. Grain: the winning country (ties kept). Window: as the chart above.",
        bars("country", "follower_count", label="poster_name"),
    ),
    "most_popular_category_by_age_group": Chart(
        "Posts of the most popular category of each age group, coloured by category. Grain: "
        "age group and category, counted per post (ties kept). Window: users aged 18 and over.",
        coloured_bars("age_group", "category_count", "category"),
    ),
    "median_follower_count_by_age_group": Chart(
        "Median follower count of each age group, over posts. Grain: age group. Window: posts "
        "with a known follower count.",
        bars("age_group", "median_follower_count"),
    ),
    "users_joined_by_year": Chart(
        "Distinct users who joined each year. Grain: join year. Window: joins 2015-2020.",
        bars("join_year", "number_users_joined"),
    ),
    "median_follower_count_by_join_year": Chart(
        "Median follower count by the year users joined, over posts. Grain: join year. "
        "Window: joins 2015-2020, posts with a known follower count.",
        bars("join_year", "median_follower_count"),
    ),
    "median_follower_count_by_age_group_and_join_year": Chart(
        "Median follower count by join year, a bar per age group. Grain: age group and join "
        "year. Window: joins 2015-2020, posts with a known follower count.",
        coloured_bars("join_year", "median_follower_count", "age_group", side_by_side=True),
    ),
}
