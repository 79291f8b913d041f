"""How long each command takes to answer --help (the convention: under 1 s), as `python -m`
and as its console script, the median of a few runs. A script that prints figures, not a
timed test (tests/test_help.py checks instead that --help loads none of the heavy modules).

    .venv/bin/python bench/help_times.py [--runs 5]     # needs no stack

Prints one line per command: `<module> <median s> (python -m) <median s> (script)`, and
exits 1 if a median is 1 s or more.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from core.paths import project_root

LIMIT_S = 1.0


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (default: 5)")
    args = parser.parse_args()
    table = tomllib.loads((project_root() / "pyproject.toml").read_text(encoding="utf-8"))
    bin_dir = Path(sys.executable).parent
    slow = 0
    for script, target in table["project"]["scripts"].items():
        module = target.split(":")[0].removesuffix(".__main__")
        medians = [
            statistics.median(seconds(command) for _ in range(args.runs))
            for command in ([sys.executable, "-m", module, "--help"], [bin_dir / script, "--help"])
        ]
        slow += any(median >= LIMIT_S for median in medians)
        print(f"{module:<22} {medians[0]:5.2f} s (python -m)  {medians[1]:5.2f} s ({script})")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
