"""`python -m warehouse.reconcile`: count each source table's records at every stage (MySQL,
Kafka, S3, dbt staging), print them, write them as JSON, and exit 1 when a stage holds fewer
than it should."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from core.catalogue import TABLE_TOPICS
from core.cli import (
    NO_KAFKA,
    EnvArgumentParser,
    add_env_option,
    add_kafka_options,
    add_landing_options,
    add_warehouse_options,
    require_bucket,
)
from core.errors import run_cli
from core.paths import output_dir
from core.progress import Progress
from core.settings import S3_CONNECTION, THRIFT_LOGIN, Settings
from core.text_table import text_table
from ingestion.clients.kafka import check_reachable, client_config, config_source
from ingestion.clients.mysql import open_engine
from ingestion.clients.s3 import check_bucket, s3_client
from ingestion.topics import DLQ_SUFFIX, sink_group
from warehouse.audit import read_audit
from warehouse.reconcile.kafka_counts import count_dead_letters, count_topics
from warehouse.reconcile.landed_counts import count_landed
from warehouse.reconcile.ledger import TableLedger
from warehouse.reconcile.source_counts import count_rows
from warehouse.thrift import Login, connect

COLUMNS = [
    ("table", lambda t: t.table),
    ("mysql", lambda t: t.mysql_rows),
    ("kafka", lambda t: t.kafka_records),
    ("pending", lambda t: t.kafka_pending),
    ("s3", lambda t: t.s3_records),
    ("dlq", lambda t: t.dlq_records),
    ("raw lines", lambda t: t.raw_lines),
    ("dropped", lambda t: t.dropped_lines),
    ("duplicates", lambda t: t.duplicates_removed),
    ("staging", lambda t: t.staging_rows),
]


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = EnvArgumentParser(
        prog="python -m warehouse.reconcile",
        variables=(*S3_CONNECTION, "KAFKA_READER_CONFIG", "KAFKA_CLIENT_CONFIG", *THRIFT_LOGIN),
        description="Count every source table's records at each stage: MySQL rows, Kafka "
        "records (and those the sink has not reached), lines landed in S3, dead-lettered "
        "records, and what dbt staging kept, dropped as malformed or keyless, and folded as "
        "duplicates. Exits 1 when a stage holds fewer records than it should.",
    )

    def option(flag: str, env: str, help: str, **kwargs: object) -> None:
        add_env_option(parser, settings, flag, env, help, **kwargs)

    option("--db-url", "PINTEREST_DB_URL", "source database URL", secret=True)
    add_kafka_options(parser, settings)
    option("--group", "SINK_GROUP", "the sink's consumer group", derived=sink_group("<prefix>"))
    add_landing_options(
        parser,
        settings,
        bucket_help="bucket the sink lands in",
        topics_dir_help="the sink's top folder",
    )
    add_warehouse_options(parser, settings)
    parser.add_argument("--skip-dbt", action="store_true", help="stop at S3 (before dbt has run)")
    parser.add_argument(
        "--output",
        type=Path,
        default=output_dir() / "reconcile.json",
        help="where to write the counts as JSON (default: output/reconcile.json)",
    )
    return parser


def command(argv: list[str] | None = None) -> int:
    settings = Settings.load()
    parser = build_parser(settings)
    args = parser.parse_args(argv)
    args.group = args.group or sink_group(args.topic_prefix)
    for value, what in (
        (args.db_url, "no database: set PINTEREST_DB_URL or pass --db-url"),
        (args.bootstrap_servers, NO_KAFKA),
    ):
        if value is None:
            parser.error(what)
    require_bucket(parser, args)

    ledgers = [
        TableLedger(table, f"{args.topic_prefix}.{suffix}")
        for table, suffix in TABLE_TOPICS.items()
    ]
    count_source(args, ledgers)
    count_kafka(args, settings, ledgers)
    count_s3(args, settings, ledgers)
    if not args.skip_dbt:
        count_dbt(args, settings, ledgers)

    problems = [problem for ledger in ledgers for problem in ledger.problems()]
    print(render(ledgers))
    write_json(args.output, ledgers, problems)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    foreign = sum(ledger.s3_foreign_objects or 0 for ledger in ledgers)
    note = (
        f"; {foreign} objects not written by the sink are under the topics' folders"
        if foreign
        else ""
    )
    print(f"reconciled: every record is accounted for at every stage counted{note} ({args.output})")
    return 0


def count_source(args: argparse.Namespace, ledgers: list[TableLedger]) -> None:
    engine = open_engine(args.db_url, "PINTEREST_DB_URL")
    try:
        rows = count_rows(engine, [ledger.table for ledger in ledgers])
    finally:
        engine.dispose()
    for ledger in ledgers:
        ledger.mysql_rows = rows[ledger.table]


def count_kafka(args: argparse.Namespace, settings: Settings, ledgers: list[TableLedger]) -> None:
    config = client_config(settings, "reader", args.bootstrap_servers)
    check_reachable(config, config_source(settings, "reader"))
    topics = count_topics(config, [ledger.topic for ledger in ledgers], args.group)
    dead = count_dead_letters(config, f"{args.topic_prefix}.{DLQ_SUFFIX}")
    for ledger in ledgers:
        ledger.kafka_records = topics[ledger.topic].records
        ledger.sink_committed = topics[ledger.topic].committed
        ledger.dlq_records = dead[ledger.topic]


def count_s3(args: argparse.Namespace, settings: Settings, ledgers: list[TableLedger]) -> None:
    check_bucket(settings, args.bucket, args.topics_dir + "/")
    client = s3_client(settings)
    progress = Progress("reconcile: reading S3", unit="objects")
    try:
        for ledger in ledgers:
            landed = count_landed(
                client, args.bucket, args.topics_dir, ledger.topic, progress.advance
            )
            ledger.s3_records = landed.records
            ledger.s3_objects = landed.objects
            ledger.s3_foreign_objects = landed.foreign_objects
    finally:
        progress.close()


def count_dbt(args: argparse.Namespace, settings: Settings, ledgers: list[TableLedger]) -> None:
    connection = connect(args.thrift_host, args.thrift_port, Login.from_settings(settings))
    try:
        with contextlib.closing(connection.cursor()) as cursor:
            audit = read_audit(
                cursor, args.schema, "run `dbt build` first (it creates it), or pass --skip-dbt"
            )
    finally:
        connection.close()
    for ledger in ledgers:
        staged = audit[TABLE_TOPICS[ledger.table]]
        ledger.raw_lines = staged.raw_lines
        ledger.dropped_lines = staged.dropped_lines
        ledger.duplicates_removed = staged.duplicates_folded
        ledger.staging_rows = staged.staged_rows


def render(ledgers: list[TableLedger]) -> str:
    cells = [[name for name, _ in COLUMNS]]
    for ledger in ledgers:
        values = [get(ledger) for _, get in COLUMNS]
        cells.append([v if isinstance(v, str) else "-" if v is None else f"{v:,}" for v in values])
    return text_table(cells[0], cells[1:], figures=True)


def write_json(path: Path, ledgers: list[TableLedger], problems: list[str]) -> None:
    tables = [{**asdict(ledger), "kafka_pending": ledger.kafka_pending} for ledger in ledgers]
    document = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "tables": tables,
        "problems": problems,
        "reconciled": not problems,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
