"""Grading: apply a patch in a fresh sandbox, run the task's tests, decide the verdict.

Only grading sees test_patch, FAIL_TO_PASS and PASS_TO_PASS. The parts are pure (the script,
the log, the verdict); this module is the I/O around them.

A run whose log reports on none of the task's tests, or that timed out, says nothing about the
patch by itself: the environment may be unable to run the tests at all. Grading then runs the
untouched base the same way (and, when that reports nothing either, the gold patch), once per
task and image. If one of them reports on the tests, the patch broke the test run and the
verdict is `unresolved`; if neither does, the environment cannot run the tests and the row is an
`error`, which never counts against the model.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass

from harness import HarnessError, InfrastructureError
from harness.grading.guard import Guard
from harness.grading.runner_config import for_task
from harness.grading.script import Markers, grading_script, read_log
from harness.grading.verdict import decide, has_results, reports_failure
from harness.grading.witness import Seen, Witness, cross_check, read_records, runs_pytest
from harness.results import Verdict
from harness.sandbox import Sandbox, SandboxProvider
from harness.tasks import Task
from harness.testsuite import parsers
from harness.testsuite.suite import TestSuite, grading_suite

# The patch comes on standard input, kept in a file for the fallbacks. The SWE-bench harness's
# order: strict git apply, then a 3-way merge, then patch with fuzz.
APPLY_PATCH = (
    'patch_file=$(mktemp) && cat > "$patch_file" && { git apply --verbose "$patch_file"'
    ' || git apply --verbose --3way "$patch_file"'
    ' || patch --batch --fuzz=5 -p1 -i "$patch_file"; }'
)
LOG_TAIL = 5000
CONTRADICTION = "but reported no failure"
ERROR_LINE = re.compile(r"^.*\b\w+(?:Error|Exception): .*$", re.M)
GRADING_OUTPUT_LIMIT = 2_000_000


@dataclass(frozen=True)
class TestRun:
    """One run of a task's tests: the statuses read from its log, or why there are none."""

    __test__ = False
    statuses: dict[str, str]
    log: str
    problem: str = ""  # set when the run reported nothing usable
    early: Verdict | None = None  # a verdict reached before the tests ran
    suspicious: str = ""
    seen: Seen | None = None  # the harness's own record of a pytest run (witness.py)


def grade(
    task: Task,
    patch: str,
    sandboxes: SandboxProvider,
    environment: str,
    timeout_s: float = 900,
    environments: EnvironmentChecks | None = None,
) -> Verdict:
    """Grade one submission in a fresh sandbox from the task's environment."""
    if not patch.strip():
        return Verdict(status="empty_patch", reason="the submission changes nothing")
    return evaluate(task, patch, sandboxes, environment, timeout_s, environments)


def evaluate(
    task: Task,
    patch: str,
    sandboxes: SandboxProvider,
    environment: str,
    timeout_s: float = 900,
    environments: EnvironmentChecks | None = None,
) -> Verdict:
    """Apply `patch` (may be empty), then the task's tests, and decide. `environments` keeps
    what was learnt of whether the environment runs the task's tests at all, for a caller
    that grades the same task more than once (see EnvironmentChecks)."""
    try:
        suite = grading_suite(task)
        run = run_tests(task, suite, patch, sandboxes, environment, timeout_s)
        if run.early is not None:
            return run.early
        if not run.problem:
            return decided(task, suite, run)
        checks = environments or EnvironmentChecks()
        works = checks.runs_tests(task, suite, sandboxes, environment, timeout_s)
    except InfrastructureError as exc:
        return Verdict(status="error", reason=str(exc))
    except HarnessError as exc:  # the task itself cannot be graded (parser, eval script)
        return Verdict(status="error", reason=f"cannot grade: {exc}")
    return unusable(run, works)


