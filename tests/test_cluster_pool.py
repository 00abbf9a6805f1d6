"""The bundled suite on a real Ray cluster (a head and a worker node, separate processes on
this machine) with simulated models: the same verdicts as a local run, resume and
--rerun-errors as locally, Ctrl-C stops the cluster's tasks and containers, and a worker node
killed mid-run leaves every task in the results exactly once."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

# the cluster tests need the ray extra; without it (a plain .[test] install) they are not collected
pytest.importorskip("ray")

from harness.agent.policy import BUILTIN
from harness.cluster import ClusterSettings
from harness.cluster.nodes import NodeSandboxes
from harness.cluster.pool import RayPool
from harness.cluster.services import start_services
from harness.pricing import Usage, load_prices
from harness.reporting.collect import collect
from harness.results import ModelCall, ResultRow, read_rows
from harness.results.journal import SpendJournal, journal_path, read_journal
from harness.runner import RunConfig, TaskWork

from .conftest import containers_of, run_id
from .helpers import ctrl_c_reaches_it
from .ray_cluster import ROOT, environment

pytestmark = [pytest.mark.cluster, pytest.mark.docker]

# Ten tasks, from every repository of the suite: enough for both nodes, quick enough for CI.
SELECTION = ["--policy=cascade", "--slice=0:40:4"]
CONFIG = RunConfig(policy=BUILTIN["pro"], prices=load_prices())


def harness_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "harness", *SELECTION, *args, "--no-progress"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        harness_command(*args),
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )


def lines(path: Path) -> list[ResultRow]:
    """Every row in the file, duplicates included (read_rows keeps one per task)."""
    return [ResultRow.from_json(line) for line in path.read_text().splitlines() if line]


def trajectory(path: Path, row: ResultRow) -> dict:
    return json.loads((path.parent / row.trajectory).read_text())


@pytest.fixture(scope="module")
def local_verdicts(tmp_path_factory, docker_client):
    output = tmp_path_factory.mktemp("local") / "rows.jsonl"
    result = run("--workers=2", f"--output={output}", f"--run-id={run_id('local')}")
    assert result.returncode == 0, result.stderr
    return {row.instance_id: row.status for row in read_rows(output)}


def test_rows_equal_a_local_runs_and_resume_works_alike(
    ray_cluster, local_verdicts, docker_client, tmp_path
):
    output, rid = tmp_path / "rows.jsonl", run_id("ray")
    result = run(f"--ray={ray_cluster.address}", f"--output={output}", f"--run-id={rid}")
    assert result.returncode == 0, result.stderr
    rows = lines(output)
    assert len(rows) == len(local_verdicts) == 10
    assert {row.instance_id: row.status for row in rows} == local_verdicts
    assert all(row.lost_attempts == 0 and row.run_id == rid for row in rows)
    nodes = {trajectory(output, row)["node"] for row in rows}
    assert nodes == {ray_cluster.node_id(node) for node in ray_cluster.nodes}
    assert containers_of(docker_client, rid) == []

    # a second run with the same output skips every finished task
    before = output.read_bytes()
    again = run(f"--ray={ray_cluster.address}", f"--output={output}")
    assert again.returncode == 0, again.stderr
    assert output.read_bytes() == before

    # --rerun-errors runs again exactly the task whose row is an error, on the cluster
    failed = rows[3].model_copy(update={"status": "error", "status_reason": "infrastructure"})
    with output.open("a") as handle:
        handle.write(failed.to_json() + "\n")
    rerun = run(f"--ray={ray_cluster.address}", f"--output={output}", "--rerun-errors")
    assert rerun.returncode == 0, rerun.stderr
    assert [row.instance_id for row in lines(output)[11:]] == [failed.instance_id]
    assert {row.instance_id: row.status for row in read_rows(output)} == local_verdicts


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def running_attempts() -> list[int]:
    """Ray worker processes running a task's attempt (Ray names them after the function)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"attempt_on_node" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def test_ctrl_c_cancels_the_clusters_tasks_and_containers(ray_cluster, docker_client, tmp_path):
    output, rid = tmp_path / "rows.jsonl", run_id("ray-int")
    driver = subprocess.Popen(
        harness_command(f"--ray={ray_cluster.address}", f"--output={output}", f"--run-id={rid}"),
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_reaches_it,
    )
    try:
        wait_for(lambda: len(containers_of(docker_client, rid)) >= 2, 180, "two containers")
        driver.send_signal(signal.SIGINT)
        _, stderr = driver.communicate(timeout=120)
    finally:
        driver.kill()
    assert driver.returncode == 130, stderr
    assert "interrupted" in stderr.splitlines()[-1]
    assert containers_of(docker_client, rid) == []
    wait_for(lambda: not running_attempts(), 30, "the cancelled tasks to end")
    assert len(lines(output)) < 10


