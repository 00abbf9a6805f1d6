"""The edit check: apply the model's edit, run the tests related to it, and judge the turn
against the repository's own state before the task, test by test (judgement.py).

The statuses at the base commit are measured on the untouched tree, with the agent's work set
aside, and cached (baseline.py). A test file that gives no result at the base commit, even run
alone, is left out of every check: the environment cannot run it. A check whose run reports no
test at all is `check_error`, not red, unless it crashed in a file the edit changed.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from harness.agent.baseline import WHOLE_SUITE, BaselineCache, BaseRun
from harness.agent.changed_tests import RewrittenTests, rewritten_tests
from harness.agent.check_report import CheckReport
from harness.agent.judgement import crash_site, judge_edit
from harness.agent.related import (
    import_pattern,
    is_python_test_file,
    is_test_file,
    module_of,
    named_after,
)
from harness.diffs import normalise, patch_paths
from harness.prompts import Prompts
from harness.results.trajectory import CheckedTests
from harness.sandbox import Sandbox
from harness.testsuite.suite import Statuses, TestSuite
from harness.tiers import Outcome

APPLY_EDIT = "git apply --whitespace=nowarn -"
# In the repository's git folder: the model can read the full log there, and it is never
# part of a snapshot or a diff.
LOG_DIR = ".git/harness"


@dataclass(frozen=True)
class ActionResult:
    """How an action ended (an edit: with its check), and what the model sees."""

    outcome: Outcome
    observation: str
    tests: CheckedTests | None = None  # a red edit's failing tests, each in its class


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

    def edit(self, diff: str) -> ActionResult:
        """Apply an edit and check it: the turn's outcome and what the model sees."""
        render = self.prompts.render
        if normalise(diff) in (None, ()):
            return ActionResult("patch_failed", render("not_a_diff"))
        text = diff if diff.endswith("\n") else diff + "\n"
        applied = self.sandbox.run(APPLY_EDIT, 60, stdin=text)
        if applied.exit_code != 0:
            failure = render("patch_failed", output=applied.output.strip())
            return ActionResult("patch_failed", failure)
        code = [p for p in patch_paths(diff) if not is_test_file(p)]
        changed = self._changed_files()
        own = {path for path in changed if is_python_test_file(path)}
        targets = own | self._related(code)
        base = self._baseline(targets)
        left_out = sorted(key for key, run in base.items() if not run.runnable)
        selection = targets - set(left_out)
        report = CheckReport(self.suite, self.prompts, self.observation_limit, targets, left_out)
        if left_out and not selection:
            return ActionResult("check_error", report.nothing_to_run())
        log, text, timed_out = self._run(selection)
        if timed_out:
            return ActionResult("check_timeout", report.timed_out(self.timeout_s, log))
        statuses = self.suite.parse(text)
        before = {test: status for run in base.values() for test, status in run.statuses.items()}
        run_files = selection or {self.suite.file_of(test) for test in before}
        verdict = judge_edit(
            statuses, before, run_files, self._rewritten(own), self.suite, bool(code)
        )
        if not statuses:
            crash = crash_site(text, changed) if before and code else None
            if crash is None:
                return ActionResult("check_error", report.no_results(log, text))
            return ActionResult("tests_red", report.crashed(log, text, crash), verdict.tests)
        observation = report.judged(verdict, log, text)
        if verdict.red:
            return ActionResult("tests_red", observation, verdict.tests)
        return ActionResult("ok", observation)

    # -- what to run --------------------------------------------------------------------------

    def _output(self, command: str) -> str:
        """All a command prints: through a file, since a listing of a large repository is
        longer than the output cap of a command."""
        listing = f"{LOG_DIR}/listing.txt"
        self.sandbox.run(f"mkdir -p {LOG_DIR} && {{ {command} ; }} > {listing} 2>/dev/null", 120)
        return self.sandbox.read_file(listing).decode("utf-8", "replace")

    def _output_lines(self, command: str) -> list[str]:
        return [line for line in self._output(command).splitlines() if line.strip()]

    def _changed_files(self) -> set[str]:
        """Files changed against the base commit, new ones included, that still exist."""
        return set(
            self._output_lines(
                "{ git diff --name-only HEAD; git ls-files --others "
                "--exclude-standard; } | sort -u | while read -r f; do "
                '[ -f "$f" ] && echo "$f"; done'
            )
        )

    def _at_base(self, files: list[str]) -> set[str]:
        """Which of these files the base commit has."""
        if not files:
            return set()
        listing = " ".join(["git ls-tree --name-only HEAD --", *map(shlex.quote, files)])
        return set(self._output_lines(listing))

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

    def _rewritten(self, own: set[str]) -> RewrittenTests:
        """The tests the agent wrote or changed in its test files, from its diff against the
        base and the files' text before and after."""
        files = sorted(own)
        if not files:
            return RewrittenTests()
        quoted = " ".join(map(shlex.quote, files))
        diff = self._output(f"git diff --no-color --no-ext-diff HEAD -- {quoted}")
        at_base = self._at_base(files)
        sources = {
            path: (
                self._output(f"git show HEAD:{shlex.quote(path)}") if path in at_base else None,
                self.sandbox.read_file(path).decode("utf-8", "replace"),
            )
            for path in files
        }
        return rewritten_tests(diff, sources)

    # -- running ------------------------------------------------------------------------------

    def _run(self, files: set[str]) -> tuple[str, str, bool]:
        """Run the tests (all of them when no file is named); the log's path, its text and
        whether the run was cut off by the edit check's time budget."""
        self.runs += 1
        log = f"{LOG_DIR}/check-{self.runs}.log"
        text, timed_out = self._logged(self._command(files), log)
        return log, text, timed_out

    def _command(self, files: set[str]) -> str:
        return self.suite.for_files(files) if files else self.suite.command

    def _logged(self, command: str, log: str) -> tuple[str, bool]:
        """Run a test command with its whole output in a log file (a summary at the end of a
        long run must not be lost to the output cap); the log and whether it timed out."""
        result = self.sandbox.run(
            f"mkdir -p {LOG_DIR} && {{ {command} ; }} > {log} 2>&1", self.timeout_s
        )
        return self.sandbox.read_file(log).decode("utf-8", "replace"), result.timed_out

    def _baseline(self, files: set[str]) -> dict[str, BaseRun]:
        """These test files (the whole suite when none is named) at the base commit: from the
        cache, or run once at the base with the agent's work set aside."""
        keys = sorted(files) if files else [WHOLE_SUITE]
        known = {key: self.baselines.get(self.suite.command, key) for key in keys}
        missing = [key for key, base in known.items() if base is None]
        measured = self._run_at_base(missing) if missing else {}
        return {key: known[key] or measured[key] for key in keys}

    @contextmanager
    def _base_tree(self) -> Iterator[None]:
        """The untouched base tree, with the agent's work set aside and put back after."""
        work = self.sandbox.snapshot()
        self.sandbox.restore(self._output_lines("git rev-parse 'HEAD^{tree}'")[0])
        try:
            yield
        finally:
            self.sandbox.restore(work)

    def _base_statuses(self, files: list[str]) -> Statuses | None:
        """One run at the base (the whole suite when no file is named); None if it timed out."""
        log, timed_out = self._logged(self._command(set(files)), f"{LOG_DIR}/base.log")
        return None if timed_out else self.suite.parse(log)

    def _run_at_base(self, keys: list[str]) -> dict[str, BaseRun]:
        """Run the test files `keys` (or the whole suite) on the base tree, together; when
        that gives no result at all, each file alone, once, to learn which of them the
        environment cannot run. Cached unless a run timed out. A file the agent created has no
        base: nothing failed there."""
        whole = keys == [WHOLE_SUITE]
        present = [] if whole else sorted(self._at_base(keys))
        runs: dict[str, Statuses | None] = {}
        alone = whole or len(present) == 1  # a run that gives nothing is the file's doing
        if whole or present:
            with self._base_tree():
                together = self._base_statuses(present)
                if together == {} and len(present) > 1:
                    runs, alone = {file: self._base_statuses([file]) for file in present}, True
                else:
                    runs = {key: together for key in (keys if whole else present)}
        found = {}
        for key in keys:
            statuses = runs.get(key, {})  # a file the agent created: nothing ran, nothing failed
            part = self._part(statuses or {}, key, whole)
            gave_nothing = statuses == {} and alone and key in runs
            found[key] = BaseRun(part, runnable=not gave_nothing)
            if statuses is not None:  # a run that timed out is measured again next time
                self.baselines.put(self.suite.command, key, found[key])
        return found

    def _part(self, statuses: Statuses, key: str, whole: bool) -> Statuses:
        """The statuses of one test file in a run of several ("": ids that name no file)."""
        if whole:
            return statuses
        return {test: s for test, s in statuses.items() if self.suite.file_of(test) in (key, "")}
