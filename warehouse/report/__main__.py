"""`python -m warehouse.report`: the answers of Tasks 4-11 as a self-contained HTML report
(output/report/index.html), read from the marts through the Spark Thrift Server, with the
reconciliation and data-quality counts and where the figures came from."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from core.catalogue import SOURCE_TABLES
from core.cli import EnvArgumentParser, add_warehouse_options
from core.errors import UserError, run_cli
from core.paths import output_dir
from core.progress import Progress
from core.settings import THRIFT_LOGIN, Settings


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = EnvArgumentParser(
        prog="python -m warehouse.report", description=__doc__, variables=THRIFT_LOGIN
    )

    add_warehouse_options(parser, settings)
    parser.add_argument(
        "--reconcile",
        type=Path,
        default=output_dir() / "reconcile.json",
        help="counts written by `python -m warehouse.reconcile` (default: output/reconcile.json)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=output_dir() / "report" / "index.html",
        help="where to write the report (default: output/report/index.html)",
    )
    parser.add_argument(
        "--target", default=None, help="how the report names where the marts were built"
    )
    return parser


def load_reconcile(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"no reconciliation counts at {path}: run `python -m warehouse.reconcile` first "
            "(make demo does)"
        ) from None
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot read {path} ({exc}): rerun `python -m warehouse.reconcile`"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("tables"), list):
        raise UserError(f"{path} is not reconcile's output: rerun `python -m warehouse.reconcile`")
    return document


def command(argv: list[str] | None = None) -> int:
    settings = Settings.load()
    args = build_parser(settings).parse_args(argv)
    # The charts (Plotly) and the warehouse's client load only now: --help answers at once.
    from warehouse.audit import read_audit
    from warehouse.questions import project_questions
    from warehouse.report.charts import CHARTS
    from warehouse.report.page import Provenance, Question, render
    from warehouse.report.warehouse import count_posts, read_mart
    from warehouse.thrift import Login, connect

    reconcile = load_reconcile(args.reconcile)
    target = args.target or (
        f"local (Spark Thrift Server {args.thrift_host}:{args.thrift_port}, schema {args.schema})"
    )
    asked = project_questions()
    connection = connect(args.thrift_host, args.thrift_port, Login.from_settings(settings))
    progress = Progress("report", total=len(asked) + 2, unit="queries")
    try:
        cursor = connection.cursor()
        answered = []
        for question in asked:
            table = read_mart(cursor, args.schema, question.mart, question.order_by)
            chart = CHARTS[question.mart]
            answered.append(
                Question(
                    question.task,
                    question.question,
                    question.mart,
                    chart.caption,
                    table,
                    chart.draw(table),
                )
            )
            progress.advance()
        posts = count_posts(cursor, args.schema)
        progress.advance()
        audit = read_audit(cursor, args.schema, "run `dbt build` first (make demo does)")
        markers = {table.name: audit[table.topic].marker_values for table in SOURCE_TABLES}
        progress.advance()
    finally:
        progress.close()
        connection.close()
    built_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    page = render(answered, reconcile, markers, Provenance(built_at, posts, target))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(page, encoding="utf-8")
    print(
        f"report: {len(answered)} charts from {posts:,} posts written to {args.output} "
        f"({len(page.encode()) / 1e6:.1f} MB, opens offline)"
    )
    return 0


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
