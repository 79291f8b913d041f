"""A second stack beside the default one, scaled out: three Kafka brokers (a controller quorum
of three; topics replicated three times, written to at least two), topics of 12 partitions,
and (in `make chaos`) the Spark Thrift server on a standalone master with two workers, on
other ports and in another state folder. Started from nothing for the tests of this folder
and stopped after them; tests that move data take a lane on it (`cluster_lane`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.settings import Settings, parse_env_file
from standins.stack.lifecycle import Stack, up

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / ".local" / "cluster"
# Away from the defaults and from each other (broker n adds 10 x (n - 1) to each Kafka port;
# SeaweedFS's inner ports follow its S3 port).
PORTS = {
    "PINTEREST_MYSQL_PORT": "23306",
    "PINTEREST_KAFKA_PORT": "29092",
    "PINTEREST_KAFKA_CONTROLLER_PORT": "29093",
    "PINTEREST_KAFKA_ADMIN_PORT": "29094",
    "PINTEREST_S3_PORT": "28333",
    "PINTEREST_THRIFT_PORT": "30000",
    "PINTEREST_API_PORT": "28082",
    "PINTEREST_DAGSTER_PORT": "23000",
    "PINTEREST_SPARK_MASTER_PORT": "27077",
}
SHAPE = {"PINTEREST_KAFKA_BROKERS": "3", "PINTEREST_TOPIC_PARTITIONS": "12"}
# Spark on a master and two workers only in `make chaos`: in `make test` (local mode) it would
# add minutes to every build for what the chaos run shows once.
CHAOS_SHAPE = {**SHAPE, "PINTEREST_SPARK_WORKERS": "2"}


@dataclass(frozen=True)
class Cluster:
    asked: dict[str, str]  # its ports and shape, as set for `up`
    env: dict[str, str]  # what a command needs to run against this stack
    settings: Settings
    stack: Stack

    def command(self, *argv: str, timeout: float = 600) -> str:
        """Run a command against this stack; its standard output (it must succeed)."""
        result = subprocess.run(
            list(argv), cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    def restore(self) -> None:
        """Start whatever of it is down (a killed broker), as `make up` would."""
        up(self.stack, lambda line: None)


# Package scope: it is stopped once the tests of this folder are done, not left running
# (3 brokers, Spark workers) under the rest of the session.
@pytest.fixture(scope="package")
def cluster(stack, request) -> Iterator[Cluster]:
    shape = CHAOS_SHAPE if request.config.getoption("--chaos") else SHAPE
    env = {
        **os.environ,
        **PORTS,
        **shape,
        "PINTEREST_STATE_DIR": str(STATE),
        "PINTEREST_STACK_ENV": str(STATE / "stack.env"),
    }
    python = sys.executable

    def down() -> None:
        subprocess.run(
            [python, "-m", "standins.stack", "down"], cwd=REPO, env=env, capture_output=True
        )

    # From nothing, as on a new machine: a run before may have left data or processes.
    down()
    shutil.rmtree(STATE, ignore_errors=True)
    try:
        result = subprocess.run(
            [python, "-m", "standins.stack", "up"],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        env = {**env, **parse_env_file((STATE / "stack.env").read_text())}
        settings = Settings.load(env)
        yield Cluster({**PORTS, **shape}, env, settings, Stack.from_settings(settings))
    finally:
        down()


@pytest.fixture
def cluster_lane(cluster, contexts):
    with contexts.lane(cluster.settings, cluster.env) as lane:
        yield lane


SMALL_POSTS = 11_154
LARGE_POSTS = 100_000


@pytest.fixture(scope="module")
def cluster_posts(request, cluster) -> int:
    """Loads the cluster's source tables with the size under test (`--chaos`: the large one);
    returns the number of posts."""
    posts = LARGE_POSTS if request.config.getoption("--chaos") else SMALL_POSTS
    python = sys.executable
    cluster.command(
        python,
        "-m",
        "standins.generate",
        "--rows",
        str(posts),
        "--seed",
        "42",
        "--truncate",
        timeout=900,
    )
    return posts
