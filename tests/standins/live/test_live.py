"""`python -m standins.live` against the real stack, in a lane of its own: builds come one
after another with their freshness, and Ctrl-C stops everything in order, after which every
record is landed and staged (reconcile passes)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

from core.settings import Settings


def wait_for_line(stream, text: str, timeout: float, seen: list[str]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"no {text!r} within {timeout:.0f} s:\n{''.join(seen)[-3000:]}")


def test_live_builds_then_stops_in_order_on_ctrl_c(run, lane, live_source, warehouse, tmp_path):
    report = tmp_path / "live.json"
    env = {**lane.dbt_env, "LIVE_ROTATE_MS": "1000"}
    args = ["--rate", "20", "--poll-interval", "0.5", "--output", str(report)]
    live = subprocess.Popen(
        [sys.executable, "-m", "standins.live", *args],
        cwd=lane.repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        # The first build stages the 11,154 posts there at start and the live ones landed
        # by then; the stop's last build stages those landed after it.
        wait_for_line(live.stderr, "build 1:", timeout=600, seen=seen)
        live.send_signal(signal.SIGINT)
        out, err = live.communicate(timeout=600)
    finally:
        live.kill()
    err = "".join(seen) + err
    assert live.returncode == 130, err
    assert "Traceback" not in err and "FAILED" not in err, err
    assert "stopping: the source, then the emulator and the sink" in err
    assert "every record is landed and staged" in out

    figures = json.loads(report.read_text())
    assert len(figures["builds"]) >= 2  # the first, and the last one after the stop
    assert all(not build["failed"] for build in figures["builds"])
    fresh = figures["freshness_seconds"]["int_pinterest__posts_enriched"]
    assert fresh["posts"] > 0 and 0 < fresh["p50"] <= fresh["p95"] <= fresh["max"]
    assert figures["freshness_seconds"]["every_mart"]["posts"] == fresh["posts"]
    # The first build loads the seed; the later ones leave it as it is.
    warehouse.execute(f"describe history {lane.prefix}_seeds.missing_value_markers")
    written = [
        datetime.fromisoformat(str(row[1])).replace(tzinfo=UTC) for row in warehouse.fetchall()
    ]
    second_build = datetime.fromtimestamp(figures["builds"][1]["started"], UTC)
    assert written and max(written) < second_build, (written, second_build)

    reconciled = run("warehouse.reconcile", "--output", str(tmp_path / "counts.json"), env=env)
    assert reconciled.returncode == 0, reconciled.stderr
    counts = json.loads((tmp_path / "counts.json").read_text())
    posts = counts["tables"][0]
    assert posts["mysql_rows"] > 11_154  # the live source added posts
    assert posts["staging_rows"] == posts["mysql_rows"]
    shutil.rmtree(Settings.load().stack_path.parent / "live" / lane.prefix, ignore_errors=True)
