"""A first `make up` resolves jars with Maven for minutes: it says so before, and every few
seconds after, so the wait is not mistaken for a hang; its log shows its steps."""

from __future__ import annotations

from pathlib import Path

from standins.stack import install

# Stands in for Maven: logs its arguments, waits, makes the output folder as Maven does.
FAKE_MVN = """#!/bin/sh
echo "$@"
sleep 0.5
for a in "$@"; do case $a in -DoutputDirectory=*) mkdir -p "${a#-DoutputDirectory=}";; esac; done
"""


def resolve(tmp_path: Path, monkeypatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "mvn").write_text(FAKE_MVN)
    (bin_dir / "mvn").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setattr(install, "PROGRESS_EVERY_S", 0.1)
    pom = tmp_path / "kafka" / "pom.xml"
    pom.parent.mkdir()
    pom.write_text("<project/>")
    install.maven_jars(pom, tmp_path / "jars", tmp_path / "maven.log")
    return tmp_path / "maven.log"


def test_maven_says_what_it_waits_for_while_it_waits(tmp_path, monkeypatch, capsys):
    resolve(tmp_path, monkeypatch)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("stack: resolving the jars of kafka with Maven")
    assert any(line.endswith("s so far") for line in lines[1:-1])
    assert lines[-1].startswith("stack: resolved the jars of kafka in ")


def test_maven_is_not_quiet_in_its_log(tmp_path, monkeypatch):
    arguments = resolve(tmp_path, monkeypatch).read_text().split()
    assert "-q" not in arguments
    assert "-ntp" in arguments
