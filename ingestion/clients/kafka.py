"""Kafka client settings: the bootstrap servers, plus any librdkafka property from a file (so
the same command reaches the local stack and MSK with SASL_SSL or IAM).

Each command signs in as its role (`emulator`, `api`, `sink`, `reader`, `admin`): the file is
named by KAFKA_<ROLE>_CONFIG, or else by KAFKA_CLIENT_CONFIG, the one file for every role. The
local stack writes a file per role, with that role's user, and names them in stack.env."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient

from core.errors import ConfigurationError, TransientError
from core.progress import announced
from core.settings import Settings

CLIENT_CONFIG_VAR = "KAFKA_CLIENT_CONFIG"
Role = Literal["emulator", "api", "sink", "reader", "admin"]
Client = TypeVar("Client")
# Our own property (not librdkafka's): sign in to MSK with IAM, in this region.
MSK_IAM_REGION = "aws.msk.iam.region"


def config_var(role: Role) -> str:
    """The setting that names a role's client properties file."""
    return f"KAFKA_{role.upper()}_CONFIG"


def config_source(settings: Settings, role: Role) -> str:
    """The setting a role's client properties come from, to name it in a message."""
    found = settings.first(config_var(role), CLIENT_CONFIG_VAR)
    return found[0] if found else f"{config_var(role)} or {CLIENT_CONFIG_VAR}"


def parse_properties(text: str, source: str = CLIENT_CONFIG_VAR) -> dict[str, str]:
    """Java-style `key=value` (or `key: value`) lines; `#` and `!` start comments."""
    properties: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        separator = min((i for i in (line.find("="), line.find(":")) if i > 0), default=-1)
        if separator < 0:
            raise ConfigurationError(f"{source} line {number} is not `key=value`: {line[:40]!r}")
        properties[line[:separator].strip()] = line[separator + 1 :].strip()
    return properties


def client_config(settings: Settings, role: Role, bootstrap: str | None = None) -> dict[str, Any]:
    """Base librdkafka config of a role: bootstrap servers, then its properties file on top
    (which may name other bootstrap servers: the administrator's listener), then the
    command's `--bootstrap-servers`."""
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap or settings.require("KAFKA_BOOTSTRAP_SERVERS")
    }
    found = settings.first(config_var(role), CLIENT_CONFIG_VAR)
    if found:
        name, path = found
        try:
            config.update(parse_properties(Path(path).read_text(encoding="utf-8"), name))
        except OSError as exc:
            raise ConfigurationError(f"cannot read {name} file {path}: {exc.strerror}") from None
    if bootstrap:
        config["bootstrap.servers"] = bootstrap
    region = config.pop(MSK_IAM_REGION, None)
    if region:
        config["oauth_cb"] = msk_iam_token_callback(region)
    return config


def msk_iam_token_callback(region: str) -> MskIamToken:
    """librdkafka's OAUTHBEARER callback, answered with an MSK IAM token signed by AWS's
    signer from the default credential chain (the optional `msk-iam` extra)."""
    try:
        import aws_msk_iam_sasl_signer  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            f"{MSK_IAM_REGION} is set but the MSK IAM signer is not installed: "
            "pip install 'pinterest-pipeline[msk-iam]'"
        ) from None
    return MskIamToken(region)


@dataclass(frozen=True)
class MskIamToken:
    """A class rather than a closure so that a config holding it can be handed to another
    process (the emulator's table workers)."""

    region: str

    def __call__(self, _config: str | None) -> tuple[str, float]:
        from aws_msk_iam_sasl_signer import MSKAuthTokenProvider

        signed, expiry_ms = MSKAuthTokenProvider.generate_auth_token(self.region)
        return signed, expiry_ms / 1000


def create_client(
    factory: Callable[[dict[str, Any]], Client],
    config: dict[str, Any],
    source: str = CLIENT_CONFIG_VAR,
) -> Client:
    """A Producer, Consumer or AdminClient; a setting librdkafka rejects (alone, or with the
    command's own) is the user's to fix, so it becomes one line rather than a traceback.
    `source` names the setting the client's properties came from."""
    try:
        return factory(config)
    except KafkaException as exc:
        raise ConfigurationError(
            f"invalid Kafka client setting: {exc.args[0].str()} (check {source})"
        ) from None


def check_reachable(
    config: dict[str, Any], source: str = CLIENT_CONFIG_VAR, timeout: float = 10.0
) -> None:
    """Fail with one clear line when a setting is invalid, the broker refuses the client's
    credentials, or no broker answers, instead of retrying forever. `source` names the
    setting the credentials came from."""
    errors: list[KafkaError] = []
    log = _Captured()
    admin = create_client(
        AdminClient,
        {**config, "error_cb": errors.append, "logger": log.logger, "log_level": 6},
        source,
    )
    servers = config["bootstrap.servers"]
    deadline = time.monotonic() + timeout
    with announced(f"waiting for Kafka at {servers} (up to {timeout:g} s)"):
        _wait_for_metadata(admin, log, errors, servers, source, deadline)


def _wait_for_metadata(
    admin: AdminClient,
    log: _Captured,
    errors: list[KafkaError],
    servers: str,
    source: str,
    deadline: float,
) -> None:
    while True:
        try:
            admin.list_topics(timeout=1)
            return
        except KafkaException as exc:
            last = exc.args[0]
        admin.poll(0)  # serves error_cb
        refusal = next((error.str() for error in errors if _refused(error)), None)
        if refusal is None and log.cut_off_in_handshake():
            refusal = "it closed the connection before any request: it expects TLS"
        if refusal is not None:
            raise ConfigurationError(
                f"Kafka at {servers} refused this client ({refusal}): "
                f"check security.protocol, the user and password in {source}"
            )
        if time.monotonic() >= deadline:
            raise TransientError(
                f"cannot reach Kafka at {servers} ({last.str()}): "
                f"check KAFKA_BOOTSTRAP_SERVERS (and {source}), or run `make up`"
            )


def _refused(error: KafkaError) -> bool:
    """The broker answered but will not talk to this client as configured: waiting longer
    cannot help."""
    return error.code() in (KafkaError._AUTHENTICATION, KafkaError._SSL)


class _Captured(logging.Handler):
    """librdkafka's log lines of one client, kept instead of printed."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        # Not registered with logging: it lives as long as the client.
        self.logger = logging.Logger("librdkafka")
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def cut_off_in_handshake(self) -> bool:
        """A plaintext client at a TLS listener: the broker hangs up on its first request."""
        return any(
            "Disconnected" in line and "APIVERSION_QUERY" in line for line in self.lines[-20:]
        )
