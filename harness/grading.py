"""Grading: apply a patch in a fresh sandbox, run the task's tests, decide the verdict.

Only grading sees test_patch, FAIL_TO_PASS and PASS_TO_PASS. The log parsing and the verdict
are pure functions; `grade` is the I/O around them.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from harness import InfrastructureError
from harness.diffs import patch_paths
from harness.results import TestSplit, Verdict
from harness.sandbox import Sandbox, SandboxProvider
from harness.tasks import Task
from harness.testsuite import PASSING, parse_pytest_log

# The patch comes on standard input, kept in a file for the fallbacks. The SWE-bench harness's
# order: strict git apply, then a 3-way merge, then patch with fuzz.
APPLY_PATCH = (
    'patch_file=$(mktemp) && cat > "$patch_file" && { git apply --verbose "$patch_file"'
    ' || git apply --verbose --3way "$patch_file"'
    ' || patch --batch --fuzz=5 -p1 -i "$patch_file"; }'
)
APPLY_TEST_PATCH = "git apply -"
RUN_SCRIPT = 'script=$(mktemp) && cat > "$script" && bash "$script"'
LOG_TAIL = 5000


def split(tests: tuple[str, ...], statuses: dict[str, str]) -> TestSplit:
    passed = [t for t in tests if statuses.get(t) in PASSING]
    return TestSplit(success=passed, failure=[t for t in tests if t not in passed])


def decide(task: Task, statuses: dict[str, str]) -> Verdict:
    """Resolved when every FAIL_TO_PASS and every PASS_TO_PASS test passes."""
    f2p, p2p = split(task.FAIL_TO_PASS, statuses), split(task.PASS_TO_PASS, statuses)
    if not f2p.failure and not p2p.failure:
        return Verdict(status="resolved", FAIL_TO_PASS=f2p, PASS_TO_PASS=p2p)
    failed = len(f2p.failure) + len(p2p.failure)
    total = len(task.FAIL_TO_PASS) + len(task.PASS_TO_PASS)
    return Verdict(
        status="unresolved",
        reason=f"tests failed ({failed} of {total})",
        FAIL_TO_PASS=f2p,
        PASS_TO_PASS=p2p,
    )


def reset_test_files(test_patch: str) -> str:
    """Shell that puts the files test_patch touches back to the base commit, so that the
    model's own edits to them cannot collide with the official tests."""
    steps = [
        f"if git cat-file -e HEAD:{shlex.quote(p)} 2>/dev/null; then git checkout -q HEAD "
        f"-- {shlex.quote(p)}; else rm -f {shlex.quote(p)}; fi"
        for p in patch_paths(test_patch)
    ]
    return " && ".join(steps) or "true"


def grade(
    task: Task, patch: str, sandboxes: SandboxProvider, environment: str, timeout_s: float = 900
) -> Verdict:
    """Grade one submission in a fresh sandbox from the task's environment."""
    if not patch.strip():
        return Verdict(status="empty_patch", reason="the submission changes nothing")
    return evaluate(task, patch, sandboxes, environment, timeout_s)


def evaluate(
    task: Task, patch: str, sandboxes: SandboxProvider, environment: str, timeout_s: float = 900
) -> Verdict:
    """Apply `patch` (may be empty), then the task's tests, and decide."""
    sandbox = sandboxes.start(task, environment, output_limit=2_000_000)
    try:
        return _evaluate_in(sandbox, task, patch, timeout_s)
    except InfrastructureError as exc:
        return Verdict(status="error", reason=str(exc))
    finally:
        sandbox.close()


def _evaluate_in(sandbox: Sandbox, task: Task, patch: str, timeout_s: float) -> Verdict:
    parser = LOG_PARSERS.get(task.log_parser or "pytest")
    if parser is None:
        return Verdict(
            status="error",
            reason=f"unsupported log_parser {task.log_parser!r} "
            f"(supported: {', '.join(LOG_PARSERS)})",
        )
    if patch.strip():
        applied = sandbox.run(APPLY_PATCH, 120, stdin=_terminated(patch))
        if applied.exit_code != 0:
            return Verdict(
                status="unresolved",
                reason="the patch does not apply",
                log=applied.output[-LOG_TAIL:],
            )
    if task.eval_script:  # SWE-bench v5: the script applies test_patch and runs the tests
        tests = sandbox.run(RUN_SCRIPT, timeout_s, stdin=task.eval_script)
    else:
        prepared = sandbox.run(reset_test_files(task.test_patch), 120)
        if prepared.exit_code == 0:
            prepared = sandbox.run(APPLY_TEST_PATCH, 120, stdin=_terminated(task.test_patch))
        if prepared.exit_code != 0:
            return Verdict(
                status="error",
                reason="the task's test_patch does not apply: " + prepared.output.strip()[-300:],
            )
        tests = sandbox.run(task.environment.test_cmd, timeout_s)
    log = tests.output[-LOG_TAIL:]
    if tests.timed_out:
        return Verdict(
            status="unresolved", reason=f"the tests timed out after {timeout_s:g} s", log=log
        )
    statuses = parser(tests.output)
    if not statuses:  # the patched code broke the test run itself
        return Verdict(
            status="unresolved",
            reason=f"no test results in the log (exit {tests.exit_code})",
            log=log,
        )
    return decide(task, statuses).model_copy(update={"log": log})


def _terminated(patch: str) -> str:
    return patch if patch.endswith("\n") else patch + "\n"


# Log parsers by the names a task's `log_parser` field may give.
LOG_PARSERS: dict[str, Callable[[str], dict[str, str]]] = {"pytest": parse_pytest_log}
