"""The local stack: MariaDB, Kafka (KRaft), SeaweedFS S3 and Spark Thrift Server on 127.0.0.1."""