def decided(task: Task, suite: TestSuite, run: TestRun) -> Verdict:
    """The verdict on a run with results: from the log, unless the harness's own record of
    the pytest run contradicts a test the log counts as succeeded."""
    tests = [(t, False) for t in task.FAIL_TO_PASS] + [(t, True) for t in task.PASS_TO_PASS]
    fail_only = task.eval_type == "fail_only"
    expected = runs_pytest(suite.command)
    disagreement = cross_check(tests, run.statuses, run.seen, expected, fail_only, suite.parse)
    tail = run.log[-LOG_TAIL:]
    if disagreement is None:
        verdict = decide(task.FAIL_TO_PASS, task.PASS_TO_PASS, run.statuses, task.eval_type)
        return verdict.model_copy(update={"log": tail, "suspicious": run.suspicious})
    statuses = disagreement.statuses(run.statuses)
    verdict = decide(task.FAIL_TO_PASS, task.PASS_TO_PASS, statuses, task.eval_type)
    return verdict.model_copy(
        update={
            "status": "unresolved",
            "reason": f"the test log and the harness's own record of the run disagree on "
            f"{len(disagreement.tests)} of the task's tests",
            "log": tail,
            "suspicious": "; ".join(filter(None, [run.suspicious, disagreement.why])),
        }
    )


def unusable(run: TestRun, environment_works: bool) -> Verdict:
    """The verdict on a run that reported nothing usable: the patch's fault when the
    environment can run the tests, else an error."""
    tail = run.log[-LOG_TAIL:]
    if not environment_works:
        cause = last_error(run.log)
        return Verdict(
            status="error",
            reason="the environment cannot run the task's tests (the untouched base and the "
            f"gold patch get no results either): {run.problem}" + (f"; {cause}" if cause else ""),
            log=tail,
        )
    # a log that contradicts the test command's exit status, in an environment that works:
    # output printed by the patch's code posing as test results, most likely
    forged = (
        CONTRADICTION in run.problem and "the test log contradicts the test command's exit status"
    )
    return Verdict(
        status="unresolved",
        reason=f"the patch broke the test run: {run.problem}",
        log=tail,
        suspicious="; ".join(filter(None, [run.suspicious, forged or ""])),
    )


def last_error(log: str) -> str:
    """The last line of a log that names an exception, e.g. a missing module."""
    found = ERROR_LINE.findall(log)
    return found[-1].strip()[:200] if found else ""


def run_tests(
    task: Task,
    suite: TestSuite,
    patch: str,
    sandboxes: SandboxProvider,
    environment: str,
    timeout_s: float,
) -> TestRun:
    sandbox = sandboxes.start(task, environment, output_limit=GRADING_OUTPUT_LIMIT)
    try:
        return _run_in(sandbox, task, suite, patch, timeout_s)
    finally:
        sandbox.close()


def _run_in(
    sandbox: Sandbox, task: Task, suite: TestSuite, patch: str, timeout_s: float
) -> TestRun:
    suspicious = ""
    if patch.strip():
        applied = _apply(sandbox, task, suite, patch)
        if isinstance(applied, TestRun):
            return applied
        suspicious = applied
    markers, witness = Markers.fresh(), Witness.fresh()
    # names that give nothing away; the script removes itself once bash has it open
    name = f"/tmp/harness-{secrets.token_hex(8)}"
    script_path, log_path = f"{name}.sh", f"{name}.log"
    sandbox.run(f"mkdir -p {witness.folder}", 60)
    sandbox.write_file(witness.plugin_path, witness.plugin())
    script = grading_script(task, markers, witness.exports())
    sandbox.write_file(script_path, 'rm -f -- "$0"\n' + script)
    result = sandbox.run(f"bash {script_path} > {log_path} 2>&1", timeout_s)
    log = sandbox.read_file(log_path).decode("utf-8", "replace")
    if result.timed_out:
        return TestRun({}, log, f"the tests timed out after {timeout_s:g} s", suspicious=suspicious)
    return read_run(task, suite, log, markers, suspicious, _record(sandbox, witness))


