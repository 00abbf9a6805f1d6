"""A run's images from a registry, through the command line (tests/fake_registry.py serves
images of known sizes): every task finishes within an image disk budget a third of what its
images take, and only the run's own images go; a rate limit is waited out, with the wait in
the rows, and one past the deadline gives error rows; the preflight refuses what cannot fit,
and stops on a registry that no pull can reach, in one line, before any model call."""

from __future__ import annotations

import json

import pytest

from harness.sandbox.engine import image_exists
from harness.sandbox.pull import pull

from .conftest import run_id
from .fake_openai import FakeOpenAI
from .helpers import SUBMIT_REPLY, gold_then_submit, harness
from .synthetic_images import DiskWatch, MiB, serve_synthetic

pytestmark = pytest.mark.docker
SIZE = 8 * MiB
SUBMIT = SUBMIT_REPLY


@pytest.fixture
def toolz(official_images, official_rows):
    """The toolz task's row, and its image (here already) as the base of synthetic ones."""
    row = next(r for r in official_rows if r["instance_id"] == "pytoolz__toolz-1")
    return row, official_images["pytoolz__toolz-1"]


def synthetic_tasks(tmp_path, registry, docker_client, toolz, repository, count, first_seed):
    """`count` copies of the toolz task, each in its own image of the base plus SIZE bytes,
    tagged with its instance id as official images are named; the dataset's path."""
    row, base = toolz
    rows = []
    for index in range(count):
        instance_id = f"pytoolz__toolz-{100 + index}"
        seed = first_seed + index
        image = serve_synthetic(registry, docker_client, base, repository, instance_id, SIZE, seed)
        rows.append({**row, "instance_id": instance_id, "image": image})
    path = tmp_path / "synthetic.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def run(dataset, output, script, *extra):
    with FakeOpenAI(script) as server:
        result = harness(
            "--policy", "pro", "--dataset", str(dataset), "--no-progress",
            "--base-url", server.url, "--output", str(output), "--run-id", run_id("images"),
            *extra,
            env={"DEEPSEEK_API_KEY": "sk-test"},
        )  # fmt: skip
    return result, server


def rows_of(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.scenario
def test_every_task_finishes_within_an_image_disk_a_third_of_its_images(
    tmp_path, registry, docker_client, toolz, repository
):
    dataset = synthetic_tasks(tmp_path, registry, docker_client, toolz, repository, 6, 200)
    before = serve_synthetic(registry, docker_client, toolz[1], repository, "before", SIZE, 299)
    pull(docker_client, before)  # the same repository, here before the run
    budget = 2 * SIZE + MiB  # the six images take three times this and more
    watch = DiskWatch(docker_client, f"{registry.host}/{repository}", toolz[1], before)
    output = tmp_path / "run.jsonl"
    result, _ = run(
        dataset, output, gold_then_submit(toolz[0]["patch"]),
        "--workers", "2", "--image-disk", f"{budget // MiB}m", "--image-cache", "env",
    )  # fmt: skip
    peak = watch.close()
    assert result.returncode == 0, result.stderr
    rows = rows_of(output)
    assert len(rows) == 6 and {r["status"] for r in rows} == {"resolved"}
    assert SIZE <= peak <= budget, peak
    assert all(r["image_bytes_pulled"] >= SIZE for r in rows)  # its own layer, no more
    assert all(r["image_bytes_pulled"] < 2 * SIZE for r in rows)
    assert "Images: 6 pulled" in result.stderr and "of the 17.0MiB budget" in result.stderr
    assert image_exists(docker_client, before)
    assert watch.now() == 0  # --image-cache env: the run's instance images are gone


def test_a_rate_limit_is_waited_out_with_the_wait_in_the_rows(
    tmp_path, registry, docker_client, toolz, repository
):
    dataset = synthetic_tasks(tmp_path, registry, docker_client, toolz, repository, 2, 300)
    registry.rate_limit(8, retry_after=2)
    output = tmp_path / "run.jsonl"
    result, _ = run(dataset, output, [SUBMIT, SUBMIT], "--workers", "1")
    assert result.returncode == 0, result.stderr
    rows = rows_of(output)
    assert [r["status"] for r in rows] == ["empty_patch", "empty_patch"]
    assert registry.refusals >= 2
    assert max(r["registry_wait_s"] for r in rows) >= 2.0
    assert rows[0]["image_wait_s"] >= rows[0]["registry_wait_s"] > 0  # the task waited too


def test_a_registry_that_refuses_past_the_deadline_gives_error_rows(
    tmp_path, registry, docker_client, toolz, repository
):
    dataset = synthetic_tasks(tmp_path, registry, docker_client, toolz, repository, 2, 310)
    registry.rate_limit(600, retry_after=1)
    output = tmp_path / "run.jsonl"
    result, server = run(dataset, output, [SUBMIT, SUBMIT], "--rate-limit-deadline", "3")
    assert result.returncode == 1  # every task ended in an error
    rows = rows_of(output)
    assert [r["status"] for r in rows] == ["error", "error"]
    for row in rows:
        reason = row["status_reason"]
        assert "rate limit" in reason and "--rate-limit-deadline" in reason
        assert reason.count(row["instance_id"]) == 1  # in the image's name, once
        assert row["registry_wait_s"] == 0 or row["image_wait_s"] > 0
    assert server.requests == []  # no model call was paid for


def test_the_preflight_refuses_a_selection_that_cannot_fit_before_any_model_call(
    tmp_path, registry, docker_client, toolz, repository
):
    dataset = synthetic_tasks(tmp_path, registry, docker_client, toolz, repository, 3, 320)
    output = tmp_path / "run.jsonl"
    result, server = run(dataset, output, [SUBMIT] * 3, "--image-disk", "4m")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "harness: error: --image-disk 4m: the image of pytoolz__toolz-100 adds about 8.01MiB "
        "(its download size), more than the budget"
    )
    assert not output.exists() and server.requests == []
    assert registry.served < MiB  # image configs were read; no layer was downloaded


@pytest.mark.parametrize("kind", ["unreachable", "missing"])
def test_a_registry_no_pull_can_use_stops_the_run_in_one_line(tmp_path, registry, toolz, kind):
    row, _ = toolz
    where = "127.0.0.1:1" if kind == "unreachable" else registry.host
    rows = [
        {**row, "instance_id": f"pytoolz__toolz-{400 + i}", "image": f"{where}/no/such-{i}:v1"}
        for i in range(3)
    ]
    dataset = tmp_path / "rows.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    output = tmp_path / "run.jsonl"
    result, server = run(dataset, output, [SUBMIT] * 3)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    if kind == "unreachable":
        assert last.startswith("harness: error: registry 127.0.0.1:1 cannot be reached (")
        assert "connection refused" in last and "none of the 3 task image(s)" in last
    else:
        assert last.startswith(f"harness: error: registry {registry.host} has none of the first")
        assert "manifest unknown" in last and "--image-namespace" in last
    assert not output.exists() and server.requests == []
