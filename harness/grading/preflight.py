"""What must hold for a task before any money is spent on it.

A task whose log parser is unknown, whose eval script cannot be read, or that brings neither an
eval script nor a test command cannot be graded: it becomes an `error` row at zero cost, before
the agent starts, instead of after. (An image that cannot be pulled or built, and a test
environment that does not activate, are found next, when the task's sandbox starts; both come
before the first model call too.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from harness import HarnessError
from harness.tasks import Environment, Task
from harness.testsuite import parsers
from harness.testsuite.suite import grading_suite


def preflight(task: Task) -> None:
    """Raise HarnessError saying why the task cannot be graded."""
    parsers.check_eval_type(task.eval_type)
    grading_suite(task)
    if task.image and not task.eval_script and not configured(task.environment):
        raise HarnessError(
            "the row has no eval_script (rows of SWE-bench 5 datasets carry one; older copies, "
            "such as princeton-nlp/..., do not), and no test command is defined for "
            f"{task.repo} {task.version}: give one with --environments"
        )


def configured(environment: Environment) -> bool:
    """Whether an environment was defined for the task (its activation aside), rather than
    being the built-in default."""
    return replace(environment, activate="") != Environment()


def preflight_problem(task: Task) -> str:
    """Why the task cannot be graded, or ""."""
    try:
        preflight(task)
    except HarnessError as exc:
        return str(exc)
    return ""


@dataclass(frozen=True)
class TaskPlan:
    """What running a task needs, for `tasks list` and `--dry-run`."""

    image: str  # the image name, or "(built)" for a local build
    source: str  # "here", "pull" or "build" (or "?" without an engine)
    parser: str
    environment: str
    problem: str

    @property
    def ok(self) -> bool:
        return not self.problem


def plan(task: Task, present: set[str] | None) -> TaskPlan:
    """`present`: the images the engine has (None: no engine to ask)."""
    parser = task.log_parser or f"{parsers.BUILTIN} (built-in)"
    tests = "eval_script" if task.eval_script else "test_cmd"
    activated = "conda testbed" if "conda activate testbed" in task.environment.activate else ""
    environment = ", ".join(part for part in (activated, tests) if part)
    if task.image:
        image = task.image
        source = "?" if present is None else "here" if image in present else "pull"
    else:
        image, source = "(built here)", "build"
    return TaskPlan(image, source, parser, environment, preflight_problem(task))
