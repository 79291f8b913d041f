"""Command-line options that can also come from environment variables (and so from
.local/stack.env): flag > environment > stack file > built-in default.

A default derived from another option (the sink's group from the topic prefix, say) is left
unset here and filled in after parsing, from the value in force."""

from __future__ import annotations

import argparse
import re
import shutil
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.catalogue import DEFAULT_SCHEMA, DEFAULT_TOPIC_PREFIX
from core.settings import EVERY_COMMAND, VARIABLES, Settings, port_number


@dataclass(frozen=True)
class BadSetting:
    """An environment value its option cannot take. It stands in as the option's default and
    is reported after parsing, unless a flag replaced it."""

    env: str
    value: str
    reason: str
    flag: str


class EnvArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that refuses a bad value of an option's variable in one line naming
    the variable (argparse itself checks neither choices nor types of defaults by name), and
    whose --help ends with the variables the command reads that no option names (`variables`,
    and those of every command), each with its meaning from core.settings.VARIABLES."""

    def __init__(self, *args: Any, variables: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Looked up now: a name missing from the table fails the command's --help, and its test.
        self.variables = {name: VARIABLES[name] for name in [*variables, *EVERY_COMMAND]}

    def format_help(self) -> str:
        width = min(shutil.get_terminal_size().columns, 100) - 2
        lines = textwrap.wrap(
            "settings without an option, read from the environment, else from "
            "$PINTEREST_STACK_ENV (.local/stack.env, which `make up` writes):",
            width,
        )
        for name, meaning in self.variables.items():
            lines += textwrap.wrap(
                f"{name:<26} {meaning}", width, initial_indent="  ", subsequent_indent=" " * 29
            )
        return super().format_help() + "\n" + "\n".join(lines) + "\n"

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        for value in vars(parsed).values():
            if isinstance(value, BadSetting):
                self.error(
                    f"{value.env}={value.value!r} {value.reason}: fix or unset {value.env} "
                    f"(or pass {value.flag})"
                )
        return parsed, extras


def identifier(text: str) -> str:
    """A schema name from the command line, checked, since identifiers cannot be bound."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise argparse.ArgumentTypeError(f"not a plain identifier: {text!r}")
    return text


def _number(text: str, kind: Callable[[str], Any], expected: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {expected}, got {text!r}") from None


def positive_int(text: str) -> int:
    value = _number(text, int, "a positive integer")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative_int(text: str) -> int:
    value = _number(text, int, "a whole number, zero or more")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = _number(text, float, "a number, zero or more")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def positive_float(text: str) -> float:
    value = _number(text, float, "a number above zero")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than zero, got {text}")
    return value


def integer(text: str) -> int:
    return _number(text, int, "an integer")


def port(text: str) -> int:
    """Every port option's type: one check, 1 to 65535."""
    try:
        return port_number(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    derived: str | None = None,
    **kwargs: Any,
) -> None:
    """An option whose default comes from `env`. The variable's value is checked like a flag's
    (type and choices); a bad one is refused by EnvArgumentParser naming the variable. Secret
    values are never shown in --help. `derived` describes a default the command computes
    after parsing from other options (the option's default is then None)."""
    if type is int:
        type = integer
    value: Any = default
    from_env = settings.get(env)
    if from_env is not None:
        value = _checked(from_env, env, flag, type, kwargs.get("choices"))
    shown = f"from ${env}" if secret else derived or "%(default)s"
    parser.add_argument(
        flag,
        default=value,
        type=type,
        help=f"{help} [env {env}; default: {shown}]",
        **kwargs,
    )


def _checked(
    text: str, env: str, flag: str, kind: Callable[[str], Any], choices: Sequence[Any] | None
) -> Any:
    try:
        value = kind(text)
    except (argparse.ArgumentTypeError, ValueError) as exc:
        return BadSetting(env, text, str(exc), flag)
    if choices is not None and value not in choices:
        allowed = ", ".join(map(str, choices))
        return BadSetting(env, text, f"is not one of {allowed}", flag)
    return value


def add_warehouse_options(parser: argparse.ArgumentParser, settings: Settings) -> None:
    """Where dbt's relations are: the Spark Thrift Server and dbt's target schema (models in
    <schema>_staging, _marts, ...). The server's options say which server they name
    (--thrift-host, as its variable does): a command that reads the warehouse also reaches
    Kafka, S3 or MySQL, and --host/--port are a server's own listen address (the api's)."""
    add_env_option(
        parser,
        settings,
        "--thrift-host",
        "SPARK_THRIFT_HOST",
        "Spark Thrift Server host",
        default="127.0.0.1",
    )
    add_env_option(
        parser,
        settings,
        "--thrift-port",
        "SPARK_THRIFT_PORT",
        "Spark Thrift Server port",
        default=10000,
        type=port,
    )
    add_env_option(
        parser,
        settings,
        "--schema",
        "DBT_SCHEMA",
        "dbt target schema: models are in <schema>_staging, <schema>_marts, ...",
        default=DEFAULT_SCHEMA,
        type=identifier,
    )


NO_KAFKA = "no Kafka: set KAFKA_BOOTSTRAP_SERVERS or pass --bootstrap-servers"


def add_kafka_options(
    parser: argparse.ArgumentParser, settings: Settings, *, prefix_help: str = "topic prefix"
) -> None:
    """Which Kafka and which of its topics: the bootstrap servers and the topics' prefix.
    A command that needs Kafka checks it with require_kafka after parsing."""
    add_env_option(
        parser,
        settings,
        "--bootstrap-servers",
        "KAFKA_BOOTSTRAP_SERVERS",
        "Kafka bootstrap servers",
    )
    add_topic_prefix_option(parser, settings, prefix_help)


def add_topic_prefix_option(
    parser: argparse.ArgumentParser, settings: Settings, help: str = "topic prefix"
) -> None:
    """--topic-prefix, from PINTEREST_TOPIC_PREFIX: every command that names topics."""
    add_env_option(
        parser,
        settings,
        "--topic-prefix",
        "PINTEREST_TOPIC_PREFIX",
        help,
        default=DEFAULT_TOPIC_PREFIX,
    )


def require_kafka(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.bootstrap_servers is None:
        parser.error(NO_KAFKA)


NO_BUCKET = "no bucket: set S3_BUCKET or pass --bucket"


def add_landing_options(
    parser: argparse.ArgumentParser, settings: Settings, *, bucket_help: str, topics_dir_help: str
) -> None:
    """Where the sink's objects are: the S3 bucket and the layout's top folder. A command that
    needs the bucket checks it with require_bucket after parsing."""
    add_env_option(parser, settings, "--bucket", "S3_BUCKET", bucket_help)
    add_env_option(
        parser, settings, "--topics-dir", "SINK_TOPICS_DIR", topics_dir_help, default="topics"
    )


def require_bucket(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.bucket is None:
        parser.error(NO_BUCKET)
