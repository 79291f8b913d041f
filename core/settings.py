"""Connection settings: environment variables first, then the local stack's env file.

`make up` writes `.local/stack.env` (at the repository's root) with `export NAME=value`
lines. Every command reads a setting from the process environment and falls back to that
file, so the same command works against the local stack with no setup and against cloud
services with exported variables. A variable set to the empty string is unset, and hides
the file's value: in a shell that sourced the file, `export S3_ENDPOINT_URL=` means AWS.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ConfigurationError
from core.paths import PROJECT_DIR_VAR, default_state_dir

STACK_ENV_VAR = "PINTEREST_STACK_ENV"
STATE_DIR_VAR = "PINTEREST_STATE_DIR"
LOWEST_PORT, HIGHEST_PORT = 1, 65535


# The variables a command reads besides its options' (each option's --help names its own), with
# what each means: a command's --help lists those it reads from here (core/cli.py), so the
# text has one home; docs/configuration.md has every one of them (tests/core/test_cli.py).
VARIABLES: dict[str, str] = {
    "PINTEREST_DB_URL": "SQLAlchemy URL of the source database, read-only user",
    "PINTEREST_DB_ADMIN_URL": "SQLAlchemy URL of a user that may create and load the tables",
    "PINTEREST_TOPIC_PREFIX": "topic prefix: topics are <prefix>.pin, .geo, .user, .dlq",
    "PINTEREST_TOPIC_PARTITIONS": "partitions per topic",
    "PINTEREST_KAFKA_BROKERS": "Kafka brokers the stack starts: 1, or 3 for a cluster",
    "PINTEREST_SPARK_WORKERS": "Spark workers the stack starts: 0 for local mode, or 1 to 8",
    "S3_ENDPOINT_URL": "S3 endpoint; unset or empty for AWS S3",
    "S3_BUCKET": "bucket of the raw landing",
    "S3_REGION": "S3 region (default: us-east-1)",
    "S3_ACCESS_KEY_ID": "S3 key id; unset to use the AWS default credential chain",
    "S3_SECRET_ACCESS_KEY": "S3 secret key, with S3_ACCESS_KEY_ID",  # pragma: allowlist secret
    "SINK_TOPICS_DIR": "top folder of the landing layout",
    "SINK_GROUP": "the sink's consumer group",
    "SPARK_THRIFT_HOST": "Spark Thrift Server host",
    "SPARK_THRIFT_PORT": "Spark Thrift Server port",
    "SPARK_THRIFT_USER": "who signs in to the Spark Thrift Server",
    "SPARK_THRIFT_PASSWORD": "their password (none: no sign-in)",  # pragma: allowlist secret
    "KAFKA_CLIENT_CONFIG": "librdkafka properties file for every role (SASL, TLS, MSK IAM)",
    "KAFKA_EMULATOR_CONFIG": "librdkafka properties file of the emulator's Kafka user",
    "KAFKA_API_CONFIG": "librdkafka properties file of the api's Kafka user",
    "KAFKA_SINK_CONFIG": "librdkafka properties file of the sink's Kafka user",
    "KAFKA_READER_CONFIG": "librdkafka properties file of the reader's (reconcile's) Kafka user",
    "INGEST_API_KEY": "the ingestion API's key (the api checks it, the emulator sends it)",
    "DBT_PROFILES_DIR": "folder of dbt's profiles.yml",
    "DBT_SCHEMA": "dbt target schema (models in <schema>_staging, _marts, ...)",
    "STREAM_TRIGGER_SECONDS": "how often the stream looks for new objects",
    "STREAM_MAX_OBJECTS": "objects per micro-batch of the stream at most",
    "STREAM_MODEL_THREADS": "models the stream merges at the same time",
    "STREAM_COMPACT_EVERY": "micro-batches writing a table between compactions of it",
    "STREAM_SPARK_PROPERTIES": "Spark properties file of the stream (default: the stack's)",
    "STREAM_CHECKPOINT": "the stream's checkpoint folder",
    "PINTEREST_SENSOR_INTERVAL": "seconds between the landing sensor's looks at S3",
    "PINTEREST_FULL_BUILD_CRON": "when the daily full build runs (cron, UTC)",
    STACK_ENV_VAR: "the settings file read as fallback (default: .local/stack.env)",
    STATE_DIR_VAR: "where the local stack keeps its state (default: .local)",
    PROJECT_DIR_VAR: "the project's root, where .local/ and output/ are",
}
# What every command reads: where its settings and state are.
EVERY_COMMAND = (STACK_ENV_VAR, STATE_DIR_VAR, PROJECT_DIR_VAR)
S3_CONNECTION = ("S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
THRIFT_LOGIN = ("SPARK_THRIFT_USER", "SPARK_THRIFT_PASSWORD")


def parse_env_file(text: str) -> dict[str, str]:
    """Parse `export NAME=value` / `NAME=value` lines with shell quoting; ignore the rest."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        name, sep, raw = line.partition("=")
        if not sep or not name.isidentifier():
            continue
        parts = shlex.split(raw, posix=True)
        values[name] = parts[0] if parts else ""
    return values


