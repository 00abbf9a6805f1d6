from dataclasses import replace

import pytest

from harness import HarnessError
from harness.grading import decide, grade, reset_test_files
from harness.grading.evaluate import read_run
from harness.grading.script import Markers, grading_script, read_log
from harness.grading.verdict import has_results
from harness.models.sim import wrong_edit
from harness.tasks import task_from_row
from harness.testsuite.parsers import check_parser, registry_parser
from harness.testsuite.suite import grading_suite, parse_pytest_log

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

DJANGO_TEST_PATCH = """\
diff --git a/tests/auth_tests/test_validators.py b/tests/auth_tests/test_validators.py
--- a/tests/auth_tests/test_validators.py
+++ b/tests/auth_tests/test_validators.py
@@ -1 +1 @@
-x
+y
"""
DJANGO_SCRIPT = f"""\
#!/bin/bash
set -uxo pipefail
source /opt/miniconda3/bin/activate
conda activate testbed
cd /testbed
export LANG=en_US.UTF-8
git checkout abc tests/auth_tests/test_validators.py
git apply -v - <<'EOF_114329324912'
{DJANGO_TEST_PATCH}EOF_114329324912
: '>>>>> Start Test Output'
./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 auth_tests.test_validators
: '>>>>> End Test Output'
git checkout abc tests/auth_tests/test_validators.py
"""


def django_task(**changes):
    row = {
        "instance_id": "django__django-1",
        "repo": "django/django",
        "base_commit": "abc",
        "problem_statement": "x",
        "patch": "--- a/django/x.py\n+++ b/django/x.py\n@@ -1 +1 @@\n-a\n+b\n",
        "test_patch": DJANGO_TEST_PATCH,
        "FAIL_TO_PASS": ["test_ascii (auth_tests.test_validators.Tests)"],
        "PASS_TO_PASS": ["test_unicode (auth_tests.test_validators.Tests)"],
        "eval_script": DJANGO_SCRIPT,
        "log_parser": "parse_log_django",
        "image": "swebench/sweb.eval.x86_64.django_1776_django-1:latest",
        **changes,
    }
    return task_from_row(row)


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
    f2p, p2p = calc_task.FAIL_TO_PASS, calc_task.PASS_TO_PASS
    assert decide(f2p, p2p, statuses).status == "resolved"
    broken = {**statuses, "tests/test_stats.py::test_mean": "FAILED"}
    verdict = decide(f2p, p2p, broken)
    assert verdict.status == "unresolved"
    assert verdict.PASS_TO_PASS.failure == ["tests/test_stats.py::test_mean"]
    assert verdict.FAIL_TO_PASS.success == ["tests/test_stats.py::test_median_even"]
    missing = {k: v for k, v in statuses.items() if "even" not in k}
    assert decide(f2p, p2p, missing).FAIL_TO_PASS.failure == [
        "tests/test_stats.py::test_median_even"
    ]


def test_decide_follows_swebench_5_rules():
    # a skipped FAIL_TO_PASS test is no fix; a skipped PASS_TO_PASS test is no regression
    skipped = decide(("t::a",), ("t::b",), {"t::a": "SKIPPED", "t::b": "SKIPPED"})
    assert (skipped.FAIL_TO_PASS.failure, skipped.PASS_TO_PASS.success) == (["t::a"], ["t::b"])
    # an id cut short inside its parameters matches the ids it begins when they agree
    truncated = decide(("t::x[log(ph",), (), {"t::x[log(photon)]": "PASSED"})
    assert truncated.status == "resolved"
    split = decide(("t::x[a",), (), {"t::x[ab]": "PASSED", "t::x[ac]": "FAILED"})
    assert split.FAIL_TO_PASS.failure == ["t::x[a"]
    # fail_only: only a test reported FAILED fails
    assert decide(("t::a",), ("t::b",), {"t::b": "ERROR"}, "fail_only").status == "resolved"
    assert decide(("t::a",), (), {"t::a": "FAILED"}, "fail_only").status == "unresolved"
    # an odd status word leaves a test in neither list, as SWE-bench counts it
    odd = decide(("t::a", "t::b"), (), {"t::a": "PASSED", "t::b": "PASSEDX"})
    assert (odd.status, odd.FAIL_TO_PASS.success, odd.FAIL_TO_PASS.failure) == (
        "resolved",
        ["t::a"],
        [],
    )


