"""Schemathesis against the API's own OpenAPI document, bounded in time: every check it has
(server errors, status codes, content types, response schemas, valid data accepted, invalid
data rejected, auth not ignored, Allow headers), with a fixed seed so a failure reproduces.
Whatever it wrote, Kafka must hold exactly the records the API acknowledged."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from api_process import records_in, running_api
from api_summary import parse_summary

from core.paths import output_dir

FUZZ_SECONDS = 45
REPORT_DIR = output_dir() / "api-fuzz"


def test_the_api_passes_schemathesis_and_loses_nothing(api_lane, tmp_path):
    topic = api_lane.topic("pin")
    config = tmp_path / "schemathesis.toml"
    # The fuzzer writes to a real topic, so that the body's every path is exercised; the
    # refusals for other topics are tested one by one in test_errors.
    config.write_text(f'[parameters]\n"path.topic" = "{topic}"\n', encoding="utf-8")
    st = Path(sys.executable).parent / "st"
    before = records_in(api_lane, topic)
    with running_api(api_lane.prefix, api_lane.bootstrap) as api:
        # Its health is fuzzed too: an API still waiting for its producer id says 503 there.
        api.await_healthy()
        result = subprocess.run(
            [
                str(st),
                "--config-file",
                str(config),
                "run",
                f"{api.url}/openapi.json",
                "--header",
                f"Authorization: Bearer {api.key}",
                "--checks",
                "all",
                "--max-time",
                str(FUZZ_SECONDS),
                "--workers",
                "2",
                "--seed",
                "20261127",
                "--generation-database",
                "none",
                "--no-color",
                "--report",
                "junit",
                "--report-dir",
                str(REPORT_DIR),
            ],
            capture_output=True,
            text=True,
            timeout=FUZZ_SECONDS + 120,
            cwd=tmp_path,  # schemathesis keeps a cache in its working directory
        )
        summary = api.stop()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated and int(generated.group(1)) >= 200, result.stdout[-2000:]

    counts = parse_summary(summary)
    assert counts.acknowledged > 0, "the fuzzer never got a record accepted"
    assert counts.unreported == 0
    assert records_in(api_lane, topic) - before == counts.acknowledged
