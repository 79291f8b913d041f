"""`python -m standins.generate`: fill the source tables with deterministic synthetic posts,
or (`--live`) keep adding posts at a steady rate, as a live source."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core.cli import EnvArgumentParser, non_negative_int, positive_float, positive_int
from core.errors import run_cli
from core.progress import Progress
from core.settings import Settings
from core.stopping import StopRequest
from standins.generate.live import insert_live, next_key
from standins.generate.load import (
    ADMIN_URL_SETTING,
    LoadInterrupted,
    Target,
    connect,
    load,
    parse_target,
)
from standins.generate.rows import SOURCE_ROWS, SyntheticData

DEFAULT_SEED = 42
DEFAULT_BATCH_SIZE = 5000
DEFAULT_LIVE_RATE = 50.0


def build_parser() -> argparse.ArgumentParser:
    parser = EnvArgumentParser(
        prog="python -m standins.generate",
        description=(
            "Generate deterministic synthetic Pinterest-like posts (pinterest_data, "
            "geolocation_data, user_data) shaped like the original source database, and load "
            "them into MariaDB/MySQL."
        ),
    )
    parser.add_argument(
        "--rows",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"number of posts (and of geolocation and user rows) (default: {SOURCE_ROWS}, "
        "the size of the original database)",
    )
    parser.add_argument(
        "--seed",
        type=non_negative_int,
        default=DEFAULT_SEED,
        metavar="S",
        help="random seed; the same seed and --rows give identical tables (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH_SIZE,
        metavar="B",
        help="posts per insert transaction; does not change the data (default: %(default)s)",
    )
    live = parser.add_argument_group(
        "live source",
        "--live keeps inserting new posts after the last key the tables hold, each post with "
        "its geolocation and user row in one transaction, until Ctrl-C or SIGTERM",
    )
    live.add_argument("--live", action="store_true", help="run as a live source")
    live.add_argument(
        "--rate",
        type=positive_float,
        default=None,
        metavar="N",
        help=f"with --live: posts per second (default: {DEFAULT_LIVE_RATE:g})",
    )
    live.add_argument(
        "--count", type=positive_int, default=None, metavar="N", help="with --live: stop after N"
    )
    live.add_argument(
        "--duration",
        type=positive_float,
        default=None,
        metavar="SECONDS",
        help="with --live: stop after this long",
    )
    parser.add_argument(
        "--truncate",
        action="store_true",
        help="empty the three tables first (default: refuse if they already hold rows)",
    )
    parser.add_argument(
        "--db-url",
        metavar="URL",
        help="SQLAlchemy URL of an account that may create and fill the tables "
        f"[env {ADMIN_URL_SETTING}; default: from ${ADMIN_URL_SETTING}]",
    )
    return parser


def command(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.live:
        for name in ("rows", "truncate"):
            if getattr(args, name):
                parser.error(f"--{name} does not apply to --live: it adds to what is there")
    else:
        for name in ("rate", "count", "duration"):
            if getattr(args, name) is not None:
                parser.error(f"--{name} only applies with --live")
    if args.db_url:
        target = parse_target(args.db_url, source="--db-url")
    else:
        target = parse_target(Settings.load().require(ADMIN_URL_SETTING))
    if args.live:
        return _live(args, target)
    rows = args.rows or SOURCE_ROWS
    data = SyntheticData(rows, args.seed)
    try:
        # Ctrl-C is taken as a request (not Python's default KeyboardInterrupt), so it works
        # even when the command was started with SIGINT ignored, as a shell's background job is.
        with StopRequest() as stop:
            summary = load(
                target,
                data.batches(args.batch_size),
                args.truncate,
                Progress("generate", total=rows, unit="posts"),
                stop,
            )
    except LoadInterrupted as exc:
        print(
            f"stopped: {exc.written} of {rows} posts were committed to {target.database}; "
            "rerun with --truncate to regenerate them all",
            file=sys.stderr,
        )
        raise
    print(
        f"generated {summary.posts} posts (with their geolocation and user rows) into "
        f"{target.database} in {summary.seconds:.1f} s ({summary.posts_per_second:.0f} posts/s)"
    )
    return 0


def _live(args: argparse.Namespace, target: Target) -> int:
    rate = args.rate or DEFAULT_LIVE_RATE
    connection = connect(target)
    start = next_key(connection, target)
    # Pools (users, posters) sized like a snapshot of the tables' size, at least the original's.
    data = SyntheticData(max(start, SOURCE_ROWS), args.seed)
    print(
        f"generate: inserting live posts into {target.database} from key {start} at "
        f"{rate:g} posts/s; Ctrl-C to stop",
        file=sys.stderr,
    )
    with StopRequest() as stop:
        summary = insert_live(
            target,
            connection,
            data.live_rows(start),
            rate=rate,
            stop=stop,
            progress=Progress("generate", unit="posts"),
            count=args.count,
            duration=args.duration,
        )
    keys = f"keys {summary.first_key}-{summary.last_key}" if summary.posts else "no keys"
    print(
        f"generated {summary.posts} live posts ({keys}) into {target.database} in "
        f"{summary.seconds:.1f} s ({summary.posts_per_second:.1f} posts/s)"
    )
    return 130 if stop.requested else 0


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