def test_only_this_runs_nonce_marks_the_test_output():
    markers, other = Markers.fresh(), Markers.fresh()
    assert markers.nonce != other.nonce and len(markers.nonce) == 32
    # what the code under test can read of the log while it runs gives nothing else away
    assert markers.start_nonce not in markers.end + markers.exit
    log = (
        f"{markers.start}\nPASSED t::real\n"
        ": '>>>>> End Test Output'\n>>>>> End Test Output\n"  # printed by the code under test
        f"{other.end}\n{other.exit}: 0\n>>>>> Test Exit Code: 0\n"
        f"FAILED t::real\n{markers.end}\n{markers.exit}: 1\n"
    )
    read = read_log(log, markers)
    assert read.exit_code == 1
    assert parse_pytest_log(read.section or "")["t::real"] == "FAILED"
    assert read_log("PASSED t::a\n", markers).section is None


def test_an_official_script_gets_fresh_markers_and_records_the_exit_code():
    markers = Markers.fresh()
    script = grading_script(django_task(), markers)
    assert ">>>>> Start Test Output" not in script and ">>>>> End Test Output" not in script
    lines = script.splitlines()
    assert lines[:2] == ["#!/bin/bash", "set -uxo pipefail"]
    start, end = lines.index(f"echo {markers.start}"), lines.index(f"echo {markers.end}")
    assert lines[start + 1].startswith("./tests/runtests.py --verbosity 2")
    assert lines[end - 1] == "HARNESS_TEST_EXIT_CODE=$?"
    assert lines[end + 1] == f'echo "{markers.exit}: $HARNESS_TEST_EXIT_CODE"'
    assert lines[-1] == "git checkout abc tests/auth_tests/test_validators.py"
    assert grading_script(django_task(), Markers.fresh()) != script


@pytest.mark.parametrize(
    "script",
    [
        "cd /testbed\npytest\n",
        ": '>>>>> End Test Output'\npytest\n: '>>>>> Start Test Output'\n",
        ": '>>>>> Start Test Output'\n: '>>>>> End Test Output'\n",
    ],
)
def test_an_eval_script_without_its_markers_cannot_grade(script):
    with pytest.raises(HarnessError, match="eval_script needs one"):
        grading_suite(django_task(eval_script=script))


def test_a_generated_script_applies_the_test_patch_in_swebench_shape(calc_task):
    markers = Markers.fresh()
    script = grading_script(calc_task, markers)
    assert f"git apply -v - <<'{markers.heredoc}'" in script
    assert calc_task.test_patch.rstrip("\n") in script
    assert f"echo {markers.start}\n{calc_task.environment.test_cmd}\n" in script
    assert "conda" not in script  # the bundled suite has nothing to activate
    assert script.count("git cat-file -e HEAD:tests/test_stats.py") == 2  # reset before and after


def test_the_suite_of_a_row_names_test_files_as_its_eval_script_does():
    suite = grading_suite(django_task())
    assert suite.command == "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1"
    assert suite.exports == ("export LANG=en_US.UTF-8",)
    assert suite.for_files(["tests/forms_tests/test_x.py", "tests/a b.py"]) == (
        "export LANG=en_US.UTF-8 && ./tests/runtests.py --verbosity 2 --settings=test_sqlite "
        "--parallel 1 'a b' forms_tests.test_x"
    )
    test = "test_ascii (auth_tests.test_validators.Tests)"
    assert suite.parse(f"{test} ... ok\n") == {test: "PASSED"}
    assert suite.file_of(test) == "tests/auth_tests/test_validators.py"


def test_the_bundled_suites_grading_runs_its_test_command(calc_task):
    suite = grading_suite(calc_task)
    assert suite.command == calc_task.environment.test_cmd
    assert suite.parse(LOG)["tests/test_stats.py::test_mean"] == "PASSED"


def test_parsers_come_from_the_swebench_registry():
    from swebench.harness.log_parsers import PARSER_REGISTRY

    for name in ("parse_log_django", "parse_log_sympy", "parse_log_pytest", "parse_log_scikit"):
        check_parser(name)
        assert registry_parser(name)("FAILED a::b - x\n") == PARSER_REGISTRY[name](
            "FAILED a::b - x\n", None
        )
    with pytest.raises(HarnessError, match="unknown log_parser 'parse_log_cobol'"):
        check_parser("parse_log_cobol")


def test_importing_swebench_leaves_the_environment_alone(tmp_path):
    import subprocess
    import sys

    (tmp_path / ".env").write_text("HARNESS_FROM_DOTENV=leaked\n")
    code = (
        "import os; from harness.testsuite.parsers import swebench_registry; swebench_registry(); "
        "print(os.environ.get('HARNESS_FROM_DOTENV', 'absent'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(__import__("harness").__path__[0].rsplit("/", 1)[0]), "PATH": ""},
    )
    assert result.stdout.strip() == "absent", result.stderr


