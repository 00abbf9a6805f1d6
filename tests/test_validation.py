from dataclasses import replace

from harness.grading.validation import task_problems, validate_task
from harness.results import TestSplit, Verdict

F2P = ["tests/test_stats.py::test_median_even"]


def test_judge_accepts_a_good_task(calc_task):
    gold = Verdict(status="resolved", FAIL_TO_PASS=TestSplit(success=F2P))
    bare = Verdict(status="unresolved", FAIL_TO_PASS=TestSplit(failure=F2P))
    assert task_problems(calc_task, gold, bare) == []


def test_judge_names_what_is_wrong(calc_task):
    gold = Verdict(status="unresolved", reason="tests failed", FAIL_TO_PASS=TestSplit(failure=F2P))
    bare = Verdict(status="unresolved", FAIL_TO_PASS=TestSplit(success=F2P))
    problems = task_problems(calc_task, gold, bare)
    assert problems[0].startswith("gold patch: unresolved tests failed tests/test_stats.py")
    assert problems[1] == f"no patch: FAIL_TO_PASS already pass: {F2P[0]}"


def test_validate_on_real_containers(docker, calc_task):
    good = validate_task(calc_task, docker)
    assert good.valid, good
    # a FAIL_TO_PASS test that passes without the fix makes the task invalid
    wrong = replace(calc_task, FAIL_TO_PASS=("tests/test_stats.py::test_mean",))
    check = validate_task(wrong, docker)
    assert not check.valid and not check.flaky
    assert any("already pass" in p for p in check.problems)


def test_a_task_whose_environment_cannot_run_its_tests_is_unrunnable(docker, official_dataset):
    from harness.tasks import load_tasks

    task = next(t for t in load_tasks(str(official_dataset)) if t.instance_id == "pytoolz__toolz-2")
    check = validate_task(task, docker, runs=1)
    assert check.verdict == "unrunnable", check
    assert check.problems[0].startswith(
        "gold patch: error the environment cannot run the task's tests"
    )
