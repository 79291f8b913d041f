"""`python -m ingestion.generate`: fill the source tables with deterministic synthetic posts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ingestion.cli import non_negative_int, positive_int
from ingestion.errors import run_cli
from ingestion.generate.load import (
    ADMIN_URL_SETTING,
    LoadInterrupted,
    load,
    parse_target,
)
from ingestion.generate.rows import SOURCE_ROWS, SyntheticData
from ingestion.progress import Progress
from ingestion.settings import Settings

DEFAULT_SEED = 42
DEFAULT_BATCH_SIZE = 5000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion.generate",
        description=(
            "Generate deterministic synthetic Pinterest-like posts (pinterest_data, "
            "geolocation_data, user_data) shaped like the original source database, and load "
            "them into MariaDB/MySQL."
        ),
    )
    parser.add_argument(
        "--rows",
        type=positive_int,
        default=SOURCE_ROWS,
        metavar="N",
        help="number of posts (and of geolocation and user rows) (default: %(default)s, the "
        "size of the original database)",
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
    parser.add_argument(
        "--truncate",
        action="store_true",
        help="empty the three tables first (default: refuse if they already hold rows)",
    )
    parser.add_argument(
        "--db-url",
        metavar="URL",
        help=f"SQLAlchemy URL of an account that may create and fill the tables "
        f"(default: the {ADMIN_URL_SETTING} setting)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.db_url:
        target = parse_target(args.db_url, source="--db-url")
    else:
        target = parse_target(Settings.load().require(ADMIN_URL_SETTING))
    data = SyntheticData(args.rows, args.seed)
    try:
        summary = load(
            target,
            data.batches(args.batch_size),
            args.truncate,
            Progress("generate", total=args.rows, unit="posts"),
        )
    except LoadInterrupted as exc:
        print(
            f"stopped: {exc.written} of {args.rows} posts were committed to {target.database}; "
            "rerun with --truncate to regenerate them all",
            file=sys.stderr,
        )
        raise
    print(
        f"generated {summary.posts} posts (with their geolocation and user rows) into "
        f"{target.database} in {summary.seconds:.1f} s ({summary.posts_per_second:.0f} posts/s)"
    )
    return 0


if __name__ == "__main__":
    run_cli(main)