def test_a_log_without_the_tasks_tests_has_no_results(calc_task):
    runner, markers = grading_suite(calc_task), Markers.fresh()
    section = "ERROR tests/test_stats.py - ImportError"
    log = f"{markers.start}\n{section}\n{markers.end}\n{markers.exit}: 2"
    run = read_run(calc_task, runner, log, markers)
    assert run.problem == "no results for the task's tests (exit 2)"
    lying = (
        f"{markers.start}\nPASSED tests/test_stats.py::test_mean\n{markers.end}\n{markers.exit}: 1"
    )
    assert "exited 1 but reported no failure" in read_run(calc_task, runner, lying, markers).problem
    assert not has_results(("a",), ("b",), {"c": "PASSED"})
    assert has_results((), (), {"c": "PASSED"}) and not has_results((), (), {})


def test_reset_test_files_restores_tracked_and_removes_new():
    patch = (
        "--- a/tests/test_a.py\n+++ b/tests/test_a.py\n@@ -1 +1 @@\n-x\n+y\n"
        "--- /dev/null\n+++ b/tests/test_new.py\n@@ -0,0 +1 @@\n+z\n"
    )
    lines = reset_test_files(patch)
    assert len(lines) == 2 and "tests/test_new.py" in lines[1]


def test_gold_patch_resolves(docker, calc_task, calc_image):
    verdict = grade(calc_task, calc_task.patch, docker, calc_image)
    assert verdict.status == "resolved", verdict.log
    assert verdict.FAIL_TO_PASS.success == list(calc_task.FAIL_TO_PASS)
    assert not verdict.suspicious


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


FORCE_PASSED = """\
diff --git a/conftest.py b/conftest.py
new file mode 100644
--- /dev/null
+++ b/conftest.py
@@ -0,0 +1,7 @@
+import pytest
+
+@pytest.hookimpl(hookwrapper=True)
+def pytest_runtest_makereport(item, call):
+    outcome = yield
+    report = outcome.get_result()
+    report.outcome = "passed"
"""


def test_a_conftest_forcing_every_report_to_passed_is_put_back(docker, calc_task, calc_image):
    verdict = grade(calc_task, FORCE_PASSED, docker, calc_image)
    assert verdict.status == "unresolved", verdict.log
    assert verdict.FAIL_TO_PASS.failure == list(calc_task.FAIL_TO_PASS)
    assert verdict.suspicious.startswith("the patch changed how tests are run or reported (")
    assert "conftest.py" in verdict.suspicious
    # with the real fix as well, the fix still counts: the conftest was only put back
    both = grade(calc_task, calc_task.patch + FORCE_PASSED, docker, calc_image)
    assert (both.status, bool(both.suspicious)) == ("resolved", True)


def test_a_container_killed_mid_grading_is_an_error(docker, calc_task, calc_image, monkeypatch):
    from harness.sandbox.docker import DockerSandbox

    real_run = DockerSandbox.run

    def run_then_die(self, command, timeout=60, stdin=None):
        if command.startswith("bash /tmp/"):
            self.container.kill()
        return real_run(self, command, timeout, stdin)

    monkeypatch.setattr(DockerSandbox, "run", run_then_die)
    verdict = grade(calc_task, calc_task.patch, docker, calc_image)
    assert verdict.status == "error", verdict


def test_an_eval_script_replaces_the_built_in_test_step(docker, calc_task, calc_image):
    script = (
        "cat > /tmp/t.patch <<'EOF'\n" + calc_task.test_patch + "EOF\n"
        "git apply /tmp/t.patch\n: '>>>>> Start Test Output'\n"
        "python -m pytest -rA -p no:cacheprovider tests/test_stats.py\n"
        ": '>>>>> End Test Output'\n"
    )
    scripted = replace(calc_task, eval_script=script, log_parser="parse_log_pytest")
    assert grade(scripted, calc_task.patch, docker, calc_image).status == "resolved"
    unfixed = grade(scripted, wrong_edit(calc_task.patch), docker, calc_image)
    assert (unfixed.status, unfixed.FAIL_TO_PASS.failure) == (
        "unresolved",
        list(calc_task.FAIL_TO_PASS),
    )
    odd = replace(calc_task, log_parser="django")
    verdict = grade(odd, calc_task.patch, docker, calc_image)
    assert verdict.status == "error"
    assert verdict.reason.startswith("cannot grade: unknown log_parser 'django'")
