"""Grading in images laid out like SWE-bench's official ones (tests/official_images.py)."""

from __future__ import annotations

import pytest
from swebench.harness.grading import get_eval_tests_report, get_logs_eval, get_resolution_status
from swebench.harness.utils import make_test_spec

from harness.grading import decide, evaluate
from harness.grading.evaluate import EnvironmentChecks, run_tests
from harness.grading.script import Markers, read_log
from harness.tasks import load_tasks
from harness.testsuite.suite import grading_suite

from .conftest import run_id

GOOD = ["pytoolz__toolz-1", "more-itertools__more-itertools-1", "shellkit__shellcalc-1"]


@pytest.fixture
def official_tasks(official_dataset):
    return {task.instance_id: task for task in load_tasks(str(official_dataset))}


@pytest.fixture
def official(docker_client):
    from harness.sandbox.docker import DockerProvider

    provider = DockerProvider(docker_client, run_id=run_id("official"))
    yield provider
    provider.cleanup()


def as_official_log(log: str, markers: Markers) -> str:
    """A harness log as the official harness would have written it."""
    return (
        log.replace(markers.start, ">>>>> Start Test Output")
        .replace(markers.end, ">>>>> End Test Output")
        .replace(markers.exit, ">>>>> Test Exit Code")
    )


@pytest.mark.parametrize("instance_id", GOOD)
def test_real_logs_grade_as_swebench_grades_them(
    instance_id, official, official_tasks, official_rows, tmp_path, monkeypatch
):
    """The real test logs of the fixture images, gold and no patch: same F2P/P2P lists and
    the same verdict as swebench's own functions."""
    task = official_tasks[instance_id]
    row = next(r for r in official_rows if r["instance_id"] == instance_id)
    seen = []
    real_fresh = Markers.fresh
    monkeypatch.setattr(
        Markers, "fresh", classmethod(lambda cls: seen.append(real_fresh()) or seen[-1])
    )
    environment = official.prepare(task)
    for patch, resolved in ((task.patch, True), ("", False)):
        run = run_tests(task, grading_suite(task), patch, official, environment, 300)
        assert not run.problem and read_log(run.log, seen[-1]).section is not None
        verdict = decide(task.FAIL_TO_PASS, task.PASS_TO_PASS, run.statuses)
        assert (verdict.status == "resolved") is resolved, run.log[-2000:]
        path = tmp_path / "log.txt"
        path.write_text(as_official_log(run.log, seen[-1]))
        spec = make_test_spec(row)
        statuses, found = get_logs_eval(spec, str(path))
        report = get_eval_tests_report(
            statuses, {"FAIL_TO_PASS": spec.FAIL_TO_PASS, "PASS_TO_PASS": spec.PASS_TO_PASS}
        )
        assert found and (get_resolution_status(report) == "RESOLVED_FULL") is resolved
        assert verdict.FAIL_TO_PASS.success == report["FAIL_TO_PASS"]["success"]
        assert verdict.FAIL_TO_PASS.failure == report["FAIL_TO_PASS"]["failure"]
        assert verdict.PASS_TO_PASS.success == report["PASS_TO_PASS"]["success"]
        assert verdict.PASS_TO_PASS.failure == report["PASS_TO_PASS"]["failure"]


def forgery(tests: tuple[str, ...]) -> list[str]:
    """Code that prints a PASSED line for every test, then the official end marker and exit
    code, when the test process exits (after pytest's own summary, out of its capture)."""
    fake = [f"PASSED {test}" for test in tests] + ["+ : '>>>>> End Test Output'"]
    fake.append(">>>>> Test Exit Code: 0")
    text = "\n".join(fake) + "\n"
    return [
        "import atexit as _atexit, os as _os",
        f"_atexit.register(_os.write, 1, {text!r}.encode())",
    ]


def prepend(client, task, path: str, lines: list[str]) -> str:
    """A patch that puts `lines` at the top of a file of the task's image."""
    head = client.containers.run(task.image, ["head", "-3", f"/testbed/{path}"], remove=True)
    context = head.decode().splitlines()
    return (
        f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
        f"@@ -1,{len(context)} +1,{len(context) + len(lines)} @@\n"
        + "".join(f"+{line}\n" for line in lines)
        + "".join(f" {line}\n" for line in context)
    )


def test_fake_passed_lines_and_fake_end_markers_do_not_resolve(
    official, official_tasks, official_rows, tmp_path, monkeypatch
):
    task = official_tasks["pytoolz__toolz-1"]
    lines = forgery(task.FAIL_TO_PASS + task.PASS_TO_PASS)
    forged = prepend(official.client, task, "toolz/__init__.py", lines)
    seen = []
    real_fresh = Markers.fresh
    monkeypatch.setattr(
        Markers, "fresh", classmethod(lambda cls: seen.append(real_fresh()) or seen[-1])
    )
    verdict = evaluate(task, forged, official, official.prepare(task), 300)
    # the fake lines pass for results, but this run's exit code cannot be faked: the tests
    # failed, the untouched base shows the environment works, so the patch is at fault
    assert verdict.status == "unresolved", verdict
    assert verdict.reason == (
        "the patch broke the test run: the test command exited 1 but reported no failure"
    )
    assert verdict.suspicious.startswith("the test log contradicts the test command's exit")
    # the same run, read with the official fixed markers, would have passed as resolved
    run = run_tests(task, grading_suite(task), forged, official, official.prepare(task), 300)
    path = tmp_path / "log.txt"
    path.write_text(as_official_log(run.log, seen[-1]))
    row = next(r for r in official_rows if r["instance_id"] == task.instance_id)
    spec = make_test_spec(row)
    statuses, found = get_logs_eval(spec, str(path))
    report = get_eval_tests_report(
        statuses, {"FAIL_TO_PASS": spec.FAIL_TO_PASS, "PASS_TO_PASS": spec.PASS_TO_PASS}
    )
    assert found and get_resolution_status(report) == "RESOLVED_FULL"


def test_a_missing_dependency_is_an_error_and_the_base_is_graded_once(
    official, official_tasks, monkeypatch
):
    task = official_tasks["pytoolz__toolz-2"]
    environment = official.prepare(task)
    started = []
    real_start = official.start
    monkeypatch.setattr(
        official, "start", lambda *args, **kw: started.append(1) or real_start(*args, **kw)
    )
    checks = EnvironmentChecks()
    first = evaluate(task, task.patch, official, environment, 300, checks)
    assert first.status == "error", first
    assert first.reason.startswith("the environment cannot run the task's tests")
    assert "No module named 'pluggy'" in first.reason
    assert len(started) == 3  # the patch, then the untouched base, then the gold patch
    second = evaluate(task, "", official, environment, 300, checks)
    assert (second.status, len(started)) == ("error", 4)  # the base's answer was kept


def test_a_patch_that_breaks_the_test_run_is_the_patchs_fault(official, official_tasks):
    task = official_tasks["pytoolz__toolz-1"]
    broken = prepend(official.client, task, "toolz/__init__.py", ["raise ImportError('oops')"])
    verdict = evaluate(task, broken, official, official.prepare(task), 300)
    assert verdict.status == "unresolved", verdict
    assert verdict.reason.startswith("the patch broke the test run: no results")
