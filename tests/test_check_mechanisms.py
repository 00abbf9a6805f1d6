"""The three ways an edit check called correct fixes red on real repositories, each rebuilt in a
fixture repository of tests/data/checks laid out like an official SWE-bench row (eval script,
log parser from swebench's registry), checked in local sandboxes:
- acme/signals: a test file whose tests of a deprecated call already fail (warnings are errors)
  and that the reproduction step edits, one of those tests included;
- django/django: a Django-shaped repository whose runner aborts, running nothing, whenever a
  gis_tests label is among those it is given;
- acme/ledger: a gold fix that breaks a test no hidden list names."""

import pytest

from harness.agent.baseline import BaselineCache
from harness.tasks import load_tasks

from .conftest import DATA
from .helpers import checked, checker, edit

GIS_ABORT = "Aborting: A GIS database backend is required to run gis_tests."


@pytest.fixture(scope="module")
def tasks():
    return {task.repo: task for task in load_tasks(str(DATA / "checks"))}


@pytest.fixture
def start(local, tasks):
    def start(repo):
        task = tasks[repo]
        return task, local.start(task, local.prepare(task))

    return start


def test_failures_that_were_there_before_never_count_in_a_file_the_agent_edits(start):
    task, sandbox = start("acme/signals")
    check = checker(sandbox, task)
    outcome, seen = checked(check, task.test_patch)
    assert outcome == "ok"
    assert seen.startswith("Edit applied; it changes tests only, and the tests you added or")
    # its own new test fails; the rewritten test that failed before is not listed as its own
    assert "Failing tests you added or changed: 1\n- tests/test_signals.py::test_disconnect" in seen
    outcome, seen = checked(check, task.patch)
    assert outcome == "ok", seen
    assert seen.startswith("Edit applied; the check passed.")
    assert "2 passed, 3 failed" in seen
    assert "3 test(s) failed before your changes too; they are not counted." in seen


def test_a_wrong_fix_beside_failures_from_before_is_red_for_its_own_test_alone(start):
    task, sandbox = start("acme/signals")
    check = checker(sandbox, task)
    check.edit(task.test_patch)
    wrong = edit(
        sandbox,
        "signals/core.py",
        "    def send(self, *args):",
        "    def disconnect(self, receiver):\n        pass\n\n    def send(self, *args):",
    )
    result = check.edit(wrong)
    assert result.outcome == "tests_red"
    assert result.tests is not None
    assert result.tests.own == ["tests/test_signals.py::test_disconnect"]
    assert result.tests.pre_existing == [
        "tests/test_signals.py::TestLegacy::test_send_robust_many",
        "tests/test_signals.py::test_send_robust_returns_results",
        "tests/test_signals.py::test_send_robust_without_receivers",  # rewritten, failed before
    ]
    assert result.tests.newly_failing == [] and result.tests.no_result == []


def test_a_test_file_the_runner_cannot_run_is_learnt_at_the_base_and_left_out(start, tmp_path):
    task, sandbox = start("django/django")
    cache = BaselineCache("django-image", tmp_path)
    check = checker(sandbox, task, cache)
    outcome, seen = checked(check, task.test_patch)
    assert outcome == "ok" and "test_wrap_long_word" in seen
    # the fix's module is imported by tests/gis_tests/test_geo.py too; given with it, the
    # runner would abort and report nothing
    outcome, seen = checked(check, task.patch)
    assert outcome == "ok", seen
    assert "Ran 1 test file(s) related to your changes: 3 passed, 0 failed" in seen
    assert (
        "Left out: 1 related test file(s) that give no test result in this environment, not "
        "even at the base commit: tests/gis_tests/test_geo.py"
    ) in seen
    log = sandbox.read_file(".git/harness/check-2.log").decode()
    assert GIS_ABORT not in log and "test_wrap_long_word" in log
    gis = cache.get(check.suite.command, "tests/gis_tests/test_geo.py")
    assert gis is not None and not gis.runnable  # kept for every later check on the image
    assert cache.get(check.suite.command, "tests/utils_tests/test_text.py").runnable

    _, again = start("django/django")
    result = checker(again, task, BaselineCache("django-image", tmp_path)).edit(task.patch)
    assert result.outcome == "ok" and "Left out: 1" in result.observation
    assert "base.log" not in again.run("ls .git/harness").output  # nothing ran at the base


def test_a_run_that_reports_nothing_is_a_check_error_with_the_runners_own_words(start):
    task, sandbox = start("django/django")
    check = checker(sandbox, task)
    check.edit(task.test_patch)
    # a new gis_tests module has no base to learn from: the runner aborts on its label
    new_module = edit(
        sandbox,
        "tests/gis_tests/test_wrap.py",
        None,
        "import unittest\n\nfrom django.utils.text import wrap\n\n\n"
        "class WrapTests(unittest.TestCase):\n"
        "    def test_wrap(self):\n"
        '        self.assertEqual(wrap("a b", 1), "a\\nb")\n',
    )
    result = check.edit(new_module + task.patch)
    assert result.outcome == "check_error", result.observation
    seen = result.observation
    assert seen.startswith("Edit applied; the check could not judge it.")
    assert "the run reported no test result at all" in seen
    assert GIS_ABORT in seen  # the runner's own last lines
    assert "Full log: .git/harness/check-2.log" in seen
    assert GIS_ABORT in sandbox.read_file(".git/harness/check-2.log").decode()
    assert result.tests is None


def test_a_run_that_crashes_in_a_file_the_edit_changed_is_red(start):
    task, sandbox = start("django/django")
    broken = edit(sandbox, "django/utils/version.py", "def get_version(version):", "def get(:")
    result = checker(sandbox, task).edit(broken)
    assert result.outcome == "tests_red", result.observation
    assert "the run stopped in django/utils/version.py, which you changed" in result.observation
    assert "SyntaxError" in result.observation
    assert result.tests is not None
    assert result.tests.no_result == [
        "test_get_version (version.tests.VersionTests.test_get_version)"
    ]


def test_a_crash_the_edit_did_not_cause_is_not_red(start):
    """A runner that stops before any test for a reason of its own: a check_error, never red,
    even though the base gave results."""
    task, sandbox = start("django/django")
    check = checker(sandbox, task)
    check.edit(task.test_patch)
    sandbox.run("chmod -x tests/runtests.py")  # not the edit's doing, not part of a diff
    result = check.edit(task.patch)
    assert result.outcome == "check_error", result.observation
    assert "Permission denied" in result.observation


def test_a_gold_fix_that_breaks_a_test_no_hidden_list_names_is_red(start):
    task, sandbox = start("acme/ledger")
    check = checker(sandbox, task)
    assert check.edit(task.test_patch).outcome == "ok"
    result = check.edit(task.patch)
    assert result.outcome == "tests_red"
    assert result.tests is not None
    broken = ["tests/test_money.py::test_format_debt_as_before"]
    assert result.tests.newly_failing == broken
    assert not set(broken) & set(task.FAIL_TO_PASS + task.PASS_TO_PASS)


def test_an_edit_whose_only_tests_the_runner_cannot_run_is_a_check_error(start):
    task, sandbox = start("django/django")
    rounded = edit(sandbox, "django/contrib/gis/measure.py", "metres / 1000", "metres / 1000.0")
    result = checker(sandbox, task).edit(rounded)
    assert result.outcome == "check_error", result.observation
    assert (
        "None of the 1 test file(s) related to your changes gives a test result in this "
        "environment, not even at the base commit, so no test was run: "
        "tests/gis_tests/test_measure.py"
    ) in result.observation
