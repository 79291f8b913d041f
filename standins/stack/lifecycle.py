"""Bring the whole local stack up or down, and write the settings file other commands read."""

from __future__ import annotations

import shlex
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from core.paths import project_root
from core.settings import Settings
from ingestion.clients.kafka import config_var
from standins.stack.api_service import IngestApi
from standins.stack.dagster import DagsterDaemon, DagsterWebserver
from standins.stack.kafka_access import ROLES as KAFKA_ROLES
from standins.stack.kafka_broker import Kafka
from standins.stack.mariadb import MariaDB
from standins.stack.seaweedfs import SeaweedFS
from standins.stack.service import Service
from standins.stack.spark import SparkThrift
from standins.stack.spark_cluster import SparkMaster, SparkWorker
from standins.stack.stack_config import (
    BROKER_COUNTS,
    BROKERS_SETTING,
    MOST_WORKERS,
    WORKERS_SETTING,
    Credentials,
    Layout,
    StackConfig,
    write_private,
)


@dataclass(frozen=True)
class Stack:
    layout: Layout
    config: StackConfig
    creds: Credentials
    mariadb: MariaDB
    kafka: Kafka
    seaweedfs: SeaweedFS
    spark: SparkThrift
    api: IngestApi
    dagster_ui: DagsterWebserver
    dagster_daemon: DagsterDaemon
    # Every broker a cluster may have: those past the count are only ever stopped.
    all_brokers: tuple[Kafka, ...]
    spark_master: SparkMaster
    # Every worker there may be; those past PINTEREST_SPARK_WORKERS are only ever stopped.
    all_workers: tuple[SparkWorker, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> Stack:
        layout = Layout.from_settings(settings)
        config = StackConfig.from_settings(settings)
        creds = Credentials.load_or_create(layout.credentials)
        args = (layout, config, creds)
        master = SparkMaster(*args)
        return cls(
            layout,
            config,
            creds,
            MariaDB(*args),
            Kafka(*args),
            SeaweedFS(*args),
            SparkThrift(*args),
            IngestApi(*args),
            DagsterWebserver(*args),
            DagsterDaemon(*args),
            tuple(Kafka(*args, node=n) for n in range(1, max(BROKER_COUNTS) + 1)),
            master,
            tuple(SparkWorker(*args, master, n) for n in range(1, MOST_WORKERS + 1)),
        )

    @property
    def brokers(self) -> list[Kafka]:
        """The brokers of the cluster in force; the first is `kafka`."""
        return [self.kafka, *self.all_brokers[1 : self.config.kafka_brokers]]

    @property
    def spark_cluster(self) -> list[Service]:
        """The standalone master and its workers the Thrift server runs on; none in local mode."""
        workers = self.config.spark_workers
        return [self.spark_master, *self.all_workers[:workers]] if workers else []

    @property
    def services(self) -> list[Service]:
        """In start order; stopped in reverse."""
        return [
            self.mariadb,
            *self.brokers,
            self.seaweedfs,
            *self.spark_cluster,
            self.spark,
            self.api,
        ]

    @property
    def orchestrator(self) -> list[Service]:
        """Started on request, after the rest: by `up --orchestrator`, or by the live runner
        (`make live`) with its own settings."""
        return [self.dagster_ui, self.dagster_daemon]

    def env_lines(self) -> dict[str, str]:
        config, creds = self.config, self.creds
        return {
            "PINTEREST_DB_URL": self.mariadb.reader_url,
            "PINTEREST_DB_ADMIN_URL": self.mariadb.admin_url,
            "KAFKA_BOOTSTRAP_SERVERS": config.kafka_bootstrap,
            BROKERS_SETTING: str(config.kafka_brokers),
            **{config_var(role): str(self.kafka.client_files.path(role)) for role in KAFKA_ROLES},
            "PINTEREST_TOPIC_PREFIX": config.topic_prefix,
            "PINTEREST_TOPIC_PARTITIONS": str(config.partitions),
            "S3_ENDPOINT_URL": config.s3_endpoint,
            "S3_BUCKET": config.bucket,
            "S3_REGION": config.region,
            "S3_ACCESS_KEY_ID": creds.s3_access_key,
            "S3_SECRET_ACCESS_KEY": creds.s3_secret_key,
            "SPARK_THRIFT_HOST": config.host,
            "SPARK_THRIFT_PORT": str(config.thrift_port),
            WORKERS_SETTING: str(config.spark_workers),
            "SPARK_THRIFT_USER": config.thrift_user,
            "SPARK_THRIFT_PASSWORD": creds.thrift_password,
            "DBT_PROFILES_DIR": str(self.layout.dbt_profiles_dir),
            "INGEST_API_URL": self.api.url,
            "INGEST_API_KEY": creds.api_key,
            "DAGSTER_UI_URL": self.dagster_ui.url,
            **config.port_lines(),
        }

    def write_dbt_profile(self) -> None:
        """dbt's profile for the stack: the example profile, whose targets read every setting
        from the environment, so `dbt build` works once stack.env is sourced."""
        self.layout.dbt_profiles_dir.mkdir(parents=True, exist_ok=True)
        example = project_root() / "profiles.example.yml"
        shutil.copyfile(example, self.layout.dbt_profiles_dir / "profiles.yml")

    def write_env_file(self) -> None:
        lines = ["# Written by `make up`; holds this stack's generated credentials. Do not commit."]
        lines += [f"export {name}={shlex.quote(value)}" for name, value in self.env_lines().items()]
        write_private(self.layout.stack_env, "\n".join(lines) + "\n")


Report = Callable[[str], None]


def up(stack: Stack, report: Report, *, orchestrator: bool = False) -> None:
    """Start what is not running, wait for every service, then configure them. Re-running is
    harmless: running services are left alone and configuration is idempotent. The settings
    file and dbt profile come first: they depend on nothing running, and the orchestrator's
    runs read them."""
    started = time.monotonic()
    stack.write_env_file()
    stack.write_dbt_profile()
    start(stack.services + (stack.orchestrator if orchestrator else []), report)
    report(
        f"stack ready in {time.monotonic() - started:.1f} s; settings in {stack.layout.stack_env}"
    )
    if orchestrator:
        report(f"Dagster UI: {stack.dagster_ui.url} (assets, runs, the sensor and the schedule)")


def start(services: list[Service], report: Report) -> None:
    """Start those not running (restart those started with other settings), then wait for
    each and configure it, in order. One that needs the others configured first is started
    when its turn to be waited for comes."""
    for service in services:
        service.install()
    launched = [s for s in services if not s.after_configure and _launch(s, report)]
    for service in services:
        if service.after_configure and _launch(service, report):
            launched.append(service)
        waited = service.wait_ready()
        service.configure()
        state = f"started, ready after {waited:.1f} s" if service in launched else "already running"
        report(f"{service.name:<14} {service.address:<16} {state}")


def _launch(service: Service, report: Report) -> bool:
    """Start the service unless it runs with the settings in force; True if it was started."""
    if service.pid() is not None and service.outdated():
        report(f"{service.name:<14} restarting: its settings changed since it started")
        service.stop()
    if service.pid() is None:
        service.launch()
        return True
    return False


def down(stack: Stack, report: Report) -> None:
    # Brokers and Spark workers of a larger cluster than the one in force too, if a run left them.
    spared = [*stack.all_brokers[1:], stack.spark_master, *stack.all_workers]
    extra = [service for service in spared if service not in stack.services]
    # A cluster's brokers stop together: one by one, the last to go has lost its controller
    # quorum, and its shutdown waits for one until it is killed (30 s).
    brokers = [service for service in stack.services + extra if isinstance(service, Kafka)]
    stopping: dict[str, Future[bool]] = {}

    def stop(service: Service) -> bool:
        future = stopping.get(service.name)
        return future.result() if future is not None else service.stop()

    with ThreadPoolExecutor(max_workers=len(brokers)) as pool:
        for service in reversed(stack.services + stack.orchestrator):
            if service in brokers and not stopping:
                stopping = {broker.name: pool.submit(broker.stop) for broker in brokers}
            report(f"{service.name:<14} {'stopped' if stop(service) else 'was not running'}")
        for service in extra:
            if stop(service):
                report(f"{service.name:<14} stopped")


def status(stack: Stack, report: Report) -> bool:
    """Report each service; True when all are running and answering (the orchestrator, which
    starts on request, only when it was started)."""
    healthy = True
    for service in stack.services + stack.orchestrator:
        pid = service.pid()
        if pid is None and service in stack.orchestrator:
            state = "not started (`make live` starts it)"
        elif pid is None:
            state, healthy = "stopped", False
        elif (problem := service.why_not_ready()) is None:
            state = f"running (pid {pid})"
        else:
            state = f"running (pid {pid}) but {problem}; see {service.log_path}"
            healthy = False
        report(f"{service.name:<14} {service.address:<16} {state}")
    return healthy
