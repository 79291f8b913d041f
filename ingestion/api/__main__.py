"""`python -m ingestion.api`: the ingestion API, a Kafka REST Proxy v2 endpoint for producers.

Clients POST records over HTTP instead of speaking the Kafka protocol, as the original's
producers did through an API gateway in front of Confluent's REST Proxy.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from core.cli import (
    EnvArgumentParser,
    add_env_option,
    add_kafka_options,
    port,
    positive_int,
    require_kafka,
)
from core.errors import UserError, run_cli
from core.net import port_open
from core.settings import Settings

DEFAULT_PORT = 8082  # the REST Proxy's
MIN_KEY_LENGTH = 16


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = EnvArgumentParser(
        prog="python -m ingestion.api",
        variables=("INGEST_API_KEY", "KAFKA_API_CONFIG", "KAFKA_CLIENT_CONFIG"),
        description="Serve the Kafka REST Proxy v2 producer API (POST /topics/{topic}, "
        "GET /topics, GET /topics/{topic}, /openapi.json) in front of Kafka, and GET /health "
        "(200 when it can produce, else 503). Every request but GET /, GET /health and "
        "/openapi.json needs the API key, from $INGEST_API_KEY or --api-key-file.",
    )

    def option(flag: str, env: str, help: str, **kwargs: object) -> None:
        add_env_option(parser, settings, flag, env, help, **kwargs)

    option("--host", "INGEST_API_HOST", "address to listen on", default="127.0.0.1")
    option("--port", "INGEST_API_PORT", "port to listen on", default=DEFAULT_PORT, type=port)
    add_kafka_options(
        parser, settings, prefix_help="only topics named <prefix>.* can be read or written"
    )
    option(
        "--api-key-file",
        "INGEST_API_KEY_FILE",
        "file holding the API key (else $INGEST_API_KEY)",
        type=Path,
    )
    option(
        "--max-request-bytes",
        "INGEST_API_MAX_REQUEST_BYTES",
        "largest request body accepted",
        default=8 * 1024 * 1024,
        type=positive_int,
    )
    option(
        "--max-records",
        "INGEST_API_MAX_RECORDS",
        "most records in one request",
        default=10_000,
        type=positive_int,
    )
    parser.add_argument(
        "--access-log", action="store_true", help="log every request (off: it costs throughput)"
    )
    return parser


def api_key(settings: Settings, key_file: Path | None) -> str:
    if key_file is not None:
        try:
            key = key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UserError(f"cannot read --api-key-file {key_file}: {exc.strerror}") from None
    else:
        key = settings.get("INGEST_API_KEY") or ""
    if not key:
        raise UserError(
            "no API key: set INGEST_API_KEY or pass --api-key-file (`make up` generates one "
            "into .local/stack.env)"
        )
    if len(key) < MIN_KEY_LENGTH:
        raise UserError(f"the API key must be at least {MIN_KEY_LENGTH} characters")
    return key


def command(argv: list[str] | None = None) -> int:
    settings = Settings.load()
    parser = build_parser(settings)
    args = parser.parse_args(argv)
    require_kafka(parser, args)
    # The server and Kafka's client load only now: --help and a bad option answer at once.
    import uvicorn

    from ingestion.api.app import ApiSettings, Counters, create_app
    from ingestion.api.gateway import Gateway
    from ingestion.api.problems import ApiError
    from ingestion.clients.kafka import client_config

    api_settings = ApiSettings(
        api_key=api_key(settings, args.api_key_file),
        topic_prefix=args.topic_prefix,
        max_request_bytes=args.max_request_bytes,
        max_records=args.max_records,
    )
    if port_open(args.host, args.port):
        raise UserError(
            f"port {args.host}:{args.port} is taken (is the stack's API already running? "
            "see `make status`): pass --port or stop that process"
        )
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s", force=True)
    gateway = Gateway(client_config(settings, "api", args.bootstrap_servers))
    try:
        gateway.topic_names()
    except ApiError as exc:  # not fatal: the API answers 503 until Kafka does
        print(f"warning: {exc.message}", file=sys.stderr)
    counters = Counters()
    app = create_app(api_settings, gateway, counters)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            access_log=args.access_log,
            server_header=False,
            timeout_graceful_shutdown=30,
            log_level="info",
            lifespan="off",
        )
    )
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the signal once it has shut down gracefully: a normal stop
    finally:
        unreported = gateway.close()
        rejected = ", ".join(f"{n:,} x {status}" for status, n in sorted(counters.rejected.items()))
        print(
            f"api: {counters.requests:,} produce requests, {counters.records_acknowledged:,} "
            f"records acknowledged, {counters.records_failed:,} failed, "
            f"{unreported:,} unreported at exit; producers replaced after a fatal error: "
            f"{gateway.replacements:,}; rejected: {rejected or 'none'}"
        )
    return 0


def main() -> None:
    run_cli(command)


if __name__ == "__main__":
    main()
