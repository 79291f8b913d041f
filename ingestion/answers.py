"""`python -m ingestion.answers`: print the answers of Tasks 4-11 from the marts that
`dbt build` made, through the Spark Thrift Server."""

from __future__ import annotations

from collections.abc import Sequence

from pyhive import hive

from ingestion.cli import EnvArgumentParser, add_warehouse_options
from ingestion.errors import UserError, run_cli
from ingestion.settings import Settings
from ingestion.thrift import Login, connect

# (task, question, mart, order by)
QUESTIONS = [
    (
        "Task 4",
        "Most popular category in each country",
        "most_popular_category_by_country",
        "country, category",
    ),
    (
        "Task 5",
        "Most popular category each year",
        "most_popular_category_by_year",
        "post_year, category",
    ),
    (
        "Task 6",
        "Most followed poster in each country",
        "most_followed_user_by_country",
        "follower_count desc, country",
    ),
    (
        "Task 6",
        "Country with the most followed poster",
        "country_with_most_followed_user",
        "country",
    ),
    (
        "Task 7",
        "Most popular category of each age group",
        "most_popular_category_by_age_group",
        "age_group, category",
    ),
    (
        "Task 8",
        "Median follower count of each age group",
        "median_follower_count_by_age_group",
        "age_group",
    ),
    ("Task 9", "Users who joined each year", "users_joined_by_year", "join_year"),
    (
        "Task 10",
        "Median follower count by join year",
        "median_follower_count_by_join_year",
        "join_year",
    ),
    (
        "Task 11",
        "Median follower count by age group and join year",
        "median_follower_count_by_age_group_and_join_year",
        "age_group, join_year",
    ),
]


def format_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in columns]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    settings = Settings.load()
    parser = EnvArgumentParser(prog="python -m ingestion.answers", description=__doc__)
    add_warehouse_options(parser, settings, raw_schema=False)
    parser.add_argument("--limit", type=int, default=15, help="rows per answer (default: 15)")
    args = parser.parse_args(argv)
    connection = connect(args.host, args.port, Login.from_settings(settings))
    cursor = connection.cursor()
    for task, question, mart, order in QUESTIONS:
        # Only identifiers vary: the fixed list above and the checked schema name.
        try:
            relation = args.schema + "_marts." + mart
            cursor.execute("select * from " + relation + " order by " + order)  # noqa: S608
        except hive.OperationalError:
            raise UserError(
                f"cannot read {args.schema}_marts.{mart}: run `dbt build` first"
            ) from None
        rows = cursor.fetchall()
        columns = [column[0].split(".")[-1] for column in cursor.description]
        shown = rows[: args.limit]
        more = f" (first {args.limit} of {len(rows)})" if len(rows) > args.limit else ""
        print(f"\n{task}: {question}{more} — {mart}")
        print(format_table(columns, shown))
    connection.close()
    return 0


if __name__ == "__main__":
    run_cli(main)
