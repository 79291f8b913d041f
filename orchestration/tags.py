"""Run tags that the Dagster instance's configuration (`standins/stack/dagster.py`) and the
code location share. No Dagster import here: `make up` reads it."""

# Runs that write the warehouse carry this tag; the instance runs one of them at a time.
WAREHOUSE_TAG_KEY = "pinterest/warehouse"
