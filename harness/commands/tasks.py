"""`python -m harness tasks list|validate`: what a source holds, and whether it is sound."""

from __future__ import annotations

import argparse

from harness import release_notes
from harness.commands.common import (
    PROG,
    Parser,
    add_progress_option,
    add_selection_options,
    add_source_argument,
    images_present,
    load_selection,
    plan_table,
    require_positive,
    source_of,
)
from harness.commands.progress import Progress
from harness.grading.validation import TaskValidation, validate_tasks
from harness.reporting.tables import format_table
from harness.sandbox.docker import DockerProvider
from harness.sandbox.engine import connect
from harness.tasks import Task


def parser() -> Parser:
    parser = Parser(prog=f"{PROG} tasks", description="Inspect and validate tasks.")
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="{list,validate}", parser_class=Parser
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
    for sub in (listing, validate):
        add_source_argument(sub)
        add_selection_options(sub)
    return parser


def run(args: argparse.Namespace) -> int:
    if args.action == "validate":
        require_positive(args, "runs")
    tasks = load_selection(args, source_of(args))
    if args.action == "list":
        print(plan_table(tasks, images_present()))
        return 0
    return validate(tasks, args)


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
