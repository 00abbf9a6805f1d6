"""Pulling task images from a registry (a real one, run here): progress, retries for what may
pass, none for what cannot, a rate limit waited out until a deadline, and a private mirror
through --image-namespace."""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
import uuid

import pytest

from harness import InfrastructureError
from harness.models.retry import RetryPolicy
from harness.sandbox.engine import image_exists
from harness.sandbox.pull import PullPolicy, pull
from harness.sandbox.registry import Registries

from .helpers import harness
from .official_images import LABEL


@pytest.fixture
def tiny_image(docker_client):
    """A small image of its own (one unique layer), saved and then removed from the engine,
    so that pulling it really downloads it."""
    tag = f"harness-fixture/tiny:{uuid.uuid4().hex[:8]}"
    dockerfile = f"FROM scratch\nLABEL {LABEL}=1\nCOPY data /data\n"
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as archive:
        for name, data in (
            ("Dockerfile", dockerfile.encode()),
            ("data", os.urandom(16 * 2**20)),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    context.seek(0)
    image, _ = docker_client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True)
    saved = b"".join(image.save())
    docker_client.images.remove(image.id, force=True)
    return saved


def _remove(client, name):
    if image_exists(client, name):
        client.images.remove(name, force=True)


def test_a_pull_reports_progress_and_retries_what_may_pass(docker_client, registry, tiny_image):
    registry.add("team/tiny", "v1", tiny_image)
    registry.faults["/manifests/v1"] = [503, 503]
    name = f"{registry.host}/team/tiny:v1"
    seen = []
    try:
        pulled = pull(docker_client, name, lambda d, t: seen.append((d, t)), pause_s=0.1)
        assert image_exists(docker_client, name)
        assert seen and seen[-1][1] > 0 and all(d <= t for d, t in seen)
        assert sum("/manifests/v1" in r for r in registry.requests) >= 3
        assert pulled.downloaded == seen[-1][1] >= 16 * 2**20  # the layer, as downloaded
        assert pull(docker_client, name).downloaded == 0  # here already: nothing to fetch
    finally:
        _remove(docker_client, name)


@pytest.mark.parametrize("retry_after", [1, None])
def test_a_rate_limit_is_waited_out_as_long_as_the_registry_asks(
    docker_client, registry, tiny_image, retry_after
):
    """With Retry-After, its wait; without, jittered exponential back-off."""
    registry.add("team/tiny", "v1", tiny_image)
    registry.rate_limit(2.5, retry_after)
    name = f"{registry.host}/team/tiny:v1"
    policy = PullPolicy(rate_limit_deadline_s=60, backoff=RetryPolicy(base_s=0.5, cap_s=1.0))
    try:
        pulled = pull(docker_client, name, policy=policy, registries=Registries())
        assert image_exists(docker_client, name)
        assert registry.refusals >= 2 and pulled.rate_limit_wait_s >= 2.0
    finally:
        _remove(docker_client, name)


def test_a_rate_limit_past_the_deadline_fails_the_pull(docker_client, registry, tiny_image):
    registry.add("team/tiny", "v1", tiny_image)
    registry.rate_limit(600, retry_after=1)
    name = f"{registry.host}/team/tiny:v1"
    started = time.monotonic()
    policy = PullPolicy(rate_limit_deadline_s=3)
    with pytest.raises(InfrastructureError) as caught:
        pull(docker_client, name, policy=policy, registries=Registries())
    assert 2 <= time.monotonic() - started < 10
    message = str(caught.value)
    assert message.startswith(f"cannot pull image {name}: the registry {registry.host} refused")
    assert "rate limit" in message and "--rate-limit-deadline" in message


def test_a_pull_that_cannot_pass_fails_at_once(docker_client, registry):
    name = f"{registry.host}/team/nothing:v1"
    with pytest.raises(InfrastructureError) as caught:
        pull(docker_client, name, pause_s=0.1)
    message = str(caught.value)
    assert message.startswith(f"cannot pull image {name}: ") and "attempts" not in message
    assert "manifest unknown" in message


def test_official_images_come_from_a_private_mirror(
    docker_client, registry, tiny_image, official_rows, tmp_path
):
    row = next(r for r in official_rows if r["instance_id"] == "pytoolz__toolz-1")
    row = {**row, "image": "swebench/sweb.eval.x86_64.pytoolz_1776_toolz-1:latest"}
    dataset = tmp_path / "rows.jsonl"
    dataset.write_text(json.dumps(row) + "\n")
    registry.add("mirror/swebench/sweb.eval.x86_64.pytoolz_1776_toolz-1", "latest", tiny_image)
    namespace = f"{registry.host}/mirror/swebench"
    name = f"{namespace}/sweb.eval.x86_64.pytoolz_1776_toolz-1:latest"
    try:
        listed = harness("tasks", "list", str(dataset), "--image-namespace", namespace)
        assert name in listed.stdout and "1 to pull" in listed.stdout
        pulled = harness("images", "pull", str(dataset), "--image-namespace", namespace)
        assert pulled.returncode == 0, pulled.stderr
        assert "1 of 1 task image(s) ready" in pulled.stdout and image_exists(docker_client, name)
        again = harness("images", "pull", str(dataset), "--image-namespace", namespace)
        assert "1 of 1 image(s) already here" in again.stderr
    finally:
        _remove(docker_client, name)
