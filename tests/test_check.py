"""The edit-test check on a repository with a pre-existing failure, a slow test and tests tied
to its modules by name and by import (tests/data/checks), in local sandboxes."""

import pytest

from harness.agent.baseline import BaselineCache
from harness.agent.changed_tests import RewrittenTests
from harness.agent.judgement import judge_edit
from harness.tasks import load_tasks
from harness.testsuite.suite import edit_check_suite, pytest_suite

from .conftest import DATA
from .helpers import checked, checker, edit


@pytest.fixture(scope="module")
def check_tasks():
    return {task.repo: task for task in load_tasks(str(DATA / "checks"))}


@pytest.fixture(scope="module")
def shop_task(check_tasks):
    return check_tasks["acme/shop"]


@pytest.fixture
def shop(local, shop_task):
    return local.start(shop_task, local.prepare(shop_task))


def test_the_gold_fix_is_ok_and_the_report_is_short(shop, shop_task):
    check = checker(shop, shop_task)
    outcome, seen = checked(check, shop_task.test_patch)  # the reproduction test alone
    assert outcome == "ok" and seen.startswith(
        "Edit applied; it changes tests only, and the tests you added or changed fail, as they "
        "should before a fix."
    )
    assert "Failing tests you added or changed: 1" in seen
    assert "tests/test_cart.py::test_total_counts_quantity" in seen
    assert "assert 2.0 == 6.0" in seen  # its own failure output, not the whole log
    outcome, seen = checked(check, shop_task.patch)
    assert outcome == "ok", seen
    assert seen.splitlines()[0] == "Edit applied; the check passed."
    assert "Ran 1 test file(s) related to your changes: 3 passed, 0 failed" in seen
    assert "Full log: .git/harness/check-2.log" in seen
    assert "test_slow_inventory_count" not in shop.read_file(".git/harness/check-2.log").decode()


def test_a_wrong_fix_leaves_the_agents_own_test_red(shop, shop_task):
    check = checker(shop, shop_task)
    check.edit(shop_task.test_patch)
    wrong = edit(shop, "shop/cart.py", "return len(self.lines)", "return len(self.lines) + 0")
    outcome, seen = checked(check, wrong)
    assert outcome == "tests_red"
    assert "Failing tests you added or changed: 1" in seen


def test_breaking_a_test_that_passed_before_is_red(shop, shop_task):
    broken = edit(shop, "shop/cart.py", "return len(self.lines)", "return 0")
    outcome, seen = checked(checker(shop, shop_task), broken)
    assert outcome == "tests_red"
    assert "Tests that passed before your changes and fail now: 1" in seen
    assert "tests/test_cart.py::test_count_lines" in seen


def test_a_test_file_that_no_longer_collects_is_red(shop, shop_task):
    broken = edit(shop, "shop/cart.py", "class Cart:", "class Cart(:")
    outcome, seen = checked(checker(shop, shop_task), broken)
    assert outcome == "tests_red"
    assert "tests/test_cart.py::test_empty_cart_totals_zero" in seen


def test_a_pre_existing_failure_never_makes_a_turn_red(shop, shop_task):
    harmless = edit(shop, "shop/tax.py", "RATE = 0.2", "RATE = 0.2  # standard rate")
    outcome, seen = checked(checker(shop, shop_task), harmless)
    assert outcome == "ok", seen
    assert "1 test(s) failed before your changes too; they are not counted." in seen


def test_an_edit_no_test_relates_to_runs_the_whole_suite_within_its_budget(shop, shop_task):
    unrelated = edit(shop, "shop/labels.py", "line(s)", "lines")
    outcome, seen = checked(checker(shop, shop_task, timeout=1), unrelated)
    assert outcome == "check_timeout"
    assert "did not finish within 1 s" in seen and ".git/harness/check-1.log" in seen
    outcome, seen = checked(
        checker(shop, shop_task, timeout=60), edit(shop, "shop/labels.py", "lines", "line(s)")
    )
    assert outcome == "ok" and "Ran the whole test suite" in seen


def test_edits_that_do_not_apply(shop, shop_task):
    check = checker(shop, shop_task)
    assert check.edit("not a diff").outcome == "patch_failed"
    stale = edit(shop, "shop/cart.py", "return len(self.lines)", "return 1")
    check.edit(stale)
    outcome, seen = checked(check, stale)
    assert outcome == "patch_failed" and seen.startswith("The edit could not be applied:")


