"""`python -m ingestion.emulate`: stream the source database's posts into Kafka, over Kafka's
protocol or through a Kafka REST Proxy v2 endpoint (`--transport rest`).

Each post becomes three messages, its pinterest_data, geolocation_data and user_data rows, sent
to <prefix>.pin, <prefix>.geo and <prefix>.user with the post key as the message key.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from confluent_kafka.admin import AdminClient

from core.catalogue import POSTS, TABLE_KEYS, TABLE_TOPICS
from core.cli import (
    EnvArgumentParser,
    add_env_option,
    add_kafka_options,
    non_negative_float,
    positive_float,
    positive_int,
    require_kafka,
)
from core.errors import UserError, run_cli
from core.progress import Progress
from core.settings import Settings
from core.stopping import StopRequest
from ingestion.clients.kafka import check_reachable, client_config, config_source
from ingestion.clients.mysql import open_engine
from ingestion.emulate.checkpoint import Positions, describe_positions, load_checkpoint
from ingestion.emulate.outcome import Outcome
from ingestion.emulate.publish import PRODUCER_DEFAULTS
from ingestion.emulate.replay import replay_tables
from ingestion.emulate.rest import RestTarget, check_rest_target, open_publisher
from ingestion.emulate.run import random_posts, send_random
from ingestion.emulate.source import AFTER_LAST_KEY, BEFORE_FIRST_KEY, replay_span
from ingestion.emulate.table_worker import Follow, TableJob
from ingestion.topics import data_topic_names, ensure_topics

COMPRESSIONS = ["none", "gzip", "snappy", "lz4", "zstd"]
DEFAULT_POLL_INTERVAL_S = 1.0


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = EnvArgumentParser(
        prog="python -m ingestion.emulate",
        variables=("INGEST_API_KEY", "KAFKA_EMULATOR_CONFIG", "KAFKA_CLIENT_CONFIG"),
        description="Stream the source database's posts into Kafka: each post's three rows "
        "go to <prefix>.pin, <prefix>.geo and <prefix>.user, keyed by the post key.",
    )

    def option(flag: str, env: str, help: str, **kwargs: object) -> None:
        add_env_option(parser, settings, flag, env, help, **kwargs)

    option(
        "--mode",
        "EMULATE_MODE",
        "replay: every post once in key order; random: random "
        "posts at random intervals, as the original did",
        default="replay",
        choices=["replay", "random"],
    )
    option(
        "--transport",
        "EMULATE_TRANSPORT",
        "kafka: Kafka's protocol; rest: POST to a Kafka REST Proxy v2 endpoint",
        default="kafka",
        choices=["kafka", "rest"],
    )
    option("--db-url", "PINTEREST_DB_URL", "source database (read-only user)", secret=True)
    add_kafka_options(parser, settings)
    option(
        "--partitions",
        "PINTEREST_TOPIC_PARTITIONS",
        "partitions of topics created here",
        default=3,
        type=positive_int,
    )

    replay_group = parser.add_argument_group("replay mode")
    replay_group.add_argument(
        "--rate",
        type=positive_float,
        default=None,
        help="posts per second (default: as fast as possible)",
    )
    replay_group.add_argument(
        "--limit", type=positive_int, default=None, help="stop after this many posts"
    )
    replay_group.add_argument(
        "--start-after", type=int, default=None, metavar="KEY", help="begin after this post key"
    )
    replay_group.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        metavar="FILE",
        help="save here, for each table, the last key up to which its messages were all delivered",
    )
    replay_group.add_argument(
        "--resume",
        action="store_true",
        help="continue each table after its key saved in --checkpoint",
    )
    replay_group.add_argument(
        "--follow",
        action="store_true",
        help="after the rows present at start, keep sending each table's rows with later "
        "keys as they arrive, until Ctrl-C or SIGTERM (a table's keys must become visible in "
        "order, as with one writer)",
    )
    replay_group.add_argument(
        "--poll-interval",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="with --follow: how often to look for new rows (default: 1.0)",
    )
    replay_group.add_argument(
        "--page-size",
        type=positive_int,
        default=5000,
        help="rows per database round trip (default: %(default)s)",
    )

    random_group = parser.add_argument_group("random mode")
    random_group.add_argument(
        "--count", type=positive_int, default=None, help="stop after this many posts"
    )
    random_group.add_argument(
        "--duration",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds",
    )
    random_group.add_argument(
        "--seed", type=int, default=None, help="make the posts and pauses reproducible"
    )
    random_group.add_argument(
        "--max-interval",
        type=non_negative_float,
        default=2.0,
        metavar="SECONDS",
        help="pause before each post: random up to this (default: 2.0)",
    )

    rest = parser.add_argument_group(
        "REST transport",
        "the API key is read from $INGEST_API_KEY (`make up` writes the stack's into "
        ".local/stack.env)",
    )
    rest.add_argument(
        "--rest-url",
        default=settings.get("INGEST_API_URL"),
        help="the REST Proxy v2 endpoint [env INGEST_API_URL; default: %(default)s]",
    )
    rest.add_argument(
        "--rest-records",
        type=positive_int,
        default=None,
        help=f"records per request (default: {RestTarget.records_per_request})",
    )
    rest.add_argument(
        "--rest-in-flight",
        type=positive_int,
        default=None,
        help=f"requests in flight per table (default: {RestTarget.in_flight})",
    )

    producer = parser.add_argument_group(
        "producer",
        "librdkafka settings; any other one can be set in the KAFKA_CLIENT_CONFIG "
        "properties file (e.g. security.protocol=SASL_SSL for MSK)",
    )
    option_in = producer.add_argument
    option_in(
        "--linger-ms",
        type=int,
        default=None,
        help=f"batching delay (default: {PRODUCER_DEFAULTS['linger.ms']})",
    )
    option_in(
        "--compression",
        choices=COMPRESSIONS,
        default=None,
        help=f"compression codec (default: {PRODUCER_DEFAULTS['compression.type']})",
    )
    option_in(
        "--batch-bytes",
        type=positive_int,
        default=None,
        help=f"max bytes per batch (default: {PRODUCER_DEFAULTS['batch.size']})",
    )
    return parser


def validate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.mode == "random":
        for name in ("rate", "limit", "start_after", "checkpoint", "poll_interval"):
            if getattr(args, name) is not None:
                parser.error(f"--{name.replace('_', '-')} only applies to --mode replay")
        for name in ("resume", "follow"):
            if getattr(args, name):
                parser.error(f"--{name} only applies to --mode replay")
        if args.count is None and args.duration is None:
            parser.error("--mode random needs --count or --duration")
    else:
        for name in ("count", "duration", "seed"):
            if getattr(args, name) is not None:
                parser.error(f"--{name} only applies to --mode random")
        if args.resume and args.checkpoint is None:
            parser.error("--resume needs --checkpoint FILE")
        if args.resume and args.start_after is not None:
            parser.error("--resume and --start-after both choose the start: use one")
        if args.follow and args.limit is not None:
            parser.error("--follow runs until stopped and --limit stops after N posts: use one")
        if args.poll_interval is not None and not args.follow:
            parser.error("--poll-interval only applies with --follow")
    if args.db_url is None:
        parser.error("no source database: set PINTEREST_DB_URL or pass --db-url (or `make up`)")
    if args.transport == "rest":
        for name in ("linger_ms", "compression", "batch_bytes"):
            if getattr(args, name) is not None:
                parser.error(f"--{name.replace('_', '-')} only applies to --transport kafka")
        if args.rest_url is None:
            parser.error("--transport rest needs --rest-url or INGEST_API_URL (or `make up`)")
    else:
        for name in ("rest_records", "rest_in_flight"):
            if getattr(args, name) is not None:
                parser.error(f"--{name.replace('_', '-')} only applies to --transport rest")
        require_kafka(parser, args)


def producer_config(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    config: dict[str, Any] = {**PRODUCER_DEFAULTS}
    config.update(client_config(settings, "emulator", args.bootstrap_servers))
    # Failures reach the user as our one-line summary, not as librdkafka's log lines, which
    # go to logging (silent unless a caller configures it).
    config.setdefault("logger", logging.getLogger("ingestion.emulate.librdkafka"))
    for option, key in (
        ("linger_ms", "linger.ms"),
        ("compression", "compression.type"),
        ("batch_bytes", "batch.size"),
    ):
        if getattr(args, option) is not None:
            config[key] = getattr(args, option)
    return config


def transport_target(
    settings: Settings, args: argparse.Namespace, topics: dict[str, str]
) -> dict[str, Any] | RestTarget:
    """Where messages go, checked before anything is read: a Kafka producer config (with the
    topics created), or a REST endpoint that has them."""
    if args.transport == "rest":
        defaults = RestTarget(url=args.rest_url, api_key=settings.get("INGEST_API_KEY"))
        target = replace(
            defaults,
            records_per_request=args.rest_records or defaults.records_per_request,
            in_flight=args.rest_in_flight or defaults.in_flight,
        )
        check_rest_target(target, list(topics.values()))
        return target
    config = producer_config(settings, args)
    check_reachable(config, config_source(settings, "emulator"))
    ensure_topics(
        AdminClient({**config, "log_level": 0}),
        args.topic_prefix,
        args.partitions,
        data_topic_names(args.topic_prefix),
    )
    return config


def start_positions(args: argparse.Namespace) -> Positions:
    """Where each table starts: after its key in the checkpoint, after --start-after, or at
    the beginning."""
    if args.resume:
        saved = load_checkpoint(args.checkpoint)
        if saved is not None and any(key != BEFORE_FIRST_KEY for key in saved.values()):
            where = describe_positions(saved)
            print(f"resuming after {where} from {args.checkpoint}", file=sys.stderr)
            return saved
        print(f"no checkpoint in {args.checkpoint} yet: starting at the beginning", file=sys.stderr)
    start = BEFORE_FIRST_KEY if args.start_after is None else args.start_after
    return dict.fromkeys(TABLE_KEYS, start)


def command(argv: list[str] | None = None) -> int:
    settings = Settings.load()
    parser = build_parser(settings)
    args = parser.parse_args(argv)
    validate(parser, args)

    topics = {table: f"{args.topic_prefix}.{suffix}" for table, suffix in TABLE_TOPICS.items()}
    target = transport_target(settings, args, topics)
    engine = open_engine(args.db_url, "PINTEREST_DB_URL")
    _require_tables(engine)

    with StopRequest() as stop:
        if args.mode == "replay":
            outcome = _replay(args, engine, target, topics, stop)
        else:
            outcome = _random(args, engine, target, topics, stop)
    checkpoint = args.checkpoint
    print(
        f"emulate: {outcome.posts:,} posts read, {outcome.delivered:,} messages delivered, "
        f"{outcome.failed:,} failed, {outcome.unconfirmed:,} unconfirmed, "
        f"{outcome.value_bytes / 1e6:,.1f} MB, in {outcome.seconds:.1f} s "
        f"({outcome.posts / max(outcome.seconds, 1e-9):,.0f} posts/s)"
        + (
            f"; checkpoint: {describe_positions(outcome.positions)} in {checkpoint}"
            if checkpoint
            else ""
        )
    )
    if outcome.failed or outcome.unconfirmed:
        # The cause a worker saw (Kafka refusing its user, say) comes before the count.
        raise UserError(
            (f"{outcome.error}; " if outcome.error else "")
            + f"{outcome.failed + outcome.unconfirmed:,} messages were not delivered "
            f"(first error: {outcome.first_error or 'no report before the flush timeout'}); "
            + ("rerun with --resume to send them" if checkpoint else "rerun to send them")
        )
    if outcome.error:
        raise UserError(outcome.error + ("; rerun with --resume" if checkpoint else ""))
    return 130 if outcome.interrupted else 0


def _replay(
    args: argparse.Namespace,
    engine: sa.Engine,
    target: dict[str, Any] | RestTarget,
    topics: dict[str, str],
    stop: StopRequest,
) -> Outcome:
    after = start_positions(args)
    follow = Follow(args.poll_interval or DEFAULT_POLL_INTERVAL_S) if args.follow else None
    with engine.connect() as connection:
        # Following, each table reads on past the last key: no span, and no total to count.
        posts, upto = (
            (None, AFTER_LAST_KEY)
            if follow
            else replay_span(connection, after[POSTS.name], args.limit)
        )
    engine.dispose()
    jobs = [
        TableJob(
            table=table,
            topic=topics[table],
            db_url=args.db_url,
            target=target,
            after=after[table],
            upto=upto,
            page=args.page_size,
            rate=args.rate,
            follow=follow,
        )
        for table in TABLE_KEYS
    ]
    progress = Progress("emulate", total=posts, unit="posts")
    outcome = replay_tables(jobs, progress=progress, checkpoint=args.checkpoint, stop=stop)
    outcome.seconds = progress.elapsed
    return outcome


def _random(
    args: argparse.Namespace,
    engine: sa.Engine,
    target: dict[str, Any] | RestTarget,
    topics: dict[str, str],
    stop: StopRequest,
) -> Outcome:
    posts = random_posts(
        engine,
        seed=args.seed,
        count=args.count,
        duration=args.duration,
        max_interval=args.max_interval,
        stop=stop,
    )
    progress = Progress("emulate", total=args.count, unit="posts")
    outcome = send_random(posts, open_publisher(target, topics), progress, stop)
    outcome.seconds = progress.elapsed
    return outcome


def _require_tables(engine: sa.Engine) -> None:
    present = set(sa.inspect(engine).get_table_names())
    missing = [table for table in TABLE_KEYS if table not in present]
    if missing:
        raise UserError(
            f"source table(s) {', '.join(missing)} missing: run `python -m standins.generate`"
        )


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
