"""Who may do what on the local Kafka: a SCRAM user per job of the pipeline, the ACLs that let
each do only that job on a topic prefix, and the client properties files the commands read.

The stack's administrator (topics, users, ACLs) is no SCRAM user: it presents a certificate
the stack's CA signed, on a listener of its own, so no password exists that grants everything."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from core.catalogue import TABLE_TOPICS
from core.errors import TransientError
from ingestion.topics import DLQ_SUFFIX, kafka_failure, sink_group
from standins.stack.stack_config import write_private

MECHANISM = "SCRAM-SHA-512"
SCRAM_ITERATIONS = 8192
TIMEOUT_S = 30.0

# A job of the pipeline -> its SCRAM user. Client commands pick theirs by role: the emulator
# and the API produce, the sink consumes and dead-letters, reconcile and the benchmarks read.
USERS = {"emulator": "emulator", "api": "api", "sink": "sink", "reader": "reader"}
ADMIN = "admin"
ROLES = (*USERS, ADMIN)


def reader_group(prefix: str) -> str:
    """Readers may use any group starting with this for their own (uncommitted) positions."""
    return f"{prefix}-reader"


@dataclass(frozen=True)
class ClientFiles:
    """The properties file of each role, with the CA the clients trust."""

    folder: Path
    ca: Path

    def path(self, role: str) -> Path:
        return self.folder / f"{role}.properties"

    def write(
        self, passwords: dict[str, str], admin_bootstrap: str, admin_cert: Path, admin_key: Path
    ) -> None:
        for role, user in USERS.items():
            self._write(
                role,
                {
                    "security.protocol": "SASL_SSL",
                    "sasl.mechanism": MECHANISM,
                    "sasl.username": user,
                    "sasl.password": passwords[role],
                    "ssl.ca.location": str(self.ca),
                },
            )
        self._write(ADMIN, admin_properties(admin_bootstrap, self.ca, admin_cert, admin_key))

    def _write(self, role: str, properties: dict[str, str]) -> None:
        text = "".join(f"{key}={value}\n" for key, value in properties.items())
        header = f"# Kafka client settings of the {role} role; written by `make up`.\n"
        write_private(self.path(role), header + text)


def admin_properties(bootstrap: str, ca: Path, certificate: Path, key: Path) -> dict[str, str]:
    """The administrator's client settings: its certificate, on its own listener."""
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SSL",
        "ssl.ca.location": str(ca),
        "ssl.certificate.location": str(certificate),
        "ssl.key.location": str(key),
    }


def ensure_users(admin: AdminClient, passwords: dict[str, str]) -> None:
    """Create or update each job's SCRAM user (idempotent: the same password again)."""
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
    futures = admin.alter_user_scram_credentials(
        [
            UserScramCredentialUpsertion(user, info, passwords[role].encode())
            for role, user in USERS.items()
        ],
        request_timeout=TIMEOUT_S,
    )
    _wait(futures.values(), "creating the Kafka users")


def _principal(role: str) -> str:
    return f"User:{USERS[role]}"


def bindings(prefix: str, group: str) -> list[AclBinding]:
    """Least privilege on one prefix: each role gets these operations, nothing else."""
    data = [f"{prefix}.{suffix}" for suffix in TABLE_TOPICS.values()]
    dlq = f"{prefix}.{DLQ_SUFFIX}"
    topic, group_type = ResourceType.TOPIC, ResourceType.GROUP
    literal, prefixed = ResourcePatternType.LITERAL, ResourcePatternType.PREFIXED
    read, write, describe = AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE
    grants: list[tuple[str, ResourceType, str, ResourcePatternType, AclOperation]] = []
    for role in ("emulator", "api"):
        grants += [(role, topic, name, literal, op) for name in data for op in (write, describe)]
    # The API lists and describes the dead-letter topic too (GET /topics, with each topic's
    # configs, as the REST Proxy does), but may not write it.
    grants += [("api", topic, dlq, literal, describe)]
    grants += [
        ("api", topic, name, literal, AclOperation.DESCRIBE_CONFIGS) for name in (*data, dlq)
    ]
    grants += [("sink", topic, name, literal, op) for name in data for op in (read, describe)]
    # It dead-letters, and lands the dead-letter topic too (as Connect's sink would).
    grants += [("sink", topic, dlq, literal, op) for op in (read, write, describe)]
    # Prefixed: sinks started with `--group <group>-2` and the like are the same job.
    grants += [("sink", group_type, group, prefixed, read)]
    grants += [
        ("reader", topic, name, literal, op) for name in (*data, dlq) for op in (read, describe)
    ]
    # Reconcile reads how far the sink's group committed; it never joins that group.
    grants += [("reader", group_type, group, prefixed, describe)]
    grants += [("reader", group_type, reader_group(prefix), prefixed, read)]
    return [
        AclBinding(kind, name, pattern, _principal(role), "*", op, AclPermissionType.ALLOW)
        for role, kind, name, pattern, op in grants
    ]


def grant(admin: AdminClient, prefix: str, group: str | None = None) -> None:
    """Let each job work on `prefix`'s topics (idempotent); returns once the broker enforces
    them, not only once the controller stored them."""
    wanted = bindings(prefix, group or sink_group(prefix))
    futures = admin.create_acls(wanted)
    _wait(futures.values(), f"granting access to {prefix}.*")
    deadline = time.monotonic() + TIMEOUT_S
    while not set(wanted) <= _enforced(admin):
        if time.monotonic() > deadline:
            raise TransientError(
                f"granting access to {prefix}.*: the broker did not apply the ACLs"
            )
        time.sleep(0.05)


def _enforced(admin: AdminClient) -> set[AclBinding]:
    """The ACLs of the broker's own authorizer (DescribeAcls is answered by the broker)."""
    everything = AclBindingFilter(
        ResourceType.ANY,
        None,
        ResourcePatternType.ANY,
        None,
        None,
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    try:
        return set(admin.describe_acls(everything).result(timeout=TIMEOUT_S))
    except KafkaException as exc:
        raise TransientError(f"reading the Kafka ACLs failed: {exc.args[0].str()}") from None


def revoke(admin: AdminClient, prefix: str, group: str | None = None) -> None:
    """Remove what `grant` gave on `prefix`."""
    filters = [
        AclBindingFilter(
            b.restype,
            b.name,
            b.resource_pattern_type,
            b.principal,
            b.host,
            b.operation,
            b.permission_type,
        )
        for b in bindings(prefix, group or sink_group(prefix))
    ]
    futures = admin.delete_acls(filters)
    _wait(futures.values(), f"revoking access to {prefix}.*")


def _wait(futures: Iterable[object], doing: str) -> None:
    for future in futures:
        try:
            future.result()  # type: ignore[attr-defined]
        except KafkaException as exc:
            raise kafka_failure(exc.args[0])(f"{doing} failed: {exc.args[0].str()}") from None
