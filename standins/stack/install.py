"""Bring in what the stack runs on: Debian packages with apt, Java jars with Maven."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

from core.errors import ConfigurationError, FatalError


def apt_install(packages: list[str], log_path: Path) -> None:
    """Install Debian packages (root only); a non-root user is told the command to run."""
    wanted = " ".join(packages)
    if os.geteuid() != 0:
        raise ConfigurationError(f"{wanted} not installed: run `sudo apt-get install -y {wanted}`")
    if shutil.which("apt-get") is None:
        raise ConfigurationError(
            f"{wanted} not installed and apt-get is missing: install it by hand"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say(f"installing {wanted} with apt-get (about a minute; log: {log_path})")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        for argv in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
        ):
            if subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, env=env).returncode:
                raise FatalError(f"`{' '.join(argv)}` failed; see {log_path}")


def require_java(min_major: int = 17) -> str:
    java = shutil.which("java")
    if java is None:
        raise ConfigurationError(
            f"Java {min_major}+ is required by Kafka and Spark but `java` is not on PATH: "
            "install it (apt-get install openjdk-17-jre-headless) and retry"
        )
    result = subprocess.run([java, "-version"], capture_output=True, text=True)
    match = re.search(r'version "(\d+)', result.stderr + result.stdout)
    if match is None or int(match.group(1)) < min_major:
        found = match.group(1) if match else "unknown"
        raise ConfigurationError(f"Java {min_major}+ is required by Kafka and Spark, found {found}")
    return java


def package_file(*parts: str) -> Path:
    """A file shipped in this package (its poms, the Java source), as a path Maven and the JDK
    can open: setuptools installs the package as plain files, never zipped."""
    return Path(str(resources.files("standins.stack").joinpath(*parts)))


def maven_jars(pom: Path, target: Path, log_path: Path) -> Path:
    """Resolve the pom's runtime dependencies into target; skipped while the pom is unchanged."""
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    stamp = target / ".pom-sha256"
    if stamp.exists() and stamp.read_text().strip() == digest:
        return target
    if shutil.which("mvn") is None:
        apt_install(["maven"], log_path.with_name("apt.log"))
    if target.exists():
        shutil.rmtree(target)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # Not -q: the log shows each step; -ntp: without a line per transferred kilobyte.
    argv = [
        "mvn",
        "-B",
        "-ntp",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={target}",
        "-DincludeScope=runtime",
    ]
    what = f"the jars of {pom.parent.name}"
    say(f"resolving {what} with Maven (a first run: a few minutes; log: {log_path})")
    started = time.monotonic()
    with log_path.open("ab") as log:
        maven = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        while True:
            try:
                code = maven.wait(PROGRESS_EVERY_S)
                break
            except subprocess.TimeoutExpired:  # Maven copies the jars only at its end
                say(f"resolving {what}: {time.monotonic() - started:.0f} s so far")
        if code:
            raise FatalError(f"Maven could not resolve the jars of {pom.name}; see {log_path}")
    say(f"resolved {what} in {time.monotonic() - started:.0f} s")
    stamp.write_text(digest + "\n")
    return target


# A wait this long gets a line saying it still moves.
PROGRESS_EVERY_S = 10.0


def say(line: str) -> None:
    """A line on stderr about a long install step (the stack's other output is on stdout)."""
    print(f"stack: {line}", file=sys.stderr, flush=True)
