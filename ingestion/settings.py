"""Connection settings: environment variables first, then the local stack's env file.

`make up` writes `.local/stack.env` with `export NAME=value` lines. Every command reads a
setting from the process environment and falls back to that file, so the same command works
against the local stack with no setup and against cloud services with exported variables.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ingestion.errors import ConfigurationError

STACK_ENV_VAR = "PINTEREST_STACK_ENV"
DEFAULT_STACK_ENV = Path(".local") / "stack.env"


def parse_env_file(text: str) -> dict[str, str]:
    """Parse `export NAME=value` / `NAME=value` lines with shell quoting; ignore the rest."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        name, sep, raw = line.partition("=")
        if not sep or not name.isidentifier():
            continue
        parts = shlex.split(raw, posix=True)
        values[name] = parts[0] if parts else ""
    return values


def stack_env_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get(STACK_ENV_VAR) or DEFAULT_STACK_ENV)


@dataclass(frozen=True)
class Settings:
    """A read-only view over the environment with the stack file as fallback."""

    environ: Mapping[str, str]
    stack_file: Mapping[str, str]
    stack_path: Path

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        path = stack_env_path(env)
        try:
            file_values = parse_env_file(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            file_values = {}
        return cls(environ=dict(env), stack_file=file_values, stack_path=path)

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        if value:
            return value
        return self.stack_file.get(name) or default

    def first(self, *names: str) -> tuple[str, str] | None:
        """The first of these settings that is set, as (name, value): the environment's before
        the stack file's, so an exported general setting beats the stack's specific one."""
        for source in (self.environ, self.stack_file):
            for name in names:
                if source.get(name):
                    return name, source[name]
        return None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise ConfigurationError(
                f"{name} is not set: export it, or run `make up` to start the local stack "
                f"(which writes {self.stack_path})"
            )
        return value

    def require_int(self, name: str, default: int | None = None) -> int:
        raw = self.get(name)
        if raw is None:
            if default is not None:
                return default
            raw = self.require(name)
        try:
            return int(raw)
        except ValueError:
            raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
