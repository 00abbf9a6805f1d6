from dataclasses import replace

import pytest

from harness.grading import Split, Verdict
from harness.validation import judge, validate_task

F2P = ("tests/test_stats.py::test_median_even",)


def test_judge_accepts_a_good_task(calc_task):
    gold = Verdict("resolved", fail_to_pass=Split(F2P))
    bare = Verdict("unresolved", fail_to_pass=Split((), F2P))
    assert judge(calc_task, gold, bare) == []


def test_judge_names_what_is_wrong(calc_task):
    gold = Verdict("unresolved", "tests failed", fail_to_pass=Split((), F2P))
    bare = Verdict("unresolved", fail_to_pass=Split(F2P))
    problems = judge(calc_task, gold, bare)
    assert problems[0].startswith("gold patch: unresolved tests failed tests/test_stats.py")
    assert problems[1] == f"no patch: FAIL_TO_PASS already pass: {F2P[0]}"


@pytest.mark.docker
def test_validate_on_real_containers(docker, calc_task):
    good = validate_task(calc_task, docker)
    assert good.valid, good
    # a FAIL_TO_PASS test that passes without the fix makes the task invalid
    wrong = replace(calc_task, FAIL_TO_PASS=("tests/test_stats.py::test_mean",))
    check = validate_task(wrong, docker)
    assert not check.valid and not check.flaky
    assert any("already pass" in p for p in check.problems)
