"""The pipeline as Dagster assets: the source tables, the Kafka topics, the S3 landing, every
dbt model (its tests as asset checks) and the report; a sensor that builds what newly landed
objects affect, a daily full build, and retries for what is transient."""

import logging

# A library logs through `logging`; the commands decide whether and where it is shown.
logging.getLogger(__name__).addHandler(logging.NullHandler())