def state_dir(environ: Mapping[str, str]) -> Path:
    """The stack's state folder: $PINTEREST_STATE_DIR, else `.local` at the project's root."""
    return Path(environ.get(STATE_DIR_VAR) or default_state_dir(environ)).resolve()


def stack_env_path(environ: Mapping[str, str]) -> Path:
    """$PINTEREST_STACK_ENV, else the `stack.env` the stack writes in its state folder."""
    return Path(environ.get(STACK_ENV_VAR) or state_dir(environ) / "stack.env")


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"must be an integer, got {text!r}") from None


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535, or a ValueError saying so: 0 would listen on any free port,
    and a larger number on another port (the socket keeps its low 16 bits)."""
    try:
        port = int(text)
    except ValueError:
        port = None
    if port is None or not LOWEST_PORT <= port <= HIGHEST_PORT:
        raise ValueError(f"must be a port from {LOWEST_PORT} to {HIGHEST_PORT}, got {text!r}")
    return port


@dataclass(frozen=True)
class Settings:
    """A read-only view over the environment with the stack file as fallback."""

    # Not in the repr: they hold secrets.
    environ: Mapping[str, str] = field(repr=False)
    stack_file: Mapping[str, str] = field(repr=False)
    stack_path: Path

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        path = stack_env_path(env)
        try:
            file_values = parse_env_file(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            file_values = {}
        return cls(environ=dict(env), stack_file=file_values, stack_path=path)

    def _value(self, name: str) -> str | None:
        """The environment's value if the variable is set at all (so that an empty one hides
        the file's), else the file's; empty is None."""
        value = self.environ[name] if name in self.environ else self.stack_file.get(name)
        return value or None

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self._value(name)
        return default if value is None else value

    def first(self, *names: str) -> tuple[str, str] | None:
        """The first of these settings that is set, as (name, value): the environment's before
        the stack file's, so an exported general setting beats the stack's specific one."""
        for name in sorted(names, key=lambda name: name not in self.environ):
            value = self._value(name)
            if value is not None:
                return name, value
        return None

    @property
    def state(self) -> Path:
        return state_dir(self.environ)

    def child_env(self) -> dict[str, str]:
        """The environment for a command this one starts (dbt, or one of the pipeline's): the
        stack file's values under the environment's, so it resolves every setting as this one
        did, an empty variable included."""
        return {**self.stack_file, **self.environ}

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise ConfigurationError(
                f"{name} is not set: export it, or run `make up` to start the local stack "
                f"(which writes {self.stack_path})"
            )
        return value

    def require_int(self, name: str, default: int | None = None) -> int:
        return self._parsed(name, default, integer)

    def require_port(self, name: str, default: int | None = None) -> int:
        """A port setting, checked as a port option is."""
        return self._parsed(name, default, port_number)

    def _parsed(self, name: str, default: int | None, parse: Callable[[str], int]) -> int:
        raw = self.get(name)
        if raw is None:
            if default is not None:
                return default
            raw = self.require(name)
        try:
            return parse(raw)
        except ValueError as exc:
            raise ConfigurationError(f"{name} {exc}") from None
