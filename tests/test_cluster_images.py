"""The images of a cluster run (harness/cluster/images.py): a task goes by preference to a node
that holds its image; on a real two-node cluster each node keeps its own disk budget and the
report shows the bytes each node pulled."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest

pytest.importorskip("ray")  # the cluster's modules need the ray extra

from harness.cluster.images import placements

from .conftest import run_id
from .fake_openai import FakeOpenAI
from .helpers import SUBMIT_REPLY
from .ray_cluster import ROOT, environment
from .synthetic_images import MiB, serve_synthetic

SIZE = 8 * MiB


def test_a_task_goes_to_a_node_that_holds_its_image_the_least_busy_first(calc_task):
    tasks = [replace(calc_task, instance_id=f"t-{i}", image=f"img-{i}") for i in range(5)]
    holders = {"node-a": {"t-0", "t-1", "t-2"}, "node-b": {"t-1", "t-2", "t-3"}}
    assert placements(tasks, holders) == {
        "t-0": "node-a",
        "t-1": "node-b",  # both hold it; node-a has one task already
        "t-2": "node-a",
        "t-3": "node-b",
    }  # t-4: no node holds it, so Ray places it where a slot is free


@pytest.mark.cluster
@pytest.mark.docker
def test_each_node_keeps_its_own_budget_and_the_report_shows_bytes_per_node(
    ray_cluster, docker_client, official_images, official_rows, registry, repository, tmp_path
):
    base = official_images["pytoolz__toolz-1"]
    row = next(r for r in official_rows if r["instance_id"] == "pytoolz__toolz-1")
    rows = [
        {
            **row,
            "instance_id": f"pytoolz__toolz-{500 + i}",
            "image": serve_synthetic(
                registry, docker_client, base, repository, f"t{i}", SIZE, 500 + i
            ),
        }
        for i in range(4)
    ]
    dataset, output = tmp_path / "rows.jsonl", tmp_path / "run.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with FakeOpenAI(lambda body: SUBMIT_REPLY) as model:
        result = subprocess.run(
            [
                sys.executable, "-m", "harness", "--policy", "pro", "--dataset", str(dataset),
                f"--ray={ray_cluster.address}", "--no-progress", "--base-url", model.url,
                "--output", str(output), "--run-id", run_id("ray-images"), "--image-disk", "9m",
            ],
            cwd=ROOT, env={**environment(), "DEEPSEEK_API_KEY": "sk-test"},
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = [json.loads(line) for line in output.read_text().splitlines()]
    assert {r["status"] for r in written} == {"empty_patch"} and len(written) == 4
    pulled: dict[str, int] = {}
    for r in written:
        pulled[r["node"]] = pulled.get(r["node"], 0) + r["image_bytes_pulled"]
    assert sum(pulled.values()) >= 4 * SIZE and "" not in pulled
    # each node that pulled says what it did, its peak within its own budget of 9 MiB
    said = re.findall(r"Images on node (\w+): (\d+) pulled .*?peak disk ([\d.]+)MiB", result.stderr)
    assert {node for node, _, _ in said} == {n for n, b in pulled.items() if b}
    assert sum(int(count) for _, count, _ in said) == 4
    assert all(float(peak) <= 9.0 for _, _, peak in said)
    report = subprocess.run(
        [sys.executable, "-m", "harness", "report", str(output)],
        cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    table = report.stdout[report.stdout.index("Images, per node") :]
    for node, size in pulled.items():
        if size:
            assert node[:12] in table
