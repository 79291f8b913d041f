"""The pipeline: MySQL -> Kafka -> S3 (the emulator, the ingestion API, the sink and the
clients they share)."""

import logging

# A library logs through `logging`; the commands decide whether and where it is shown.
logging.getLogger(__name__).addHandler(logging.NullHandler())
