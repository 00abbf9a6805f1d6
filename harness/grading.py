"""Grading: apply a patch in a fresh container, run the task's tests, decide the verdict.

Only grading sees test_patch, FAIL_TO_PASS and PASS_TO_PASS. The log parsing and the verdict
are pure functions; `grade` is the I/O around them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from harness import InfrastructureError
from harness.diffs import patch_paths
from harness.sandbox import Docker, Sandbox
from harness.tasks import Task

MODEL_PATCH = "/tmp/harness-model.patch"
TEST_PATCH = "/tmp/harness-test.patch"
EVAL_SCRIPT = "/tmp/harness-eval.sh"
PASSING = {"PASSED", "XFAIL"}
STATUS_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (.+?)(?: - .*)?$")
# The SWE-bench harness's order: strict git apply, then a 3-way merge, then patch with fuzz.
APPLY_PATCH = (
    f"git apply --verbose {MODEL_PATCH} || git apply --verbose --3way {MODEL_PATCH}"
    f" || patch --batch --fuzz=5 -p1 -i {MODEL_PATCH}"
)


@dataclass(frozen=True)
class Split:
    success: tuple[str, ...] = ()
    failure: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    status: str  # resolved | unresolved | empty_patch | error
    reason: str = ""
    fail_to_pass: Split = field(default_factory=Split)
    pass_to_pass: Split = field(default_factory=Split)
    log: str = ""


def parse_pytest_log(log: str) -> dict[str, str]:
    """Test id -> status from pytest's `-rA` short summary."""
    statuses = {}
    for line in log.splitlines():
        match = STATUS_LINE.match(line.strip())
        if match:
            statuses[match.group(2).strip()] = match.group(1)
    return statuses


def split(tests: tuple[str, ...], statuses: dict[str, str]) -> Split:
    passed = tuple(t for t in tests if statuses.get(t) in PASSING)
    return Split(passed, tuple(t for t in tests if t not in passed))


def decide(task: Task, statuses: dict[str, str]) -> Verdict:
    """Resolved when every FAIL_TO_PASS and every PASS_TO_PASS test passes."""
    f2p, p2p = split(task.FAIL_TO_PASS, statuses), split(task.PASS_TO_PASS, statuses)
    if not f2p.failure and not p2p.failure:
        return Verdict("resolved", "", f2p, p2p)
    failed = len(f2p.failure) + len(p2p.failure)
    return Verdict("unresolved", f"tests failed ({failed} of "
                   f"{len(task.FAIL_TO_PASS) + len(task.PASS_TO_PASS)})", f2p, p2p)


def reset_test_files(test_patch: str) -> str:
    """Shell that puts the files test_patch touches back to the base commit, so that the
    model's own edits to them cannot collide with the official tests."""
    steps = [f"if git cat-file -e HEAD:{shlex.quote(p)} 2>/dev/null; then git checkout -q HEAD "
             f"-- {shlex.quote(p)}; else rm -f {shlex.quote(p)}; fi" for p in
             patch_paths(test_patch)]
    return " && ".join(steps) or "true"


def grade(task: Task, patch: str, docker: Docker, image: str,
          timeout_s: float = 900) -> Verdict:
    """Grade one submission in a fresh container from the task image."""
    if not patch.strip():
        return Verdict("empty_patch", "the submission changes nothing")
    return evaluate(task, patch, docker, image, timeout_s)


def evaluate(task: Task, patch: str, docker: Docker, image: str,
             timeout_s: float = 900) -> Verdict:
    """Apply `patch` (may be empty), then the task's tests, and decide."""
    sandbox = docker.start(image, output_limit=2_000_000)
    try:
        return _evaluate_in(sandbox, task, patch, timeout_s)
    except InfrastructureError as exc:
        return Verdict("error", str(exc))
    finally:
        sandbox.close()


def _evaluate_in(sandbox: Sandbox, task: Task, patch: str, timeout_s: float) -> Verdict:
    parser = LOG_PARSERS.get(task.log_parser or "pytest")
    if parser is None:
        return Verdict("error", f"unsupported log_parser {task.log_parser!r} (supported: "
                       f"{', '.join(LOG_PARSERS)})")
    if patch.strip():
        sandbox.write_file(MODEL_PATCH, patch if patch.endswith("\n") else patch + "\n")
        applied = sandbox.run(APPLY_PATCH, 120)
        if applied.exit_code != 0:
            return Verdict("unresolved", "the patch does not apply", log=applied.output[-5000:])
    if task.eval_script:  # SWE-bench v5: the script applies test_patch and runs the tests
        sandbox.write_file(EVAL_SCRIPT, task.eval_script)
        test_command = f"bash {EVAL_SCRIPT}"
    else:
        sandbox.write_file(TEST_PATCH, task.test_patch)
        prepared = sandbox.run(f"{reset_test_files(task.test_patch)} && git apply {TEST_PATCH}",
                               120)
        if prepared.exit_code != 0:
            return Verdict("error", "the task's test_patch does not apply: "
                           + prepared.output.strip()[-300:])
        test_command = task.environment.test_cmd
    tests = sandbox.run(test_command, timeout_s)
    if tests.timed_out:
        return Verdict("unresolved", f"the tests timed out after {timeout_s:g} s",
                       log=tests.output[-5000:])
    statuses = parser(tests.output)
    if not statuses:  # the patched code broke the test run itself
        return Verdict("unresolved", f"no test results in the log (exit {tests.exit_code})",
                       log=tests.output[-5000:])
    verdict = decide(task, statuses)
    return Verdict(verdict.status, verdict.reason, verdict.fail_to_pass, verdict.pass_to_pass,
                   log=tests.output[-5000:])


# Log parsers by the names a task's `log_parser` field may give.
LOG_PARSERS = {"pytest": parse_pytest_log}
