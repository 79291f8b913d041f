"""`python -m ingestion.sink`: land Kafka topics in S3 in the Confluent S3 sink's layout."""

from __future__ import annotations

import argparse
import re
import socket

from confluent_kafka import Consumer, KafkaException, Producer

from core.cli import (
    EnvArgumentParser,
    add_env_option,
    add_kafka_options,
    add_landing_options,
    positive_float,
    positive_int,
    require_bucket,
    require_kafka,
)
from core.errors import UserError, run_cli
from core.progress import Progress
from core.settings import S3_CONNECTION, Settings
from core.stopping import StopRequest
from ingestion.clients.kafka import (
    check_reachable,
    client_config,
    config_source,
    create_client,
)
from ingestion.clients.s3 import check_bucket, s3_client
from ingestion.sink.object_store import Landing
from ingestion.sink.sink import Rebalance, Rotation, S3Sink
from ingestion.topics import DLQ_SUFFIX, sink_group, sink_topics_regex


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = EnvArgumentParser(
        prog="python -m ingestion.sink",
        variables=(*S3_CONNECTION, "KAFKA_SINK_CONFIG", "KAFKA_CLIENT_CONFIG"),
        description="Land Kafka topics in S3 as <topics-dir>/<topic>/partition=<p>/"
        "<topic>+<p>+<start offset>.json objects, one record per line, exactly once.",
    )

    def option(flag: str, env: str, help: str, **kwargs: object) -> None:
        add_env_option(parser, settings, flag, env, help, **kwargs)

    add_kafka_options(
        parser,
        settings,
        prefix_help="prefix of the pipeline's topics; the dead-letter topic is <prefix>.dlq",
    )
    option(
        "--topics-regex",
        "SINK_TOPICS_REGEX",
        "topics to land",
        derived=sink_topics_regex("<prefix>"),
    )
    option(
        "--group",
        "SINK_GROUP",
        "consumer group: sink processes in one group share the partitions",
        derived=sink_group("<prefix>"),
    )
    option(
        "--instance-id",
        "SINK_INSTANCE_ID",
        "static group membership id, unique per sink "
        "process of a group: a restarted sink takes its partitions back at once instead of "
        "waiting for the group to time the old process out",
        default=socket.gethostname(),
    )
    add_landing_options(
        parser,
        settings,
        bucket_help="bucket to land in",
        topics_dir_help="top folder of the layout (Connect's topics.dir)",
    )
    option(
        "--flush-size", "SINK_FLUSH_SIZE", "records per object", default=10_000, type=positive_int
    )
    option(
        "--rotate-interval-ms",
        "SINK_ROTATE_INTERVAL_MS",
        "also start a new object when a "
        "record's timestamp is this far past the object's first (deterministic)",
        type=positive_int,
    )
    option(
        "--rotate-schedule-interval-ms",
        "SINK_ROTATE_SCHEDULE_INTERVAL_MS",
        "also land "
        "objects open this long by the wall clock; bounds latency, but a rerun after a crash "
        "may cut objects at other records (the same records still land once)",
        type=positive_int,
    )
    option(
        "--until-idle",
        "SINK_UNTIL_IDLE",
        "exit once no record arrived for this many seconds (batch runs; while its group "
        "forms and its topics exist, it waits up to 120 s more); default: run until Ctrl-C "
        "or SIGTERM",
        type=positive_float,
    )
    option(
        "--s3-retry-seconds",
        "SINK_S3_RETRY_SECONDS",
        "keep retrying a failing S3 request this long before giving up",
        default=600.0,
        type=positive_float,
    )
    return parser


def command(argv: list[str] | None = None) -> int:
    settings = Settings.load()
    parser = build_parser(settings)
    args = parser.parse_args(argv)
    # Derived from the prefix in force, whichever of flag, environment or file gave it.
    args.topics_regex = args.topics_regex or sink_topics_regex(args.topic_prefix)
    args.group = args.group or sink_group(args.topic_prefix)
    require_kafka(parser, args)
    require_bucket(parser, args)
    try:
        re.compile(args.topics_regex)
    except re.error as exc:
        parser.error(f"--topics-regex is not a regular expression: {exc}")

    base = client_config(settings, "sink", args.bootstrap_servers)
    source = config_source(settings, "sink")
    check_reachable(base, source)
    check_bucket(settings, args.bucket, args.topics_dir + "/")
    client = s3_client(settings)

    consumer_config = {
        # Defaults that KAFKA_CLIENT_CONFIG may override.
        "session.timeout.ms": 10_000,
        # New topics matching --topics-regex are picked up within 10 s (default 5 min).
        "topic.metadata.refresh.interval.ms": 10_000,
        # Bound the prefetch (default: a 64 MB queue, fetches of 50 MB): a fetch lands
        # decompressed all at once, so small fetches and a small queue keep memory flat
        # however far behind the sink starts. librdkafka waits fetch.queue.backoff.ms
        # (default 1 s) before fetching again once the queue is full, which made a small
        # queue slow; 5 ms keeps it fed. On a 1,000,000-post backlog: 201 MiB at 51k
        # records/s before, 104 MiB at 64k records/s with these (bench/README.md).
        "queued.max.messages.kbytes": 1024,
        # The smallest librdkafka accepts: not below message.max.bytes (1,000,000).
        "fetch.max.bytes": 2**20,
        "max.partition.fetch.bytes": 2**17,
        "fetch.queue.backoff.ms": 5,
        "log_level": 3,
        **base,
        # What exactly-once landing relies on: not overridable.
        "group.id": args.group,
        "group.instance.id": args.instance_id,
        # Landing may wait out an S3 outage; the group must not evict us meanwhile.
        "max.poll.interval.ms": int((args.s3_retry_seconds + 120) * 1000),
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
    }

    def connect(on_assign: Rebalance, on_revoke: Rebalance) -> Consumer:
        consumer = create_client(Consumer, consumer_config, source)
        consumer.subscribe(["^" + args.topics_regex], on_assign=on_assign, on_revoke=on_revoke)
        return consumer

    dlq = create_client(
        Producer,
        # Quiet like the consumer: on a new broker its first id request is retried while the
        # coordinator loads, which librdkafka would print as a warning of its own.
        {"log_level": 3, **base, "enable.idempotence": True, "acks": "all", "linger.ms": 20},
        source,
    )
    progress = Progress("sink", unit="records")
    sink = S3Sink(
        connect,
        dlq,
        Landing(client, args.bucket, args.topics_dir, retry_for=args.s3_retry_seconds),
        dlq_topic=f"{args.topic_prefix}.{DLQ_SUFFIX}",
        rotation=Rotation(
            args.flush_size, args.rotate_interval_ms, args.rotate_schedule_interval_ms
        ),
        on_records=progress.advance,
    )
    topics_match = False
    with StopRequest() as stop:
        try:
            # A stop request ends the loop, which then lands the files in hand, so everything
            # consumed is landed and committed.
            sink.run(
                until_idle=args.until_idle,
                should_stop=lambda: stop.requested,
                topics_match=lambda: any_topic_matches(sink.consumer, args.topics_regex),
            )
            never_assigned = bool(args.until_idle) and sink.assigned_at is None
            topics_match = never_assigned and any_topic_matches(sink.consumer, args.topics_regex)
        finally:
            progress.close()
            sink.consumer.close()
    interrupted = stop.requested
    stats = sink.stats
    busy = stats.busy_seconds
    landed = ", ".join(f"{topic} {count:,}" for topic, count in sorted(stats.landed.items()))
    print(
        f"sink: {sum(stats.landed.values()):,} records landed ({landed or 'none'}) in "
        f"{stats.objects:,} objects, {sum(stats.dead_lettered.values()):,} dead-lettered, "
        f"{stats.skipped_objects} already-landed objects skipped; {busy:.1f} s busy "
        f"({stats.records / busy if busy else 0:,.0f} records/s), {progress.elapsed:.1f} s in all"
    )
    if args.until_idle and sink.assigned_at is None:
        if topics_match:
            raise UserError(
                f"no partition was assigned within {progress.elapsed:.0f} s although topics "
                f"match --topics-regex '{args.topics_regex}': group {args.group} did not form "
                "(is every Kafka broker up?); rerun"
            )
        raise UserError(
            f"no partition was assigned within {args.until_idle:g} s: no topic matches "
            f"--topics-regex '{args.topics_regex}'"
        )
    return 130 if interrupted else 0


def any_topic_matches(consumer: Consumer, regex: str) -> bool:
    """Whether a topic the sink subscribes to exists; True while Kafka cannot say."""
    pattern = re.compile("^" + regex)
    try:
        topics = consumer.list_topics(timeout=10).topics
    except KafkaException:
        return True
    return any(pattern.match(name) for name in topics)


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
