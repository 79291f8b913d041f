"""The REST Proxy v2 bodies this API reads and writes, as pydantic models (and so as the
schemas of its OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# The embedded format: keys and values are JSON, written to Kafka as compact JSON bytes.
JSON_V2 = "application/vnd.kafka.json.v2+json"
# What the REST Proxy answers with.
RESPONSE_V2 = "application/vnd.kafka.v2+json"


def _number(value: object) -> object:
    """JSON Schema's integer includes 2.0, so that passes; "2" and true do not."""
    if isinstance(value, str | bool):
        raise ValueError("must be a JSON integer")
    return value


class ProduceRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Any rather than JsonValue: the body was parsed as strict JSON already, so walking every
    # value again would check nothing new (it was a tenth of the API's CPU under load).
    key: Any = Field(default=None, description="any JSON; hashed to choose the partition")
    value: Any = Field(default=None, description="any JSON; null writes a tombstone")
    partition: Annotated[int, Field(ge=0, le=2**31 - 1), BeforeValidator(_number)] | None = Field(
        default=None, description="write to this partition instead of hashing the key"
    )


class ProduceRequest(BaseModel):
    # The REST Proxy also accepts schema fields, which only its Avro/Protobuf/JSON Schema
    # formats use: in this format they are an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")

    records: list[ProduceRecord] = Field(min_length=1)


class PartitionOffset(BaseModel):
    partition: int | None
    offset: int | None
    error_code: int | None = Field(description="50002: not retriable; 50003: retriable")
    error: str | None


class ProduceResponse(BaseModel):
    offsets: list[PartitionOffset]
    key_schema_id: None = None
    value_schema_id: None = None


class Replica(BaseModel):
    broker: int
    leader: bool
    in_sync: bool


class PartitionInfo(BaseModel):
    partition: int
    leader: int
    replicas: list[Replica]


class TopicInfo(BaseModel):
    name: str
    configs: dict[str, str | None]
    partitions: list[PartitionInfo]


class Health(BaseModel):
    status: str = Field(description="healthy")
    message: str


class ErrorBody(BaseModel):
    error_code: int
    message: str
