"""How a repository's tests are run and read: the command for a set of test files, and the parser
that turns the run's log into a status per test. The agent's check and grading share it.

For a SWE-bench row the eval script says it all: the line between its output markers is the test
command followed by the test files of the test patch (Django: as module labels), and the row
names its log parser, which comes from the `swebench` package's registry (`grading_suite`).
Other tasks run the environment's commands and are read by the built-in pytest parser.

    suite = grading_suite(task)
    result = sandbox.run(suite.for_files(["tests/test_x.py"]), timeout)
    statuses = suite.parse(result.output)     # test id -> PASSED / FAILED / ...
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from harness.diffs import patch_paths
from harness.tasks import Task
from harness.tasks.official import cut_eval_script, runner_arguments
from harness.testsuite import parsers

PASSING = frozenset({"PASSED", "XFAIL"})
FAILING = frozenset({"FAILED", "ERROR"})
PYTEST_STATUS = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S.*?)(?: - .*)?$")
PYTEST_SUMMARY = re.compile(r"^=+ short test summary info =+$")
PYTEST_SECTION = re.compile(r"^_{3,} (.+?) _{3,}$")

Statuses = dict[str, str]  # test id -> PASSED, FAILED, ERROR, SKIPPED, XFAIL, XPASS


def parse_pytest_log(log: str) -> Statuses:
    """Test id -> status from pytest's `-rA` short summary. A file that fails to collect shows
    as its path with status ERROR. Only the summary is read when there is one: a log record a
    test printed ("ERROR    module:file.py:12 message") is not a test."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if PYTEST_SUMMARY.match(line.strip())]
    statuses = {}
    for line in lines[starts[-1] + 1 :] if starts else lines:
        match = PYTEST_STATUS.match(line.strip())
        if match:
            statuses[match.group(2).strip()] = match.group(1)
    return statuses


def pytest_file_of(test_id: str) -> str:
    """The file of a pytest id (a file that failed to collect is its own id); "" when the id
    names no file, as in runners that print test names only (SymPy's)."""
    if "::" in test_id:
        return test_id.split("::", 1)[0]
    return test_id if test_id.endswith(".py") else ""


def pytest_name_of(test_id: str) -> str:
    """The dotted name of a pytest id in its file, parameters dropped: `Class.test_x` for
    `tests/test_a.py::Class::test_x[1]`; "" for a file's own id."""
    if "::" not in test_id:
        return "" if test_id.endswith(".py") else test_id.split("[", 1)[0]
    parts = test_id.split("::")[1:]
    return ".".join([*parts[:-1], parts[-1].split("[", 1)[0]])


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
    name_of: Callable[[str], str] = pytest_name_of  # the test's dotted name in its file
    failure_text: Callable[[str, str], str] = pytest_failure_text
    # how test files become the command's arguments (Django's runner takes module labels)
    arguments: Callable[[list[str]], list[str]] = list
    exports: tuple[str, ...] = ()  # `export` lines an eval script runs before its tests
    shown: str = ""  # how the command is named to the model, when not as it runs

    @property
    def described(self) -> str:
        """The command as the model is told of it."""
        return self.shown or self.command

    def for_files(self, files: Iterable[str]) -> str:
        """The command that runs just these test files."""
        command = " ".join([self.command, *map(shlex.quote, self.arguments(sorted(files)))])
        return " && ".join([*self.exports, command])


def pytest_suite(command: str = "python -m pytest -rA -p no:cacheprovider") -> TestSuite:
    """A pytest command made readable: every outcome in the summary (-rA), and a file that
    fails to collect does not stop the others from running."""
    extra = [flag for flag in ("-rA", "--continue-on-collection-errors") if flag not in command]
    return TestSuite(" ".join([command, *extra]), shown=command)


def edit_check_suite(task: Task) -> TestSuite:
    """The suite the agent's check runs. A row with an eval script is checked with the same
    runner and parser as grading (on the test files the edit check picks from the agent's tree,
    never the hidden ones); other tasks with the environment's check command, read as pytest."""
    if not task.eval_script:
        return pytest_suite(task.environment.check_cmd)
    suite = grading_suite(task)
    if "pytest" in suite.command.split() and "--continue-on-collection-errors" not in suite.command:
        # a file that fails to collect must not stop the others from running
        flagged = f"{suite.command} --continue-on-collection-errors"
        return replace(suite, command=flagged, shown=suite.command)
    return suite


DJANGO_TEST_ID = re.compile(r"^(\w+) \(([\w.]+)\)$")


def _django_label(test_id: str) -> tuple[list[str], int, str]:
    """A Django test id, `test_x (auth_tests.test_validators.Tests)` (or with `.test_x` at the
    end, as Python 3.11 prints it): the label's parts, where its class starts, and the test's
    name; no parts for an id of another shape (a docstring, a module that failed to load)."""
    match = DJANGO_TEST_ID.match(test_id)
    if not match:
        return [], 0, ""
    parts = match.group(2).split(".")
    end = next((i for i, part in enumerate(parts) if part[:1].isupper()), len(parts))
    return parts, end, match.group(1)


def django_file_of(test_id: str) -> str:
    """The file of a Django test id: the module label up to the class, under tests/; "" when
    the id names no module."""
    parts, end, _ = _django_label(test_id)
    return "tests/" + "/".join(parts[:end]) + ".py" if end else ""


def django_name_of(test_id: str) -> str:
    """The dotted name of a Django test in its file: `Tests.test_x`."""
    parts, end, name = _django_label(test_id)
    classes = [part for part in parts[end:] if part != name]
    return ".".join([*classes, name]) if end else test_id


def log_parser(task: Task) -> Callable[[str], Statuses]:
    """The parser a task's log is read with: the row's from SWE-bench's registry, or the
    built-in pytest parser. Raises HarnessError for a name no registry has."""
    if parsers.is_builtin(task.log_parser):
        return parse_pytest_log
    return parsers.registry_parser(str(task.log_parser), swebench_spec(task))


def grading_suite(task: Task) -> TestSuite:
    """The suite grading runs and reads a task with: a SWE-bench row's eval-script command and
    log parser, else the environment's test command. Raises HarnessError for an eval script
    without its markers or an unknown parser: the task cannot be graded."""
    parse = log_parser(task)
    if not task.eval_script:
        return TestSuite(task.environment.test_cmd, parse)
    parts = cut_eval_script(task.eval_script)
    command = " ".join(line.strip() for line in parts.tests)
    directives = " ".join(runner_arguments(task.repo, patch_paths(task.test_patch)))
    if directives and command.endswith(" " + directives):
        command = command[: -len(directives)].rstrip()
    exports = tuple(line.strip() for line in parts.before if line.strip().startswith("export "))
    django = task.repo == "django/django"
    return TestSuite(
        command,
        parse,
        file_of=django_file_of if django else pytest_file_of,
        name_of=django_name_of if django else pytest_name_of,
        arguments=partial(runner_arguments, task.repo),
        exports=exports,
    )


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
