"""Connections to the Spark Thrift Server that fail with one clear line."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyhive import hive
from thrift.transport.TTransport import TTransportException

from core.errors import ConfigurationError, TransientError
from core.progress import announced
from core.settings import Settings

USER_VAR = "SPARK_THRIFT_USER"
PASSWORD_VAR = "SPARK_THRIFT_PASSWORD"  # pragma: allowlist secret (a variable name)
DEFAULT_USER = "pinterest"


@dataclass(frozen=True)
class Login:
    """Who signs in. With a password, the server checks it (SASL PLAIN, as HiveServer2's
    CUSTOM and LDAP authentication do); without one, the user name is only a label."""

    user: str
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Login:
        return cls(settings.get(USER_VAR) or DEFAULT_USER, settings.get(PASSWORD_VAR))


def connect(host: str, port: int, login: Login) -> hive.Connection:
    auth = {"auth": "CUSTOM", "password": login.password} if login.password else {}
    try:
        with announced(f"waiting for the Spark Thrift Server at {host}:{port}"):
            return hive.connect(host=host, port=port, username=login.user, **auth)
    except (TTransportException, OSError) as exc:
        if _refused(exc):
            raise ConfigurationError(
                f"the Spark Thrift Server at {host}:{port} refused user {login.user!r}: "
                f"check {USER_VAR} and {PASSWORD_VAR} (the stack's are in .local/stack.env)"
            ) from None
        raise TransientError(
            f"cannot reach the Spark Thrift Server at {host}:{port} ({exc}): "
            "run `make up`, or set SPARK_THRIFT_HOST/SPARK_THRIFT_PORT"
        ) from None


def _refused(exc: Exception) -> bool:
    """The server answered and turned the sign-in down (a wrong or missing password)."""
    text = str(exc)
    return "Error validating the login" in text or "authentication" in text.lower()
