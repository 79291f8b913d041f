"""Kafka client settings: the bootstrap servers, plus any librdkafka property from the file
named by KAFKA_CLIENT_CONFIG (so the same command reaches MSK with SASL_SSL or IAM)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from ingestion.errors import UserError
from ingestion.settings import Settings

CLIENT_CONFIG_VAR = "KAFKA_CLIENT_CONFIG"
Client = TypeVar("Client")
# Our own property (not librdkafka's): sign in to MSK with IAM, in this region.
MSK_IAM_REGION = "aws.msk.iam.region"


def parse_properties(text: str) -> dict[str, str]:
    """Java-style `key=value` (or `key: value`) lines; `#` and `!` start comments."""
    properties: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        separator = min((i for i in (line.find("="), line.find(":")) if i > 0), default=-1)
        if separator < 0:
            raise UserError(f"{CLIENT_CONFIG_VAR} line {number} is not `key=value`: {line[:40]!r}")
        properties[line[:separator].strip()] = line[separator + 1 :].strip()
    return properties


def client_config(settings: Settings, bootstrap: str | None = None) -> dict[str, Any]:
    """Base librdkafka config: bootstrap servers, then the properties file on top."""
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap or settings.require("KAFKA_BOOTSTRAP_SERVERS")
    }
    path = settings.get(CLIENT_CONFIG_VAR)
    if path:
        try:
            config.update(parse_properties(Path(path).read_text(encoding="utf-8")))
        except OSError as exc:
            raise UserError(
                f"cannot read {CLIENT_CONFIG_VAR} file {path}: {exc.strerror}"
            ) from None
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
        raise UserError(
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


def create_client(factory: Callable[[dict[str, Any]], Client], config: dict[str, Any]) -> Client:
    """A Producer, Consumer or AdminClient; a setting librdkafka rejects (alone, or with the
    command's own) is the user's to fix, so it becomes one line rather than a traceback."""
    try:
        return factory(config)
    except KafkaException as exc:
        raise UserError(
            f"invalid Kafka client setting: {exc.args[0].str()} (check {CLIENT_CONFIG_VAR})"
        ) from None


def check_reachable(config: dict[str, Any], timeout: float = 10.0) -> None:
    """Fail with one clear line when a setting is invalid or no broker answers, instead of
    retrying forever."""
    admin = create_client(AdminClient, {**config, "log_level": 0})
    try:
        admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        raise UserError(
            f"cannot reach Kafka at {config['bootstrap.servers']} ({exc.args[0].str()}): "
            "check KAFKA_BOOTSTRAP_SERVERS (and KAFKA_CLIENT_CONFIG), or run `make up`"
        ) from None
