"""A Kafka user of a test's own: SCRAM credentials, a client properties file signing in as it,
and rights granted when the test says so; the user and its ACLs are removed afterwards."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    UserScramCredentialDeletion,
    UserScramCredentialUpsertion,
)

from standins.stack.kafka_access import SCRAM_ITERATIONS


@dataclass
class KafkaUser:
    name: str
    config: dict[str, Any]  # a client config signing in as this user
    properties: Path  # the same as a properties file, for a command's KAFKA_<ROLE>_CONFIG
    admin: AdminClient
    granted: list[AclBinding]

    def grant(self, topics: list[str], *operations: AclOperation) -> None:
        """Allow these operations on these topics; returns once the controller stored them
        (the broker applies them a moment later)."""
        bindings = [
            AclBinding(
                ResourceType.TOPIC,
                topic,
                ResourcePatternType.LITERAL,
                f"User:{self.name}",
                "*",
                operation,
                AclPermissionType.ALLOW,
            )
            for topic in topics
            for operation in operations
        ]
        for future in self.admin.create_acls(bindings).values():
            future.result()
        self.granted += bindings


@contextmanager
def kafka_user(lane: Any, folder: Path) -> Iterator[KafkaUser]:
    """A user named after the lane, signing in like the lane's `api` role but with no right."""
    name = f"{lane.prefix}-user"
    password = secrets.token_urlsafe(24)
    admin = AdminClient(lane.kafka("admin"))
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
    upsert = UserScramCredentialUpsertion(name, info, password.encode())
    for future in admin.alter_user_scram_credentials([upsert]).values():
        future.result()
    config = {**lane.kafka("api"), "sasl.username": name, "sasl.password": password}
    properties = folder / f"{name}.properties"
    properties.write_text("".join(f"{key}={value}\n" for key, value in config.items()))
    user = KafkaUser(name, config, properties, admin, [])
    try:
        yield user
    finally:
        if user.granted:
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
                for b in user.granted
            ]
            for future in admin.delete_acls(filters).values():
                future.result()
        deletion = UserScramCredentialDeletion(name, ScramMechanism.SCRAM_SHA_512)
        for future in admin.alter_user_scram_credentials([deletion]).values():
            future.result()
