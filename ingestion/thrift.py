"""Connections to the Spark Thrift Server that fail with one clear line."""

from __future__ import annotations

from pyhive import hive
from thrift.transport.TTransport import TTransportException

from ingestion.errors import UserError


def connect(host: str, port: int, username: str) -> hive.Connection:
    try:
        return hive.connect(host=host, port=port, username=username)
    except (TTransportException, OSError) as exc:
        raise UserError(
            f"cannot reach the Spark Thrift Server at {host}:{port} ({exc}): "
            "run `make up`, or set SPARK_THRIFT_HOST/SPARK_THRIFT_PORT"
        ) from None
