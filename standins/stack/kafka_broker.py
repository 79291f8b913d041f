"""Apache Kafka in KRaft mode: one process that is both broker and controller, or three such
processes (`PINTEREST_KAFKA_BROKERS=3`) that form a controller quorum of three, with topics
replicated three times and written to at least two.

Three listeners per broker: clients sign in with SCRAM-SHA-512 over TLS (as on MSK with
SASL_SSL); the stack's administrator, the other brokers and the controllers present
certificates of the stack's CA. An ACL authorizer denies whatever no ACL allows."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from core.errors import ConfigurationError, FatalError
from core.net import port_open
from ingestion.topics import ensure_topics, raise_partitions, topic_names
from standins.stack.install import maven_jars, package_file, require_java
from standins.stack.kafka_access import (
    MECHANISM,
    ClientFiles,
    admin_properties,
    ensure_users,
    grant,
)
from standins.stack.service import Service
from standins.stack.stack_config import (
    BROKERS_SETTING,
    KAFKA_PORT_FIELDS,
    PORT_SETTINGS,
    Credentials,
    Layout,
    StackConfig,
    write_private,
)
from standins.stack.tls import Authority, Identity

log = logging.getLogger(__name__)
POM = package_file("maven", "kafka", "pom.xml")
PARTITIONS_SETTING = "PINTEREST_TOPIC_PARTITIONS"
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
    """Broker `node` (from 1) of the stack's cluster; the first keeps its state in
    `.local/kafka` (with the CA and the client files), broker n in `.local/kafka-<n>`."""

    def __init__(
        self, layout: Layout, config: StackConfig, creds: Credentials, node: int = 1
    ) -> None:
        super().__init__(layout, config, creds)
        self.node = node
        self.name = "kafka" if node == 1 else f"kafka-{node}"

    @property
    def port(self) -> int:
        return self.config.kafka_ports(self.node)[0]

    def ports(self) -> dict[int, str | None]:
        return {
            port: PORT_SETTINGS[field]
            for port, field in zip(
                self.config.kafka_ports(self.node), KAFKA_PORT_FIELDS, strict=True
            )
        }

    @property
    def first(self) -> Path:
        """The first broker's folder: the cluster's id, its shape, the CA, the client files."""
        return self.layout.service_dir("kafka")

    @property
    def libs(self) -> Path:
        return self.first / "libs"  # one copy of the jars for every broker

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
        self._check_shape()
        maven_jars(POM, self.libs, self.layout.logs / "maven-kafka.log")
        self.authority.ensure(BROKER_CN, ADMIN_CN)
        self.client_files.write(
            self.creds.kafka_passwords,
            self.config.kafka_admin_bootstrap,
            self.admin_identity.certificate,
            self.admin_identity.key,
        )

    def _check_shape(self) -> None:
        """A cluster's storage is formatted for its quorum: refuse to start one formatted for
        another broker count rather than lose its topics."""
        if not (self.first / "data" / "meta.properties").exists():
            return
        shape = self.first / "brokers"
        formatted = int(shape.read_text()) if shape.exists() else 1
        if formatted != self.config.kafka_brokers:
            raise ConfigurationError(
                f"Kafka's data in {self.first} is of a cluster of {formatted} "
                f"broker{'s' if formatted > 1 else ''}, and "
                f"{BROKERS_SETTING} is {self.config.kafka_brokers}: set it back to {formatted}, "
                f"or start a new cluster (its topics are lost): `make down`, then remove "
                f"{self.first} and {self.layout.service_dir('kafka')}-*"
            )

    def _quorum(self) -> list[str]:
        """How this node finds the controllers: one standalone controller, or three voters."""
        host = self.config.host
        if self.config.kafka_brokers == 1:
            return [f"controller.quorum.bootstrap.servers={host}:{self.config.kafka_ports(1)[1]}"]
        voters = ",".join(
            f"{n}@{host}:{self.config.kafka_ports(n)[1]}" for n in self.config.kafka_nodes
        )
        return [f"controller.quorum.voters={voters}"]

    def _replication(self) -> list[str]:
        """One copy on one broker; on a cluster three, of which two must have a write."""
        copies, in_sync = (1, 1) if self.config.kafka_brokers == 1 else (3, 2)
        lines = [
            f"offsets.topic.replication.factor={copies}",
            f"share.coordinator.state.topic.replication.factor={copies}",
            f"transaction.state.log.replication.factor={copies}",
            f"transaction.state.log.min.isr={in_sync}",
        ]
        if copies > 1:
            lines += [
                f"default.replication.factor={copies}",
                f"min.insync.replicas={in_sync}",
                f"share.coordinator.state.topic.min.isr={in_sync}",
            ]
        return lines

    def _server_properties(self) -> str:
        host = self.config.host
        port, controller, admin = self.config.kafka_ports(self.node)
        broker = self.broker_identity
        scram_login = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        return "\n".join(
            [
                "process.roles=broker,controller",
                f"node.id={self.node}",
                *self._quorum(),
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
                *self._replication(),
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

    def _cluster_id(self) -> str:
        """The id every broker's storage is formatted with, made once."""
        saved = self.first / "cluster-id"
        if saved.exists():
            return saved.read_text(encoding="ascii").strip()
        printed = subprocess.run(
            self._java("kafka.tools.StorageTool", "random-uuid"),
            capture_output=True,
            text=True,
        ).stdout.split()
        if not printed:
            raise FatalError(f"Kafka's StorageTool did not print a cluster id; see {self.log_path}")
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.write_text(printed[-1] + "\n", encoding="ascii")
        return printed[-1]

    def _format_storage(self) -> None:
        argv = self._java(
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            self._cluster_id(),
            "--config",
            str(self.properties),
        )
        if self.config.kafka_brokers == 1:
            argv.append(
                "--standalone"
            )  # a quorum of this one controller (the voters are static otherwise)
        with self.log_path.open("ab") as log:
            if subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT).returncode:
                raise FatalError(f"formatting Kafka's log directory failed; see {self.log_path}")
        (self.first / "brokers").write_text(f"{self.config.kafka_brokers}\n", encoding="ascii")

    def _admin(self, bootstrap: str | None = None) -> AdminClient:
        identity = self.admin_identity
        properties = admin_properties(
            bootstrap or self.config.kafka_admin_bootstrap,
            self.authority.certificate,
            identity.certificate,
            identity.key,
        )
        return AdminClient({**properties, "log_level": 0})

    def ready(self) -> bool:
        """This broker serves the cluster's metadata and is registered in it."""
        if not port_open(self.config.host, self.port):
            return False
        own = f"{self.config.host}:{self.config.kafka_ports(self.node)[2]}"
        try:
            metadata = self._admin(own).list_topics(timeout=2)
        except KafkaException:
            return False
        return self.node in metadata.brokers

    def configure(self) -> None:
        # The users and topics once every broker is up: a topic takes three replicas.
        if self.node == self.config.kafka_brokers:
            ensure_users(self._admin(), self.creds.kafka_passwords)
            self.open_prefix(self.config.topic_prefix)

    def open_prefix(self, prefix: str, group: str | None = None) -> Opened:
        """Create a prefix's topics (or raise their partitions to the count in force) and
        grant each user its job on them."""
        if self.pid() is None or not self.ready():
            raise ConfigurationError(f"Kafka ({self.name}) is not running: run `make up` first")
        admin = self._admin()
        partitions = self.config.partitions
        created = ensure_topics(admin, prefix, partitions)
        larger = raise_partitions(admin, topic_names(prefix), partitions)
        for name, count in larger.items():
            log.warning(
                "%s keeps its %d partitions: Kafka cannot lower a count (%s is %d)",
                name,
                count,
                PARTITIONS_SETTING,
                partitions,
            )
        grant(admin, prefix, group)
        return Opened(created, larger)


@dataclass(frozen=True)
class Opened:
    created: list[str]  # topics that did not exist
    larger: dict[str, int]  # topic -> its partitions, where more than the count in force


def _pem_value(path: Path) -> str:
    """A PEM file as one properties value (Kafka reads PEM inline; newlines escaped)."""
    return path.read_text(encoding="ascii").strip().replace("\n", "\\n")