def test_a_worker_node_killed_mid_run_leaves_every_task_once(
    ray_cluster, local_verdicts, docker_client, tmp_path
):
    worker = ray_cluster.nodes[-1]
    worker_id = ray_cluster.node_id(worker)
    output, rid = tmp_path / "rows.jsonl", run_id("ray-kill")
    driver = subprocess.Popen(
        harness_command(f"--ray={ray_cluster.address}", f"--output={output}", f"--run-id={rid}"),
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def working_on_the_worker() -> bool:
        """An attempt on the worker node has paid for a model call (the driver's journal
        says so, and which node the attempt runs on)."""
        if not journal_path(output).exists():
            return False
        entries = [json.loads(line) for line in journal_path(output).read_text().splitlines()]
        there = {
            e["attempt"] for e in entries if e["event"] == "attempt" and e["node"] == worker_id
        }
        return any(e["event"] == "settled" and e["attempt"] in there for e in entries)

    try:
        wait_for(working_on_the_worker, 300, "a task on the worker node")
        assert ray_cluster.kill(worker)
        _, stderr = driver.communicate(timeout=900)
    finally:
        driver.kill()
        ray_cluster.add_worker()  # for whatever runs next
    assert driver.returncode == 0, stderr
    rows = lines(output)
    assert sorted(row.instance_id for row in rows) == sorted(local_verdicts)  # each once
    assert {row.instance_id: row.status for row in rows} == local_verdicts
    lost = [row for row in rows if row.lost_attempts]
    assert lost, stderr
    # the report counts every call the driver's journal holds, lost attempts' once
    journal = read_journal(journal_path(output), set()).attempts
    spent = sum(call.cost_usd for spend in journal.values() for call in spend.paid)
    [summary] = collect([output]).summaries()
    assert summary.metrics.cost_usd == pytest.approx(spent, rel=1e-9)
    nodes = [a["node"] for row in lost for a in trajectory(output, row)["lost_attempts"]]
    # an attempt the worker was given but had not started yet (its process still starting,
    # on a loaded machine) has no node
    assert worker_id in nodes and set(nodes) <= {worker_id, ""}
    for row in lost:
        attempts = trajectory(output, row)["lost_attempts"]
        assert row.lost_cost_usd == pytest.approx(
            sum(call["cost_usd"] for a in attempts for call in a["calls"])
        )
        assert trajectory(output, row)["node"] != worker_id
    assert any(row.lost_cost_usd > 0 for row in lost)
    assert containers_of(docker_client, rid) == []


@dataclass(frozen=True)
class CrashingWork(TaskWork):
    """Pays for two calls, then kills its worker process at once (as a dying node would) while
    `survivor` does not exist yet; with a survivor file, later attempts do the real work."""

    survivor: Path | None = None

    def __call__(self, task, observer=None, attempt_id=""):
        for number, cost in enumerate((0.25, 0.5)):
            observer.settled(
                number,
                ModelCall(
                    turn=0,
                    tier="flash",
                    model="deepseek-v4-flash",
                    reason="default",
                    usage=Usage(0, 10, 1, 0),
                    cost_usd=cost,
                ),
            )
        if self.survivor is None or not self.survivor.exists():
            if self.survivor is not None:
                self.survivor.touch()
            os._exit(1)
        return super().__call__(task, observer, attempt_id)


def pool_of(attempts: int, run: str) -> RayPool:
    return RayPool(ClusterSettings(ray_attempts=attempts), start_services(CONFIG, run), run)


def test_a_task_whose_worker_dies_runs_again_with_the_lost_spend(ray_cluster, calc_task, tmp_path):
    run = run_id("crash-once")
    work = CrashingWork(CONFIG, NodeSandboxes(run), survivor=tmp_path / "survivor")
    pool = pool_of(2, run)
    journal = SpendJournal(tmp_path / "run.spend")
    (attempt,) = list(pool.attempts([calc_task], work, journal))
    trajectory = attempt.trajectory
    assert trajectory.verdict.status != "error" and trajectory.calls  # done, the second time
    (lost,) = trajectory.lost_attempts
    assert "WorkerCrashedError" in lost.reason
    assert lost.node in {ray_cluster.node_id(node) for node in ray_cluster.nodes}
    assert [call.cost_usd for call in lost.calls] == [0.25, 0.5]
    row = trajectory.to_row(CONFIG.identity(run), 1.0, "", "t.json")
    assert (row.lost_attempts, row.lost_cost_usd) == (1, 0.75)
    assert row.cost_usd == pytest.approx(sum(c.cost_usd for c in trajectory.calls))
    assert pool.cleanup() == 0  # the work closed its containers
    # every call of both attempts went into the driver's journal as it was made
    spends = read_journal(tmp_path / "run.spend", set()).attempts
    assert spends[lost.attempt_id].paid == lost.calls
    assert sum(len(s.calls) for s in spends.values()) == 2 + len(trajectory.calls)


def test_a_task_lost_on_every_attempt_ends_as_one_error_row(ray_cluster, calc_task, tmp_path):
    run = run_id("crash-always")
    pool = pool_of(2, run)
    journal = SpendJournal(tmp_path / "run.spend")
    (attempt,) = list(pool.attempts([calc_task], CrashingWork(CONFIG, NodeSandboxes(run)), journal))
    verdict = attempt.trajectory.verdict
    assert verdict.status == "error" and verdict.reason.startswith("lost 2 attempt(s)")
    assert len(attempt.trajectory.lost_attempts) == 2
    assert attempt.trajectory.to_row(CONFIG.identity(run), 1.0, "", "t").lost_cost_usd == 1.5
