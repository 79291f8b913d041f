"""An S3 client from the settings: the stack's SeaweedFS locally, AWS S3 when no endpoint and
no keys are set (then boto3's default credential chain applies, e.g. an IAM role)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ingestion.errors import UserError
from ingestion.settings import Settings


def s3_client(settings: Settings, *, max_attempts: int = 10) -> Any:
    keys = {}
    if settings.get("S3_ACCESS_KEY_ID"):
        keys = {
            "aws_access_key_id": settings.require("S3_ACCESS_KEY_ID"),
            "aws_secret_access_key": settings.require("S3_SECRET_ACCESS_KEY"),
        }
    return boto3.client(
        "s3",
        endpoint_url=settings.get("S3_ENDPOINT_URL"),
        region_name=settings.get("S3_REGION", "us-east-1"),
        # Standard retry mode backs off exponentially on throttling and 5xx.
        config=Config(
            retries={"mode": "standard", "max_attempts": max_attempts},
            connect_timeout=5,
            read_timeout=30,
            max_pool_connections=32,
        ),
        **keys,
    )


def check_bucket(client: Any, bucket: str, prefix: str) -> None:
    """One clear line when the bucket is missing, unreachable or refuses our key. A listing
    under `prefix` rather than HeadBucket, so that a key allowed to list only that prefix
    (the minimal IAM policy in the README) passes."""
    try:
        client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            raise UserError(f"bucket {bucket} does not exist: create it or set S3_BUCKET") from None
        raise UserError(
            f"S3 refused access to bucket {bucket} (HTTP {status}): check S3_ACCESS_KEY_ID and "
            f"S3_SECRET_ACCESS_KEY, and that the key may list s3://{bucket}/{prefix}"
        ) from None
    except BotoCoreError as exc:
        raise UserError(
            f"cannot reach S3 ({exc}): check S3_ENDPOINT_URL, or run `make up`"
        ) from None
