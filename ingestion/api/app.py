"""The HTTP routes: the REST Proxy v2 producer subset, behind an API key and size limits."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from pydantic.json_schema import models_json_schema
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingestion.api.gateway import Delivery, Gateway
from ingestion.api.models import (
    JSON_V2,
    RESPONSE_V2,
    ErrorBody,
    Health,
    ProduceRequest,
    ProduceResponse,
    TopicInfo,
)
from ingestion.api.problems import (
    FORBIDDEN_TOPIC,
    KAFKA_RETRIABLE_ERROR,
    PARTITION_NOT_FOUND,
    RETRY_AFTER_S,
    TOPIC_NOT_FOUND,
    UNAUTHORIZED,
    ApiError,
    kafka_unavailable,
)

log = logging.getLogger("ingestion.api")


@dataclass(frozen=True)
class ApiSettings:
    api_key: str
    topic_prefix: str
    max_request_bytes: int = 8 * 1024 * 1024
    max_records: int = 10_000

    def writable(self, topic: str) -> bool:
        return topic.startswith(f"{self.topic_prefix}.")


@dataclass
class Counters:
    """What the API did, for the summary it prints when it stops."""

    requests: int = 0
    records_acknowledged: int = 0
    records_failed: int = 0
    rejected: dict[int, int] = field(default_factory=dict)  # status -> requests


class KafkaJSONResponse(JSONResponse):
    media_type = RESPONSE_V2

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _error_response(error: ApiError, counters: Counters) -> Response:
    counters.rejected[error.status] = counters.rejected.get(error.status, 0) + 1
    body = {"error_code": error.error_code, "message": error.message}
    return KafkaJSONResponse(body, status_code=error.status, headers=error.headers)


def _error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


def _api_key_check(expected: str) -> Any:
    bearer = HTTPBearer(auto_error=False, description="the API key as a bearer token")
    header = APIKeyHeader(name="X-API-Key", auto_error=False, description="the API key")

    async def check(
        token: HTTPAuthorizationCredentials | None = Security(bearer),  # noqa: B008
        key: str | None = Security(header),
    ) -> None:
        given = token.credentials if token is not None else key
        if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(
                401,
                "missing or wrong API key: send it as `Authorization: Bearer <key>` or "
                "`X-API-Key: <key>`",
                error_code=UNAUTHORIZED,
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check


def _require_json_v2(content_type: str | None) -> None:
    media = (content_type or "").split(";")[0].strip().lower()
    if media != JSON_V2:
        raise ApiError(
            415,
            f"unsupported Content-Type {media or '(none)'!r}: this API takes the JSON "
            f"embedded format, {JSON_V2}",
        )


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"request body of {int(declared):,} bytes is over the {limit:,} limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"request body is over the {limit:,} byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes, max_records: int) -> ProduceRequest:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    records = data.get("records") if isinstance(data, dict) else None
    if isinstance(records, list) and len(records) > max_records:
        raise ApiError(
            413, f"{len(records):,} records in one request; the limit is {max_records:,}"
        )
    try:
        return ProduceRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(422, f"invalid request body at {where}: {first['msg']}") from None


def _encode(
    request: ProduceRequest, topic: str, partitions: int, max_bytes: int
) -> list[tuple[int | None, bytes | None, bytes | None]]:
    records = []
    for index, record in enumerate(request.records):
        if record.partition is not None and record.partition >= partitions:
            raise ApiError(
                404,
                f"partition {record.partition} not found: {topic} has {partitions}",
                error_code=PARTITION_NOT_FOUND,
            )
        key = None if record.key is None else orjson.dumps(record.key)
        value = None if record.value is None else orjson.dumps(record.value)
        size = len(key or b"") + len(value or b"")
        if size > max_bytes:
            raise ApiError(
                413, f"record {index} is {size:,} bytes; Kafka takes at most {max_bytes:,}"
            )
        records.append((record.partition, key, value))
    return records


def _all_retriable(deliveries: list[Delivery]) -> bool:
    return all(delivery.error_code == KAFKA_RETRIABLE_ERROR for delivery in deliveries)


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    methods = {
        method
        for route in app.routes
        if isinstance(route, APIRoute) and route.path_regex.match(path)
        for method in route.methods
    }
    return sorted(methods)


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the request body it cannot infer: the routes read it
    themselves, to answer a wrong media type or size the way the REST Proxy does."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        _, definitions = models_json_schema(
            [(ProduceRequest, "validation")], ref_template="#/components/schemas/{model}"
        )
        document.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])
        app.openapi_schema = document
    return app.openapi_schema


PRODUCE_BODY = {
    "requestBody": {
        "required": True,
        "content": {JSON_V2: {"schema": {"$ref": "#/components/schemas/ProduceRequest"}}},
    }
}


def create_app(settings: ApiSettings, gateway: Gateway, counters: Counters) -> FastAPI:
    app = FastAPI(
        title="pinterest-pipeline ingestion API",
        version="2",
        description="The producer subset of Confluent's Kafka REST Proxy API v2.",
        docs_url=None,  # Swagger UI loads its scripts from a CDN; the document is enough
        redoc_url=None,
        default_response_class=KafkaJSONResponse,
    )
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    authorized = [Security(_api_key_check(settings.api_key))]

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return _error_response(exc, counters)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first route matching the path; a path served by
            # several routes (GET and POST /topics/{topic}) allows all of their methods.
            headers["Allow"] = ", ".join(_allowed_methods(app, request.url.path))
        error = ApiError(exc.status_code, str(exc.detail), headers=headers)
        return _error_response(error, counters)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> Response:
        message = f"invalid request: {exc.errors()[0]['msg']}"
        return _error_response(ApiError(422, message), counters)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> Response:
        log.exception("unexpected error")
        return _error_response(ApiError(500, f"internal error: {type(exc).__name__}"), counters)

    def require_writable(topic: str) -> None:
        if not settings.writable(topic):
            raise ApiError(
                403,
                f"topic {topic} is outside this API's prefix {settings.topic_prefix!r}",
                error_code=FORBIDDEN_TOPIC,
            )

    @app.get("/", summary="liveness; answers {} like the REST Proxy")
    async def root() -> dict[str, str]:
        return {}

    @app.get(
        "/health",
        summary="readiness: 200 when the API can produce to Kafka, else 503 saying why",
        response_model=Health,
        responses=_error_responses(503),
    )
    async def health() -> Response:
        """Whether a record posted now would be sent, the question a load balancer or
        `make status` asks (`GET /` says only that the process listens). Ready when the
        producer has not failed, holds its producer id from Kafka (it signed in, and may
        write: a user without the right fails here, not on the first post) and Kafka answered
        a metadata request in the last few seconds. Nothing is written to a topic: a probe
        record would reach the pipeline's data. Cheap enough to ask every second: it reads
        the producer's own statistics, and asks Kafka for metadata only once that is stale.
        Needs no key, as probes carry none; not counted in the summary's refusals."""
        problem = await gateway.health()
        if problem is None:
            return KafkaJSONResponse({"status": "healthy", "message": "the API can produce"})
        body = {"error_code": KAFKA_RETRIABLE_ERROR, "message": f"cannot produce: {problem}"}
        return KafkaJSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})

    @app.get(
        "/topics",
        dependencies=authorized,
        summary="the topics this API can write",
        response_model=list[str],
        responses=_error_responses(401, 503),
    )
    async def list_topics() -> Response:
        names = await run_in_threadpool(gateway.topic_names)
        return KafkaJSONResponse([name for name in names if settings.writable(name)])

    @app.get(
        "/topics/{topic}",
        dependencies=authorized,
        summary="a topic's partitions and configs",
        response_model=TopicInfo,
        responses=_error_responses(401, 403, 404, 503),
    )
    async def describe_topic(topic: str) -> Response:
        require_writable(topic)
        described = await run_in_threadpool(gateway.describe, topic)
        if described is None:
            raise ApiError(404, f"topic {topic} not found", error_code=TOPIC_NOT_FOUND)
        metadata, configs = described
        partitions = [
            {
                "partition": partition.id,
                "leader": partition.leader,
                "replicas": [
                    {
                        "broker": broker,
                        "leader": broker == partition.leader,
                        "in_sync": broker in partition.isrs,
                    }
                    for broker in partition.replicas
                ],
            }
            for partition in sorted(metadata.partitions.values(), key=lambda p: p.id)
        ]
        return KafkaJSONResponse({"name": topic, "configs": configs, "partitions": partitions})

    @app.post(
        "/topics/{topic}",
        dependencies=authorized,
        summary="write records; answers once Kafka acknowledged each one",
        response_model=ProduceResponse,
        responses=_error_responses(400, 401, 403, 404, 413, 415, 422, 503),
        openapi_extra=PRODUCE_BODY,
    )
    async def produce(topic: str, request: Request) -> Response:
        counters.requests += 1
        require_writable(topic)
        _require_json_v2(request.headers.get("content-type"))
        body = await _read_body(request, settings.max_request_bytes)
        parsed = _parse(body, settings.max_records)
        partitions = await gateway.partition_count(topic)
        if partitions is None:
            raise ApiError(404, f"topic {topic} not found", error_code=TOPIC_NOT_FOUND)
        records = _encode(parsed, topic, partitions, gateway.max_message_bytes)
        deliveries = await gateway.produce(topic, records)
        failed = sum(1 for delivery in deliveries if delivery.error_code is not None)
        counters.records_acknowledged += len(deliveries) - failed
        counters.records_failed += failed
        if failed == len(deliveries) and _all_retriable(deliveries):
            raise kafka_unavailable(deliveries[0].error or "no acknowledgement")
        offsets = [delivery.as_json() for delivery in deliveries]
        return KafkaJSONResponse(
            {"offsets": offsets, "key_schema_id": None, "value_schema_id": None}
        )

    return app
