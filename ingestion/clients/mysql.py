"""Database engines that fail with one clear line, never with a traceback or a password."""

from __future__ import annotations

import sqlalchemy as sa

from core.errors import ConfigurationError, FatalError, PipelineError, TransientError

# MySQL client error codes that have a specific, fixable cause.
DATABASE_ACCESS_DENIED = 1044
ACCESS_DENIED = 1045
UNKNOWN_DATABASE = 1049
CANNOT_CONNECT = 2003
UNKNOWN_HOST = 2005
# A failed connection with one of these will fail again until a setting changes; any other
# (the server not up yet, gone, too busy) may not.
_SETTING_WRONG = {DATABASE_ACCESS_DENIED, ACCESS_DENIED, UNKNOWN_DATABASE, UNKNOWN_HOST}
# Mid-run, a server that went away may come back (server gone, connection lost, shutting
# down, its session killed: MariaDB's 1927); any other failure of a statement will not by
# waiting.
_CONNECTION_LOST = {CANNOT_CONNECT, 2006, 2013, 1053, 1927}


def error_parts(error: BaseException | None) -> tuple[int | None, str]:
    """(MySQL error code, the driver's message on one line) of a driver error."""
    args: tuple[object, ...] = error.args if error is not None else ()
    if len(args) >= 2 and isinstance(args[0], int):
        return args[0], " ".join(str(args[1]).split())
    return None, " ".join(str(error).split())


def connection_failure(error: BaseException | None) -> type[PipelineError]:
    """What kind of failure a driver error on connecting is."""
    code, _ = error_parts(error)
    return ConfigurationError if code in _SETTING_WRONG else TransientError


def statement_failure(error: BaseException | None) -> type[PipelineError]:
    """What kind of failure a driver error of a statement (after connecting) is."""
    return TransientError if connection_lost(error) else FatalError


def connection_lost(error: BaseException | None) -> bool:
    """Whether a driver error says the server or the connection went away (it may be back)."""
    code, _ = error_parts(error)
    return code in _CONNECTION_LOST


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
        raise ConfigurationError(
            f"{variable} is not a valid database URL: expected "
            "mysql+pymysql://USER:PASSWORD@HOST:PORT/DATABASE"  # pragma: allowlist secret
        ) from None
    try:
        with engine.connect():
            pass
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        failure = connection_failure(exc.orig)
        raise failure(f"cannot connect to the database of {variable}: {describe(exc)}") from None
    return engine
