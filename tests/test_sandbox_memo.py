"""Memoised sandboxes: the same rows as real ones, no real sandbox for what was seen before,
and an error rather than a silent difference when a command does not repeat itself."""

from __future__ import annotations

import pytest

from harness import InfrastructureError
from harness.agent.policy import BUILTIN
from harness.grading import grade
from harness.models.factory import ModelFamily, ModelSettings
from harness.pricing import load_prices
from harness.results import ResultStore
from harness.runner import RunConfig, run_tasks
from harness.sandbox.local import LocalProvider
from harness.sandbox.memo import MemoProvider

from .conftest import run_id
from .scripted_family import tiny_suite


class Counting(LocalProvider):
    """A local provider that counts the sandboxes it starts (agent and grading alike)."""

    def __init__(self) -> None:
        super().__init__(run_id=run_id("memo"))
        self.started: list = []

    def start(self, task, environment, output_limit=20_000):
        self.started.append(super().start(task, environment, output_limit))
        return self.started[-1]


@pytest.fixture
def suite(tmp_path):
    return tiny_suite(tmp_path, 4)


@pytest.fixture
def memoised(suite):
    """Memoised local sandboxes, and a task with its environment."""
    memo = MemoProvider(LocalProvider(run_id=run_id("memo")))
    task = suite.tasks[0]
    yield memo, task, memo.prepare(task)
    memo.cleanup()


def simulated(suite, sandboxes, path, seed=3, grader=None):
    family = ModelFamily(ModelSettings(backend="sim"), "sim", seed=seed)
    config = RunConfig(BUILTIN["cascade"], load_prices(), family)
    if grader is not None:
        config = RunConfig(BUILTIN["cascade"], load_prices(), family, grader=grader)
    return run_tasks(suite.tasks, config, sandboxes, ResultStore(path))


def essence(row):
    return (row.instance_id, row.status, row.turns, row.escalations, row.cost_usd, row.model_patch)


def test_memoised_runs_give_the_rows_of_real_ones_and_repeat_without_a_sandbox(suite, tmp_path):
    real = Counting()
    plain = simulated(suite, real, tmp_path / "plain.jsonl")
    counting = Counting()
    memo = MemoProvider(counting)
    first = simulated(suite, memo, tmp_path / "first.jsonl", grader=memo.grading(grade))
    started = len(counting.started)
    again = simulated(suite, memo, tmp_path / "again.jsonl", grader=memo.grading(grade))
    try:
        assert [essence(r) for r in first] == [essence(r) for r in plain]
        assert [essence(r) for r in again] == [essence(r) for r in plain]
        assert {r.status for r in plain} >= {"resolved"}
        # the repeat: every answer and verdict from memory, no sandbox started, none graded
        assert len(counting.started) == started
        assert memo.memo.hits > 0
    finally:
        memo.cleanup()
        real.cleanup()


def test_a_read_after_a_remembered_command_sees_what_that_command_wrote(memoised):
    memo, task, environment = memoised
    write = "mkdir -p .git/harness && echo one > .git/harness/a && echo two > .git/harness/b"
    first = memo.start(task, environment)
    first.run(write)
    assert first.read_file(".git/harness/a") == b"one\n"
    first.close()
    second = memo.start(task, environment)
    second.run(write)  # from memory: the real sandbox did not run it
    assert second.read_file(".git/harness/b") == b"two\n"  # so it runs now, then reads
    second.close()


def test_a_state_that_replaying_does_not_reach_is_an_error(memoised):
    memo, task, environment = memoised
    changing = "date +%N > lib/now.txt"  # a new tree each time it runs
    first = memo.start(task, environment)
    first.run(changing)
    second = memo.start(task, environment)  # while the first holds its real sandbox
    second.run(changing)  # from memory: the state the first reached
    with pytest.raises(InfrastructureError, match="not deterministic"):
        second.run("ls lib")  # a new request: a fresh real sandbox must reach that state
    first.close()
    second.close()


def test_timed_out_commands_are_run_again(memoised):
    memo, task, environment = memoised
    for _ in range(2):
        sandbox = memo.start(task, environment)
        misses = memo.memo.misses
        assert sandbox.run("sleep 5", timeout=0.3).timed_out
        assert memo.memo.misses == misses + 1
        sandbox.close()


def test_only_the_last_few_real_sandboxes_stay_open(suite):
    local = Counting()
    memo = MemoProvider(local)
    memo.memo.keep = 2
    try:
        for task in suite.tasks:  # four tasks, a real sandbox each
            sandbox = memo.start(task, memo.prepare(task))
            sandbox.run("ls")
            sandbox.close()
        still_open = [s for s in local.started if s.root.exists()]  # close() removes it
        assert len(local.started) == 4 and len(memo.memo.idle) == 2 and len(still_open) == 2
    finally:
        memo.cleanup()
    assert memo.memo.idle == []
