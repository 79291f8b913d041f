"""The order a micro-batch merges its models in, without Spark: a model merges only after the
models it reads, and models that do not read each other overlap when threads allow."""

from __future__ import annotations

import itertools
import threading
import time

from streaming.micro_batch import _merge_all
from streaming.plan import HotPathModel


class Recorder:
    """Stands for the Spark session: records when each merge ran, and holds it a moment."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans: dict[str, tuple[float, float]] = {}
        self.frame = self

    def sql(self, statement: str) -> Recorder:
        if statement.startswith("merge into "):
            relation = statement.split()[2]
            began = time.monotonic()
            time.sleep(0.2)
            with self.lock:
                self.spans[relation] = (began, time.monotonic())
        return self

    def createOrReplaceTempView(self, name: str) -> None:
        pass


def model(name: str, after: set[str] = frozenset()) -> HotPathModel:
    return HotPathModel(
        name, name, "ind", f"select * from {name}_input", frozenset(), frozenset(after)
    )


STAGING = [model("pins"), model("geos"), model("users"), model("audit")]
ENRICHED = model("enriched", {"pins", "geos", "users"})


def test_a_model_merges_after_those_it_reads_and_the_others_overlap():
    spark = Recorder()
    timings = _merge_all(spark, [*STAGING, ENRICHED], threads=4)
    assert set(timings) == {"pins", "geos", "users", "audit", "enriched"}
    enriched_began = spark.spans["enriched"][0]
    for name in ("pins", "geos", "users"):
        assert spark.spans[name][1] <= enriched_began
    starts = sorted(spark.spans[m.name][0] for m in STAGING)
    assert starts[-1] - starts[0] < 0.15  # all four began together


def test_one_thread_merges_one_model_at_a_time():
    spark = Recorder()
    _merge_all(spark, [*STAGING, ENRICHED], threads=1)
    spans = sorted(spark.spans.values())
    assert all(ended <= next_began for (_, ended), (next_began, _) in itertools.pairwise(spans))
