"""The harness's verdicts equal the `swebench` package's own grading functions on the same logs.

Random logs in the format of every Python parser family SWE-bench data uses (pytest and its
variants, Django, SymPy, seaborn, matplotlib), for rows of both eval types, with passed, failed,
erroring, skipped, xfailed, missing and truncated-parameter tests, odd status words, noise, and
exit codes that sometimes contradict the log. Each log is graded twice: by swebench
(`get_logs_eval` on the log with the official markers, then `get_eval_tests_report` and
`get_resolution_status`), and by the harness (the same log with this run's nonce markers,
`read_run`, then `decide`). F2P/P2P success and failure lists and the resolved verdict must be
equal; where swebench finds no usable results, the harness must not either (it then asks the
environment, see grading/evaluate.py, and never says resolved).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

import pytest
from swebench.harness.constants import FAIL_TO_PASS, PASS_TO_PASS, EvalType, ResolvedStatus
from swebench.harness.grading import get_eval_tests_report, get_logs_eval, get_resolution_status
from swebench.harness.utils import make_test_spec

from harness.grading.evaluate import read_run
from harness.grading.script import Markers
from harness.grading.verdict import decide
from harness.tasks import task_from_row
from harness.testsuite.suite import grading_suite

STATUSES = ["PASSED", "FAILED", "ERROR", "SKIPPED", "XFAIL", "missing"]
NOISE = [
    "============================= test session starts ==============================",
    "collected 12 items",
    "Traceback (most recent call last):",
    '  File "x.py", line 3, in <module>',
    "AssertionError: assert 1 == 2",
    "----------------------------------------------------------------------",
    "Ran 7 tests in 0.104s",
    "",
]


@dataclass(frozen=True)
class Family:
    """A parser and how a test of a given status looks in its log."""

    parser: str
    repo: str

    def test_id(self, rng: random.Random, n: int) -> str:
        if self.parser == "parse_log_django":
            return f"test_case_{n} (app_{n % 3}.tests.Case{n % 4}.test_case_{n})"
        if self.parser == "parse_log_sympy":
            return f"test_case_{n}"
        params = f"[{rng.choice(['a', 'b-1', 'x y', '1.5'])}-{n}]" if rng.random() < 0.3 else ""
        return f"pkg/tests/test_mod{n % 3}.py::test_case_{n}{params}"

    def line(self, rng: random.Random, test: str, status: str) -> list[str]:
        if self.parser == "parse_log_django":
            word = {
                "PASSED": "ok",
                "FAILED": "FAIL",
                "ERROR": "ERROR",
                "XFAIL": "expected failure",
                "SKIPPED": "skipped 'no db'",
            }[status]
            if status == "PASSED" and rng.random() < 0.2:  # a docstring on its own line
                return [test, f"Docstring of {test.split()[0]} ... ok"]
            lines = [f"{test} ... {word}"]
            if status in ("FAILED", "ERROR") and rng.random() < 0.5:
                lines += ["=" * 70, f"{'FAIL' if status == 'FAILED' else 'ERROR'}: {test}"]
            return lines
        if self.parser == "parse_log_sympy":
            word = {"PASSED": "ok", "FAILED": "F", "ERROR": "E", "SKIPPED": "s", "XFAIL": "f"}
            lines = [f"{test} {word[status]}"]
            if status == "FAILED" and rng.random() < 0.3:
                lines.append(f"____ sympy/core/tests/test_basic.py:{test} ____")
            return lines
        if self.parser == "parse_log_seaborn" and status == "PASSED" and rng.random() < 0.5:
            return [f"{test} PASSED [ 50%]"]
        suffix = " - AssertionError: boom" if status in ("FAILED", "ERROR") else ""
        if status == "SKIPPED" and rng.random() < 0.3:
            return [f"SKIPPED [1] {test.split('::')[0]}:12: no numpy"]
        return [f"{status} {test}{suffix}"]


FAMILIES = [
    Family("parse_log_pytest", "pytest-dev/pytest"),
    Family("parse_log_pytest_options", "psf/requests"),
    Family("parse_log_pytest_v2", "astropy/astropy"),
    Family("parse_log_matplotlib", "matplotlib/matplotlib"),
    Family("parse_log_seaborn", "mwaskom/seaborn"),
    Family("parse_log_django", "django/django"),
    Family("parse_log_sympy", "sympy/sympy"),
]
LOGS_PER_FAMILY = 120


def make_row(family: Family, rng: random.Random, number: int) -> tuple[dict, list[str]]:
    """A row in SWE-bench's layout and the tests its log may report on."""
    tests = sorted({family.test_id(rng, n) for n in range(rng.randint(2, 14))})
    rng.shuffle(tests)
    cut = rng.randint(1, len(tests) - 1)
    f2p, p2p = tests[:cut], tests[cut:]
    # SWE-bench ids truncated inside their parameters (676 in Verified)
    f2p = [t[: t.index("[") + 2] if "[" in t and rng.random() < 0.5 else t for t in f2p]
    script = (
        "#!/bin/bash\nset -uxo pipefail\ncd /testbed\n: '>>>>> Start Test Output'\n"
        "pytest -rA pkg/tests/test_mod0.py\n: '>>>>> End Test Output'\n"
    )
    row = {
        "instance_id": f"{family.repo.replace('/', '__')}-{number}",
        "repo": family.repo,
        "base_commit": "0" * 40,
        "problem_statement": "x",
        "patch": "--- a/pkg/m.py\n+++ b/pkg/m.py\n@@ -1 +1 @@\n-a\n+b\n",
        "test_patch": "",
        "version": "1.0",
        "FAIL_TO_PASS": json.dumps(f2p),
        "PASS_TO_PASS": json.dumps(p2p),
        "image": f"swebench/sweb.eval.x86_64.{family.repo.split('/')[1]}_1776_x-{number}:latest",
        "eval_script": script,
        "log_parser": family.parser,
        "eval_type": "fail_only" if rng.random() < 0.15 else "pass_and_fail",
    }
    return row, tests


