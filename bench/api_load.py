"""Load on the ingestion API from a process of its own: N produce requests of R records each,
C at a time, stopped early at a time limit. Records look like the pipeline's posts.

    INGEST_API_KEY=... .venv/bin/python bench/api_load.py --url http://127.0.0.1:8082 \\
        --topic pinterest.pin --requests 2000 --records 100 --concurrency 8

Prints one JSON object: requests and records sent and acknowledged, failures by kind,
requests/s, records/s and latency percentiles. The API key comes from $INGEST_API_KEY only,
so it never shows on a command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

JSON_V2 = "application/vnd.kafka.json.v2+json"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    requests_ok: int = 0
    records_acknowledged: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def body(first: int, records: int) -> bytes:
    rows = [
        {
            "key": key,
            "value": {
                "index": key,
                "unique_id": f"{key:08x}-load",
                "title": "A load-test pin",
                "follower_count": "12k",
                "poster_name": "bench",
                "tag_list": "load,test",
                "is_image_or_video": "image",
                "category": "diy-and-crafts",
            },
        }
        for key in range(first, first + records)
    ]
    return json.dumps({"records": rows}).encode()


def worker(
    url: str,
    headers: dict[str, str],
    jobs: list[int],
    records: int,
    deadline: float,
    tally: Tally,
) -> None:
    with requests.Session() as session:
        for first in jobs:
            if time.monotonic() > deadline:
                return
            payload = body(first, records)
            started = time.perf_counter()
            try:
                response = session.post(url, data=payload, headers=headers, timeout=60)
            except requests.RequestException as exc:
                with tally.lock:
                    tally.failures[type(exc).__name__] += 1
                continue
            elapsed = time.perf_counter() - started
            acknowledged = 0
            if response.status_code == 200:
                offsets = response.json()["offsets"]
                acknowledged = sum(1 for offset in offsets if offset["error_code"] is None)
            with tally.lock:
                tally.latencies.append(elapsed)
                if response.status_code == 200:
                    tally.requests_ok += 1
                    tally.records_acknowledged += acknowledged
                else:
                    tally.failures[f"HTTP {response.status_code}"] += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the API's base URL")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--records", type=int, default=100, help="records per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop sending after")
    args = parser.parse_args()
    key = os.environ.get("INGEST_API_KEY")
    if not key:
        print("error: set INGEST_API_KEY (source .local/stack.env)", file=sys.stderr)
        return 1
    headers = {"Authorization": f"Bearer {key}", "Content-Type": JSON_V2}
    url = f"{args.url.rstrip('/')}/topics/{args.topic}"
    starts = [n * args.records for n in range(args.requests)]
    tally = Tally()
    started = time.monotonic()
    deadline = started + args.max_seconds
    threads = [
        threading.Thread(
            target=worker,
            args=(url, headers, starts[n :: args.concurrency], args.records, deadline, tally),
        )
        for n in range(args.concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    sent = tally.requests_ok + sum(tally.failures.values())
    print(
        json.dumps(
            {
                "requests_planned": args.requests,
                "requests_sent": sent,
                "requests_ok": tally.requests_ok,
                "records_per_request": args.records,
                "records_acknowledged": tally.records_acknowledged,
                "failures": dict(tally.failures),
                "concurrency": args.concurrency,
                "seconds": round(seconds, 2),
                "requests_per_s": round(sent / seconds, 1),
                "records_per_s": round(tally.records_acknowledged / seconds, 1),
                "latency_ms": {
                    "p50": round(percentile(tally.latencies, 0.50) * 1000, 1),
                    "p99": round(percentile(tally.latencies, 0.99) * 1000, 1),
                    "max": round(max(tally.latencies, default=0.0) * 1000, 1),
                },
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
