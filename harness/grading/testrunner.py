"""How a task's tests are run and how their log is read: one definition that grading and the
agent's edit-test check share.

For a SWE-bench row the eval script says it all: the line between its output markers is the test
command followed by the test files of the test patch (Django: as module labels), and the row
names the log parser. For other tasks, the environment's `test_cmd` runs and the built-in
pytest parser reads it.

    runner = runner_for(task)
    result = sandbox.run(runner.command_for(["tests/test_x.py"]), timeout)
    statuses = runner.parse(result.output)     # test id -> PASSED / FAILED / ...
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness import HarnessError
from harness.diffs import patch_paths
from harness.grading import parsers
from harness.tasks import Task
from harness.tasks.official import runner_arguments

OFFICIAL_START = ": '>>>>> Start Test Output'"
OFFICIAL_END = ": '>>>>> End Test Output'"
# Lines that official eval scripts run before anything else and that are not commands.
SCRIPT_HEADER = ("#!/bin/bash", "set -uxo pipefail")


@dataclass(frozen=True)
class ScriptParts:
    """An official eval script cut at its output markers."""

    before: tuple[str, ...]
    tests: tuple[str, ...]
    after: tuple[str, ...]


def cut_eval_script(script: str) -> ScriptParts:
    """Split an eval script at its start and end markers, which must each be there once, in
    that order, with the test command between them."""
    lines = [line for line in script.strip().split("\n") if line.strip() not in SCRIPT_HEADER]
    starts = [i for i, line in enumerate(lines) if line.strip() == OFFICIAL_START]
    ends = [i for i, line in enumerate(lines) if line.strip() == OFFICIAL_END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] <= starts[0] + 1:
        raise HarnessError(
            f"eval_script needs one {OFFICIAL_START} line and one {OFFICIAL_END} line after "
            f"it, with the test command between them (found {len(starts)} and {len(ends)})"
        )
    start, end = starts[0], ends[0]
    return ScriptParts(tuple(lines[:start]), tuple(lines[start + 1 : end]), tuple(lines[end + 1 :]))


@dataclass(frozen=True)
class TestRunner:
    """A task's test command, without test-file arguments, and its log parser."""

    __test__ = False  # not a pytest test class, despite the name
    command: str
    repo: str
    parser: str = parsers.BUILTIN
    exports: tuple[str, ...] = ()  # `export` lines the eval script runs before its tests
    targeted: bool = True  # whether test files can be named (False: the command runs as is)
    spec: Any = None

    def command_for(self, files: Sequence[str] = ()) -> str:
        """The shell command that runs these test files (all the command's tests when none
        are given or the command cannot name files)."""
        arguments = runner_arguments(self.repo, list(files)) if self.targeted else []
        command = " ".join([self.command, *map(shlex.quote, arguments)])
        return " && ".join([*self.exports, command])

    def parse(self, log: str) -> dict[str, str]:
        """Test id -> status (PASSED, FAILED, ERROR, SKIPPED, XFAIL) from a test log."""
        return parsers.resolve(self.parser, self.spec)(log)


def runner_for(task: Task) -> TestRunner:
    """How this task's tests run. Raises HarnessError for an eval script without markers or
    an unknown parser: the task cannot be graded."""
    parsers.check_parser(task.log_parser)
    parser = task.log_parser or parsers.BUILTIN
    spec = None if parsers.is_builtin(parser) else swebench_spec(task)
    if not task.eval_script:
        return TestRunner(task.environment.test_cmd, task.repo, parser, targeted=False)
    parts = cut_eval_script(task.eval_script)
    command = " ".join(line.strip() for line in parts.tests)
    directives = " ".join(runner_arguments(task.repo, patch_paths(task.test_patch)))
    targeted = bool(directives) and command.endswith(" " + directives)
    if targeted:
        command = command[: -len(directives)].rstrip()
    exports = tuple(line.strip() for line in parts.before if line.strip().startswith("export "))
    return TestRunner(command, task.repo, parser, exports, targeted, spec)


def swebench_spec(task: Task) -> Any:
    """The `swebench.types.TestSpec` of a task, for parsers that read it (cheap to import)."""
    from swebench.types import TestSpec

    return TestSpec(
        instance_id=task.instance_id,
        image=task.image or "",
        eval_script_list=[],
        repo=task.repo,
        version=task.version,
        FAIL_TO_PASS=list(task.FAIL_TO_PASS),
        PASS_TO_PASS=list(task.PASS_TO_PASS),
        log_parser=task.log_parser or "",
        eval_type=task.eval_type or "",
    )
