"""The whole pipeline on the local stack: generate -> emulate -> sink -> dbt build, then every
staging column compared with a cleaning written independently in Python, and every mart, on
every column its YAML documents, with the answers computed independently from the same source
rows."""

from __future__ import annotations

import json

import reference_answers
from marts import compare_marts, documented_columns

# The staging model of each source table, and the independent cleaning of its rows.
STAGING = {
    "pinterest_data": ("stg_pinterest__pins", reference_answers.clean_pin),
    "geolocation_data": ("stg_pinterest__geolocations", reference_answers.clean_geo),
    "user_data": ("stg_pinterest__users", reference_answers.clean_user),
}


def comparable(value):
    """A value as the warehouse and Python both give it: lists as tuples, floats rounded."""
    if isinstance(value, list):
        return tuple(comparable(v) for v in value)
    return round(value, 9) if isinstance(value, float) else value


def staged_value(column: str, value):
    """A staged value as Python holds it: an array arrives over Thrift as JSON text."""
    return comparable(json.loads(value) if column == "coordinates" and value else value)


def test_marts_match_independent_python_answers(
    run, lane, source_rows, warehouse, tmp_path, stack, log_watch
):
    outputs: list[str] = []

    def command(*args, **kwargs):
        result = run(*args, **kwargs)
        outputs.extend((result.stdout, result.stderr))
        return result

    def dbt(*args):
        result = lane.dbt(*args)
        outputs.extend((result.stdout, result.stderr))
        return result

    assert command("ingestion.emulate", env=lane.env).returncode == 0
    assert command("ingestion.sink", "--until-idle", "3", env=lane.env).returncode == 0

    staged = dbt("run-operation", "stage_external_sources")
    assert staged.returncode == 0, staged.stdout[-3000:]
    built = dbt("build")
    assert built.returncode == 0, built.stdout[-5000:]
    assert "ERROR=0" in built.stdout and "WARN=0" in built.stdout

    # Every stage holds every post: reconciliation agrees, and says so in its JSON.
    counts = tmp_path / "reconcile.json"
    reconcile_env = {
        **lane.env,
        "PINTEREST_RAW_SCHEMA": f"{lane.prefix}_raw",
        "DBT_SCHEMA": lane.prefix,
    }
    reconciled = command("warehouse.reconcile", "--output", str(counts), env=reconcile_env)
    assert reconciled.returncode == 0, reconciled.stderr
    report = json.loads(counts.read_text())
    assert report["reconciled"] and report["problems"] == []
    for table in report["tables"]:
        carried = [table[stage] for stage in ("mysql_rows", "kafka_records", "sink_committed")]
        carried += [table[stage] for stage in ("s3_records", "raw_lines", "staging_rows")]
        assert carried == [11_154] * 6, table
        assert (table["dlq_records"], table["dropped_lines"], table["kafka_pending"]) == (0, 0, 0)

    manifest = json.loads((lane.repo / "target" / "manifest.json").read_text())
    # Every documented staging column of every post, as an independent cleaning makes it.
    for table, (model, clean) in STAGING.items():
        columns = [c for c in documented_columns(manifest, model) if not c.startswith("_")]
        warehouse.execute(f"select {', '.join(columns)} from {lane.prefix}_staging.{model}")
        staged = {
            row[0]: tuple(staged_value(c, v) for c, v in zip(columns, row, strict=True))
            for row in warehouse.fetchall()
        }
        cleaned = [clean(row) for row in source_rows[table].values()]
        assert all(set(row) == set(columns) for row in cleaned), (model, columns)
        wanted = {row["ind"]: tuple(comparable(row[c]) for c in columns) for row in cleaned}
        assert staged.keys() == wanted.keys(), model
        differ = [(key, staged[key], wanted[key]) for key in wanted if staged[key] != wanted[key]]
        assert differ[:5] == [], (model, columns)

    expected = reference_answers.all_marts(
        list(source_rows["pinterest_data"].values()),
        list(source_rows["geolocation_data"].values()),
        list(source_rows["user_data"].values()),
    )
    compare_marts(warehouse, f"{lane.prefix}_marts", manifest, expected)

    # The docs site builds, and every model documents exactly the columns it has, in order.
    docs = dbt("docs", "generate")
    assert docs.returncode == 0, docs.stdout[-3000:]
    catalog = json.loads((lane.repo / "target" / "catalog.json").read_text())
    manifest = json.loads((lane.repo / "target" / "manifest.json").read_text())
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] == "model":
            columns = catalog["nodes"][unique_id]["columns"].values()
            built = [c["name"].lower() for c in sorted(columns, key=lambda c: c["index"])]
            assert list(node["columns"]) == built, node["name"]

    # The same project builds, with every test passing, on Spark inside the dbt process.
    session = dbt("run-operation", "stage_external_sources", "--target", "session")
    assert session.returncode == 0, session.stdout[-3000:]
    session = dbt("build", "--target", "session")
    assert session.returncode == 0, session.stdout[-5000:]
    assert "ERROR=0" in session.stdout

    # Staging keeps every post once: no line lost, none duplicated, none quarantined.
    for table in ("pins", "geolocations", "users"):
        model = f"{lane.prefix}_staging.stg_pinterest__{table}"
        warehouse.execute(f"select count(*), count(distinct ind) from {model}")
        assert warehouse.fetchall() == [(11_154, 11_154)]

    # An object lost from S3 after the sink committed it is reported as lost, with exit 1.
    client = lane.s3()
    first = sorted(lane.objects(lane.topic("geo")))[0]
    client.delete_object(Bucket=lane.bucket, Key=first)
    reconciled = command(
        "warehouse.reconcile", "--skip-dbt", "--output", str(counts), env=reconcile_env
    )
    assert reconciled.returncode == 1
    assert "geolocation_data: LOST" in reconciled.stderr
    assert json.loads(counts.read_text())["reconciled"] is False

    # No secret of the stack appears in anything this run printed or logged: the commands'
    # output, dbt's log, and every service's log.
    secrets = {
        "the database admin password": stack.creds.db_admin_password,
        "the database reader password": stack.creds.db_reader_password,
        "the S3 secret key": stack.creds.s3_secret_key,
        "the ingestion API key": stack.creds.api_key,
    }
    texts = {f"command output {i}": text for i, text in enumerate(outputs)}
    texts.update(log_watch.new_text())
    assert len(texts) > 20
    for where, text in texts.items():
        for what, secret in secrets.items():
            assert secret not in text, f"{what} is in {where}"
