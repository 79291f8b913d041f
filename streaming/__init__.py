"""The streaming hot path: a long-running Spark Structured Streaming query that reads the
objects landing in S3 and, per micro-batch, merges them into the staging, audit and enriched
Delta tables by the SQL dbt compiles from the same models (macros/hot_path.sql)."""
