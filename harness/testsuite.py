"""How a repository's tests are run and read: the command for a set of test files, and the parser
that turns the run's log into a status per test. The agent's check and grading share it."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from harness.tasks import Task

PASSING = frozenset({"PASSED", "XFAIL"})
FAILING = frozenset({"FAILED", "ERROR"})
PYTEST_STATUS = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (.+?)(?: - .*)?$")
PYTEST_SECTION = re.compile(r"^_{3,} (.+?) _{3,}$")

Statuses = dict[str, str]  # test id -> PASSED, FAILED, ERROR, SKIPPED, XFAIL, XPASS


def parse_pytest_log(log: str) -> Statuses:
    """Test id -> status from pytest's `-rA` short summary. A file that fails to collect shows
    as its path with status ERROR."""
    statuses = {}
    for line in log.splitlines():
        match = PYTEST_STATUS.match(line.strip())
        if match:
            statuses[match.group(2).strip()] = match.group(1)
    return statuses


def pytest_file_of(test_id: str) -> str:
    return test_id.split("::", 1)[0]


def pytest_failure_text(log: str, test_id: str) -> str:
    """The failure section pytest printed for one test ("___ Class.test ___" up to the next
    section), or "" when there is none."""
    name = test_id.split("::", 1)[1].replace("::", ".") if "::" in test_id else test_id
    lines, taking = [], False
    for line in log.splitlines():
        header = PYTEST_SECTION.match(line)
        if header or line.startswith("====="):
            if taking:
                break
            taking = bool(header) and header is not None and header.group(1) == name
            continue
        if taking:
            lines.append(line)
    return "\n".join(lines).strip()


@dataclass(frozen=True)
class TestSuite:
    """One repository's way of running tests."""

    __test__ = False  # not a pytest test class, despite the name
    command: str  # runs the default selection: the whole suite
    parse: Callable[[str], Statuses] = parse_pytest_log
    file_of: Callable[[str], str] = pytest_file_of
    failure_text: Callable[[str, str], str] = pytest_failure_text

    def for_files(self, files: Iterable[str]) -> str:
        """The command that runs just these test files."""
        return " ".join([self.command, *(shlex.quote(f) for f in sorted(files))])


def pytest_suite(command: str = "python -m pytest -rA -p no:cacheprovider") -> TestSuite:
    """A pytest command made readable: every outcome in the summary (-rA), and a file that
    fails to collect does not stop the others from running."""
    extra = [flag for flag in ("-rA", "--continue-on-collection-errors") if flag not in command]
    return TestSuite(" ".join([command, *extra]))


def suite_for(task: Task) -> TestSuite:
    """The suite the agent's check runs: the environment's check command."""
    return pytest_suite(task.environment.check_cmd)
