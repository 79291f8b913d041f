"""The one exception type that means "the user can fix this", and how commands report it."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from types import FrameType


class UserError(Exception):
    """A problem the user can fix: the message names it and says what to do. No traceback."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_cli(main: Callable[[], int]) -> None:
    """Run a command's main(): user errors become one line on stderr and exit code 1.
    SIGTERM is handled like Ctrl-C, so `kill` gets the same clean stop; a stop that the
    command did not handle itself exits 130 without a traceback."""
    signal.signal(signal.SIGTERM, _interrupt)
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
