"""Shared fixtures. Docker tests use the real engine that `./setup.sh` starts; they are never
skipped: without an engine they fail and say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.engine import connect
from harness.sandbox import LABEL, Docker, remove_containers
from harness.tasks import load_tasks

DATA = Path(__file__).parent / "data"
MINI_SUITE = DATA / "suite"


@pytest.fixture(scope="session")
def docker_client():
    client = connect()
    yield client
    leftovers = client.containers.list(all=True, filters={"label": f"{LABEL}=1"})
    remove_containers(client, {LABEL: "1"})
    assert not leftovers, f"containers left behind: {[c.name for c in leftovers]}"


@pytest.fixture
def docker(docker_client):
    runner = Docker(docker_client)
    yield runner
    runner.cleanup()


@pytest.fixture(scope="session")
def mini_tasks():
    return load_tasks(str(MINI_SUITE))


@pytest.fixture(scope="session")
def calc_task(mini_tasks):
    return next(t for t in mini_tasks if t.instance_id == "acme__calc-1")


@pytest.fixture(scope="session")
def calc_image(docker_client, calc_task):
    return Docker(docker_client).task_image(calc_task)


@pytest.fixture
def calc_sandbox(docker, calc_image):
    sandbox = docker.start(calc_image)
    yield sandbox
    sandbox.close()
