"""The simulated family over the whole bundled suite, on real sandboxes: what routing does."""

import json
from dataclasses import replace

import pytest

from harness import InfrastructureError
from harness.agent.policy import BUILTIN
from harness.models.sim import FIX
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


# --- error rows (local sandboxes, a local HTTP endpoint: no Docker) ----------------------------


def run_one(task, config, provider, path):
    from harness.results import read_rows

    with ResultStore(path) as store:
        run_tasks([task], config, provider, store)
    [row] = read_rows(path)
    return row, json.loads((path.parent / row.trajectory).read_text())


def test_an_error_row_names_why_the_agent_stopped_and_counts_retries_and_escalations(
    tmp_path, local, calc_task, monkeypatch
):
    from harness.models.factory import ModelFamily, ModelSettings
    from harness.models.retry import ClientSettings
    from harness.models.sim import malformed_edit

    from .fake_openai import FakeOpenAI, deepseek_usage

    monkeypatch.setenv("TEST_API_KEY", "sk-x")
    busy = {"status": 503, "headers": {"retry-after-ms": "20"}}
    malformed = f"THOUGHT: fix\n\n```diff\n{malformed_edit(calc_task.patch)}\n```"
    script = [
        busy,
        {"content": malformed, "usage": deepseek_usage(0, 1000, 100)},
        busy,
        {"status": 401},
    ]
    with FakeOpenAI(script) as server:
        settings = ModelSettings(base_url=server.url, api_key_env="TEST_API_KEY")
        models = ModelFamily(settings, "openai", client=ClientSettings(request_timeout=5))
        config = RunConfig(policy=BUILTIN["cascade"], prices=load_prices(), models=models)
        row, trajectory = run_one(calc_task, config, local, tmp_path / "out.jsonl")
    assert row.status == "error" and "HTTP 401" in row.status_reason
    assert row.exit_reason == "error" and trajectory["exit_reason"] == "error"
    assert row.escalations == 1  # the escalation was decided, and its call failed
    assert (row.retries, row.retry_wait_s) == (2, pytest.approx(0.04))
    assert [(c["tier"], c["retries"], bool(c["error"])) for c in trajectory["calls"]] == [
        ("flash", 1, False),
        ("pro", 1, True),
    ]


def test_a_task_that_fails_before_the_agent_starts_has_an_exit_reason(tmp_path, local, calc_task):
    lost = replace(calc_task, base_commit="0" * 40)
    config = RunConfig(policy=BUILTIN["flash"], prices=load_prices())
    row, _ = run_one(lost, config, local, tmp_path / "out.jsonl")
    assert row.status == "error" and row.exit_reason == "error"
    assert "base_commit" in row.status_reason


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
