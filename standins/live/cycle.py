"""One incremental build of the live pipeline, as the live runner reports it: what it brought
in (the rows staged, the posts that entered the enriched model) and when that model and the
marts were done."""

from __future__ import annotations

from dataclasses import dataclass

ENRICHED_MODEL = "int_pinterest__posts_enriched"


@dataclass(frozen=True)
class Cycle:
    number: int
    started: float  # epoch seconds
    seconds: float
    failed: list[str]  # steps that erred and tests that failed
    enriched_done: float | None  # epoch seconds the enriched model was written, if it was
    marts_done: float | None  # epoch seconds the last mart was written, if all were
    staged: int  # posts the posts' staging model wrote
    entered: list[int]  # keys of the posts the enriched model wrote
