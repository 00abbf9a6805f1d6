from dataclasses import replace

import pytest

from harness.agent.loop import Agent, Limits, parse_action
from harness.agent.policy import BUILTIN, Policy
from harness.diffs import normalise, touches_only_tests
from harness.files import parse_tables
from harness.models.sim import SimModel, malformed_edit, wrong_edit
from harness.models.sim_params import SimParams, load_params
from harness.pricing import load_prices
from harness.prompts import default_prompts
from harness.tasks import load_tasks

from .conftest import DATA
from .helpers import Scripted, fence

PRICES = load_prices()


@pytest.mark.parametrize(
    "reply, kind",
    [
        ("THOUGHT: look\n\n```bash\nls -la\n```", "command"),
        ("```sh\nls\n```", "command"),
        ("```diff\n--- a/x\n+++ b/x\n```", "edit"),
        ("Done.\n```submit\n```", "submit"),
        ("no block at all", "none"),
        ("```bash\nls\n```\n```bash\npwd\n```", "none"),
        ("```bash\n\n```", "none"),
        ("```python\nprint(1)\n```", "none"),
    ],
)
def test_parse_action(reply, kind):
    assert parse_action(reply).kind == kind


def test_parse_action_keeps_the_body_and_ignores_other_blocks():
    action = parse_action("Output was:\n```text\nboom\n```\nNow:\n```bash\npytest -x\n```")
    assert (action.kind, action.body) == ("command", "pytest -x\n")


def test_test_only_edits_are_recognised():
    def diff(path):
        return f"--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-a\n+b\n"

    assert touches_only_tests(diff("tests/test_x.py"))
    assert touches_only_tests(diff("pkg/test_x.py"))
    assert not touches_only_tests(diff("pkg/x.py"))
    assert not touches_only_tests(diff("tests/test_x.py") + diff("pkg/x.py"))
    assert not touches_only_tests("not a diff")


def test_normalised_diffs_ignore_line_numbers_and_whitespace():
    a = "--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n ctx\n-old\n+new  \n"
    b = "--- a/x.py\n+++ b/x.py\n@@ -7,2 +7,2 @@\n other ctx\n-old\n+new\n"
    assert normalise(a) == normalise(b)
    assert normalise(a) != normalise(a.replace("+new", "+newer"))


def test_cascade_reverts_a_red_edit_before_pro_reruns_the_turn(calc_task, calc_local):
    flash = Scripted(
        "deepseek-v4-flash",
        [
            fence("diff", calc_task.test_patch),
            fence("diff", wrong_edit(calc_task.patch)),
            fence("submit", ""),
        ],
    )
    pro = Scripted("deepseek-v4-pro", [fence("bash", "git status --short; git diff")])
    agent = Agent({"flash": flash, "pro": pro}, BUILTIN["cascade"], PRICES)
    trajectory = agent.solve(calc_task, calc_local)
    reproduce, fix = trajectory.turns[:2]
    # a red check after a test-only edit is expected: no escalation
    assert (reproduce.tier, reproduce.outcome, reproduce.escalated_from) == ("flash", "ok", None)
    assert (fix.tier, fix.escalated_from, fix.reason) == ("pro", "tests_red", "tests_red")
    # pro saw exactly what flash saw ("same" context), and the red edit had been undone
    assert pro.prompts[0] == flash.prompts[1]
    assert "test_median_even" in fix.observation and "Guard against" not in fix.observation
    # why flash's edit was red, test by test, is kept with the turn
    assert fix.failed_checked_tests is not None and fix.checked_tests is None
    assert [t.split("::")[-1] for t in fix.failed_checked_tests.own] == ["test_median_even"]
    assert "Guard against" not in trajectory.patch and "test_median_even" in trajectory.patch
    assert [c.reason for c in trajectory.calls] == ["default", "default", "tests_red", "default"]
    assert trajectory.escalations == 1 and trajectory.exit_reason == "submitted"


def test_cascade_escalates_on_patch_failed_with_the_failure_in_context(calc_task, calc_local):
    restored_note = default_prompts().render("restored", observation="").strip()
    policy = replace(BUILTIN["cascade"], escalation_context="with_failure")
    flash = Scripted(
        "deepseek-v4-flash", [fence("diff", malformed_edit(calc_task.patch)), fence("submit", "")]
    )
    pro = Scripted("deepseek-v4-pro", [fence("diff", calc_task.patch)])
    trajectory = Agent({"flash": flash, "pro": pro}, policy, PRICES).solve(calc_task, calc_local)
    assert trajectory.turns[0].escalated_from == "patch_failed"
    assert trajectory.turns[0].outcome == "ok"
    assert pro.prompts[0][-1]["content"].endswith(restored_note)
    assert "could not be applied" in pro.prompts[0][-1]["content"]
    assert "(ordered[middle - 1] + ordered[middle]) / 2" in trajectory.patch


def test_vote_split_escalates(calc_task, calc_local):
    policy = replace(BUILTIN["cascade"], vote_samples=3)
    flash = Scripted(
        "deepseek-v4-flash",
        [
            fence("diff", calc_task.patch),
            fence("diff", wrong_edit(calc_task.patch)),
            "no action",
            fence("submit", ""),
        ],
    )
    pro = Scripted("deepseek-v4-pro", [fence("diff", calc_task.patch)])
    trajectory = Agent({"flash": flash, "pro": pro}, policy, PRICES).solve(calc_task, calc_local)
    assert trajectory.turns[0].escalated_from == "vote_split"
    assert [c.reason for c in trajectory.calls[:4]] == ["default", "vote", "vote", "vote_split"]
    assert "(ordered[middle - 1] + ordered[middle]) / 2" in trajectory.patch


