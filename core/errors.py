"""What can go wrong, as the commands tell it: the library raises a typed error saying in one
line what failed and what to do; a command raises UserError for what it checks itself; each
command's boundary (run_cli) prints either as that one line, without a traceback."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType


class UserError(Exception):
    """A problem a command found in what it was given: the message names it and says what to
    do. Raised at the command boundary (a command's __main__ and core/cli.py) only."""


class PipelineError(Exception):
    """A failure of library code, explained in one line: what failed and what to do."""


class ConfigurationError(PipelineError):
    """A setting, an input or a step not taken yet: the same call fails again until the user
    changes something (a wrong password, a missing table, `dbt build` not run)."""


class TransientError(PipelineError):
    """A service did not answer, or not yet: the same call may succeed later (Kafka, S3, the
    database or the Thrift server down or starting, a request timing out)."""


class FatalError(PipelineError):
    """The work cannot go on and waiting will not help: something failed that needs a look
    (a child process's exit, a tool that failed, an answer the pipeline does not expect)."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


# The project's packages: the loggers under them are ours.
OUR_PACKAGES = frozenset(
    {"core", "ingestion", "warehouse", "streaming", "orchestration", "standins"}
)


def _ours(record: logging.LogRecord) -> bool:
    return record.name.split(".")[0] in OUR_PACKAGES


def _quiet_libraries() -> None:
    """Warnings of our own modules reach stderr; those of libraries (Thrift's "Could not
    connect to any of [...]", say) do not: the command reports such failures itself, once,
    in its own words. A command that wants more logging reconfigures it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ours)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def run_cli(command: Callable[[], int]) -> None:
    """Run a command (a console script's `main()` and `python -m` alike): its user errors and
    the library's errors become one line on stderr and exit code 1.
    SIGTERM is handled like Ctrl-C, so `kill` gets the same clean stop; a stop that the
    command did not handle itself exits 130 without a traceback."""
    signal.signal(signal.SIGTERM, _interrupt)
    _quiet_libraries()
    try:
        code = command()
    except (UserError, PipelineError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:
        # The reader left (`... | head`): stop quietly, as shell tools do. Python would
        # otherwise complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 128 + signal.SIGPIPE
    sys.exit(code)
