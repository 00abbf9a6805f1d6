"""The script that grading runs, and reading its log.

A SWE-bench row brings its own eval script; other tasks get one in the same shape, built from
their environment. Either way the output markers are replaced by markers that carry a fresh
random nonce for each grading run, so that nothing the model's code prints can pose as the end
of the test output or as the test command's exit status: code written before the run cannot
know the nonce.
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from harness.diffs import patch_paths
from harness.sandbox import WORKDIR
from harness.tasks import Task
from harness.tasks.official import SCRIPT_HEADER, cut_eval_script

EXIT_VARIABLE = "HARNESS_TEST_EXIT_CODE"


@dataclass(frozen=True)
class Markers:
    """The markers of one grading run, each with a nonce of its own: the start marker is in
    the log while the tests run (code under test can read its own output), and must not give
    away the end marker or the exit-code line."""

    start_nonce: str
    end_nonce: str
    exit_nonce: str

    @classmethod
    def fresh(cls) -> Markers:
        return cls(secrets.token_hex(16), secrets.token_hex(16), secrets.token_hex(16))

    @property
    def nonce(self) -> str:
        """The nonce the code under test can never have seen before the tests end."""
        return self.end_nonce

    @property
    def start(self) -> str:
        return f"harness-test-output-start-{self.start_nonce}"

    @property
    def end(self) -> str:
        return f"harness-test-output-end-{self.end_nonce}"

    @property
    def exit(self) -> str:
        return f"harness-test-exit-code-{self.exit_nonce}"

    @property
    def patch_failed(self) -> str:
        return f"harness-test-patch-failed-{self.start_nonce}"

    @property
    def heredoc(self) -> str:
        return f"EOF_{self.start_nonce}"

    def around_tests(self, tests: list[str], setup: Sequence[str] = ()) -> list[str]:
        """The test lines between the markers, the test command's status recorded after the
        end marker, outside the part that is parsed; `setup` runs just before them."""
        return [
            *setup,
            f"echo {self.start}",
            *tests,
            f"{EXIT_VARIABLE}=$?",
            f"echo {self.end}",
            f'echo "{self.exit}: ${EXIT_VARIABLE}"',
        ]


@dataclass(frozen=True)
class TestLog:
    """What a run's log says: the test output between the markers (None when the run never
    got through them) and the test command's exit status."""

    __test__ = False
    section: str | None
    exit_code: int | None


def read_log(log: str, markers: Markers) -> TestLog:
    """The first start marker to the first end marker after it. Only this run's nonce counts:
    official markers, or another run's, printed by the code under test are plain output."""
    match = re.search(rf"{re.escape(markers.exit)}: (-?\d+)", log)
    exit_code = int(match.group(1)) if match else None
    start = log.find(markers.start)
    end = log.find(markers.end, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return TestLog(None, exit_code)
    return TestLog(log[start + len(markers.start) : end], exit_code)


def grading_script(task: Task, markers: Markers, setup: Sequence[str] = ()) -> str:
    """The bash script that applies the task's tests and runs them between `markers`, with
    `setup` (shell lines) just before the tests."""
    body = (
        official_body(task.eval_script, markers, setup)
        if task.eval_script
        else generated_body(task, markers, setup)
    )
    return "\n".join([*SCRIPT_HEADER, *body]) + "\n"


def official_body(eval_script: str, markers: Markers, setup: Sequence[str] = ()) -> list[str]:
    parts = cut_eval_script(eval_script)
    return [*parts.before, *markers.around_tests(list(parts.tests), setup), *parts.after]


def reset_test_files(test_patch: str) -> list[str]:
    """Lines that put the files test_patch touches back to the base commit, so that the
    model's own edits to them cannot collide with the official tests."""
    return [
        f"if git cat-file -e HEAD:{shlex.quote(p)} 2>/dev/null; then git checkout -q HEAD "
        f"-- {shlex.quote(p)}; else rm -f {shlex.quote(p)}; fi"
        for p in patch_paths(test_patch)
    ]


def generated_body(task: Task, markers: Markers, setup: Sequence[str] = ()) -> list[str]:
    """An eval script in SWE-bench's shape for a task that brings none."""
    activate = task.environment.activate
    lines = [activate] if activate else []
    lines.append(f"cd {WORKDIR}")
    reset = reset_test_files(task.test_patch)
    if task.test_patch.strip():
        patch = task.test_patch if task.test_patch.endswith("\n") else task.test_patch + "\n"
        lines += [
            *reset,
            f"git apply -v - <<'{markers.heredoc}' || {{ echo {markers.patch_failed}; exit 3; }}",
            *patch.rstrip("\n").split("\n"),
            markers.heredoc,
        ]
    lines += markers.around_tests([task.environment.test_cmd], setup)
    return lines + reset
