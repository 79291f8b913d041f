"""The emulator's two modes: replay every post in key order, or send random posts at random
intervals like the original did."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ingestion.db import describe
from ingestion.emulate.checkpoint import save_checkpoint
from ingestion.emulate.publish import Publisher
from ingestion.emulate.source import Post, fetch_post, key_range, replay_posts
from ingestion.errors import UserError
from ingestion.progress import Progress
from ingestion.stopping import StopRequest

CHECKPOINT_EVERY_S = 1.0
FLUSH_TIMEOUT_S = 60.0


@dataclass
class Outcome:
    posts: int = 0
    messages: int = 0
    interrupted: bool = False
    error: str | None = None


def paced(posts: Iterable[Post], rate: float | None) -> Iterator[Post]:
    """Yield posts no faster than `rate` per second (unlimited when None)."""
    if rate is None:
        yield from posts
        return
    started = time.monotonic()
    iterator = iter(posts)
    try:
        for sent, post in enumerate(iterator):
            delay = started + sent / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield post
    finally:
        close(iterator)


def close(posts: Iterable[Post]) -> None:
    """Close a generator of posts now, releasing its database connections."""
    closer = getattr(posts, "close", None)
    if closer is not None:
        closer()


def send_all(
    posts: Iterable[Post],
    publisher: Publisher,
    progress: Progress,
    checkpoint: Path | None,
    stop: StopRequest,
) -> Outcome:
    """Publish posts until the source ends, Ctrl-C/SIGTERM, or the database fails; then wait
    for every delivery report and save the checkpoint, whatever stopped the loop."""
    outcome = Outcome()
    last_saved = time.monotonic()
    try:
        for post in posts:
            if stop.requested:
                outcome.interrupted = True
                break
            outcome.messages += publisher.publish(post)
            outcome.posts += 1
            progress.advance()
            if checkpoint is not None and time.monotonic() - last_saved >= CHECKPOINT_EVERY_S:
                save_checkpoint(checkpoint, publisher.tracker.watermark)
                last_saved = time.monotonic()
    except KeyboardInterrupt:
        outcome.interrupted = True
    except sa.exc.DBAPIError as exc:
        outcome.error = f"lost the source database after {outcome.posts:,} posts: {describe(exc)}"
    finally:
        close(posts)
        progress.close()
        publisher.flush(FLUSH_TIMEOUT_S)
        if checkpoint is not None:
            save_checkpoint(checkpoint, publisher.tracker.watermark)
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
            raise UserError("pinterest_data is empty: run `python -m ingestion.generate` first")
        low, high, _ = bounds
        sent = 0
        while count is None or sent < count:
            pause = rng.uniform(0, max_interval)
            if deadline is not None and time.monotonic() + pause > deadline:
                return
            if stop.wait(pause):
                return
            post = fetch_post(connection, rng.randint(low, high))
            if any(row is not None for row in post.rows.values()):
                sent += 1
                yield post


def replay(
    engine: sa.Engine, *, after: int, page: int, limit: int | None, rate: float | None
) -> Iterator[Post]:
    return paced(replay_posts(engine, after=after, page=page, limit=limit), rate)
