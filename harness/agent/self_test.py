"""The edit check's self-test (`tasks edit-check`): does the cascade's escalation signal tell the
truth on a task set? For each task, in a fresh sandbox, through the agent's own edit check, the
task's test_patch goes in as a reproduction edit, then its gold patch as the fix. A check to be
trusted calls every gold fix `ok`.

A task's verdict is the fix's outcome, with a red one told apart by what counted:
- `red`: a test a hidden list (FAIL_TO_PASS, PASS_TO_PASS) names counted against the gold fix:
  the check, or the task, is wrong;
- `red_unlisted`: only tests no hidden list names counted: the gold patch does break them. A
  true red that the check cannot avoid; the cascade will escalate such a task's correct fix;
- `check_error`, `check_timeout`: the fix's check ran without a result, or out of time;
- `error`: the task could not be checked (its environment, or a test_patch that does not
  apply).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Literal, get_args

from pydantic import Field

from harness import HarnessError
from harness.agent.baseline import BaselineCache
from harness.agent.edit_check import ActionResult, EditCheck
from harness.agent.judgement import error_tail
from harness.prompts import default_prompts
from harness.results.row import Record
from harness.results.trajectory import CheckedTests
from harness.sandbox import SandboxProvider
from harness.tasks import Task
from harness.testsuite.suite import edit_check_suite
from harness.tiers import Outcome

Verdict = Literal["ok", "red", "red_unlisted", "check_error", "check_timeout", "error"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
DETAIL_CHARS = 2000
# the verdict of a fix the check did not call red
UNJUDGED: dict[Outcome, Verdict] = {
    "ok": "ok",
    "check_error": "check_error",
    "check_timeout": "check_timeout",
}


class TaskCheck(Record):
    """The self-test of one task."""

    instance_id: str
    verdict: Verdict
    reproduction: Outcome | None = Field(
        None, description="The outcome of the test_patch as an edit; None without one."
    )
    tests: CheckedTests | None = Field(None, description="A red fix's failing tests, by class.")
    unlisted: list[str] = Field(
        default_factory=list, description="Tests that counted against the fix, in no hidden list."
    )
    detail: str = Field("", description="What the check said (its end), or the error.")
    seconds: list[float] = Field(
        default_factory=list,
        description="Wall time of each check: the reproduction's (when there is one), then the "
        "fix's; the first of a task measures the base statuses too, unless they were cached.",
    )


class SelfTest(Record):
    """The self-test of a task set: each task, and how many got each verdict."""

    tasks: list[TaskCheck]
    totals: dict[str, int]
    failing_tests: dict[str, int] = Field(
        description="Over the red fixes: how many failing tests fell in each class."
    )


def judge_fix(
    task: Task, reproduction: ActionResult | None, fix: ActionResult, seconds: list[float]
) -> TaskCheck:
    """A task's verdict from the check of its reproduction edit and of its gold fix."""
    checked = TaskCheck(
        instance_id=task.instance_id,
        verdict=UNJUDGED.get(fix.outcome, "error"),
        reproduction=reproduction.outcome if reproduction else None,
        detail=error_tail(fix.observation)[-DETAIL_CHARS:],
        seconds=[round(s, 3) for s in seconds],
    )
    if fix.outcome != "tests_red" or fix.tests is None:
        return checked
    listed = set(task.FAIL_TO_PASS) | set(task.PASS_TO_PASS)
    counted = fix.tests.newly_failing + fix.tests.no_result + fix.tests.own
    unlisted = [test for test in counted if test not in listed]
    verdict: Verdict = "red_unlisted" if unlisted == counted else "red"
    return checked.model_copy(update={"verdict": verdict, "tests": fix.tests, "unlisted": unlisted})


def check_task(
    task: Task,
    sandboxes: SandboxProvider,
    timeout_s: float,
    baselines: Callable[[str, str], BaselineCache] = BaselineCache.for_environment,
) -> TaskCheck:
    """The reproduction edit, then the gold fix, through the edit check of a fresh sandbox.
    `baselines` gives the cache of base statuses of an environment and base commit."""
    environment = sandboxes.prepare(task)
    sandbox = sandboxes.start(task, environment)
    try:
        check = EditCheck(
            sandbox,
            edit_check_suite(task),
            baselines(environment, task.base_commit),
            timeout_s,
            default_prompts(),
        )
        seconds: list[float] = []

        def timed(diff: str) -> ActionResult:
            started = time.monotonic()
            result = check.edit(diff)
            seconds.append(time.monotonic() - started)
            return result

        reproduction = timed(task.test_patch) if task.test_patch.strip() else None
        if reproduction is not None and reproduction.outcome == "patch_failed":
            raise HarnessError(f"the test_patch does not apply: {reproduction.observation}")
        fix = timed(task.patch)
        if fix.outcome == "patch_failed":
            raise HarnessError(f"the gold patch does not apply: {fix.observation}")
    finally:
        sandbox.close()
    return judge_fix(task, reproduction, fix, seconds)


def self_test(
    tasks: list[Task],
    sandboxes: SandboxProvider,
    timeout_s: float,
    baselines: Callable[[str, str], BaselineCache] = BaselineCache.for_environment,
    on_task: Callable[[TaskCheck], None] = lambda checked: None,
) -> SelfTest:
    checks = []
    for task in tasks:
        try:
            checked = check_task(task, sandboxes, timeout_s, baselines)
        except HarnessError as exc:  # one broken task must not hide the others
            checked = TaskCheck(instance_id=task.instance_id, verdict="error", detail=str(exc))
        checks.append(checked)
        on_task(checked)
    totals = Counter(checked.verdict for checked in checks)
    classes: Counter[str] = Counter()
    for checked in checks:
        for name, tests in (checked.tests or CheckedTests()).model_dump().items():
            classes[name] += len(tests)
    return SelfTest(
        tasks=checks,
        totals={verdict: totals[verdict] for verdict in VERDICTS},
        failing_tests={name: classes[name] for name in CheckedTests.model_fields},
    )
