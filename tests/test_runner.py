"""The simulated family over the whole bundled suite, on real sandboxes: what routing does."""

import json
from dataclasses import replace

import pytest

from harness import InfrastructureError
from harness.models.sim import FIX
from harness.policy import BUILTIN
from harness.pricing import load_prices
from harness.results import ResultStore
from harness.runner import RunConfig, run_tasks
from harness.sandbox.docker import DockerProvider
from harness.sandbox.local import LocalProvider
from harness.tasks import load_tasks

from .conftest import run_id

VOTING_CASCADE = replace(BUILTIN["cascade"], name="cascade-vote", vote_samples=3)


@pytest.fixture(scope="session")
def bundled_runs(docker_client, tmp_path_factory):
    """Rows and trajectories of flash, pro and a voting cascade over the bundled suite."""
    tasks = load_tasks()
    folder = tmp_path_factory.mktemp("bundled")
    runs = {}
    for policy in (BUILTIN["flash"], BUILTIN["pro"], VOTING_CASCADE):
        store = ResultStore(folder / f"{policy.name}.jsonl")
        docker = DockerProvider(docker_client, run_id=run_id(policy.name))
        try:
            rows = run_tasks(
                tasks, RunConfig(policy=policy, prices=load_prices()), docker, store, workers=2
            )
        finally:
            docker.cleanup()
        trajectories = {
            row.instance_id: json.loads((folder / row.trajectory).read_text()) for row in rows
        }
        runs[policy.name] = (rows, trajectories)
    return runs


def resolved(rows):
    return sum(row.status == "resolved" for row in rows)


def test_every_task_gets_a_row_and_none_is_an_error(bundled_runs):
    for rows, _ in bundled_runs.values():
        assert len(rows) == 40
        assert [r.status_reason for r in rows if r.status == "error"] == []


def test_pro_resolves_at_least_as_many_as_flash_and_neither_all(bundled_runs):
    flash, pro = resolved(bundled_runs["flash"][0]), resolved(bundled_runs["pro"][0])
    assert flash <= pro < 40
    assert flash > 0


def test_cascade_escalates_on_every_trigger(bundled_runs):
    _, trajectories = bundled_runs["cascade-vote"]
    triggers = {turn["escalated_from"] for t in trajectories.values() for turn in t["turns"]}
    assert {"tests_red", "patch_failed", "vote_split"} <= triggers


def test_the_sandbox_is_reverted_before_the_rerun(bundled_runs):
    """After a red edit, pro's fix applies cleanly only if flash's edit was undone first: the
    wrong edit sits inside the gold patch's context."""
    _, trajectories = bundled_runs["cascade-vote"]
    reruns = [
        turn
        for t in trajectories.values()
        for turn in t["turns"]
        if turn["escalated_from"] == "tests_red"
        and turn["reply"].startswith(FIX)
        and "Guard against" not in turn["reply"]
        and "as I remember it" not in turn["reply"]
    ]
    assert reruns, "no gold fix by pro after a red flash edit"
    assert all(turn["outcome"] == "ok" for turn in reruns)


def test_rows_account_for_every_model_call(bundled_runs):
    rows, trajectories = bundled_runs["cascade-vote"]
    for row in rows:
        calls = trajectories[row.instance_id]["calls"]
        assert row.cost_usd == pytest.approx(sum(c["cost_usd"] for c in calls), rel=1e-12)
        for tier, tokens in row.tokens.items():
            assert tokens.cache_miss == sum(
                c["usage"]["cache_miss"] for c in calls if c["tier"] == tier
            )
    escalated = [row for row in rows if row.escalations]
    assert escalated and all("pro" in row.cost_by_tier for row in escalated)


class GradingFails(LocalProvider):
    """Real local sandboxes, but the grading sandbox cannot start: an infrastructure failure
    after the agent has already paid for its model calls."""

    def __init__(self, run_id):
        super().__init__(run_id=run_id)
        self.started = 0

    def start(self, task, environment, *args, **kwargs):
        self.started += 1
        if self.started > 1:
            raise InfrastructureError("the grading container did not start")
        return super().start(task, environment, *args, **kwargs)


def test_a_rerun_of_an_error_keeps_both_attempts_rows_and_trajectories(tmp_path, calc_task):
    """--rerun-errors must not overwrite the errored attempt's trajectory, and the spend of
    both attempts must stay in the results file."""
    store = ResultStore(tmp_path / "run.jsonl")
    config = RunConfig(policy=BUILTIN["cascade"], prices=load_prices())
    failing = GradingFails(run_id("rerun-1"))
    try:
        [first] = run_tasks([calc_task], config, failing, store)
    finally:
        failing.cleanup()
    assert first.status == "error" and first.cost_usd > 0
    again = LocalProvider(run_id=run_id("rerun-2"))
    try:
        [second] = run_tasks([calc_task], config, again, store, retry_errors=True)
    finally:
        again.cleanup()
    assert second.status != "error"
    lines = [json.loads(line) for line in store.path.read_text().splitlines()]
    assert [r["status"] for r in lines] == ["error", second.status]
    paths = [tmp_path / r["trajectory"] for r in lines]
    assert paths[0] != paths[1] and all(path.is_file() for path in paths)
    first_calls = json.loads(paths[0].read_text())["calls"]
    assert sum(c["cost_usd"] for c in first_calls) == pytest.approx(first.cost_usd, rel=1e-12)
    assert json.loads(paths[0].read_text())["verdict"]["status"] == "error"
    assert sum(r["cost_usd"] for r in lines) == pytest.approx(first.cost_usd + second.cost_usd)
