"""`python -m harness tasks list|validate|edit-check`: what a source holds, whether it is
sound, and whether the edit check tells the truth on it."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import UsageError, release_notes
from harness.agent.loop import Limits
from harness.agent.self_test import SelfTest, TaskCheck, self_test
from harness.commands.common import (
    PROG,
    Parser,
    add_force_option,
    add_progress_option,
    add_selection_options,
    add_source_argument,
    check_output,
    images_present,
    load_selection,
    plan_table,
    require_positive,
    source_of,
    write_output,
)
from harness.commands.progress import Progress
from harness.grading.validation import TaskValidation, validate_tasks
from harness.options import positive
from harness.reporting.tables import format_table
from harness.sandbox.docker import DockerProvider
from harness.sandbox.engine import connect
from harness.tasks import Task


def parser() -> Parser:
    parser = Parser(prog=f"{PROG} tasks", description="Inspect and validate tasks.")
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="{list,validate,edit-check}", parser_class=Parser
    )
    listing = actions.add_parser(
        "list",
        help="show what a source holds: per task its image (here, to pull or to build), log "
        "parser, environment, and what would stop it from being graded",
    )
    validate = actions.add_parser(
        "validate",
        help="run every task with its gold patch (must resolve) and with no patch "
        "(every FAIL_TO_PASS must fail), twice; report invalid and flaky tasks",
    )
    validate.add_argument("--runs", type=int, default=2, help="runs of each check (default: 2)")
    add_progress_option(validate, "checked task")
    edit_check = actions.add_parser(
        "edit-check",
        help="the edit check's self-test: per task, in a fresh sandbox, the test_patch as a "
        "reproduction edit, then the gold patch as the fix, through the agent's edit check; "
        "reports the gold fixes it calls ok, red (each failing test in its class), "
        "check_error or check_timeout",
    )
    edit_check.add_argument(
        "--json", type=Path, metavar="FILE", help="also write each task's result and the totals"
    )
    edit_check.add_argument(
        "--check-timeout",
        type=float,
        default=Limits.check_timeout_s,
        metavar="SECONDS",
        help="time budget of one edit check, as in a run (default: %(default)g)",
    )
    add_force_option(edit_check, "--json")
    add_progress_option(edit_check, "checked task")
    for sub in (listing, validate, edit_check):
        add_source_argument(sub)
        add_selection_options(sub)
    return parser


def run(args: argparse.Namespace) -> int:
    if args.action == "validate":
        require_positive(args, "runs")
    source = source_of(args)
    if args.action == "edit-check":
        if problem := positive(args.check_timeout):
            raise UsageError(f"--check-timeout {problem}")
        if args.json:
            reads = [Path(source)] if source else []
            check_output(args.json, "the JSON summary", reads, args.force)
    tasks = load_selection(args, source)
    if args.action == "list":
        print(plan_table(tasks, images_present()))
        return 0
    if args.action == "edit-check":
        return edit_check(tasks, args)
    return validate(tasks, args)


def edit_check(tasks: list[Task], args: argparse.Namespace) -> int:
    release_notes()
    sandboxes = DockerProvider(connect(), repo_mirror=args.repo_mirror)
    progress = Progress(len(tasks), enabled=not args.no_progress)
    counts = {"ok": 0, "red": 0, "other": 0}

    def advance(checked: TaskCheck) -> None:
        kind = checked.verdict if checked.verdict in counts else "other"
        counts[kind] += 1
        progress.advance(
            f"{checked.instance_id} {checked.verdict}",
            {name: str(value) for name, value in counts.items()},
        )

    try:
        result = self_test(tasks, sandboxes, args.check_timeout, on_task=advance)
    finally:
        progress.close()
        sandboxes.cleanup()
    print(self_test_text(result))
    if args.json:
        data = result.model_dump_json(indent=1).encode()
        write_output(args.json, data, "JSON summary", args.force)
    return 0 if result.totals["ok"] == len(result.tasks) else 1


def self_test_text(result: SelfTest) -> str:
    """Every task the check did not call ok, with what counted, then the totals."""
    rows = [
        [
            checked.instance_id,
            checked.verdict,
            checked.reproduction or "-",
            ", ".join(
                f"{len(tests)} {name}"
                for name, tests in (checked.tests.model_dump() if checked.tests else {}).items()
                if tests
            )
            or (checked.detail.splitlines() or [""])[-1][:120],
        ]
        for checked in result.tasks
        if checked.verdict != "ok"
    ]
    header = ["instance_id", "verdict", "reproduction", "failing tests"]
    lines = [format_table(header, rows)] if rows else []
    totals = result.totals
    lines.append(
        f"{len(result.tasks)} task(s): {totals['ok']} ok, {totals['red']} red, "
        f"{totals['red_unlisted']} red_unlisted (the gold patch breaks tests no hidden list "
        f"names), {totals['check_error']} check_error, {totals['check_timeout']} "
        f"check_timeout, {totals['error']} error"
    )
    if totals["red"] or totals["red_unlisted"]:
        classes = ", ".join(f"{count} {name}" for name, count in result.failing_tests.items())
        lines.append(f"failing tests of the red fixes: {classes}")
    return "\n".join(lines)


def validate(tasks: list[Task], args: argparse.Namespace) -> int:
    release_notes()
    sandboxes = DockerProvider(connect(), repo_mirror=args.repo_mirror)
    progress = Progress(len(tasks), enabled=not args.no_progress)
    counts = {"valid": 0, "invalid": 0, "flaky": 0}

    def advance(check: TaskValidation) -> None:
        verdict = "valid" if check.valid else "invalid" if check.problems else "flaky"
        counts[verdict] += 1
        problems = f" ({'; '.join(check.problems)})" if check.problems else ""
        progress.advance(
            f"{check.instance_id} {verdict}{problems}"[:200],
            {name: str(value) for name, value in counts.items()},
        )

    try:
        checks = validate_tasks(tasks, sandboxes, args.runs, advance)
    finally:
        progress.close()
        sandboxes.cleanup()
    bad = [c for c in checks if not c.valid]
    if bad:
        print(
            format_table(
                ["instance_id", "verdict", "problems"],
                [
                    [
                        c.instance_id,
                        c.verdict,
                        "; ".join(c.problems) or "results differ between runs",
                    ]
                    for c in bad
                ],
            )
        )
    counts = {v: sum(1 for c in bad if c.verdict == v) for v in ("invalid", "unrunnable")}
    flaky = sum(1 for c in checks if c.flaky)
    print(
        f"{len(checks)} task(s): {len(checks) - len(bad)} valid, {counts['invalid']} invalid, "
        f"{counts['unrunnable']} unrunnable (an error, e.g. the environment cannot run the "
        f"tests), {flaky} flaky"
    )
    return 1 if bad else 0
