"""What the stream runs is what dbt compiles from the models (macros/hot_path.sql): each
staging model over its micro-batch view only, every model as an incremental run against the
table it merges into, in the order of their dependencies. No warehouse is needed: the hot
path's compile runs no query."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.catalogue import LANDED_OBJECTS_MODEL, SOURCE_TABLES
from streaming.plan import BATCH_PREFIX, compile_plan

ENRICHED = "int_pinterest__posts_enriched"


@pytest.fixture(scope="module")
def plan(settings, tmp_path_factory):
    return compile_plan(settings, tmp_path_factory.mktemp("hot-path"))


def test_the_hot_path_is_staging_the_landings_audit_and_the_enriched_posts(plan):
    names = [model.name for model in plan.models]
    expected = {table.staging_model for table in SOURCE_TABLES} | {LANDED_OBJECTS_MODEL, ENRICHED}
    assert set(names) == expected
    # The enriched posts join what staging merged in the same micro-batch.
    assert all(names.index(table.staging_model) < names.index(ENRICHED) for table in SOURCE_TABLES)


def test_each_model_waits_for_the_hot_path_models_it_reads_and_no_other(plan):
    models = {model.name: model for model in plan.models}
    assert models[ENRICHED].after == {table.staging_model for table in SOURCE_TABLES}
    for table in SOURCE_TABLES:
        assert models[table.staging_model].after == frozenset()
    assert models[LANDED_OBJECTS_MODEL].after == frozenset()


def test_the_models_the_marts_read_are_marked_and_the_audit_is_not(plan):
    feeding = {model.name for model in plan.models if model.feeds_marts}
    assert feeding == {table.staging_model for table in SOURCE_TABLES} | {ENRICHED}


def test_each_staging_model_reads_its_micro_batch_and_not_the_landing(plan):
    models = {model.name: model for model in plan.models}
    for table in SOURCE_TABLES:
        model = models[table.staging_model]
        assert model.reads == {table.topic}
        assert f"from {BATCH_PREFIX}{table.topic})" in model.sql
        others = [other.topic for other in SOURCE_TABLES if other != table]
        assert not any(f"{BATCH_PREFIX}{other}" in model.sql for other in others)
        # Neither the external table over the whole landing, nor its view.
        assert f".{table.topic}_files" not in model.sql
        assert f"_raw.{table.topic}" not in model.sql
    assert models[ENRICHED].reads == {table.topic for table in SOURCE_TABLES}
    assert models[LANDED_OBJECTS_MODEL].reads == {table.topic for table in SOURCE_TABLES}


def test_every_model_is_compiled_as_an_incremental_run_stamped_when_it_runs(plan):
    for model in plan.models:
        # Compared with what its table holds (newer_than_held, the enriched model's
        # last_written), and stamped by the statement's time, not a dbt run's start.
        if model.name != LANDED_OBJECTS_MODEL:
            assert f"{model.relation} as held" in model.sql or f"from {model.relation}" in model.sql
        assert "current_timestamp() as _staged_at" in model.sql
        assert f"timestamp'{datetime.now(UTC).year}-" not in model.sql
    keys = {model.name: model.unique_key for model in plan.models}
    assert keys[LANDED_OBJECTS_MODEL] == "_landed_file"
    assert keys[ENRICHED] == "ind"


def test_the_micro_batch_is_read_with_the_external_tables_schema(plan):
    tables = {table.name: table for table in plan.tables}
    assert set(tables) == {table.topic for table in SOURCE_TABLES}
    pin = tables["pin"].json_schema
    assert pin.startswith("`index` bigint, `unique_id` string")
    assert pin.endswith("`save_location` string, `category` string, `_corrupt_record` string")
    assert "partition" not in pin and "_landed_file" not in pin
    assert plan.json_options == {
        "mode": "PERMISSIVE",
        "columnNameOfCorruptRecord": "_corrupt_record",
    }
