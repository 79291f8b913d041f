"""Kafka -> S3 in the object layout of the Confluent S3 sink, exactly once across crashes."""
