"""Errors in the REST Proxy's shape: an HTTP status plus a body with a finer `error_code`."""

from __future__ import annotations

from collections.abc import Mapping

# The REST Proxy's own codes for the cases this API shares with it.
UNAUTHORIZED = 40101
FORBIDDEN_TOPIC = 40301
TOPIC_NOT_FOUND = 40401
PARTITION_NOT_FOUND = 40402
KAFKA_ERROR = 50002
KAFKA_RETRIABLE_ERROR = 50003

# Seconds a client should wait before retrying when Kafka is unavailable.
RETRY_AFTER_S = 5


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_code: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code if error_code is not None else status
        self.message = message
        self.headers = dict(headers or {})


def kafka_unavailable(detail: str) -> ApiError:
    return ApiError(
        503,
        f"Kafka is unavailable ({detail}); retry later",
        error_code=KAFKA_RETRIABLE_ERROR,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )
