"""MySQL -> Kafka: the source database's posts as Kafka messages."""
