"""The emulator's random mode: random posts at random intervals, like the original did."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator

import sqlalchemy as sa

from core.catalogue import POSTS, TABLE_KEYS
from core.errors import ConfigurationError
from core.progress import Progress
from core.stopping import StopRequest
from ingestion.clients.mysql import describe
from ingestion.emulate.outcome import Outcome
from ingestion.emulate.publish import PostPublisher
from ingestion.emulate.source import Post, fetch_post, key_range, table_queries


def send_random(
    posts: Iterable[Post], publisher: PostPublisher, progress: Progress, stop: StopRequest
) -> Outcome:
    """Publish posts until they run out, Ctrl-C/SIGTERM, or the database fails; then wait for
    every delivery report, whatever stopped the loop."""
    outcome = Outcome()
    try:
        for post in posts:
            if stop.requested:
                break
            outcome.messages += publisher.publish(post)
            outcome.posts += 1
            publisher.poll()
            progress.advance()
    except KeyboardInterrupt:
        outcome.interrupted = True
    except sa.exc.DBAPIError as exc:
        outcome.error = f"lost the source database after {outcome.posts:,} posts: {describe(exc)}"
    finally:
        closer = getattr(posts, "close", None)
        if closer is not None:
            closer()  # releases its database connection now
        progress.close()
        publisher.flush()
    tracker = publisher.tracker
    outcome.delivered = tracker.delivered
    outcome.failed = tracker.failed
    outcome.first_error = tracker.first_error
    outcome.value_bytes = publisher.value_bytes
    outcome.interrupted = outcome.interrupted or stop.requested
    return outcome


def random_posts(
    engine: sa.Engine,
    *,
    seed: int | None,
    count: int | None,
    duration: float | None,
    max_interval: float,
    stop: StopRequest,
) -> Iterator[Post]:
    """Random posts (repeats allowed) with a random pause of 0..max_interval s before each,
    until `count` posts or `duration` seconds. The same seed gives the same posts."""
    rng = random.Random(seed)
    deadline = None if duration is None else time.monotonic() + duration
    with engine.connect() as connection:
        bounds = key_range(connection)
        if bounds is None:
            raise ConfigurationError(
                f"{POSTS.name} is empty: run `python -m standins.generate` first"
            )
        low, high, _ = bounds
        queries = [table_queries(connection, table) for table in TABLE_KEYS]
        sent = 0
        while count is None or sent < count:
            pause = rng.uniform(0, max_interval)
            if deadline is not None and time.monotonic() + pause > deadline:
                return
            if stop.wait(pause):
                return
            post = fetch_post(connection, queries, rng.randint(low, high))
            if any(row is not None for row in post.rows.values()):
                sent += 1
                yield post
