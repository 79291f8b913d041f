"""`python -m standins.stack {up,down,status,install,profile,grant}`: run the local stack
(what `make up` and `make down` call)."""

from __future__ import annotations

import argparse

from core.cli import EnvArgumentParser, add_env_option, add_topic_prefix_option
from core.errors import run_cli
from core.settings import Settings
from ingestion.topics import sink_group
from standins.stack.lifecycle import Stack, down, status, up


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = EnvArgumentParser(
        prog="python -m standins.stack",
        variables=(
            "PINTEREST_TOPIC_PREFIX",
            "PINTEREST_TOPIC_PARTITIONS",
            "PINTEREST_KAFKA_BROKERS",
            "PINTEREST_SPARK_WORKERS",
            "S3_BUCKET",
        ),
        description=(
            "Run the local stack on 127.0.0.1: MariaDB (port 3306), Kafka (9092; 9093 and 9094 "
            "its controller's and administrator's), SeaweedFS S3 (8333), the Spark Thrift Server "
            "(10000) and the ingestion API (8082), and on request Dagster's UI (3000) and "
            "daemon, with all state under .local/ (or $PINTEREST_STATE_DIR). Each port moves "
            "with a setting: PINTEREST_MYSQL_PORT, PINTEREST_KAFKA_PORT, "
            "PINTEREST_KAFKA_CONTROLLER_PORT, PINTEREST_KAFKA_ADMIN_PORT, PINTEREST_S3_PORT, "
            "PINTEREST_THRIFT_PORT, PINTEREST_API_PORT, PINTEREST_DAGSTER_PORT, "
            "PINTEREST_SPARK_MASTER_PORT. PINTEREST_KAFKA_BROKERS=3 starts a cluster of three "
            "Kafka brokers (broker n on each Kafka port + 10 x (n - 1)); "
            "PINTEREST_SPARK_WORKERS=N a Spark standalone master (7077) with N workers for the "
            "Thrift server."
        ),
    )
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=EnvArgumentParser
    )
    start = commands.add_parser(
        "up", help="install what is missing, start the stack, write stack.env"
    )
    start.add_argument(
        "--orchestrator",
        action="store_true",
        help="also start Dagster's UI (127.0.0.1:3000, or $PINTEREST_DAGSTER_PORT) and daemon",
    )
    commands.add_parser("down", help="stop the processes the stack started (data is kept)")
    commands.add_parser("status", help="show each service; exit 1 unless all are healthy")
    commands.add_parser("install", help="install packages and jars without starting anything")
    commands.add_parser("profile", help="write the dbt profile for the stack (.local/dbt)")
    access = commands.add_parser(
        "grant",
        help="create the topics of another prefix and let each Kafka user do its job on them",
        description=(
            "Kafka allows each user of the stack (emulator, api, sink, reader) only its job on "
            "the topics of PINTEREST_TOPIC_PREFIX. Run this to use another prefix."
        ),
    )
    add_topic_prefix_option(access, settings, "prefix of the topics")
    add_env_option(
        access,
        settings,
        "--group",
        "SINK_GROUP",
        "the sink's consumer group (and any group starting with it)",
        derived=sink_group("<prefix>"),
    )
    return parser


def command(argv: list[str] | None = None) -> int:
    # Resolved once: the options' defaults and the stack's configuration come from the same.
    settings = Settings.load()
    args = build_parser(settings).parse_args(argv)
    stack = Stack.from_settings(settings)
    if args.command == "up":
        up(stack, print, orchestrator=args.orchestrator)
    elif args.command == "down":
        down(stack, print)
    elif args.command == "status":
        return 0 if status(stack, print) else 1
    elif args.command == "profile":
        stack.write_dbt_profile()
    elif args.command == "grant":
        opened = stack.kafka.open_prefix(args.topic_prefix, args.group)
        print(f"topics created: {', '.join(opened.created) or 'none (all existed)'}")
        print(
            f"partitions per topic: {stack.config.partitions} (more where a topic had more)"
            if opened.larger
            else f"partitions per topic: {stack.config.partitions}"
        )
        print(f"emulator, api, sink and reader may now do their jobs on {args.topic_prefix}.*")
    else:
        for service in stack.services:
            service.install()
        print("stack installed")
    return 0


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
