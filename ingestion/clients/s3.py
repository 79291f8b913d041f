"""An S3 client from the settings: the stack's SeaweedFS locally, AWS S3 when no endpoint and
no keys are set (then boto3's default credential chain applies, e.g. an IAM role)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.errors import ConfigurationError, TransientError
from core.progress import announced
from core.settings import Settings

SCHEMES = ("http://", "https://")


def s3_client(settings: Settings, *, max_attempts: int = 10, connect_timeout: float = 5) -> Any:
    endpoint = settings.get("S3_ENDPOINT_URL")
    if endpoint and not endpoint.startswith(SCHEMES):
        raise ConfigurationError(
            f"S3_ENDPOINT_URL={endpoint!r} has no scheme: write http://{endpoint} "
            f"(or https://), or unset it for AWS S3"
        )
    keys = {}
    if settings.get("S3_ACCESS_KEY_ID"):
        keys = {
            "aws_access_key_id": settings.require("S3_ACCESS_KEY_ID"),
            "aws_secret_access_key": settings.require("S3_SECRET_ACCESS_KEY"),
        }
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=settings.get("S3_REGION", "us-east-1"),
        # Standard retry mode backs off exponentially on throttling and 5xx.
        config=Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=30,
            max_pool_connections=32,
        ),
        **keys,
    )


def check_bucket(settings: Settings, bucket: str, prefix: str) -> None:
    """One clear line when the bucket is missing, unreachable or refuses our key, within
    seconds: one attempt with short timeouts, not the working client's patient retries. A
    listing under `prefix` rather than HeadBucket, so that a key allowed to list only that
    prefix (the minimal IAM policy in the README) passes."""
    probe = s3_client(settings, max_attempts=2, connect_timeout=2)
    endpoint = settings.get("S3_ENDPOINT_URL") or "AWS S3"
    try:
        with announced(f"waiting for S3 at {endpoint}"):
            probe.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            raise ConfigurationError(
                f"bucket {bucket} does not exist: create it or set S3_BUCKET"
            ) from None
        # A server error (SeaweedFS starting, say) may pass; a refusal needs the keys fixed.
        failure = TransientError if status is None or status >= 500 else ConfigurationError
        raise failure(
            f"S3 refused access to bucket {bucket} (HTTP {status}): check S3_ACCESS_KEY_ID and "
            f"S3_SECRET_ACCESS_KEY, and that the key may list s3://{bucket}/{prefix}"
        ) from None
    except BotoCoreError as exc:
        raise TransientError(
            f"cannot reach S3 ({exc}): check S3_ENDPOINT_URL, or run `make up`"
        ) from None
