"""`python -m standins.live` (`make live`): run the pipeline continuously on the local stack.

Starts a live source (`generate --live`), the emulator following it (`emulate --follow`) and
the sink as a service with wall-clock rotation, and makes sure the orchestrator (Dagster's
daemon and UI) runs with the same settings: its sensor builds what lands, one incremental
`dbt build` after another. For each build it prints the new posts, the rows staged, its time
and how fresh the tables are. A sink or emulator that dies is started again. Ctrl-C (or
SIGTERM, or --duration) stops it in order: the source, then the emulator after it sent every
committed row, the sink after it landed every record, and a last build through the
orchestrator, so that `python -m warehouse.reconcile` then passes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.catalogue import DEFAULT_SCHEMA
from core.cli import (
    EnvArgumentParser,
    add_env_option,
    identifier,
    positive_float,
    positive_int,
)
from core.errors import run_cli
from core.paths import output_dir
from core.settings import THRIFT_LOGIN, Settings


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = EnvArgumentParser(
        prog="python -m standins.live",
        # And those of the commands it starts: see their --help.
        variables=(
            "PINTEREST_DB_URL",
            "PINTEREST_DB_ADMIN_URL",
            "PINTEREST_TOPIC_PREFIX",
            "S3_BUCKET",
            "SINK_TOPICS_DIR",
            "SINK_GROUP",
            "SPARK_THRIFT_HOST",
            "SPARK_THRIFT_PORT",
            *THRIFT_LOGIN,
            "DBT_PROFILES_DIR",
            "PINTEREST_SENSOR_INTERVAL",
            "PINTEREST_FULL_BUILD_CRON",
        ),
        description="Run the pipeline continuously on the local stack: a live source, the "
        "emulator following it, the sink as a service and incremental dbt builds, with the "
        "freshness of each build. Ctrl-C stops everything in order.",
    )

    def option(flag: str, env: str, help: str, **kwargs: object) -> None:
        add_env_option(parser, settings, flag, env, help, **kwargs)

    option(
        "--rate",
        "LIVE_RATE",
        "posts per second of the live source",
        default=50.0,
        type=positive_float,
    )
    option(
        "--rotate-ms",
        "LIVE_ROTATE_MS",
        "the sink lands what it holds after this long (wall clock): the landing's latency",
        default=2000,
        type=positive_int,
    )
    option(
        "--poll-interval",
        "LIVE_POLL_INTERVAL",
        "how often the emulator looks for new rows, in seconds",
        default=1.0,
        type=positive_float,
    )
    parser.add_argument(
        "--duration",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="stop after this long (default: run until Ctrl-C or SIGTERM)",
    )
    option(
        "--schema",
        "DBT_SCHEMA",
        "dbt target schema (models in <schema>_staging, ...)",
        default=DEFAULT_SCHEMA,
        type=identifier,
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=output_dir() / "live.json",
        help="where to write every cycle's figures and the freshness as JSON "
        "(default: output/live.json)",
    )
    parser.add_argument(
        "--keep-orchestrator",
        action="store_true",
        help="leave Dagster's UI and daemon running after the stop, for its runs to be looked "
        "at (`make live` does; otherwise they are stopped if this run started them)",
    )
    return parser


def command(argv: list[str] | None = None) -> int:
    given = Settings.load()
    args = build_parser(given).parse_args(argv)
    # Dagster, dbt and the clients load only now: --help and a bad option answer at once.
    from standins.live.runner import run

    return run(given, args)


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
