"""When the stream compacts a table: after the first micro-batch that wrote it, then after
every `every` more, counted per table, and only the tables written."""

from __future__ import annotations

from streaming.compaction import Compactor, compact
from streaming.micro_batch import configure
from streaming.plan import HotPathModel


def model(name: str) -> HotPathModel:
    return HotPathModel(name, f"schema.{name}", "ind", "select 1", frozenset(), frozenset())


PINS, USERS = model("pins"), model("users")


def test_a_table_is_due_after_its_first_write_then_every_nth():
    compactor = Compactor(every=3)
    due = [compactor.due([PINS]) for _ in range(8)]
    assert due == [[PINS], [], [], [PINS], [], [], [PINS], []]


def test_every_write_when_every_is_one():
    compactor = Compactor(every=1)
    assert [compactor.due([PINS]) for _ in range(3)] == [[PINS], [PINS], [PINS]]


def test_writes_are_counted_per_table():
    compactor = Compactor(every=2)
    assert compactor.due([PINS, USERS]) == [PINS, USERS]
    assert compactor.due([PINS]) == []
    assert compactor.due([PINS]) == [PINS]
    assert compactor.due([USERS]) == []
    assert compactor.due([USERS]) == [USERS]


class Session:
    def __init__(self, conf: dict[str, str]) -> None:
        self.statements: list[str] = []
        self.conf = self
        self.values = conf

    def sql(self, statement: str) -> None:
        self.statements.append(statement)

    def get(self, key: str, default: str | None) -> str | None:
        return self.values.get(key, default)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value


def test_compacting_optimizes_each_due_table():
    spark = Session({})
    compact(spark, [PINS, USERS])
    assert spark.statements == ["optimize schema.pins", "optimize schema.users"]


def test_the_streams_settings_leave_those_of_the_properties_file():
    key = "spark.databricks.delta.optimize.minFileSize"
    spark = Session({key: "1"})
    configure(spark)
    assert spark.values[key] == "1"
    assert spark.values["spark.databricks.delta.merge.materializeSource"] == "none"
    fresh = Session({})
    configure(fresh)
    assert fresh.values[key] == str(16 * 1024 * 1024)
