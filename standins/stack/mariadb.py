"""MariaDB from Debian's packages, with its own data directory under the state folder."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote_plus

import pymysql

from core.errors import ConfigurationError, FatalError
from standins.stack.install import apt_install
from standins.stack.service import Service
from standins.stack.stack_config import PORT_SETTINGS, StackConfig

PACKAGES = ["mariadb-server-core", "mariadb-client-core"]
# A fixed name: identifiers cannot be bound as SQL parameters, so it is never taken from input.
DATABASE = "pinterest_data"


def database_url(config: StackConfig, user: str, password: str) -> str:
    return (
        f"mysql+pymysql://{user}:{quote_plus(password)}@{config.host}:{config.mysql_port}/"
        f"{DATABASE}?charset=utf8mb4"
    )


class MariaDB(Service):
    name = "mariadb"

    @property
    def port(self) -> int:
        return self.config.mysql_port

    def ports(self) -> dict[int, str | None]:
        return {self.port: PORT_SETTINGS["mysql_port"]}

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def socket(self) -> Path:
        return self.layout.run / "mariadb.sock"

    @property
    def marker(self) -> str:
        return f"--datadir={self.data_dir}"

    def install(self) -> None:
        # The -core packages hold the server and client without the system service, so
        # installing them never starts a second MariaDB on the system's data directory.
        if shutil.which("mariadbd") is None or shutil.which("mariadb-install-db") is None:
            apt_install(PACKAGES, self.layout.logs / "apt.log")

    def command(self) -> Sequence[str]:
        if len(str(self.socket)) > 100:
            raise ConfigurationError(
                f"the path {self.socket} is too long for a Unix socket: "
                "clone the repo to a shorter path or set PINTEREST_STATE_DIR"
            )
        self.layout.run.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "mysql").exists():
            self._initialise()
        return [
            "mariadbd",
            "--no-defaults",
            f"--datadir={self.data_dir}",
            "--user=root",
            f"--bind-address={self.config.host}",
            f"--port={self.port}",
            f"--socket={self.socket}",
            f"--pid-file={self.home / 'mariadbd.pid'}",
            f"--log-error={self.log_path}",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=512M",
            "--innodb-flush-log-at-trx-commit=2",
            "--max-allowed-packet=64M",
        ]

    def _initialise(self) -> None:
        argv = [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={self.data_dir}",
            "--user=root",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            result = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT)
        if result.returncode:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise FatalError(f"mariadb-install-db failed; see {self.log_path}")

    def _root(self) -> pymysql.connections.Connection:
        # root authenticates over the Unix socket only (no password exists for it).
        return pymysql.connect(unix_socket=str(self.socket), user="root", charset="utf8mb4")

    def ready(self) -> bool:
        try:
            self._root().close()
        except pymysql.err.OperationalError:
            return False
        return True

    def configure(self) -> None:
        """Create the database and both users; re-applying the passwords keeps them in step
        with the credentials file even if that file was regenerated."""
        config, creds = self.config, self.creds
        connection = self._root()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE DATABASE IF NOT EXISTS `{DATABASE}` "
                    "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
                for host in (config.host, "localhost"):
                    _ensure_user(cursor, config.admin_user, host, creds.db_admin_password)
                    cursor.execute(
                        f"GRANT ALL PRIVILEGES ON `{DATABASE}`.* TO %s@%s",
                        (config.admin_user, host),
                    )
                    _ensure_user(cursor, config.reader_user, host, creds.db_reader_password)
                    cursor.execute(
                        f"GRANT SELECT ON `{DATABASE}`.* TO %s@%s", (config.reader_user, host)
                    )
            connection.commit()
        finally:
            connection.close()

    @property
    def reader_url(self) -> str:
        return database_url(self.config, self.config.reader_user, self.creds.db_reader_password)

    @property
    def admin_url(self) -> str:
        return database_url(self.config, self.config.admin_user, self.creds.db_admin_password)


def _ensure_user(cursor: pymysql.cursors.Cursor, user: str, host: str, password: str) -> None:
    cursor.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (user, host, password))
    cursor.execute("ALTER USER %s@%s IDENTIFIED BY %s", (user, host, password))
