"""The clients of the services the pipeline reads and writes: Kafka, MySQL and S3."""
