"""The verdict from a test-status map: which FAIL_TO_PASS and PASS_TO_PASS tests succeeded.

The rules are SWE-bench 5's (`swebench.harness.grading`), written out here as pure functions so
that grading the bundled suite needs no import of `swebench`; a test checks over many logs that
they give the official verdict:
- a FAIL_TO_PASS test succeeds when PASSED or XFAIL; missing, FAILED, ERROR or SKIPPED fail it;
- a PASS_TO_PASS test also succeeds when SKIPPED (a skip is no regression);
- under `fail_only`, a test fails only when it is present and FAILED;
- a test id cut short inside its parameters (more `[` than `]`, as 676 Verified ids are) matches
  the ids it begins, when they agree on passing or not;
- a test whose status is none of these (an odd word a parser read) is in neither list;
- the task is resolved when no test of either list failed.
"""

from __future__ import annotations

from harness.results import TestSplit, Verdict

PASSING = frozenset({"PASSED", "XFAIL"})
FAILING = frozenset({"FAILED", "ERROR", "SKIPPED"})


def resolve_case(test: str, statuses: dict[str, str]) -> str | None:
    """The status-map key for a test id, tolerating ids truncated inside their parameters."""
    if test in statuses:
        return test
    if test.count("[") > test.count("]"):
        matches = [key for key in statuses if key.startswith(test)]
        if matches and len({statuses[key] in PASSING for key in matches}) == 1:
            return matches[0]
    return None


def succeeded(
    test: str, statuses: dict[str, str], maintained: bool = False, fail_only: bool = False
) -> bool | None:
    """True when the test succeeded, False when it failed, None when its status is one no rule
    names (an odd status word from a parser): SWE-bench counts such a test in neither list."""
    if fail_only:
        return statuses.get(test) != "FAILED"
    key = resolve_case(test, statuses)
    status = statuses[key] if key is not None else None
    if status in PASSING or (maintained and status == "SKIPPED"):
        return True
    if status is None or status in FAILING:
        return False
    return None


def split(
    tests: tuple[str, ...] | list[str],
    statuses: dict[str, str],
    maintained: bool = False,
    fail_only: bool = False,
) -> TestSplit:
    """Tests that succeeded and that failed; `maintained` for PASS_TO_PASS rules."""
    outcomes = [(t, succeeded(t, statuses, maintained, fail_only)) for t in tests]
    return TestSplit(
        success=[t for t, ok in outcomes if ok is True],
        failure=[t for t, ok in outcomes if ok is False],
    )


def decide(
    fail_to_pass: tuple[str, ...],
    pass_to_pass: tuple[str, ...],
    statuses: dict[str, str],
    eval_type: str = "pass_and_fail",
) -> Verdict:
    """Resolved when every FAIL_TO_PASS and every PASS_TO_PASS test succeeds."""
    fail_only = eval_type == "fail_only"
    f2p = split(fail_to_pass, statuses, fail_only=fail_only)
    p2p = split(pass_to_pass, statuses, maintained=True, fail_only=fail_only)
    if not f2p.failure and not p2p.failure:
        return Verdict(status="resolved", FAIL_TO_PASS=f2p, PASS_TO_PASS=p2p)
    failed = len(f2p.failure) + len(p2p.failure)
    total = len(fail_to_pass) + len(pass_to_pass)
    return Verdict(
        status="unresolved",
        reason=f"tests failed ({failed} of {total})",
        FAIL_TO_PASS=f2p,
        PASS_TO_PASS=p2p,
    )


def has_results(
    fail_to_pass: tuple[str, ...], pass_to_pass: tuple[str, ...], statuses: dict[str, str]
) -> bool:
    """Whether a run reported on any of the task's tests (a task listing none: on any test).
    A run that reported on none of them never reached them: a broken environment, or a patch
    that broke the test run itself."""
    tests = fail_to_pass + pass_to_pass
    if not tests:
        return bool(statuses)
    return any(resolve_case(test, statuses) is not None for test in tests)


def reports_failure(statuses: dict[str, str]) -> bool:
    return any(status in ("FAILED", "ERROR") for status in statuses.values())
