"""Validating task instances: the gold patch must resolve, no patch must leave FAIL_TO_PASS
failing, and both must give the same answer twice (else the task is flaky)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness import HarnessError
from harness.grading import evaluate
from harness.grading.evaluate import EnvironmentChecks
from harness.results import Verdict
from harness.sandbox import SandboxProvider
from harness.tasks import Task


@dataclass(frozen=True)
class TaskValidation:
    instance_id: str
    problems: tuple[str, ...]
    flaky: bool

    @property
    def valid(self) -> bool:
        return not self.problems and not self.flaky

    @property
    def verdict(self) -> str:
        """invalid (the task is wrong), unrunnable (its environment or image fails, so nothing
        can be said), flaky, or valid."""
        if any(": error " in p or p.startswith("error:") for p in self.problems):
            return "unrunnable"
        if self.problems:
            return "invalid"
        return "flaky" if self.flaky else "valid"


def task_problems(task: Task, gold: Verdict, bare: Verdict) -> list[str]:
    """What is wrong with a task, from one gold run and one run without a patch."""
    problems = []
    if gold.status != "resolved":
        failing = gold.FAIL_TO_PASS.failure + gold.PASS_TO_PASS.failure
        problems.append(f"gold patch: {gold.status} {gold.reason} {' '.join(failing[:3])}".strip())
    if bare.status == "error":
        problems.append(f"no patch: error {bare.reason}")
    elif bare.FAIL_TO_PASS.success:
        problems.append(
            "no patch: FAIL_TO_PASS already pass: " + " ".join(bare.FAIL_TO_PASS.success[:3])
        )
    if not task.FAIL_TO_PASS:
        problems.append("no FAIL_TO_PASS tests")
    return problems


def _signature(verdict: Verdict) -> tuple[str, str, str]:
    return (verdict.status, verdict.FAIL_TO_PASS.to_json(), verdict.PASS_TO_PASS.to_json())


def validate_task(
    task: Task, sandboxes: SandboxProvider, runs: int = 2, timeout_s: float = 900
) -> TaskValidation:
    environment = sandboxes.prepare(task)
    checks = EnvironmentChecks()

    def graded(patch: str) -> Verdict:
        return evaluate(task, patch, sandboxes, environment, timeout_s, checks)

    golds = [graded(task.patch) for _ in range(runs)]
    bares = [graded("") for _ in range(runs)]
    flaky = len({_signature(v) for v in golds}) > 1 or len({_signature(v) for v in bares}) > 1
    problems = sorted(
        {p for gold, bare in zip(golds, bares) for p in task_problems(task, gold, bare)}
    )
    return TaskValidation(task.instance_id, tuple(problems), flaky)


def validate_tasks(
    tasks: list[Task],
    sandboxes: SandboxProvider,
    runs: int = 2,
    on_task: Callable[[TaskValidation], None] = lambda check: None,
) -> list[TaskValidation]:
    checks = []
    for task in tasks:
        try:
            check = validate_task(task, sandboxes, runs)
        except HarnessError as exc:  # one broken task must not hide the others
            check = TaskValidation(task.instance_id, (f"error: {exc}",), False)
        checks.append(check)
        on_task(check)
    return checks
