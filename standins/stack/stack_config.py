"""Where the local stack keeps its state, which ports it uses, and its generated credentials."""

from __future__ import annotations

import json
import os
import secrets
import string
from dataclasses import asdict, dataclass
from pathlib import Path

from core.catalogue import DEFAULT_TOPIC_PREFIX
from core.errors import ConfigurationError
from core.settings import Settings

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Layout:
    """Every file the stack writes lives under one git-ignored state folder (default `.local`)."""

    state: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> Layout:
        return cls(state=settings.state)

    @property
    def run(self) -> Path:
        return self.state / "run"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def stack_env(self) -> Path:
        return self.state / "stack.env"

    @property
    def dbt_profiles_dir(self) -> Path:
        return self.state / "dbt"

    @property
    def credentials(self) -> Path:
        return self.state / "credentials.json"

    @property
    def kafka_tls(self) -> Path:
        return self.state / "kafka" / "tls"

    @property
    def kafka_clients(self) -> Path:
        return self.state / "kafka" / "clients"

    def service_dir(self, name: str) -> Path:
        return self.state / name

    def pid_file(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.logs / f"{name}.log"


# Each port of the stack -> the setting that moves it. A machine that already runs MySQL on
# 3306 (say) sets PINTEREST_MYSQL_PORT; `make up` writes the ports in force to stack.env.
PORT_SETTINGS = {
    "mysql_port": "PINTEREST_MYSQL_PORT",
    "kafka_port": "PINTEREST_KAFKA_PORT",
    "kafka_controller_port": "PINTEREST_KAFKA_CONTROLLER_PORT",
    "kafka_admin_port": "PINTEREST_KAFKA_ADMIN_PORT",
    "s3_port": "PINTEREST_S3_PORT",
    "thrift_port": "PINTEREST_THRIFT_PORT",
    "api_port": "PINTEREST_API_PORT",
    "dagster_port": "PINTEREST_DAGSTER_PORT",
    "spark_master_port": "PINTEREST_SPARK_MASTER_PORT",
}


BROKERS_SETTING = "PINTEREST_KAFKA_BROKERS"
# One broker, or a cluster of three: a controller quorum of three survives the loss of one, and
# replication factor 3 with min.insync.replicas 2 keeps every acknowledged record on two.
BROKER_COUNTS = (1, 3)
# Broker n (from 1) binds each Kafka port plus this times n - 1.
BROKER_PORT_STEP = 10
KAFKA_PORT_FIELDS = ("kafka_port", "kafka_controller_port", "kafka_admin_port")
WORKERS_SETTING = "PINTEREST_SPARK_WORKERS"
MOST_WORKERS = 8
# The standalone master's web UI, and worker n's port and web UI, follow the master's port.
SPARK_UI_STEP = 1000


@dataclass(frozen=True)
class StackConfig:
    """Names and ports of the local stack; each port can be moved (PORT_SETTINGS)."""

    host: str = LOOPBACK
    mysql_port: int = 3306
    admin_user: str = "pinterest_admin"
    reader_user: str = "pinterest_reader"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    kafka_admin_port: int = 9094  # the administrator's listener (client certificate)
    kafka_brokers: int = 1
    topic_prefix: str = DEFAULT_TOPIC_PREFIX
    partitions: int = 3
    s3_port: int = 8333
    bucket: str = "pinterest-raw"
    region: str = "us-east-1"
    thrift_port: int = 10000
    thrift_user: str = "pinterest"
    api_port: int = 8082  # the Kafka REST Proxy's
    dagster_port: int = 3000  # Dagster's UI
    spark_master_port: int = 7077  # a standalone master, when there are workers
    spark_workers: int = 0  # 0: the Thrift server runs Spark in local mode

    @classmethod
    def from_settings(cls, settings: Settings) -> StackConfig:
        defaults = cls()
        ports = {
            field: _port(settings, name, getattr(defaults, field))
            for field, name in PORT_SETTINGS.items()
        }
        brokers = settings.require_int(BROKERS_SETTING, defaults.kafka_brokers)
        if brokers not in BROKER_COUNTS:
            raise ConfigurationError(
                f"{BROKERS_SETTING} must be 1 (one broker) or 3 (a cluster), got {brokers}"
            )
        taken: dict[int, str] = {}
        for field, port in ports.items():
            for index in range(brokers if field in KAFKA_PORT_FIELDS else 1):
                bound, name = port + index * BROKER_PORT_STEP, PORT_SETTINGS[field]
                if index:
                    name += f" + {index * BROKER_PORT_STEP} (broker {index + 1})"
                if bound in taken:
                    raise ConfigurationError(
                        f"{name} and {taken[bound]} are both {bound}: "
                        "give each service a port of its own"
                    )
                taken[bound] = name
        workers = settings.require_int(WORKERS_SETTING, defaults.spark_workers)
        if not 0 <= workers <= MOST_WORKERS:
            raise ConfigurationError(
                f"{WORKERS_SETTING} must be 0 (Spark in local mode) to {MOST_WORKERS} "
                f"(a standalone master with that many workers), got {workers}"
            )
        return cls(
            kafka_brokers=brokers,
            spark_workers=workers,
            topic_prefix=settings.get("PINTEREST_TOPIC_PREFIX") or defaults.topic_prefix,
            partitions=settings.require_int("PINTEREST_TOPIC_PARTITIONS", defaults.partitions),
            bucket=settings.get("S3_BUCKET") or defaults.bucket,
            **ports,
        )

    def port_lines(self) -> dict[str, str]:
        """The ports in force, as settings (for stack.env)."""
        return {name: str(getattr(self, field)) for field, name in PORT_SETTINGS.items()}

    @property
    def kafka_nodes(self) -> range:
        """The brokers' node ids (each is a controller too)."""
        return range(1, self.kafka_brokers + 1)

    def kafka_ports(self, node: int) -> tuple[int, int, int]:
        """Broker `node`'s (client, controller, administrator) ports."""
        step = (node - 1) * BROKER_PORT_STEP
        return tuple(getattr(self, field) + step for field in KAFKA_PORT_FIELDS)  # type: ignore[return-value]

    @property
    def kafka_bootstrap(self) -> str:
        """Every broker, so that a client starts while any one of them is down."""
        return ",".join(f"{self.host}:{self.kafka_ports(n)[0]}" for n in self.kafka_nodes)

    @property
    def kafka_admin_bootstrap(self) -> str:
        return ",".join(f"{self.host}:{self.kafka_ports(n)[2]}" for n in self.kafka_nodes)

    @property
    def spark_master_url(self) -> str:
        return f"spark://{self.host}:{self.spark_master_port}"

    def spark_worker_ports(self, worker: int) -> tuple[int, int]:
        """Worker `worker`'s (from 1) port and web UI port."""
        port = self.spark_master_port + worker
        return port, port + SPARK_UI_STEP

    @property
    def s3_endpoint(self) -> str:
        return f"http://{self.host}:{self.s3_port}"


@dataclass(frozen=True)
class Credentials:
    """Generated on the first `make up`, then reused so that `down` + `up` keeps the data."""

    db_admin_password: str
    db_reader_password: str
    s3_access_key: str
    s3_secret_key: str
    api_key: str
    kafka_emulator_password: str
    kafka_api_password: str
    kafka_sink_password: str
    kafka_reader_password: str
    thrift_password: str
    seaweedfs_jwt_secret: str
    spark_secret: str  # what a standalone master, its workers and the Thrift server share

    @property
    def kafka_passwords(self) -> dict[str, str]:
        """Role -> the password of its Kafka user."""
        return {
            "emulator": self.kafka_emulator_password,
            "api": self.kafka_api_password,
            "sink": self.kafka_sink_password,
            "reader": self.kafka_reader_password,
        }

    @classmethod
    def generate(cls) -> Credentials:
        def token(length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
            return "".join(secrets.choice(alphabet) for _ in range(length))

        return cls(
            db_admin_password=token(24),
            db_reader_password=token(24),
            s3_access_key="LOCAL" + token(15, string.ascii_uppercase + string.digits),
            s3_secret_key=token(40),
            api_key=token(40),
            kafka_emulator_password=token(32),
            kafka_api_password=token(32),
            kafka_sink_password=token(32),
            kafka_reader_password=token(32),
            thrift_password=token(32),
            seaweedfs_jwt_secret=token(48),
            spark_secret=token(48),
        )

    @classmethod
    def load_or_create(cls, path: Path) -> Credentials:
        """The saved credentials; any a newer version of the stack added are generated and
        saved alongside, the existing ones kept."""
        saved = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        creds = cls(**{**asdict(cls.generate()), **saved})
        if set(saved) != set(asdict(creds)):
            write_private(path, json.dumps(asdict(creds), indent=2) + "\n")
        return creds


# SeaweedFS's inner servers take ports up to 25313 above its S3 port (seaweedfs.py).
HIGHEST = {"PINTEREST_S3_PORT": 65535 - 25313}


def _port(settings: Settings, name: str, default: int) -> int:
    port = settings.require_int(name, default)
    highest = HIGHEST.get(name, 65535)
    if not 1024 <= port <= highest:
        raise ConfigurationError(f"{name} must be a port from 1024 to {highest}, got {port}")
    return port


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read: it holds credentials."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
