"""A failed database connection, typed by the driver's error code: a wrong setting fails again
until it is fixed, a server that is not up may answer later."""

from __future__ import annotations

import pymysql
import pytest
import sqlalchemy as sa

from core.errors import ConfigurationError, TransientError
from ingestion.clients.mysql import connection_failure, open_engine


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (1044, ConfigurationError),  # the user may not use the database
        (1045, ConfigurationError),  # wrong user or password
        (1049, ConfigurationError),  # no such database
        (2005, ConfigurationError),  # no such host
        (2003, TransientError),  # nothing listens (not up yet)
        (2013, TransientError),  # connection lost
        (1040, TransientError),  # too many connections
    ],
)
def test_a_connection_failure_is_typed_by_its_code(code, kind):
    assert connection_failure(pymysql.err.OperationalError(code, "message")) is kind


def test_a_server_that_is_not_up_is_transient():
    with pytest.raises(TransientError, match="cannot connect to the database of SOME_URL"):
        unreachable = "mysql+pymysql://user:pw@127.0.0.1:1/db"  # pragma: allowlist secret
        open_engine(unreachable, "SOME_URL")


def test_a_wrong_password_is_a_setting_to_fix(settings):
    url = sa.make_url(settings.require("PINTEREST_DB_URL")).set(password="not-the-password")
    with pytest.raises(ConfigurationError, match="Access denied"):
        open_engine(url.render_as_string(hide_password=False), "PINTEREST_DB_URL")
