"""Shared fixtures. Docker tests use the real engine that `./setup.sh` starts; they are never
skipped: without an engine they fail and say why."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from harness.engine import connect
from harness.sandbox import LABEL, RUN_LABEL, Docker
from harness.tasks import load_tasks

DATA = Path(__file__).parent / "data"
MINI_SUITE = DATA / "suite"


# Every run the tests start, in process or through the CLI, has a run id with this prefix, so
# that the check for leftovers sees only this session's containers.
SESSION = f"pytest-{uuid.uuid4().hex[:8]}"


def run_id(name: str = "") -> str:
    return f"{SESSION}-{name or uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="session")
def docker_client():
    client = connect()
    yield client
    labelled = client.containers.list(all=True, filters={"label": f"{LABEL}=1"})
    leftovers = [c for c in labelled if c.labels.get(RUN_LABEL, "").startswith(SESSION)]
    for container in leftovers:
        container.remove(force=True)
    assert not leftovers, f"containers left behind: {[c.labels[RUN_LABEL] for c in leftovers]}"


@pytest.fixture
def docker(docker_client):
    runner = Docker(docker_client, run_id=run_id())
    yield runner
    runner.cleanup()


@pytest.fixture(scope="session")
def mini_tasks():
    return load_tasks(str(MINI_SUITE))


@pytest.fixture(scope="session")
def calc_task(mini_tasks):
    return next(t for t in mini_tasks if t.instance_id == "acme__calc-1")


@pytest.fixture
def calc_image(docker_client, calc_task):
    # per test, not per session: `images prune` in another test may remove it (rebuilding
    # takes a second; finding it takes milliseconds)
    return Docker(docker_client, run_id=run_id("images")).task_image(calc_task)


@pytest.fixture
def calc_sandbox(docker, calc_image):
    sandbox = docker.start(calc_image)
    yield sandbox
    sandbox.close()
