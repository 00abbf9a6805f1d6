"""The edit check: apply the model's edit, run the tests related to it, and judge the turn
against the repository's own state before the task.

A turn is red only for what the edit changed:
- a test that passed at the base commit now fails or errors, or its file no longer collects;
- after an edit to code, a test in a file the agent itself added or changed still fails.
Pre-existing failures never count, and a test-only edit (a reproduction step) is never red.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from harness.agent.baseline import WHOLE_SUITE, BaselineCache
from harness.agent.related import (
    import_pattern,
    is_python_test_file,
    is_test_file,
    module_of,
    named_after,
)
from harness.diffs import normalise, patch_paths
from harness.prompts import Prompts
from harness.sandbox import Sandbox
from harness.testsuite.suite import FAILING, PASSING, Statuses, TestSuite
from harness.tiers import Outcome

APPLY_EDIT = "git apply --whitespace=nowarn -"
# In the repository's git folder: the model can read the full log there, and it is never
# part of a snapshot or a diff.
LOG_DIR = ".git/harness"
FAILURE_TEXT_LIMIT = 1500  # characters of one test's failure output the model is shown


@dataclass(frozen=True)
class EditJudgement:
    """What a check found, beyond pass or fail."""

    run: Statuses
    newly_failing: list[str]  # passed at the base commit, fail now (or no longer collect)
    own_failing: list[str]  # in test files the agent added or changed, failing
    failing_before: int  # failures that were there before the task: never counted
    code_changed: bool

    @property
    def red(self) -> bool:
        return self.code_changed and bool(self.newly_failing or self.own_failing)


def judge_edit(
    run: Statuses,
    base: Statuses,
    run_files: set[str],
    own_files: set[str],
    suite: TestSuite,
    code_changed: bool,
) -> EditJudgement:
    """The verdict of one check, a pure function of the statuses before and after. A test id
    that names no file (some runners print names only) counts when this run reported it, and
    is the agent's own when it did not exist before."""

    def ran(test: str) -> bool:
        file = suite.file_of(test)
        return file in run_files if file else test in run

    def own_test(test: str) -> bool:
        file = suite.file_of(test)
        return file in own_files if file else bool(own_files) and test not in base

    newly = [
        test
        for test, status in base.items()
        if status in PASSING and ran(test) and run.get(test) not in PASSING
    ]
    own = [test for test, status in run.items() if status in FAILING and own_test(test)]
    before = sum(
        1 for test, status in run.items() if status in FAILING and base.get(test) in FAILING
    )
    return EditJudgement(run, sorted(newly), sorted(set(own) - set(newly)), before, code_changed)


