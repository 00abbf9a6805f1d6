"""`python -m harness grade PREDICTIONS --dataset SOURCE`: grade patches made by another tool.

Each prediction is graded in a fresh container exactly as a run's patches are; the rows go to a
results file (cost unknown: null) and the official harness's run report to `report.json`.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from contextlib import closing
from datetime import datetime
from pathlib import Path

from harness import UsageError, release_notes, warn
from harness.commands.common import (
    PROG,
    SOURCE_HELP,
    Parser,
    add_force_option,
    add_progress_option,
    add_selection_options,
    bad_input,
    byte_bars,
    check_output,
    check_run_id,
    images_present,
    load_source,
    plan_table,
    require_positive,
    say_errors,
    select,
    write_output,
)
from harness.commands.progress import Progress
from harness.commands.run import DEFAULT_WORKERS, RESULTS_DIR, warn_unusable
from harness.options import add_options, from_args
from harness.reporting.collect import summarize
from harness.reporting.summary import summary_table
from harness.results import ResultRow, ResultStore, read_rows, resume
from harness.results.predictions import Prediction, read_predictions, run_report, safe_name
from harness.runner import grade_prediction, write_rows
from harness.sandbox.docker import DockerProvider
from harness.sandbox.engine import connect
from harness.sandbox.settings import SandboxSettings
from harness.tasks import Task
from harness.threads import ThreadPool


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} grade",
        description="Grade SWE-bench predictions (a JSON list, a JSON object keyed by "
        "instance_id, or JSONL; results files too) in fresh containers: result rows with "
        "the cost left empty, and a SWE-bench-style report.json.",
    )
    parser.add_argument("predictions", type=Path, metavar="PREDICTIONS")
    what = parser.add_argument_group("tasks")
    what.add_argument("--dataset", metavar="SOURCE", help=SOURCE_HELP)
    add_selection_options(what)
    add_options(parser.add_argument_group("sandbox"), SandboxSettings)
    out = parser.add_argument_group("output")
    out.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="results JSONL; an existing file is resumed (default: results/grade-<time>.jsonl)",
    )
    out.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="the run report (default: beside the results, <results>.report.json; one per "
        "model, <results>.<model>.report.json, when the predictions hold several)",
    )
    out.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, metavar="N", help="gradings in parallel"
    )
    out.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        metavar="SECONDS",
        help="timeout of one task's tests (default: 1800, as SWE-bench's harness)",
    )
    out.add_argument("--rerun-errors", action="store_true", help="grade error rows again")
    add_progress_option(out, "graded prediction")
    out.add_argument("--run-id", metavar="ID", help="name of this run (default: random)")
    out.add_argument(
        "--dry-run", action="store_true", help="print what would be graded and needed, then stop"
    )
    add_force_option(out, "the run report")
    return parser


def matched(
    args: argparse.Namespace, predictions: list[Prediction]
) -> tuple[list[tuple[Task, Prediction]], list[str]]:
    """Each prediction with its task, and the ids of the selection; a prediction for a task
    the source does not hold is bad input, one for a task outside the selection is left
    out."""
    tasks = load_source(args, args.dataset)
    by_id = {task.instance_id: task for task in tasks}
    unknown = sorted({p.instance_id for p in predictions} - set(by_id))
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise UsageError(f"prediction for {unknown[0]!r}{more}, which the dataset does not hold")
    chosen = [task.instance_id for task in select(args, tasks)]
    pairs = [(by_id[p.instance_id], p) for p in predictions if p.instance_id in chosen]
    if not pairs:
        raise UsageError("no prediction is for a task of the selection")
    if len(pairs) < len(predictions):
        warn(f"{len(predictions) - len(pairs)} prediction(s) outside the selection left out")
    return pairs, chosen


def run(args: argparse.Namespace) -> int:
    require_positive(args, "workers", "timeout")
    check_run_id(args.run_id)
    settings = from_args(SandboxSettings, args)
    predictions = bad_input(read_predictions, args.predictions)
    pairs, selection = matched(args, predictions)
    if args.dry_run:
        print(plan_table([task for task, p in pairs if p.model_patch.strip()], images_present()))
        return 0
    warn_unusable([task for task, _ in pairs])
    started = datetime.now().strftime("%Y%m%d-%H%M%S")
    output = args.output or RESULTS_DIR / f"grade-{started}.jsonl"
    models = sorted({p.model_name_or_path for _, p in pairs})
    for model in models:  # before any grading: a bad --report must not cost a run
        target = report_path(args.report, output, model, len(models) > 1)
        check_output(target, "report", [args.predictions, output], args.force)
    store = bad_input(ResultStore, output)
    done = bad_input(resume.written, store.path, args.rerun_errors)
    release_notes()
    todo = [(t, p) for t, p in pairs if (t.instance_id, p.model_name_or_path, 0) not in done]
    sandboxes = DockerProvider(connect(), args.run_id, settings, args.repo_mirror)
    sandboxes.images.progress = byte_bars
    warn(f"Grading {len(todo)} prediction(s) of {len(pairs)}, run {sandboxes.run_id}")
    progress = Progress(len(todo), enabled=not args.no_progress)
    counts = Counter[str]()

    def advance(row: ResultRow) -> None:
        counts[row.status] += 1
        progress.advance(f"{row.instance_id} {row.status}", {s: str(n) for s, n in counts.items()})

    try:
        graded = ThreadPool(args.workers).attempts(
            todo, lambda pair: grade_prediction(pair[0], pair[1], sandboxes, store, args.timeout)
        )
        with closing(graded):  # an interrupt stops what is queued
            write_rows(graded, store, advance)
    finally:
        progress.close()
        sandboxes.cleanup()
        store.close()
    return write_reports(args, store.path, pairs, selection)


def write_reports(
    args: argparse.Namespace,
    path: Path,
    pairs: list[tuple[Task, Prediction]],
    selection: list[str],
) -> int:
    """One report per model over every row the results file holds for it; exit 1 when any
    prediction of the selection ended in an error."""
    models = sorted({p.model_name_or_path for _, p in pairs})
    rows = [r for r in read_rows(path) if r.policy in models]
    for model in models:
        report = run_report(
            [r for r in rows if r.policy == model],
            [p for _, p in pairs if p.model_name_or_path == model],
            selection,
        )
        target = report_path(args.report, path, model, len(models) > 1)
        write_output(target, (json.dumps(report, indent=2) + "\n").encode(), "Report", args.force)
    print(summary_table(summarize(rows)))
    print(f"Results: {path}")
    wanted = {(task.instance_id, p.model_name_or_path) for task, p in pairs}
    graded = [r for r in rows if (r.instance_id, r.policy) in wanted]
    statuses = Counter(r.status for r in graded)
    print(
        f"{len(graded)} prediction(s): {statuses['resolved']} resolved, "
        f"{statuses['unresolved']} unresolved, {statuses['empty_patch']} empty patch, "
        f"{statuses['error']} error(s)"
    )
    say_errors(graded)
    return 1 if statuses["error"] else 0


def report_path(given: Path | None, results: Path, model: str, several: bool) -> Path:
    base = given or results.with_name(results.stem + ".report.json")
    if not several:
        return base
    stem = base.name.removesuffix(".json").removesuffix(".report")
    return base.with_name(f"{stem}.{safe_name(model)}.report.json")
