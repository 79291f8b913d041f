"""pinterest-pipeline: MySQL -> Kafka -> S3 ingestion and the local stack that runs it."""
