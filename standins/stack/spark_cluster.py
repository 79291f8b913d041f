"""A Spark standalone cluster from the same pyspark wheel, for the Thrift server to run on
(`PINTEREST_SPARK_WORKERS=N`): a master on `spark://127.0.0.1:7077` and N workers of one core
each. The master, the workers, the Thrift server and its executors prove to each other that
they hold the stack's secret (`spark.authenticate`); every port and web UI is on loopback."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import requests

from core.net import port_open
from standins.stack.service import Service
from standins.stack.spark_dist import LOG4J2, spark_home
from standins.stack.stack_config import (
    PORT_SETTINGS,
    SPARK_UI_STEP,
    Credentials,
    Layout,
    StackConfig,
    write_private,
)

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"
WORKER_CORES = 1
WORKER_MEMORY = "2g"
EXECUTOR_MEMORY = "1g"


def authentication(creds: Credentials) -> dict[str, str]:
    """What each member of the cluster, and each application on it, must hold."""
    return {"spark.authenticate": "true", "spark.authenticate.secret": creds.spark_secret}


class _Daemon(Service):
    """A master or worker: `spark-class` with its settings (the secret too) in a private
    properties file, which `ps` does not show."""

    start_timeout = 90.0

    @property
    def settings_file(self) -> Path:
        return self.home / f"{self.name}.conf"

    @property
    def marker(self) -> str:
        return str(self.settings_file)

    def install(self) -> None:
        spark_home()

    def started_with(self) -> str:
        return " ".join(self.arguments()) + json.dumps(authentication(self.creds))

    def arguments(self) -> list[str]:
        raise NotImplementedError

    def command(self) -> Sequence[str]:
        (self.home / "conf").mkdir(parents=True, exist_ok=True)
        (self.home / "conf" / "log4j2.properties").write_text(LOG4J2, encoding="utf-8")
        lines = "".join(f"{key} {value}\n" for key, value in authentication(self.creds).items())
        write_private(self.settings_file, lines)
        return [
            str(spark_home() / "bin" / "spark-class"),
            *self.arguments(),
            "--properties-file",
            str(self.settings_file),
        ]

    def environment(self) -> Mapping[str, str]:
        return {
            **os.environ,
            "SPARK_HOME": str(spark_home()),
            # Every listener of the daemon, its web UI and its executors, on loopback.
            "SPARK_LOCAL_IP": self.config.host,
            "SPARK_CONF_DIR": str(self.home / "conf"),
            "SPARK_DAEMON_MEMORY": "512m",
            "SPARK_LOCAL_DIRS": str(self.home / "tmp"),
        }

    def configure(self) -> None:
        """Nothing to set up."""


class SparkMaster(_Daemon):
    name = "spark-master"

    @property
    def port(self) -> int:
        return self.config.spark_master_port

    @property
    def ui_port(self) -> int:
        return self.port + SPARK_UI_STEP

    def ports(self) -> dict[int, str | None]:
        setting = PORT_SETTINGS["spark_master_port"]
        return {self.port: setting, self.ui_port: setting}

    def arguments(self) -> list[str]:
        host = self.config.host
        return [MASTER, "--host", host, "--port", str(self.port), "--webui-port", str(self.ui_port)]

    def ready(self) -> bool:
        return port_open(self.config.host, self.port)

    def alive_workers(self) -> set[int]:
        """The ports of the workers the master counts as alive (from its web UI's JSON)."""
        url = f"http://{self.config.host}:{self.ui_port}/json/"
        try:
            state = requests.get(url, timeout=2).json()
        except (requests.RequestException, ValueError):
            return set()
        return {w["port"] for w in state.get("workers", []) if w.get("state") == "ALIVE"}


class SparkWorker(_Daemon):
    def __init__(
        self,
        layout: Layout,
        config: StackConfig,
        creds: Credentials,
        master: SparkMaster,
        number: int,
    ) -> None:
        super().__init__(layout, config, creds)
        self.master = master
        self.number = number
        self.name = f"spark-worker-{number}"

    @property
    def port(self) -> int:
        return self.config.spark_worker_ports(self.number)[0]

    def ports(self) -> dict[int, str | None]:
        setting = PORT_SETTINGS["spark_master_port"]
        return {port: setting for port in self.config.spark_worker_ports(self.number)}

    def arguments(self) -> list[str]:
        port, ui_port = self.config.spark_worker_ports(self.number)
        return [
            WORKER,
            "--host",
            self.config.host,
            "--port",
            str(port),
            "--webui-port",
            str(ui_port),
            "--cores",
            str(WORKER_CORES),
            "--memory",
            WORKER_MEMORY,
            "--work-dir",
            str(self.home / "work"),
            self.config.spark_master_url,
        ]

    def ready(self) -> bool:
        """Registered with the master, which counts it alive."""
        return self.port in self.master.alive_workers()


def application_settings(config: StackConfig, creds: Credentials, jars: Path) -> dict[str, str]:
    """What the Thrift server sets to run its statements on the cluster: one executor per
    worker, with the same jars (Delta Lake, S3A) on their class path."""
    return {
        "spark.master": config.spark_master_url,
        **authentication(creds),
        "spark.executor.cores": str(WORKER_CORES),
        "spark.executor.memory": EXECUTOR_MEMORY,
        "spark.cores.max": str(config.spark_workers * WORKER_CORES),
        "spark.executor.extraClassPath": f"{jars}/*",
    }
