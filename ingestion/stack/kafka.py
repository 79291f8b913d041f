"""Apache Kafka in KRaft mode: one process that is both broker and controller.

Three listeners: clients sign in with SCRAM-SHA-512 over TLS (as on MSK with SASL_SSL); the
stack's administrator and the controller present certificates of the stack's CA. An ACL
authorizer denies whatever no ACL allows."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from ingestion.errors import UserError
from ingestion.stack import process
from ingestion.stack.config import PORT_SETTINGS, write_private
from ingestion.stack.install import maven_jars, require_java
from ingestion.stack.kafka_access import (
    MECHANISM,
    ClientFiles,
    admin_properties,
    ensure_users,
    grant,
)
from ingestion.stack.service import Service
from ingestion.stack.tls import Authority, Identity
from ingestion.topics import ensure_topics

POM = Path(__file__).parent / "maven" / "kafka" / "pom.xml"
BROKER_CN = "pinterest-kafka-broker"
ADMIN_CN = "pinterest-kafka-admin"

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

    def ports(self) -> dict[int, str | None]:
        return {
            getattr(self.config, field): PORT_SETTINGS[field]
            for field in ("kafka_port", "kafka_controller_port", "kafka_admin_port")
        }

    @property
    def libs(self) -> Path:
        return self.home / "libs"

    @property
    def properties(self) -> Path:
        return self.home / "server.properties"

    @property
    def marker(self) -> str:
        return str(self.properties)

    @property
    def authority(self) -> Authority:
        return Authority(self.layout.kafka_tls)

    @property
    def broker_identity(self) -> Identity:
        return self.authority.identity(BROKER_CN)

    @property
    def admin_identity(self) -> Identity:
        return self.authority.identity(ADMIN_CN)

    @property
    def client_files(self) -> ClientFiles:
        return ClientFiles(self.layout.kafka_clients, self.authority.certificate)

    def install(self) -> None:
        require_java()
        maven_jars(POM, self.libs, self.layout.logs / "maven-kafka.log")
        self.authority.ensure(BROKER_CN, ADMIN_CN)
        self.client_files.write(
            self.creds.kafka_passwords,
            self.config.kafka_admin_bootstrap,
            self.admin_identity.certificate,
            self.admin_identity.key,
        )

    def _server_properties(self) -> str:
        host, port = self.config.host, self.port
        controller = self.config.kafka_controller_port
        admin = self.config.kafka_admin_port
        broker = self.broker_identity
        scram_login = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        return "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.bootstrap.servers={host}:{controller}",
                f"listeners=CLIENT://{host}:{port},INTERNAL://{host}:{admin},"
                f"CONTROLLER://{host}:{controller}",
                f"advertised.listeners=CLIENT://{host}:{port},INTERNAL://{host}:{admin}",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=INTERNAL",
                "listener.security.protocol.map=CLIENT:SASL_SSL,INTERNAL:SSL,CONTROLLER:SSL",
                # TLS everywhere, with this stack's CA; the broker's own certificate also
                # signs it in to the controller.
                "ssl.keystore.type=PEM",
                f"ssl.keystore.certificate.chain={_pem_value(broker.certificate)}",
                f"ssl.keystore.key={_pem_value(broker.key)}",
                "ssl.truststore.type=PEM",
                f"ssl.truststore.certificates={_pem_value(self.authority.certificate)}",
                "listener.name.internal.ssl.client.auth=required",
                "listener.name.controller.ssl.client.auth=required",
                f"sasl.enabled.mechanisms={MECHANISM}",
                f"listener.name.client.{MECHANISM.lower()}.sasl.jaas.config={scram_login}",
                # Nothing is allowed that no ACL allows, but to the broker and administrator.
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                f"super.users={broker.principal};{self.admin_identity.principal}",
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

    def outdated(self) -> bool:
        """Started with other listeners or security settings than these."""
        try:
            return self.properties.read_text(encoding="utf-8") != self._server_properties()
        except FileNotFoundError:
            return False

    def _java(self, *args: str) -> list[str]:
        return [
            "java",
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.yaml'}",
            "-cp",
            f"{self.libs}/*",
            *args,
        ]

    def command(self) -> Sequence[str]:
        write_private(self.properties, self._server_properties())
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
        identity = self.admin_identity
        properties = admin_properties(
            self.config.kafka_admin_bootstrap,
            self.authority.certificate,
            identity.certificate,
            identity.key,
        )
        return AdminClient({**properties, "log_level": 0})

    def ready(self) -> bool:
        if not process.port_open(self.config.host, self.port):
            return False
        try:
            self._admin().list_topics(timeout=2)
        except KafkaException:
            return False
        return True

    def configure(self) -> None:
        ensure_users(self._admin(), self.creds.kafka_passwords)
        self.open_prefix(self.config.topic_prefix)

    def open_prefix(self, prefix: str, group: str | None = None) -> list[str]:
        """Create a prefix's topics and grant each user its job on them; the topics created."""
        if self.pid() is None or not self.ready():
            raise UserError("Kafka is not running: run `make up` first")
        admin = self._admin()
        created = ensure_topics(admin, prefix, self.config.partitions)
        grant(admin, prefix, group)
        return created


def _pem_value(path: Path) -> str:
    """A PEM file as one properties value (Kafka reads PEM inline; newlines escaped)."""
    return path.read_text(encoding="ascii").strip().replace("\n", "\\n")
