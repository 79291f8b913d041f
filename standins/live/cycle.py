"""One incremental build of the live pipeline, as the live runner reports it: what it brought
in (the rows staged, the posts that entered the enriched model) and when that model and the
marts were done."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cycle:
    number: int
    started: float  # epoch seconds
    seconds: float
    failed: list[str]  # steps that erred and tests that failed
    enriched_done: float | None  # epoch seconds the enriched model was written, if it was
    marts_done: float | None  # epoch seconds its posts were in every mart (marts_current)
    staged: int  # posts the posts' staging model wrote
    entered: list[int]  # keys of the posts the enriched model wrote


def marts_current(
    succeeded: bool, enriched_done: float | None, marts_written: list[float]
) -> float | None:
    """When a build's posts are in every mart: the marts are views over the enriched model
    (dbt_project.yml), current once it is written if they exist; a build that creates them
    (a first build) has them when it wrote the last. None unless the build succeeded."""
    if not succeeded or enriched_done is None:
        return None
    return max([enriched_done, *marts_written])
