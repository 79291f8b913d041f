"""Apache Kafka in KRaft mode: one process that is both broker and controller."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from ingestion.errors import UserError
from ingestion.stack import process
from ingestion.stack.install import maven_jars, require_java
from ingestion.stack.service import Service
from ingestion.topics import ensure_topics

POM = Path(__file__).parent / "maven" / "kafka" / "pom.xml"

LOG4J2 = """\
Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.controller
        level: INFO
"""


class Kafka(Service):
    name = "kafka"

    @property
    def port(self) -> int:
        return self.config.kafka_port

    @property
    def libs(self) -> Path:
        return self.home / "libs"

    @property
    def properties(self) -> Path:
        return self.home / "server.properties"

    @property
    def marker(self) -> str:
        return str(self.properties)

    def install(self) -> None:
        require_java()
        maven_jars(POM, self.libs, self.layout.logs / "maven-kafka.log")

    def _server_properties(self) -> str:
        host, port = self.config.host, self.port
        controller = self.config.kafka_controller_port
        return "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.bootstrap.servers={host}:{controller}",
                f"listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller}",
                f"advertised.listeners=PLAINTEXT://{host}:{port}",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                f"log.dirs={self.home / 'data'}",
                # Topics are created by the pipeline with a known partition count.
                "auto.create.topics.enable=false",
                f"num.partitions={self.config.partitions}",
                "offsets.topic.replication.factor=1",
                "share.coordinator.state.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                # Up to 10 MB values so that oversized poison records reach the DLQ path.
                "message.max.bytes=10485760",
                "",
            ]
        )

    def _java(self, *args: str) -> list[str]:
        return [
            "java",
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.yaml'}",
            "-cp",
            f"{self.libs}/*",
            *args,
        ]

    def command(self) -> Sequence[str]:
        self.properties.write_text(self._server_properties())
        (self.home / "log4j2.yaml").write_text(LOG4J2)
        if not (self.home / "data" / "meta.properties").exists():
            self._format_storage()
        return self._java(
            "-Xms256m",
            "-Xmx1g",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            "kafka.Kafka",
            str(self.properties),
        )

    def _format_storage(self) -> None:
        cluster_id = subprocess.run(
            self._java("kafka.tools.StorageTool", "random-uuid"),
            capture_output=True,
            text=True,
        ).stdout.split()
        if not cluster_id:
            raise UserError(f"Kafka's StorageTool did not print a cluster id; see {self.log_path}")
        argv = self._java(
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            cluster_id[-1],
            "--config",
            str(self.properties),
            "--standalone",
        )
        with self.log_path.open("ab") as log:
            if subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT).returncode:
                raise UserError(f"formatting Kafka's log directory failed; see {self.log_path}")

    def _admin(self) -> AdminClient:
        return AdminClient({"bootstrap.servers": self.config.kafka_bootstrap, "log_level": 0})

    def ready(self) -> bool:
        if not process.port_open(self.config.host, self.port):
            return False
        try:
            self._admin().list_topics(timeout=2)
        except KafkaException:
            return False
        return True

    def configure(self) -> None:
        ensure_topics(self._admin(), self.config.topic_prefix, self.config.partitions)
