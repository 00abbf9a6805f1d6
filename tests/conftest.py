"""Shared fixtures. Docker tests use the real engine that `./setup.sh` starts; they are never
skipped: without an engine they fail and say why."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from harness.sandbox.containers import LABEL, RUN_LABEL, labelled
from harness.sandbox.docker import DockerProvider
from harness.sandbox.engine import connect
from harness.sandbox.local import LocalProvider
from harness.tasks import load_tasks

from .ray_cluster import ray_cluster  # noqa: F401  (a fixture: a real Ray cluster here)

DATA = Path(__file__).parent / "data"
MINI_SUITE = DATA / "suite"


# Every run the tests start, in process or through the CLI, has a run id with this prefix, so
# that the check for leftovers sees only this session's containers.
SESSION = f"pytest-{uuid.uuid4().hex[:8]}"


def run_id(name: str = "") -> str:
    return f"{SESSION}-{name or uuid.uuid4().hex[:6]}"


def containers_of(client, run: str) -> list[str]:
    """Ids of the run's containers, listed without inspecting each one: a container the run
    removes meanwhile must not fail the listing."""
    return [cid for cid, _ in labelled(client, {RUN_LABEL: run})]


DOCKER_FIXTURES = {"docker_client", "docker", "calc_image", "calc_sandbox", "official_images"}


def pytest_collection_modifyitems(items):
    """Every test that needs the engine carries the docker marker, so that `-m "not docker"`
    runs without one; tests that start the CLI on Docker are marked by hand."""
    for item in items:
        if DOCKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def docker_client():
    client = connect()
    yield client
    leftovers = [
        (cid, labels[RUN_LABEL])
        for cid, labels in labelled(client, {LABEL: "1"})
        if labels.get(RUN_LABEL, "").startswith(SESSION)
    ]
    for cid, _ in leftovers:
        client.api.remove_container(cid, force=True)
    assert not leftovers, f"containers left behind: {[run for _, run in leftovers]}"


@pytest.fixture
def docker(docker_client):
    provider = DockerProvider(docker_client, run_id=run_id())
    yield provider
    provider.cleanup()


@pytest.fixture
def local():
    """Sandboxes on the host, for tests of the agent loop without a Docker engine."""
    provider = LocalProvider(run_id=run_id("local"))
    yield provider
    provider.cleanup()


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
    return DockerProvider(docker_client, run_id=run_id("images")).prepare(calc_task)


@pytest.fixture
def calc_sandbox(docker, calc_task, calc_image):
    sandbox = docker.start(calc_task, calc_image)
    yield sandbox
    sandbox.close()


@pytest.fixture
def calc_local(local, calc_task):
    """The calc task's repository in a local sandbox: no isolation, no engine, fast."""
    return local.start(calc_task, local.prepare(calc_task))


@pytest.fixture(scope="session")
def official_images(docker_client):
    """Images laid out like SWE-bench's official ones (tests/official_images.py): instance
    id -> image name."""
    from .official_images import build_images

    return build_images(docker_client)


@pytest.fixture(scope="session")
def official_rows():
    """The hand-written rows of the fixture projects, SWE-bench's fields (a fresh copy each)."""
    from .official_images import rows

    return rows()


@pytest.fixture
def official_dataset(tmp_path, official_images, official_rows):
    """The fixture rows as a JSONL dataset file, their images ready."""
    import json

    path = tmp_path / "swebench.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in official_rows))
    return path


@pytest.fixture
def registry():
    """A container registry served by this process (tests/fake_registry.py)."""
    from .fake_registry import FakeRegistry

    with FakeRegistry() as server:
        yield server


@pytest.fixture
def repository(docker_client, registry):
    """A repository name of the test's own in `registry`; its images pulled here are removed
    afterwards."""
    name = f"t{uuid.uuid4().hex[:8]}/images"
    yield name
    for image in docker_client.images.list(name=f"{registry.host}/{name}"):
        for tag in image.tags:
            docker_client.images.remove(tag)
