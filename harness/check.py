"""The edit-test check: apply the model's edit, run the repository's check command, and say
whether the turn went well.

A red check counts against a turn only after a change to the code: a new test that fails is
what a reproduction step wants.
"""

from __future__ import annotations

from harness.diffs import normalise, touches_only_tests
from harness.policy import Outcome
from harness.prompts import Prompts
from harness.sandbox import Sandbox

APPLY_EDIT = "git apply --whitespace=nowarn -"


def apply_and_check(
    sandbox: Sandbox, diff: str, check_cmd: str, timeout: float, prompts: Prompts
) -> tuple[Outcome, str]:
    """The outcome of an edit turn and what the model sees of it."""
    if normalise(diff) in (None, ()):
        return "patch_failed", prompts.render("not_a_diff")
    applied = sandbox.run(APPLY_EDIT, 60, stdin=diff if diff.endswith("\n") else diff + "\n")
    if applied.exit_code != 0:
        return "patch_failed", prompts.render("patch_failed", output=applied.output.strip())
    check = sandbox.run(check_cmd, timeout)
    if check.exit_code == 0:
        return "ok", prompts.render("check_passed", output=check.output)
    outcome: Outcome = "ok" if touches_only_tests(diff) else "tests_red"
    return outcome, prompts.render("check_failed", exit_code=check.exit_code, output=check.output)
