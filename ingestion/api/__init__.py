"""An HTTP front door to Kafka that speaks the producer subset of Confluent's REST Proxy v2."""
