"""What a cluster node does in plain Python: repositories sent as bundles, sandboxes that
travel and work through the node's own engine, the check that a node can run tasks."""

import pickle
import subprocess
from dataclasses import replace

import pytest

from harness.cluster.nodes import (
    NodeSandboxes,
    bundle_repo,
    code_digest,
    on_this_node,
    probe,
    remove_run_containers,
)
from harness.sandbox.containers import RUN_LABEL
from harness.sandbox.settings import SandboxSettings

from .conftest import run_id


def test_a_repository_travels_as_a_bundle_and_keeps_its_commit(calc_task, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # a node that has never seen it
    bundle = bundle_repo(calc_task.repo_path)
    moved = on_this_node(replace(calc_task, repo_path=tmp_path / "not-on-this-node"), bundle)
    assert moved.repo_path.is_relative_to(tmp_path)
    kind = subprocess.run(
        ["git", "cat-file", "-t", calc_task.base_commit],
        cwd=moved.repo_path,
        capture_output=True,
        text=True,
    )
    assert kind.stdout.strip() == "commit"
    assert on_this_node(calc_task, bundle).repo_path == moved.repo_path  # unpacked once
    without = replace(calc_task, repo_path=None)
    assert on_this_node(without, None) is without  # cloned or mirrored on the node instead


def test_the_code_digest_names_this_harness():
    assert code_digest() == code_digest() and len(code_digest()) == 16
    assert probe(SandboxSettings()).digest == code_digest()


@pytest.mark.docker
def test_node_sandboxes_travel_and_use_the_engine_where_they_land(docker, calc_task, calc_image):
    sandboxes = pickle.loads(pickle.dumps(NodeSandboxes(run_id("node"))))
    assert sandboxes.prepare(calc_task) == calc_image
    sandbox = sandboxes.start(calc_task, calc_image)
    assert sandbox.run("cat calc/stats.py").exit_code == 0
    assert sandbox.container.labels[RUN_LABEL] == sandboxes.run_id
    assert remove_run_containers(sandboxes.run_id) == 1


@pytest.mark.docker
def test_a_node_without_its_base_image_says_what_to_do(docker_client):
    report = probe(SandboxSettings(base_image="cascade-harness/no-such-base:1"))
    assert "base image cascade-harness/no-such-base:1 is missing" in report.problem
    assert "python -m harness setup" in report.problem
    assert probe(SandboxSettings()).problem == ""


@pytest.mark.docker
def test_a_node_that_cannot_reach_the_registry_of_the_images_to_pull_says_so(docker_client):
    report = probe(SandboxSettings(), ("127.0.0.1:1/team/app:v1", "127.0.0.1:1/team/app:v2"))
    assert report.problem.startswith("registry 127.0.0.1:1 cannot be reached (")
    assert "none of the 2 task image(s)" in report.problem
