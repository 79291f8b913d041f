"""`python -m warehouse.answers`: print the answers of Tasks 4-11 from the marts that
`dbt build` made, through the Spark Thrift Server."""

from __future__ import annotations

from core.cli import EnvArgumentParser, add_warehouse_options
from core.errors import run_cli
from core.settings import THRIFT_LOGIN, Settings
from core.text_table import text_table


def command(argv: list[str] | None = None) -> int:
    settings = Settings.load()
    parser = EnvArgumentParser(
        prog="python -m warehouse.answers", description=__doc__, variables=THRIFT_LOGIN
    )
    add_warehouse_options(parser, settings)
    parser.add_argument("--limit", type=int, default=15, help="rows per answer (default: 15)")
    args = parser.parse_args(argv)
    # The warehouse's client loads only now: --help and a bad option answer at once.
    from warehouse.questions import project_questions
    from warehouse.report.warehouse import read_mart
    from warehouse.thrift import Login, connect

    asked = project_questions()
    connection = connect(args.thrift_host, args.thrift_port, Login.from_settings(settings))
    cursor = connection.cursor()
    for question in asked:
        table = read_mart(cursor, args.schema, question.mart, question.order_by)
        shown = table.rows[: args.limit]
        count = len(table.rows)
        more = f" (first {args.limit} of {count})" if count > args.limit else ""
        print(f"\n{question.task}: {question.question}{more} — {question.mart}")
        cells = [["" if value is None else str(value) for value in row] for row in shown]
        print(text_table(table.columns, cells, rule=True))
    connection.close()
    return 0


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
