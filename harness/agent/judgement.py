"""The verdict of one edit check, a pure function of the test statuses before and after the
edit, test by test, never file by file:
- a test that passed at the base commit and fails now, or has no result now, counts;
- a test the agent wrote or changed (see changed_tests.py) counts when it fails after an edit
  to code;
- a test that failed at the base commit never counts, whatever file it is in; nor does one
  that had no result at the base and is not the agent's.
A test-only edit (a reproduction step) is never red. A run that reports no test at all says
nothing about the edit, unless it crashed in a file the edit changed (`crash_site`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from harness.agent.changed_tests import RewrittenTests
from harness.results.trajectory import CheckedTests
from harness.testsuite.suite import FAILING, PASSING, Statuses, TestSuite

# A frame of a Python traceback, and of pytest's short one ("pkg/mod.py:12: in <module>").
TRACEBACK_FRAME = re.compile(r'File "([^"]+)", line \d+|^([^\s:"]+\.py):\d+: in ', re.M)
ERROR_TAIL_LINES = 30
ERROR_TAIL_CHARS = 3000


@dataclass(frozen=True)
class EditJudgement:
    """What a check found: each failing test in its class, and whether the turn is red."""

    run: Statuses
    tests: CheckedTests
    code_changed: bool
    own_passing: int = 0  # tests the agent wrote or changed that pass

    @property
    def counted(self) -> list[str]:
        return self.tests.newly_failing + self.tests.no_result + self.tests.own

    @property
    def red(self) -> bool:
        return self.code_changed and bool(self.counted)


def judge_edit(
    run: Statuses,
    base: Statuses,
    run_files: set[str],
    rewritten: RewrittenTests,
    suite: TestSuite,
    code_changed: bool,
) -> EditJudgement:
    """Class every test that fails now, or that passed at the base and ran (its file was part
    of the run) without a result. A test id that names no file counts as run when this run
    reported it, and is the agent's when it did not exist at the base and the agent changed a
    test file."""

    def ran(test: str) -> bool:
        file = suite.file_of(test)
        return file in run_files if file else test in run

    def own(test: str) -> bool:
        file = suite.file_of(test)
        if not file:
            return bool(rewritten.names) and test not in base
        return rewritten.covers(file, suite.name_of(test))

    classes: dict[str, list[str]] = {name: [] for name in CheckedTests.model_fields}
    for test in sorted(set(base) | set(run)):
        before, now = base.get(test), run.get(test)
        if now not in FAILING and not (now is None and before in PASSING and ran(test)):
            continue
        if before in FAILING:
            kind = "pre_existing"
        elif own(test):
            kind = "own" if now in FAILING else ""  # one it removed or renamed: no result
        elif before in PASSING:
            kind = "newly_failing" if now in FAILING else "no_result"
        else:
            kind = "no_base_result"
        if kind:
            classes[kind].append(test)
    own_passing = sum(1 for test, status in run.items() if status in PASSING and own(test))
    return EditJudgement(run, CheckedTests(**classes), code_changed, own_passing)


def _repo_path(path: str, files: Iterable[str]) -> str | None:
    """Which of the repository's `files` a path printed by a run names (runs print absolute
    paths, in a container or a local sandbox alike)."""
    return next((f for f in files if path == f or path.endswith("/" + f)), None)


def crash_site(log: str, changed: Iterable[str]) -> str | None:
    """The file the edit changed that a traceback in the log passes through, if any: a run
    that reported no test and crashed there (a syntax or import error in it) is the edit's
    doing."""
    files = list(changed)
    for match in TRACEBACK_FRAME.finditer(log):
        found = _repo_path(match.group(1) or match.group(2), files)
        if found:
            return found
    return None


def error_tail(log: str) -> str:
    """The runner's last lines, where it says why it stopped."""
    lines = [line for line in log.rstrip().splitlines() if line.strip()]
    return "\n".join(lines[-ERROR_TAIL_LINES:])[-ERROR_TAIL_CHARS:]
