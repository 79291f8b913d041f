"""How every command ends: a user error in one line, a closed pipe quietly."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys
from core import errors

def main():
    if sys.argv[1] == "pipe":
        for n in range(100_000):
            print("line", n)
        return 0
    raise getattr(errors, sys.argv[1])("the thing is wrong: fix it")

errors.run_cli(main)
"""


@pytest.mark.parametrize(
    "error", ["UserError", "ConfigurationError", "TransientError", "FatalError"]
)
def test_a_user_error_is_one_line_and_exit_1(error):
    """The command's own errors and each kind the library raises end the same way."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, error], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr == "error: the thing is wrong: fix it\n"


def test_a_reader_leaving_early_ends_the_command_quietly():
    command = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, "pipe"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert command.stdout.readline() == "line 0\n"
    command.stdout.close()  # like `| head -1`
    errors = command.stderr.read()
    assert command.wait(timeout=60) == 141  # 128 + SIGPIPE, as shell tools exit
    assert errors == ""
