"""Spark Thrift Server from the pyspark wheel: Spark in local mode (or on the stack's
standalone cluster, `PINTEREST_SPARK_WORKERS`), Derby metastore and warehouse under the state
folder, s3a:// pointed at the stack's SeaweedFS, Delta Lake loaded, and a user and
password required of every client."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from core.errors import FatalError
from core.net import port_open
from standins.stack.install import maven_jars, package_file, require_java
from standins.stack.service import Service
from standins.stack.spark_cluster import application_settings
from standins.stack.spark_dist import LOG4J2, spark_home
from standins.stack.stack_config import PORT_SETTINGS, write_private

POM = package_file("maven", "spark", "pom.xml")
# HiveServer2's CUSTOM authentication (SASL PLAIN) with a provider of our own that checks a
# file of salted password hashes: the stack's JDK compiles it against the wheel's jars.
AUTHENTICATOR_SOURCE = package_file("java", "pinterest", "thrift")
AUTHENTICATOR = "pinterest.thrift.PasswordFileAuthenticator"
USERS_PROPERTY = "pinterest.thrift.users"
PBKDF2_ITERATIONS = 20_000
THRIFT_SERVER = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
# Delta Lake as on Databricks: its SQL (MERGE, DESCRIBE HISTORY, VERSION AS OF) and its catalog,
# so `using delta` tables live in the metastore. The `session` dbt target in
# profiles.example.yml sets the same. Delta's defaults are sized for clusters: 50 partitions
# to read a table's log made every statement on a small table pay for 50 tasks (a 1,000-row
# MERGE into 100,000 rows: 3 s; 1.5 s with 2). Without the catalog update, a table created
# by one statement keeps its schema in its log only, and `SHOW TABLE EXTENDED`, which dbt's
# docs read the columns from, lists none.
DELTA = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.databricks.delta.catalog.update.enabled": "true",
}


# Statements run on a pool of threads, and Hive's embedded metastore opens a store (a fresh
# HiveConf, its XML files parsed again) per thread. By default the pool grows to 100 threads
# before it reuses one, and drops idle ones after 10 s, so most statements paid for a new
# store: a tenth of the server's CPU in a build.
HIVE_SERVER = {
    "hive.server2.async.exec.threads": "8",
    "hive.server2.async.exec.keepalive.time": "86400",
    # A status poll waits this long for the statement to end; the `local` dbt target polls
    # again at once (profiles.example.yml), so this is its polling period.
    "hive.server2.long.polling.timeout": "5000ms",
    "hive.server2.authentication": "CUSTOM",
    "hive.server2.custom.authentication.class": AUTHENTICATOR,
}


class SparkThrift(Service):
    name = "spark"
    start_timeout = 120.0

    @property
    def port(self) -> int:
        return self.config.thrift_port

    def ports(self) -> dict[int, str | None]:
        return {self.port: PORT_SETTINGS["thrift_port"]}

    @property
    def jars(self) -> Path:
        return self.home / "jars"

    @property
    def defaults_file(self) -> Path:
        return self.home / "spark-defaults.conf"

    @property
    def marker(self) -> str:
        return str(self.defaults_file)

    @property
    def auth_jar(self) -> Path:
        return self.home / "auth" / "pinterest-thrift-auth.jar"

    @property
    def users_file(self) -> Path:
        return self.home / "thrift-users"

    def install(self) -> None:
        require_java()
        spark_home()
        maven_jars(POM, self.jars, self.layout.logs / "maven-spark.log")
        self._build_authenticator()
        self._write_users()

    def _build_authenticator(self) -> None:
        """Compile the password provider when its source changed (its digest names the jar's
        stamp)."""
        sources = sorted(AUTHENTICATOR_SOURCE.glob("*.java"))
        digest = hashlib.sha256(b"".join(path.read_bytes() for path in sources)).hexdigest()
        stamp = self.auth_jar.with_suffix(".sha256")
        if self.auth_jar.exists() and stamp.exists() and stamp.read_text() == digest:
            return
        self.auth_jar.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as classes:
            for argv in (
                ["javac", "-cp", f"{spark_home() / 'jars'}/*", "-d", classes, *map(str, sources)],
                ["jar", "cf", str(self.auth_jar), "-C", classes, "."],
            ):
                done = subprocess.run(argv, capture_output=True, text=True)
                if done.returncode:
                    last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                    raise FatalError(f"building the Thrift server's password check failed: {last}")
        stamp.write_text(digest)

    def _write_users(self) -> None:
        """The one user and a salted hash of its password: the server never sees a file with
        the password itself. Read on each sign-in, so rewriting it needs no restart."""
        salt = secrets.token_bytes(16)
        digest = hashlib.pbkdf2_hmac(
            "sha256", self.creds.thrift_password.encode(), salt, PBKDF2_ITERATIONS
        )
        line = f"{self.config.thrift_user}:{PBKDF2_ITERATIONS}:{salt.hex()}:{digest.hex()}\n"
        write_private(self.users_file, line)

    def _defaults(self) -> dict[str, str]:
        home, config = self.home, self.config
        host = config.host
        scratch = home / "tmp"
        return {
            "spark.master": "local[*]",
            "spark.app.name": "pinterest-thrift",
            "spark.driver.memory": "2g",
            "spark.driver.bindAddress": config.host,
            "spark.driver.host": config.host,
            "spark.ui.enabled": "false",
            "spark.local.dir": str(scratch),
            "spark.sql.shuffle.partitions": "8",
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.warehouse.dir": str(home / "warehouse"),
            "spark.sql.catalogImplementation": "hive",
            "spark.hadoop.javax.jdo.option.ConnectionURL": (
                f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true"
            ),
            "spark.driver.extraClassPath": f"{self.jars}/*:{self.auth_jar}",
            "spark.driver.extraJavaOptions": (
                f"-Dderby.system.home={home} -Djava.io.tmpdir={scratch} "
                f"-D{USERS_PROPERTY}={self.users_file}"
            ),
            "spark.hadoop.hadoop.tmp.dir": str(scratch / "hadoop"),
            **DELTA,
            "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            "spark.hadoop.fs.s3a.endpoint": config.s3_endpoint,
            "spark.hadoop.fs.s3a.endpoint.region": config.region,
            "spark.hadoop.fs.s3a.path.style.access": "true",
            "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
            "spark.hadoop.fs.s3a.buffer.dir": str(scratch / "s3a"),
            "spark.hadoop.fs.s3a.access.key": self.creds.s3_access_key,
            "spark.hadoop.fs.s3a.secret.key": self.creds.s3_secret_key,
            # The server's own settings, for a Thrift server started inside another Spark
            # application with them (the stream's, `python -m streaming --serve-thrift`):
            # Spark hands `spark.hive.*` to Hive as `hive.*`.
            **{
                f"spark.{key}": value
                for key, value in {
                    "hive.server2.thrift.bind.host": host,
                    "hive.server2.thrift.port": str(self.port),
                    **HIVE_SERVER,
                }.items()
            },
            # On a standalone cluster's workers rather than in this process.
            **(application_settings(config, self.creds, self.jars) if config.spark_workers else {}),
        }

    def _defaults_text(self) -> str:
        # The pom's digest and the server's Hive settings too: a server started before they
        # changed is outdated.
        digest = hashlib.sha256(POM.read_bytes()).hexdigest()
        lines = [f"# jars of pom {digest}\n"]
        lines += [f"# --hiveconf {key}={value}\n" for key, value in HIVE_SERVER.items()]
        lines += [f"{key} {value}\n" for key, value in self._defaults().items()]
        return "".join(lines)

    def outdated(self) -> bool:
        """Its properties changed (Delta Lake added, say) since the server started."""
        try:
            return self.defaults_file.read_text(encoding="utf-8") != self._defaults_text()
        except FileNotFoundError:
            return False

    def command(self) -> Sequence[str]:
        for folder in ("tmp", "conf"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        # The keys go in a private properties file, not on the command line where `ps` shows them.
        write_private(self.defaults_file, self._defaults_text())
        (self.home / "conf" / "log4j2.properties").write_text(LOG4J2, encoding="utf-8")
        host = self.config.host
        return [
            str(spark_home() / "bin" / "spark-submit"),
            "--properties-file",
            str(self.defaults_file),
            "--class",
            THRIFT_SERVER,
            "--hiveconf",
            f"hive.server2.thrift.bind.host={host}",
            "--hiveconf",
            f"hive.server2.thrift.port={self.port}",
            *(
                arg
                for key, value in HIVE_SERVER.items()
                for arg in ("--hiveconf", f"{key}={value}")
            ),
            "spark-internal",
        ]

    def environment(self) -> Mapping[str, str]:
        return {
            **os.environ,
            "SPARK_HOME": str(spark_home()),
            "SPARK_LOCAL_IP": self.config.host,
            "SPARK_CONF_DIR": str(self.home / "conf"),
        }

    def ready(self) -> bool:
        # HiveServer2 opens its port only after the session manager and metastore are up.
        return port_open(self.config.host, self.port)

    def configure(self) -> None:
        """Nothing to set up: the metastore and warehouse are created on first use."""
