from harness.grading import decide, grade, reset_test_files
from harness.models.sim import wrong_edit
from harness.testsuite import parse_pytest_log

LOG = """\
============================= test session starts ==============================
tests/test_stats.py ..F.                                                  [100%]
=========================== short test summary info ============================
PASSED tests/test_stats.py::test_mean
PASSED tests/test_stats.py::test_param[a-1]
FAILED tests/test_stats.py::test_median_even - assert 3 == 2.5
ERROR tests/test_other.py::test_setup - RuntimeError: boom
SKIPPED [1] tests/test_stats.py:20: no numpy
XFAIL tests/test_stats.py::test_known - reason
========================= 1 failed, 3 passed in 0.05s ==========================
"""


def test_parse_pytest_log():
    assert parse_pytest_log(LOG) == {
        "tests/test_stats.py::test_mean": "PASSED",
        "tests/test_stats.py::test_param[a-1]": "PASSED",
        "tests/test_stats.py::test_median_even": "FAILED",
        "tests/test_other.py::test_setup": "ERROR",
        "[1] tests/test_stats.py:20: no numpy": "SKIPPED",
        "tests/test_stats.py::test_known": "XFAIL",
    }


def test_decide_needs_every_listed_test_to_pass(calc_task):
    statuses = {
        "tests/test_stats.py::test_median_even": "PASSED",
        "tests/test_stats.py::test_mean": "PASSED",
        "tests/test_stats.py::test_median_odd": "PASSED",
    }
    assert decide(calc_task, statuses).status == "resolved"
    broken = {**statuses, "tests/test_stats.py::test_mean": "FAILED"}
    verdict = decide(calc_task, broken)
    assert verdict.status == "unresolved"
    assert verdict.PASS_TO_PASS.failure == ["tests/test_stats.py::test_mean"]
    assert verdict.FAIL_TO_PASS.success == ["tests/test_stats.py::test_median_even"]
    missing = {k: v for k, v in statuses.items() if "even" not in k}
    assert decide(calc_task, missing).FAIL_TO_PASS.failure == [
        "tests/test_stats.py::test_median_even"
    ]


def test_reset_test_files_restores_tracked_and_removes_new():
    patch = (
        "--- a/tests/test_a.py\n+++ b/tests/test_a.py\n@@ -1 +1 @@\n-x\n+y\n"
        "--- /dev/null\n+++ b/tests/test_new.py\n@@ -0,0 +1 @@\n+z\n"
    )
    script = reset_test_files(patch)
    assert "tests/test_a.py" in script and "tests/test_new.py" in script
    assert script.count("git cat-file") == 2


def test_gold_patch_resolves(docker, calc_task, calc_image):
    verdict = grade(calc_task, calc_task.patch, docker, calc_image)
    assert verdict.status == "resolved", verdict.log
    assert verdict.FAIL_TO_PASS.success == list(calc_task.FAIL_TO_PASS)


def test_empty_patch(docker, calc_task, calc_image):
    assert grade(calc_task, "  \n", docker, calc_image).status == "empty_patch"


def test_patch_that_cannot_apply(docker, calc_task, calc_image):
    bad = calc_task.patch.replace("-    return ordered[middle]", "-    return ordered[7]")
    verdict = grade(calc_task, bad, docker, calc_image)
    assert (verdict.status, verdict.reason) == ("unresolved", "the patch does not apply")


def test_patch_that_applies_but_fixes_nothing(docker, calc_task, calc_image):
    verdict = grade(calc_task, wrong_edit(calc_task.patch), docker, calc_image)
    assert verdict.status == "unresolved"
    assert verdict.FAIL_TO_PASS.failure == list(calc_task.FAIL_TO_PASS)
    assert verdict.PASS_TO_PASS.failure == []


def test_model_edits_to_official_test_files_do_not_collide(docker, calc_task, calc_image):
    # The agent's reproduction test is the test_patch itself: grading must still apply it.
    verdict = grade(calc_task, calc_task.patch + calc_task.test_patch, docker, calc_image)
    assert verdict.status == "resolved", verdict.log


def test_a_container_killed_mid_grading_is_an_error(docker, calc_task, calc_image, monkeypatch):
    from harness.sandbox.docker import DockerSandbox

    real_run = DockerSandbox.run

    def run_then_die(self, command, timeout=60, stdin=None):
        if "pytest" in command:
            self.container.kill()
        return real_run(self, command, timeout, stdin)

    monkeypatch.setattr(DockerSandbox, "run", run_then_die)
    verdict = grade(calc_task, calc_task.patch, docker, calc_image)
    assert verdict.status == "error", verdict


def test_an_eval_script_replaces_the_built_in_test_step(docker, calc_task, calc_image):
    from dataclasses import replace

    script = (
        "set -e\ncat > /tmp/t.patch <<'EOF'\n" + calc_task.test_patch + "EOF\n"
        "git apply /tmp/t.patch\npython -m pytest -rA -p no:cacheprovider "
        "tests/test_stats.py\n"
    )
    scripted = replace(calc_task, eval_script=script, log_parser="pytest")
    assert grade(scripted, calc_task.patch, docker, calc_image).status == "resolved"
    unfixed = grade(scripted, wrong_edit(calc_task.patch), docker, calc_image)
    assert (unfixed.status, unfixed.FAIL_TO_PASS.failure) == (
        "unresolved",
        list(calc_task.FAIL_TO_PASS),
    )
    odd = replace(calc_task, log_parser="django")
    verdict = grade(odd, calc_task.patch, docker, calc_image)
    assert (verdict.status, verdict.reason) == (
        "error",
        "unsupported log_parser 'django' (supported: pytest)",
    )
