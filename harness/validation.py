"""Validating task instances: the gold patch must resolve, no patch must leave FAIL_TO_PASS
failing, and both must give the same answer twice (else the task is flaky)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness import HarnessError
from harness.grading import Verdict, evaluate
from harness.sandbox import Docker
from harness.tasks import Task


@dataclass(frozen=True)
class TaskCheck:
    instance_id: str
    problems: tuple[str, ...]
    flaky: bool

    @property
    def valid(self) -> bool:
        return not self.problems and not self.flaky


def judge(task: Task, gold: Verdict, bare: Verdict) -> list[str]:
    """What is wrong with a task, from one gold run and one run without a patch."""
    problems = []
    if gold.status != "resolved":
        failing = list(gold.fail_to_pass.failure) + list(gold.pass_to_pass.failure)
        problems.append(f"gold patch: {gold.status} {gold.reason} {' '.join(failing[:3])}"
                        .strip())
    if bare.status == "error":
        problems.append(f"no patch: error {bare.reason}")
    elif bare.fail_to_pass.success:
        problems.append("no patch: FAIL_TO_PASS already pass: "
                        + " ".join(bare.fail_to_pass.success[:3]))
    if not task.FAIL_TO_PASS:
        problems.append("no FAIL_TO_PASS tests")
    return problems


def _signature(verdict: Verdict) -> tuple:
    return (verdict.status, verdict.fail_to_pass, verdict.pass_to_pass)


def validate_task(task: Task, docker: Docker, runs: int = 2,
                  timeout_s: float = 900) -> TaskCheck:
    image = docker.task_image(task)
    golds = [evaluate(task, task.patch, docker, image, timeout_s) for _ in range(runs)]
    bares = [evaluate(task, "", docker, image, timeout_s) for _ in range(runs)]
    flaky = len({_signature(v) for v in golds}) > 1 or len({_signature(v) for v in bares}) > 1
    problems = sorted({p for gold, bare in zip(golds, bares) for p in judge(task, gold, bare)})
    return TaskCheck(task.instance_id, tuple(problems), flaky)


def validate_tasks(tasks: list[Task], docker: Docker, runs: int = 2,
                   on_check: Callable[[TaskCheck], None] = lambda check: None) -> list[TaskCheck]:
    checks = []
    for task in tasks:
        try:
            check = validate_task(task, docker, runs)
        except HarnessError as exc:  # one broken task must not hide the others
            check = TaskCheck(task.instance_id, (f"error: {exc}",), False)
        checks.append(check)
        on_check(check)
    return checks