def test_base_statuses_are_measured_once_per_environment(tmp_path, local, shop_task):
    cache = BaselineCache("shop-image", tmp_path)
    first = local.start(shop_task, local.prepare(shop_task))
    assert checker(first, shop_task, cache).edit(shop_task.patch).outcome == "ok"
    assert "base.log" in first.run("ls .git/harness").output  # measured at the base commit
    assert len(list(tmp_path.iterdir())) == 1  # tests/test_cart.py, on disk
    second = local.start(shop_task, local.prepare(shop_task))
    broken = edit(second, "shop/cart.py", "return len(self.lines)", "return 0")
    outcome = checker(second, shop_task, BaselineCache("shop-image", tmp_path)).edit(broken).outcome
    assert outcome == "tests_red"  # judged against the cached base
    assert "base.log" not in second.run("ls .git/harness").output  # not measured again


def test_a_repository_with_its_own_runner_is_checked_with_it(local, check_tasks):
    """acme/units runs its tests with tests/runtests.py (unittest, verbose) and names the
    Django log parser, as a SWE-bench row would: the check runs that runner on the related
    files and reads it with that parser, relative to the base, where test_miles already
    fails."""
    task = check_tasks["acme/units"]
    suite = edit_check_suite(task)
    assert suite.command == "python tests/runtests.py"
    sandbox = local.start(task, local.prepare(task))
    check = checker(sandbox, task)
    outcome, seen = checked(check, task.test_patch)
    assert outcome == "ok" and "test_between" in seen  # the reproduction test fails
    wrong = edit(sandbox, "units/convert.py", "def to_metres(", "def to_metres(  ")
    assert check.edit(wrong).outcome == "tests_red"  # its own new test still fails
    sandbox.restore(sandbox.run("git rev-parse 'HEAD^{tree}'").output.strip())
    check = checker(sandbox, task)
    outcome, seen = checked(check, task.patch)  # the fix alone: only the old failure remains
    assert outcome == "ok", seen
    assert "failed before your changes too; they are not counted" in seen
    log = sandbox.read_file(".git/harness/check-1.log").decode()
    assert "test_kilometres (tests.test_convert.ConvertTests.test_kilometres) ... ok" in log
    assert "test_show" not in log  # only the tests tied to units/convert.py ran


def test_judge_is_relative_to_the_base():
    suite = pytest_suite()
    nobody = RewrittenTests()
    base = {"t.py::a": "PASSED", "t.py::b": "FAILED", "u.py::c": "PASSED"}
    same = {"t.py::a": "PASSED", "t.py::b": "FAILED"}
    assert not judge_edit(same, base, {"t.py"}, nobody, suite, True).red
    worse = {"t.py::a": "FAILED", "t.py::b": "FAILED"}
    verdict = judge_edit(worse, base, {"t.py"}, nobody, suite, True)
    assert verdict.tests.newly_failing == ["t.py::a"] and verdict.tests.pre_existing == ["t.py::b"]
    gone = {"t.py": "ERROR"}  # the file no longer collects
    verdict = judge_edit(gone, base, {"t.py"}, nobody, suite, True)
    assert verdict.red and verdict.tests.no_result == ["t.py::a"]
    assert not judge_edit(worse, base, {"t.py"}, nobody, suite, False).red  # a test-only edit
    own = {"n.py::new": "FAILED"}
    new_file = RewrittenTests({"n.py": None})
    assert judge_edit(own, {}, {"n.py"}, new_file, suite, True).tests.own == ["n.py::new"]
    # ids that name no file count when the run reported them, and are the agent's when new
    named = {"test_old": "PASSED", "test_gone": "PASSED"}
    after = {"test_old": "FAILED", "test_new": "FAILED"}
    verdict = judge_edit(after, named, {"t.py"}, RewrittenTests({"t.py": frozenset()}), suite, True)
    assert (verdict.tests.newly_failing, verdict.tests.own) == (["test_old"], ["test_new"])


def test_related_tests_are_found_in_a_listing_longer_than_the_output_cap(shop, shop_task):
    shop.run("mkdir -p aaa zzz && for i in $(seq 1 1500); do touch aaa/m_$i.py zzz/m_$i.py; done")
    broken = edit(shop, "shop/cart.py", "return len(self.lines)", "return 0")
    outcome, seen = checked(checker(shop, shop_task), broken)
    assert outcome == "tests_red" and "Ran 1 test file(s) related to your changes" in seen


def test_log_records_a_test_prints_are_not_test_results():
    from harness.testsuite.suite import parse_pytest_log

    log = (
        "------------------------------ Captured log call -------------------------------\n"
        "ERROR    jobqueue.future:future.py:153 done callback <function <lambda> at 0x7f>\n"
        "=========================== short test summary info ============================\n"
        "PASSED tests/test_future.py::test_callbacks\n"
        "ERROR tests/test_broken.py\n"
    )
    assert parse_pytest_log(log) == {
        "tests/test_future.py::test_callbacks": "PASSED",
        "tests/test_broken.py": "ERROR",
    }