def make_section(family: Family, rng: random.Random, tests: list[str]) -> tuple[str, int]:
    """Test output between the markers, and the exit code the test command had."""
    lines: list[str] = []
    failed = False
    clean = rng.random() < 0.4  # a run where every test passes, as a good patch gives
    for test in tests:
        status = "PASSED" if clean and rng.random() < 0.95 else rng.choice(STATUSES)
        if status == "missing":
            continue
        failed |= status in ("FAILED", "ERROR")
        lines += family.line(rng, test, status)
        if rng.random() < 0.2:
            lines.append(rng.choice(NOISE))
    if rng.random() < 0.05:
        lines.append(f"PASSEDX {tests[0]}")  # an odd status word, as stray output makes
    rng.shuffle(lines) if rng.random() < 0.2 else None
    exit_code = int(failed) if rng.random() < 0.85 else rng.choice([0, 1, 2, 5])
    return "\n".join(lines), exit_code


def official_log(section: str, code: int) -> str:
    return (
        "+ git apply -v -\nChecking patch pkg/tests/test_mod0.py...\n"
        f"+ : '>>>>> Start Test Output'\n+ pytest -rA pkg/tests/test_mod0.py\n{section}\n"
        f"+ SWEBENCH_TEST_EXIT_CODE={code}\n+ : '>>>>> End Test Output'\n"
        f"+ echo '>>>>> Test Exit Code: {code}'\n>>>>> Test Exit Code: {code}\n"
    )


def harness_log(section: str, code: int, markers: Markers) -> str:
    return (
        "+ git apply -v -\nChecking patch pkg/tests/test_mod0.py...\n"
        f"+ echo {markers.start}\n{markers.start}\n+ pytest -rA pkg/tests/test_mod0.py\n"
        f"{section}\n+ HARNESS_TEST_EXIT_CODE={code}\n+ echo {markers.end}\n{markers.end}\n"
        f"+ echo '{markers.exit}: {code}'\n{markers.exit}: {code}\n"
    )


def swebench_verdict(row: dict, log: str, tmp_path) -> tuple[bool, bool, dict]:
    spec = make_test_spec(row)
    path = tmp_path / "log.txt"
    path.write_text(log)
    statuses, found = get_logs_eval(spec, str(path))
    report = get_eval_tests_report(
        statuses,
        {FAIL_TO_PASS: spec.FAIL_TO_PASS, PASS_TO_PASS: spec.PASS_TO_PASS},
        eval_type=EvalType(spec.eval_type),
    )
    resolved = found and get_resolution_status(report) == ResolvedStatus.FULL.value
    return found, resolved, report


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.parser)
def test_verdicts_equal_swebench_grading(family, tmp_path):
    rng = random.Random(f"equivalence-{family.parser}")
    compared = usable = resolved = 0
    for number in range(LOGS_PER_FAMILY):
        row, tests = make_row(family, rng, number)
        section, code = make_section(family, rng, tests)
        found, official_resolved, report = swebench_verdict(
            row, official_log(section, code), tmp_path
        )
        task = task_from_row(row)
        markers = Markers.fresh()
        run = read_run(task, grading_suite(task), harness_log(section, code, markers), markers)
        compared += 1
        if run.problem:  # the harness asks the environment; swebench must not say resolved
            assert not official_resolved, (row["instance_id"], section, run.problem)
            continue
        assert found, (row["instance_id"], section)
        verdict = decide(task.FAIL_TO_PASS, task.PASS_TO_PASS, run.statuses, task.eval_type)
        usable += 1
        resolved += verdict.status == "resolved"
        assert (verdict.status == "resolved") == official_resolved, (row, section)
        for key, split in (
            (FAIL_TO_PASS, verdict.FAIL_TO_PASS),
            (PASS_TO_PASS, verdict.PASS_TO_PASS),
        ):
            assert split.success == report[key]["success"], (row, section)
            assert split.failure == report[key]["failure"], (row, section)
    # the comparison covered real variety: usable logs, both verdicts
    assert compared == LOGS_PER_FAMILY and usable > LOGS_PER_FAMILY // 3
    assert 0 < resolved < usable
