"""A load test from a second process on loopback (bench/api_load.py), bounded in requests and
time: every request answered 200 within the latency objective, and Kafka holding exactly the
records the API acknowledged. The figures go to output/api-load.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from api_process import records_in, running_api
from api_summary import Summary, parse_summary

from core.paths import output_dir

REQUESTS = 1500
RECORDS_PER_REQUEST = 100
CONCURRENCY = 8
MAX_SECONDS = 90
# On loopback, 8 requests of 100 records in flight: p99 was about 0.13 s on 2 cores. The
# objective leaves room for a slower CI machine; an API that serialised requests or waited on
# Kafka's timeouts would miss it.
P99_OBJECTIVE_S = 1.0
REPO = Path(__file__).resolve().parents[3]


def test_load_from_a_second_process_loses_nothing_and_holds_p99(api_lane):
    topic = api_lane.topic("geo")
    before = records_in(api_lane, topic)
    with running_api(api_lane.prefix, api_lane.bootstrap) as api:
        result = subprocess.run(
            [
                sys.executable,
                str(REPO / "bench" / "api_load.py"),
                f"--url={api.url}",
                f"--topic={topic}",
                f"--requests={REQUESTS}",
                f"--records={RECORDS_PER_REQUEST}",
                f"--concurrency={CONCURRENCY}",
                f"--max-seconds={MAX_SECONDS}",
            ],
            env={**os.environ, "INGEST_API_KEY": api.key},
            capture_output=True,
            text=True,
            timeout=MAX_SECONDS + 60,
        )
        summary = api.stop()
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    output = output_dir()
    output.mkdir(exist_ok=True)
    (output / "api-load.json").write_text(json.dumps(figures, indent=2) + "\n")

    assert figures["failures"] == {}
    assert figures["requests_ok"] == REQUESTS, "the time limit cut the load short"
    assert figures["records_acknowledged"] == REQUESTS * RECORDS_PER_REQUEST
    assert records_in(api_lane, topic) - before == figures["records_acknowledged"]
    assert parse_summary(summary) == Summary(
        requests=REQUESTS,
        acknowledged=REQUESTS * RECORDS_PER_REQUEST,
        failed=0,
        unreported=0,
        replaced=0,
        rejected={},
    )
    assert figures["latency_ms"]["p99"] < P99_OBJECTIVE_S * 1000, figures
