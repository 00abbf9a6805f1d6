"""What the model sees after an edit check: short, with each failing test in its class, its own
failure output, the runner's last lines when it reported nothing, and the full log's path."""

from __future__ import annotations

from dataclasses import dataclass

from harness.agent.judgement import EditJudgement, error_tail
from harness.prompts import Prompts
from harness.testsuite.suite import TestSuite

FAILURE_TEXT_LIMIT = 1500  # characters of one test's failure output the model is shown
LISTED_FAILURES = 10


@dataclass(frozen=True)
class CheckReport:
    """The observations of one check: which tests it targeted and which it left out."""

    suite: TestSuite
    prompts: Prompts
    limit: int
    targets: set[str]
    left_out: list[str]

    def nothing_to_run(self) -> str:
        if self.targets:
            found = (
                f"None of the {len(self.targets)} test file(s) related to your changes gives "
                "a test result in this environment, not even at the base commit, so no test "
                "was run: " + ", ".join(self.left_out)
            )
        else:
            found = (
                "The whole test suite gives no test result in this environment, not even at "
                "the base commit, so no test was run."
            )
        return self._render("check_error", [found])

    def timed_out(self, timeout_s: float, log: str) -> str:
        return self.prompts.render("check_timeout", timeout=f"{timeout_s:g}", log=log)

    def no_results(self, log: str, text: str) -> str:
        return self._render(
            "check_error",
            [
                f"Ran {self._scope()}: the run reported no test result at all (the test runner "
                "stopped, or refused what it was given), so it says nothing about your edit. "
                "Its last lines:",
                error_tail(text),
                *self._left_out(),
                f"Full log: {log}",
            ],
        )

    def crashed(self, log: str, text: str, file: str) -> str:
        return self._render(
            "check_failed",
            [
                f"Ran {self._scope()}: the run stopped in {file}, which you changed, before "
                "any test reported a result. Its last lines:",
                error_tail(text),
                f"Full log: {log}",
            ],
        )

    def judged(self, verdict: EditJudgement, log: str, text: str) -> str:
        tests = verdict.tests
        counts = {status: 0 for status in ("PASSED", "FAILED", "ERROR", "SKIPPED")}
        for status in verdict.run.values():
            counts[status] = counts.get(status, 0) + 1
        lines = [
            f"Ran {self._scope()}: {counts['PASSED']} passed, {counts['FAILED']} failed, "
            f"{counts['ERROR']} errors, {counts['SKIPPED']} skipped."
        ]
        for title, names in (
            ("Tests that passed before your changes and fail now", tests.newly_failing),
            ("Tests that passed before your changes and gave no result now", tests.no_result),
            ("Failing tests you added or changed", tests.own),
        ):
            if names:
                lines.append(f"{title}: {len(names)}")
                lines += self._failures(names, text)
        if not verdict.code_changed and not tests.own and verdict.own_passing:
            lines.append(
                "Your new or changed tests pass: a test that reproduces the issue should fail "
                "before the fix."
            )
        if tests.pre_existing:
            lines.append(
                f"{len(tests.pre_existing)} test(s) failed before your changes too; "
                "they are not counted."
            )
        if tests.no_base_result:
            lines.append(
                f"{len(tests.no_base_result)} failing test(s) had no result before your changes "
                "and are not yours; they are not counted."
            )
        lines += [*self._left_out(), f"Full log: {log}"]
        if verdict.red:
            name = "check_failed"
        elif not verdict.code_changed and tests.own:
            name = "check_reproduced"
        else:
            name = "check_passed"
        return self._render(name, lines)

    def _scope(self) -> str:
        runs = len(self.targets) - len(self.left_out)
        return f"{runs} test file(s) related to your changes" if runs else "the whole test suite"

    def _left_out(self) -> list[str]:
        if not self.left_out or not self.targets:
            return []
        return [
            f"Left out: {len(self.left_out)} related test file(s) that give no test result in "
            "this environment, not even at the base commit: " + ", ".join(self.left_out)
        ]

    def _failures(self, tests: list[str], log: str) -> list[str]:
        shown = []
        for test in tests[:LISTED_FAILURES]:
            text = self.suite.failure_text(log, test)[:FAILURE_TEXT_LIMIT]
            shown.append(f"- {test}" + (f"\n{text}" if text else ""))
        if len(tests) > LISTED_FAILURES:
            shown.append(f"- ... and {len(tests) - LISTED_FAILURES} more (see the full log)")
        return shown

    def _render(self, name: str, lines: list[str]) -> str:
        return self.prompts.render(name, output="\n".join(lines)[: self.limit])
