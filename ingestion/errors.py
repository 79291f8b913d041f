"""The one exception type that means "the user can fix this", and how commands report it."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType


class UserError(Exception):
    """A problem the user can fix: the message names it and says what to do. No traceback."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _ours(record: logging.LogRecord) -> bool:
    return record.name.split(".")[0] == "ingestion"


def _quiet_libraries() -> None:
    """Warnings of our own modules reach stderr; those of libraries (Thrift's "Could not
    connect to any of [...]", say) do not: the command reports such failures itself, once,
    in its own words. A command that wants more logging reconfigures it."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ours)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def run_cli(main: Callable[[], int]) -> None:
    """Run a command's main(): user errors become one line on stderr and exit code 1.
    SIGTERM is handled like Ctrl-C, so `kill` gets the same clean stop; a stop that the
    command did not handle itself exits 130 without a traceback."""
    signal.signal(signal.SIGTERM, _interrupt)
    _quiet_libraries()
    try:
        code = main()
    except UserError as exc:
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
