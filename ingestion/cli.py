"""Command-line options that can also come from environment variables (and so from
.local/stack.env): flag > environment > stack file > built-in default."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any

from ingestion.settings import Settings


def identifier(text: str) -> str:
    """A schema name from the command line, checked, since identifiers cannot be bound."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise argparse.ArgumentTypeError(f"not a plain identifier: {text!r}")
    return text


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than zero, got {text}")
    return value


def add_env_option(
    parser: argparse.ArgumentParser,
    settings: Settings,
    flag: str,
    env: str,
    help: str,
    *,
    default: Any = None,
    type: Callable[[str], Any] = str,
    secret: bool = False,
    **kwargs: Any,
) -> None:
    """An option whose default comes from `env`. argparse runs `type` on a string default, so
    a bad value in the environment is reported like a bad flag. Secret values are never shown
    in --help."""
    from_env = settings.get(env)
    shown = f"from ${env}" if secret else "%(default)s"
    parser.add_argument(
        flag,
        default=from_env if from_env is not None else default,
        type=type,
        help=f"{help} [env {env}; default: {shown}]",
        **kwargs,
    )


def add_warehouse_options(
    parser: argparse.ArgumentParser, settings: Settings, *, raw_schema: bool = True
) -> None:
    """Where dbt's relations are: the Spark Thrift Server, dbt's target schema (models in
    <schema>_staging, _marts, ...) and, optionally, the raw external tables' schema."""
    add_env_option(
        parser, settings, "--host", "SPARK_THRIFT_HOST", "Spark Thrift host", default="127.0.0.1"
    )
    add_env_option(
        parser,
        settings,
        "--port",
        "SPARK_THRIFT_PORT",
        "Spark Thrift port",
        default=10000,
        type=int,
    )
    add_env_option(
        parser,
        settings,
        "--schema",
        "DBT_SCHEMA",
        "dbt target schema: models are in <schema>_staging, <schema>_marts, ...",
        default="pinterest",
        type=identifier,
    )
    if raw_schema:
        add_env_option(
            parser,
            settings,
            "--raw-schema",
            "PINTEREST_RAW_SCHEMA",
            "schema of the raw external tables",
            default="pinterest_raw",
            type=identifier,
        )
