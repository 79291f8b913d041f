"""pinterest-pipeline: MySQL -> Kafka -> S3 ingestion and the local stack that runs it."""

import logging

# A library logs through `logging`; the commands decide whether and where it is shown.
logging.getLogger(__name__).addHandler(logging.NullHandler())