def _record(sandbox: Sandbox, witness: Witness) -> Seen | None:
    """What the harness's own pytest plugin recorded, or None when no pytest loaded it."""
    try:
        data = sandbox.read_file(witness.records)
    except InfrastructureError:
        raise
    except HarnessError:  # no such file
        return None
    return read_records(data, witness.key)


def _apply(sandbox: Sandbox, task: Task, suite: TestSuite, patch: str) -> TestRun | str:
    """Apply the patch and put back its runner changes: why the row is suspicious, or a run
    that ends before the tests (the patch does not apply, or is not graded)."""
    guard = Guard(sandbox, for_task(task, suite))
    guard.before()
    applied = sandbox.run(APPLY_PATCH, 120, stdin=patch if patch.endswith("\n") else patch + "\n")
    if applied.exit_code != 0:
        early = Verdict(
            status="unresolved", reason="the patch does not apply", log=applied.output[-LOG_TAIL:]
        )
        return TestRun({}, applied.output, early=early)
    protection = guard.protect()
    if protection.refused:
        early = Verdict(
            status="unresolved", reason=protection.refused, suspicious=protection.suspicious
        )
        return TestRun({}, applied.output, early=early)
    return protection.suspicious


def read_run(
    task: Task,
    suite: TestSuite,
    log: str,
    markers: Markers,
    suspicious: str = "",
    seen: Seen | None = None,
) -> TestRun:
    """What a grading log says about the task's tests: their statuses, or why it says nothing
    usable (then the environment is put to the test, see `evaluate`)."""
    test_log = read_log(log, markers)
    if test_log.section is None:
        if markers.patch_failed in log:
            raise HarnessError("the task's test_patch does not apply")
        return TestRun(
            {}, log, "the script never reached the end of the tests", suspicious=suspicious
        )
    statuses = suite.parse(test_log.section)
    if task.eval_type == "fail_only":
        # runners that print failures only: any report, or a sign the suite ran, is a result
        if not statuses and not parsers.suite_ran(test_log.section):
            problem = f"no test results (exit {test_log.exit_code})"
            return TestRun(statuses, log, problem, suspicious=suspicious)
    elif not has_results(task.FAIL_TO_PASS, task.PASS_TO_PASS, statuses):
        problem = f"no results for the task's tests (exit {test_log.exit_code})"
        return TestRun(statuses, log, problem, suspicious=suspicious)
    if test_log.exit_code not in (None, 0) and not reports_failure(statuses):
        # SWE-bench's check: a failing test command that reports no failure is not the log of
        # the run that happened (e.g. code that prints its own PASSED lines)
        problem = f"the test command exited {test_log.exit_code} {CONTRADICTION}"
        return TestRun(statuses, log, problem, suspicious=suspicious)
    return TestRun(statuses, log, suspicious=suspicious, seen=seen)


class EnvironmentChecks:
    """Whether a task's environment can run its tests at all, found out once per task and
    image by running the untouched base, then the gold patch. Its owner decides how long the
    answers are kept: `tasks validate` keeps them for all its gradings of a task."""

    def __init__(self) -> None:
        self._known: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def _key(self, task: Task, environment: str) -> str:
        parts = [environment, task.instance_id, task.eval_script or "", task.test_patch]
        parts += [task.environment.test_cmd, task.patch]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()

    def runs_tests(
        self,
        task: Task,
        suite: TestSuite,
        sandboxes: SandboxProvider,
        environment: str,
        timeout_s: float,
    ) -> bool:
        key = self._key(task, environment)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._known:
                self._known[key] = any(
                    _reported(run_tests(task, suite, patch, sandboxes, environment, timeout_s))
                    for patch in ("", task.patch)
                )
            return self._known[key]


def _reported(run: TestRun) -> bool:
    return run.early is None and not run.problem
