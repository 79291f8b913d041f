"""A certificate authority per stack, and the certificates it signs for the broker and the
stack's administrator, made with openssl and kept under the state folder.

Only this stack trusts the CA. Its key stays private to the state folder's owner; nothing in
the repository is a key or certificate."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigurationError, FatalError

DAYS = 3650
# The certificates name both ways of reaching a service on loopback, so that the clients'
# default hostname verification holds.
LOOPBACK_NAMES = "subjectAltName=IP:127.0.0.1,DNS:localhost"


@dataclass(frozen=True)
class Identity:
    """A private key (PKCS#8 PEM, unencrypted, mode 600) and the certificate the CA signed."""

    key: Path
    certificate: Path

    @property
    def common_name(self) -> str:
        return self.key.stem

    @property
    def principal(self) -> str:
        """How Kafka names a client that presents this certificate (its subject)."""
        return f"User:CN={self.common_name}"


@dataclass(frozen=True)
class Authority:
    folder: Path

    @property
    def certificate(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def key(self) -> Path:
        return self.folder / "ca.key"

    def identity(self, common_name: str) -> Identity:
        return Identity(self.folder / f"{common_name}.key", self.folder / f"{common_name}.pem")

    def ensure(self, *common_names: str) -> list[Identity]:
        """The CA and a certificate per name, made once and reused (clients keep trusting the
        same CA across `make down` and `make up`)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        if not self.certificate.exists():
            self._openssl(
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(DAYS),
                "-keyout", str(self.key), "-out", str(self.certificate),
                "-subj", "/CN=pinterest-pipeline local CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            )  # fmt: skip
        identities = [self.identity(name) for name in common_names]
        for identity in identities:
            if not identity.certificate.exists():
                self._issue(identity)
        for path in self.folder.glob("*.key"):
            os.chmod(path, 0o600)
        return identities

    def _issue(self, identity: Identity) -> None:
        request = identity.key.with_suffix(".csr")
        self._openssl(
            "req", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(identity.key), "-out", str(request),
            "-subj", f"/CN={identity.common_name}",
        )  # fmt: skip
        extensions = identity.key.with_suffix(".ext")
        extensions.write_text(
            f"{LOOPBACK_NAMES}\nextendedKeyUsage=serverAuth,clientAuth\n", encoding="utf-8"
        )
        self._openssl(
            "x509", "-req", "-in", str(request), "-days", str(DAYS),
            "-CA", str(self.certificate), "-CAkey", str(self.key), "-CAcreateserial",
            "-extfile", str(extensions), "-out", str(identity.certificate),
        )  # fmt: skip
        request.unlink()
        extensions.unlink()

    def _openssl(self, *args: str) -> None:
        try:
            done = subprocess.run(
                ["openssl", *args], capture_output=True, text=True, cwd=self.folder
            )
        except FileNotFoundError:
            raise ConfigurationError(
                "openssl is not installed (the stack makes its TLS certificates with it): "
                "run: sudo apt-get install -y openssl"
            ) from None
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise FatalError(f"openssl {args[0]} failed making the stack's certificates: {last}")
