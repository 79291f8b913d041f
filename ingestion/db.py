"""Database engines that fail with one clear line, never with a traceback or a password."""

from __future__ import annotations

import sqlalchemy as sa

from ingestion.errors import UserError


def error_parts(error: BaseException | None) -> tuple[int | None, str]:
    """(MySQL error code, the driver's message on one line) of a driver error."""
    args: tuple[object, ...] = error.args if error is not None else ()
    if len(args) >= 2 and isinstance(args[0], int):
        return args[0], " ".join(str(args[1]).split())
    return None, " ".join(str(error).split())


def describe(exc: sa.exc.DBAPIError) -> str:
    """The driver's own words ("Access denied for user ...", "Can't connect to ..."), which
    name the user and host but never the password."""
    code, message = error_parts(exc.orig)
    return message if code is not None else type(exc.orig).__name__


def open_engine(url: str, variable: str) -> sa.Engine:
    """An engine whose first connection already succeeded."""
    try:
        engine = sa.create_engine(url, pool_pre_ping=True)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError):
        raise UserError(
            f"{variable} is not a valid database URL: expected "
            "mysql+pymysql://USER:PASSWORD@HOST:PORT/DATABASE"  # pragma: allowlist secret
        ) from None
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise UserError(f"cannot connect to the database of {variable}: {describe(exc)}") from None
    return engine
