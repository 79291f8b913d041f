"""The order a micro-batch merges its models in, without Spark: a model merges only after the
models it reads, models that do not read each other overlap when threads allow, and a model
no mart reads waits for those the marts read."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from core.errors import ConfigurationError
from streaming.micro_batch import _merge_all
from streaming.plan import HotPathModel


class Recorder:
    """Stands for the Spark session: records when each merge ran, and holds it a moment."""

    def __init__(self, held: int = 0, count: int = 100) -> None:
        self.lock = threading.Lock()
        self.spans: dict[str, tuple[float, float]] = {}
        self.statements: list[str] = []
        self.sparkContext = self
        self.held = held  # rows of a batch whose key a table holds
        self.count = count  # rows of a batch
        self.partitions: list[int] = []
        self.columns = ["ind", "category"]

    def sql(self, statement: str) -> Recorder:
        with self.lock:
            self.statements.append(statement)
        if statement.startswith(("merge into ", "insert into ")):
            relation = statement.split()[2]
            began = time.monotonic()
            time.sleep(0.2)
            with self.lock:
                self.spans[relation] = (began, time.monotonic())
        return self

    def localCheckpoint(self, eager: bool) -> Recorder:
        return self

    def first(self) -> tuple[int, int]:
        return (self.count, self.held)

    def coalesce(self, partitions: int) -> Recorder:
        self.partitions.append(partitions)
        return self

    def table(self, name: str) -> Recorder:
        return self

    def createOrReplaceTempView(self, name: str) -> None:
        pass

    def setJobGroup(self, group: str, description: str) -> None:
        pass


def model(name: str, after: set[str] = frozenset(), feeds_marts: bool = True) -> HotPathModel:
    return HotPathModel(
        name,
        name,
        "ind",
        f"select * from {name}_input",
        frozenset(),
        frozenset(after),
        feeds_marts=feeds_marts,
    )


STAGING = [model("pins"), model("geos"), model("users")]
ENRICHED = model("enriched", {"pins", "geos", "users"})
AUDIT = model("audit", feeds_marts=False)


def test_a_model_merges_after_those_it_reads_and_the_others_overlap():
    spark = Recorder()
    timings, ended = _merge_all(spark, [*STAGING, AUDIT, ENRICHED], threads=4)
    assert set(timings) == set(ended) == {"pins", "geos", "users", "audit", "enriched"}
    enriched_began = spark.spans["enriched"][0]
    for name in ("pins", "geos", "users"):
        assert spark.spans[name][1] <= enriched_began
    starts = sorted(spark.spans[m.name][0] for m in STAGING)
    assert starts[-1] - starts[0] < 0.15  # all three began together


def test_a_model_no_mart_reads_waits_for_those_they_read():
    spark = Recorder()
    _, ended = _merge_all(spark, [AUDIT, *STAGING, ENRICHED], threads=4)
    audit_began = spark.spans["audit"][0]
    assert all(spark.spans[m.name][1] <= audit_began for m in [*STAGING, ENRICHED])
    assert ended["audit"] == max(ended.values())


def test_without_a_model_the_marts_read_the_others_run_at_once():
    spark = Recorder()
    _merge_all(spark, [AUDIT], threads=4)
    assert set(spark.spans) == {"audit"}


def test_one_thread_merges_one_model_at_a_time():
    spark = Recorder()
    _merge_all(spark, [*STAGING, AUDIT, ENRICHED], threads=1)
    spans = sorted(spark.spans.values())
    assert all(ended <= next_began for (_, ended), (next_began, _) in itertools.pairwise(spans))


def test_rows_with_new_keys_only_are_appended_with_their_columns_named():
    spark = Recorder(held=0)
    _merge_all(spark, [model("pins")], threads=1)
    writes = [s for s in spark.statements if s.startswith(("merge", "insert"))]
    assert writes == [
        "insert into pins (`ind`, `category`) select `ind`, `category` from hot_path_rows_pins"
    ]


def test_rows_with_a_held_key_are_merged_on_the_key():
    spark = Recorder(held=1)
    _merge_all(spark, [model("pins")], threads=1)
    writes = [s for s in spark.statements if s.startswith(("merge", "insert"))]
    assert len(writes) == 1
    assert writes[0].startswith("merge into pins as held using hot_path_rows_pins as batch")
    assert "on held.ind = batch.ind" in writes[0]
    assert "when matched then update set * when not matched then insert *" in writes[0]


def test_a_column_that_is_not_a_plain_name_is_refused():
    spark = Recorder(held=0)
    spark.columns = ["ind", "category; drop table pins"]
    with pytest.raises(ConfigurationError, match="not a plain name"):
        _merge_all(spark, [model("pins")], threads=1)


@pytest.mark.parametrize(("count", "files"), [(0, 1), (100, 1), (500_000, 1), (500_001, 2)])
def test_a_batch_is_written_as_one_file_per_half_million_rows(count, files):
    spark = Recorder(count=count)
    _merge_all(spark, [model("pins")], threads=1)
    assert spark.partitions == [files]