class EditCheck:
    """The check of one sandbox, for the whole trajectory: it numbers its logs and keeps the
    base statuses it has seen."""

    def __init__(
        self,
        sandbox: Sandbox,
        suite: TestSuite,
        baselines: BaselineCache,
        timeout_s: float,
        prompts: Prompts,
        observation_limit: int = 20_000,
    ):
        self.sandbox = sandbox
        self.suite = suite
        self.baselines = baselines
        self.timeout_s = timeout_s
        self.prompts = prompts
        self.observation_limit = observation_limit
        self.runs = 0
        self._last_log = ""

    def edit(self, diff: str) -> tuple[Outcome, str]:
        """Apply an edit and check it: the turn's outcome and what the model sees."""
        render = self.prompts.render
        if normalise(diff) in (None, ()):
            return "patch_failed", render("not_a_diff")
        text = diff if diff.endswith("\n") else diff + "\n"
        applied = self.sandbox.run(APPLY_EDIT, 60, stdin=text)
        if applied.exit_code != 0:
            return "patch_failed", render("patch_failed", output=applied.output.strip())
        code = [p for p in patch_paths(diff) if not is_test_file(p)]
        own = {path for path in self._changed_files() if is_python_test_file(path)}
        targets = own | self._related(code)
        log, statuses, timed_out = self._run(targets)
        if timed_out:
            return "check_timeout", render("check_timeout", timeout=f"{self.timeout_s:g}", log=log)
        base = self._baseline(targets)
        run_files = targets or {self.suite.file_of(test) for test in base}
        verdict = judge_edit(statuses, base, run_files, own, self.suite, bool(code))
        outcome: Outcome = "tests_red" if verdict.red else "ok"
        return outcome, self._observation(verdict, log, targets)

    # -- what to run --------------------------------------------------------------------------

    def _output_lines(self, command: str) -> list[str]:
        """The lines a command prints, all of them: through a file, since a listing of a
        large repository is longer than the output cap of a command."""
        listing = f"{LOG_DIR}/listing.txt"
        self.sandbox.run(f"mkdir -p {LOG_DIR} && {{ {command} ; }} > {listing} 2>/dev/null", 120)
        text = self.sandbox.read_file(listing).decode("utf-8", "replace")
        return [line for line in text.splitlines() if line.strip()]

    def _changed_files(self) -> list[str]:
        """Files changed against the base commit, new ones included, that still exist."""
        return self._output_lines(
            "{ git diff --name-only HEAD; git ls-files --others "
            "--exclude-standard; } | sort -u | while read -r f; do "
            '[ -f "$f" ] && echo "$f"; done'
        )

    def _related(self, sources: list[str]) -> set[str]:
        """Test files tied to changed source files by name or by import."""
        modules = [m for m in map(module_of, sources) if m]
        if not modules:
            return set()
        tests = [
            f
            for f in self._output_lines("git ls-files -co --exclude-standard -- '*.py'")
            if is_python_test_file(f)
        ]
        related = {path for source in sources for path in named_after(source, tests)}
        patterns = " ".join(f"-e {shlex.quote(import_pattern(m))}" for m in modules)
        grep = f"git grep -l --untracked -E {patterns} -- '*.py'"
        related |= {path for path in self._output_lines(grep) if path in set(tests)}
        return related

    # -- running ------------------------------------------------------------------------------

    def _run(self, files: set[str]) -> tuple[str, Statuses, bool]:
        """Run the tests (all of them when no file is named); the log's path, the statuses and
        whether the run was cut off by the edit check's time budget."""
        self.runs += 1
        log = f"{LOG_DIR}/check-{self.runs}.log"
        self._last_log, timed_out = self._logged(self._command(files), log)
        return log, self.suite.parse(self._last_log), timed_out

    def _command(self, files: set[str]) -> str:
        return self.suite.for_files(files) if files else self.suite.command

    def _logged(self, command: str, log: str) -> tuple[str, bool]:
        """Run a test command with its whole output in a log file (a summary at the end of a
        long run must not be lost to the output cap); the log and whether it timed out."""
        result = self.sandbox.run(
            f"mkdir -p {LOG_DIR} && {{ {command} ; }} > {log} 2>&1", self.timeout_s
        )
        return self.sandbox.read_file(log).decode("utf-8", "replace"), result.timed_out

    def _baseline(self, files: set[str]) -> Statuses:
        """Statuses of these test files (all of them when none is named) at the base commit:
        from the cache, or run once at the base with the agent's work set aside."""
        keys = sorted(files) if files else [WHOLE_SUITE]
        known = {key: self.baselines.get(self.suite.command, key) for key in keys}
        missing = [key for key, statuses in known.items() if statuses is None]
        if missing:
            self._run_at_base(missing, known)
        return {
            test: status for statuses in known.values() for test, status in (statuses or {}).items()
        }

    def _run_at_base(self, keys: list[str], known: dict[str, Statuses | None]) -> None:
        """Run the test files `keys` (or the whole suite) on the untouched base tree, with the
        agent's work set aside and put back after, and fill `known` with their statuses; cache
        them unless the run timed out. A file the agent created has no base: nothing failed."""
        whole = keys == [WHOLE_SUITE]
        present = (
            set()
            if whole
            else set(
                self._output_lines(
                    " ".join(["git ls-tree --name-only HEAD --", *map(shlex.quote, keys)])
                )
            )
        )
        statuses: Statuses = {}
        timed_out = False
        if whole or present:  # a test file the agent created has no base: nothing failed
            work = self.sandbox.snapshot()
            self.sandbox.restore(self._output_lines("git rev-parse 'HEAD^{tree}'")[0])
            try:
                log, timed_out = self._logged(self._command(present), f"{LOG_DIR}/base.log")
                statuses = {} if timed_out else self.suite.parse(log)
            finally:
                self.sandbox.restore(work)
        for key in keys:
            part = (
                statuses
                if whole
                else {
                    test: status
                    for test, status in statuses.items()
                    if self.suite.file_of(test) in (key, "")  # "": names no file
                }
            )
            known[key] = part
            if not timed_out:
                self.baselines.put(self.suite.command, key, part)

    # -- what the model sees ------------------------------------------------------------------

    def _observation(self, verdict: EditJudgement, log: str, targets: set[str]) -> str:
        counts = {status: 0 for status in ("PASSED", "FAILED", "ERROR", "SKIPPED")}
        for status in verdict.run.values():
            counts[status] = counts.get(status, 0) + 1
        scope = (
            f"{len(targets)} test file(s) related to your changes"
            if targets
            else "the whole test suite"
        )
        lines = [
            f"Ran {scope}: {counts['PASSED']} passed, {counts['FAILED']} failed, "
            f"{counts['ERROR']} errors, {counts['SKIPPED']} skipped."
        ]
        if verdict.newly_failing:
            lines.append(
                f"Tests that passed before your changes and fail now: {len(verdict.newly_failing)}"
            )
            lines += self._failures(verdict.newly_failing)
        if verdict.own_failing:
            lines.append(
                f"Failing tests in test files you added or changed: {len(verdict.own_failing)}"
            )
            lines += self._failures(verdict.own_failing)
        if verdict.failing_before:
            lines.append(
                f"{verdict.failing_before} test(s) failed before your changes too; "
                "they are not counted."
            )
        lines.append(f"Full log: {log}")
        details = "\n".join(lines)[: self.observation_limit]
        name = "check_failed" if verdict.newly_failing or verdict.own_failing else "check_passed"
        return self.prompts.render(name, output=details)

    def _failures(self, tests: list[str]) -> list[str]:
        shown = []
        for test in tests[:10]:
            text = self.suite.failure_text(self._last_log, test)[:FAILURE_TEXT_LIMIT]
            shown.append(f"- {test}" + (f"\n{text}" if text else ""))
        if len(tests) > 10:
            shown.append(f"- ... and {len(tests) - 10} more (see the full log)")
        return shown
