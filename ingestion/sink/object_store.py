"""The S3 side of the sink: upload objects (retrying through outages) and find an object a
crashed run landed but did not commit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core.backoff import Backoff
from core.errors import ConfigurationError, TransientError
from ingestion.sink.layout import object_key, partition_prefix

# Object metadata recording which offsets an object covers, so a restart can skip past it.
META_FIRST = "first-offset"
META_LAST = "last-offset"
META_COUNT = "record-count"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Landed:
    key: str
    first_offset: int
    last_offset: int


class Landing:
    def __init__(
        self,
        client: Any,
        bucket: str,
        topics_dir: str,
        *,
        retry_for: float = 600.0,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.topics_dir = topics_dir
        self.retry_for = retry_for

    def upload(
        self, topic: str, partition: int, start: int, first: int, last: int, body: bytes
    ) -> str:
        key = object_key(self.topics_dir, topic, partition, start)
        metadata = {
            META_FIRST: str(first),
            META_LAST: str(last),
            META_COUNT: str(body.count(b"\n")),
        }
        self._with_retry(
            lambda: self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                Metadata=metadata,
            ),
            f"upload of {key}",
        )
        return key

    def landed_at(self, topic: str, partition: int, offset: int) -> Landed | None:
        """The object whose records begin at `offset` (leading dead-lettered records included),
        if a previous run uploaded it."""
        prefix = partition_prefix(self.topics_dir, topic, partition)
        listing: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": 1}
        if offset > 0:
            listing["StartAfter"] = object_key(self.topics_dir, topic, partition, offset - 1)
        found = self._with_retry(
            lambda: self.client.list_objects_v2(**listing), f"listing of {prefix}"
        ).get("Contents", [])
        if not found:
            return None
        key = found[0]["Key"]
        head = self._with_retry(
            lambda: self.client.head_object(Bucket=self.bucket, Key=key), f"head of {key}"
        )
        metadata = head.get("Metadata", {})
        try:
            first, last = int(metadata[META_FIRST]), int(metadata[META_LAST])
        except (KeyError, ValueError):
            return None  # not written by this sink: nothing to skip
        return Landed(key, first, last) if first == offset else None

    def _with_retry(self, call: Callable[[], Any], what: str) -> Any:
        """boto3 already retries a few times; this outer loop rides out longer outages with
        capped exponential backoff. Access errors are not retried: they need a person."""
        schedule = Backoff(0.5, 10.0, self.retry_for)
        while True:
            try:
                return call()
            except ClientError as exc:
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                if status in (400, 403, 404):
                    raise ConfigurationError(
                        f"S3 refused the {what} (HTTP {status}: "
                        f"{exc.response.get('Error', {}).get('Code')}): check S3_BUCKET and the "
                        "S3 keys"
                    ) from None
                problem = f"HTTP {status}"
            except BotoCoreError as exc:
                problem = type(exc).__name__
            delay = schedule.next_delay()
            if schedule.overruns(delay):
                raise TransientError(
                    f"S3 {what} still failing after {self.retry_for:.0f} s ({problem}); nothing "
                    "after the last landed object was committed: rerun to continue"
                )
            log.warning("sink: S3 %s failed (%s); retrying in %.1f s", what, problem, delay)
            time.sleep(delay)