def test_a_vote_majority_is_applied_without_escalation(calc_task, calc_local):
    policy = replace(BUILTIN["cascade"], vote_samples=3)
    flash = Scripted(
        "deepseek-v4-flash",
        [
            fence("diff", calc_task.patch),
            "no action",
            fence("diff", calc_task.patch),
            fence("submit", ""),
        ],
    )
    trajectory = Agent({"flash": flash}, policy, PRICES).solve(calc_task, calc_local)
    assert trajectory.turns[0].outcome == "ok" and trajectory.escalations == 0


def test_step_and_cost_limits_end_the_loop(calc_task, calc_local):
    looping = Scripted("deepseek-v4-flash", [fence("bash", "true")] * 10)
    steps = Agent({"flash": looping}, BUILTIN["flash"], PRICES, Limits(max_steps=3)).solve(
        calc_task, calc_local
    )
    assert (len(steps.turns), steps.exit_reason) == (3, "step_limit")
    pricey = Scripted("deepseek-v4-flash", [fence("bash", "true")] * 10)
    costly = Agent({"flash": pricey}, BUILTIN["flash"], PRICES, Limits(max_cost_usd=0.0002)).solve(
        calc_task, calc_local
    )
    assert costly.exit_reason == "cost_limit" and len(costly.turns) == 2


def test_the_simulated_family_solves_through_the_real_loop(calc_task, calc_local):
    easy = replace(calc_task, difficulty="easy")
    policy = Policy("always-pro", default="pro")
    models = {"pro": SimModel(easy, "pro", "deepseek-v4-pro", seed=0, params=_certain_params())}
    trajectory = Agent(models, policy, PRICES).solve(easy, calc_local)
    kinds = [t.action for t in trajectory.turns]
    assert kinds[0] == "command" and kinds[-1] == "submit"
    assert trajectory.exit_reason == "submitted"
    assert "(ordered[middle - 1] + ordered[middle]) / 2" in trajectory.patch
    assert "test_median_even" in trajectory.patch  # its reproduction test is part of it


def _certain_params():
    data = load_params().to_data()
    data["solve"]["pro"] = {"easy": 1.0, "medium": 1.0, "hard": 1.0}
    data["solve"]["task_spread"] = 0.0
    return parse_tables(data, SimParams, "test")


def test_a_call_past_the_context_budget_ends_the_task_before_it_is_sent(calc_task, local):
    chatty = Scripted("deepseek-v4-flash", [fence("bash", "seq 1 3000")] * 10)
    limits = Limits(context_tokens=4000, observation_bytes=8000)
    # the runner starts sandboxes with the limits' observation size, as here
    sandbox = local.start(calc_task, local.prepare(calc_task), limits.observation_bytes)
    trajectory = Agent({"flash": chatty}, BUILTIN["flash"], PRICES, limits).solve(
        calc_task, sandbox
    )
    assert trajectory.exit_reason == "context_limit"
    assert 0 < len(chatty.prompts) < 10  # calls stopped before the budget was exceeded
    assert all(sum(len(m["content"]) for m in prompt) / 4 < 4000 for prompt in chatty.prompts)
    # each observation holds at most the configured bytes of output, the cut marked
    assert all(len(t.observation) < 8200 for t in trajectory.turns)
    assert "bytes of output cut" in trajectory.turns[0].observation


class Failing:
    """A model whose call fails for good, as a live one does after its retries."""

    def __init__(self, name, error):
        self.name, self.error = name, error

    def complete(self, messages):
        raise self.error


def test_a_failed_escalation_counts_and_its_call_is_recorded(calc_task, calc_local):
    from harness.models import ModelError

    flash = Scripted("deepseek-v4-flash", [fence("diff", malformed_edit(calc_task.patch))])
    refused = ModelError("deepseek-v4-pro: HTTP 400 (bad request)", retries=2, retry_wait_s=1.5)
    agent = Agent(
        {"flash": flash, "pro": Failing("deepseek-v4-pro", refused)}, BUILTIN["cascade"], PRICES
    )
    with pytest.raises(ModelError):
        agent.solve(calc_task, calc_local)
    trajectory = agent.trajectory
    assert trajectory.escalations == 1 and trajectory.turns == []
    failed = trajectory.calls[-1]
    assert (failed.tier, failed.reason, failed.retries, failed.retry_wait_s) == (
        "pro",
        "patch_failed",
        2,
        1.5,
    )
    assert failed.cost_usd == 0.0 and "HTTP 400 (bad request)" in failed.error


def test_the_system_prompt_names_the_check_command_that_really_runs(local):
    tasks = {task.repo: task for task in load_tasks(str(DATA / "checks"))}
    shown = {}
    for repo in ("django/django", "acme/shop"):
        task = tasks[repo]
        flash = Scripted("deepseek-v4-flash", [fence("submit", "")])
        Agent({"flash": flash}, BUILTIN["flash"], PRICES).solve(
            task, local.start(task, local.prepare(task))
        )
        shown[repo] = flash.prompts[0][0]["content"]
    assert (
        "`./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1`"
        in shown["django/django"]
    )
    assert "pytest" not in shown["django/django"]
    # a task without an eval script: its environment's check command, as it was
    assert "`python -m pytest -q -p no:cacheprovider`" in shown["acme/shop"]
