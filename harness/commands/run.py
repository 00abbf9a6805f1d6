"""`python -m harness [run]`: a task set under one policy, one result row per task."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from harness import UsageError, __version__, release_notes, warn
from harness.agent.loop import Limits
from harness.agent.policy import resolve_policy
from harness.cluster import DOCKER_RESOURCE, ClusterSettings, refuse_what_cannot_run
from harness.commands import REGISTRY
from harness.commands.common import (
    PROG,
    SOURCE_HELP,
    Parser,
    add_progress_option,
    add_selection_options,
    bad_input,
    check_run_id,
    images_present,
    load_selection,
    plan_table,
    require_positive,
    say_errors,
)
from harness.commands.progress import Progress
from harness.commands.run_sandboxes import image_reports, start_sandboxes
from harness.commands.run_totals import resumed_totals
from harness.files import ensure_writable
from harness.grading.preflight import preflight_problem
from harness.models.factory import ModelFamily, ModelSettings
from harness.models.retry import ClientSettings
from harness.models.sim import default_params
from harness.models.sim_params import load_params
from harness.models.wire import ModelOptions
from harness.options import add_options, from_args
from harness.pricing import load_prices
from harness.prompts import default_prompts
from harness.reporting.collect import collect
from harness.reporting.summary import summary_table
from harness.reporting.tables import money
from harness.results import ResultRow, ResultStore, iter_rows, resume
from harness.results.journal import journal_path
from harness.results.store import ensure_free_to_write
from harness.runner import RunConfig, run_tasks
from harness.sandbox.settings import ImageSettings, SandboxSettings
from harness.tasks import Task

if TYPE_CHECKING:
    pass

RESULTS_DIR = Path("results")
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


def parser() -> Parser:
    epilog = "subcommands (each has --help):\n" + "\n".join(
        f"  {command.name:<8} {command.summary}" for command in REGISTRY
    )
    parser = Parser(
        prog=PROG,
        description="Run a task set under one routing policy: each task "
        "is solved by the edit-test agent in a Docker sandbox, graded in a fresh "
        "container, and written as one JSON row to a results file.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    what = parser.add_argument_group("what to run")
    what.add_argument(
        "--policy",
        default="cascade",
        help="routing policy: pro, flash, cascade, or a name from --rules (default: cascade)",
    )
    what.add_argument(
        "--rules",
        type=Path,
        metavar="FILE",
        help="TOML file of routing policies ([policies.NAME] tables)",
    )
    what.add_argument("--dataset", metavar="SOURCE", help=SOURCE_HELP)
    add_selection_options(what)
    what.add_argument(
        "--seed", type=int, default=0, help="seed of the simulated models (default: 0)"
    )
    models = parser.add_argument_group("models")
    add_options(models, ModelSettings)
    models.add_argument(
        "--prices", type=Path, metavar="FILE", help="price table (TOML) instead of the bundled one"
    )
    add_options(models, ModelOptions)
    add_options(models, ClientSettings)
    add_options(parser.add_argument_group("limits"), Limits)
    add_options(parser.add_argument_group("sandbox"), SandboxSettings)
    add_options(parser.add_argument_group("images"), ImageSettings)
    out = parser.add_argument_group("output")
    out.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="results JSONL; an existing file is resumed: finished tasks are "
        "skipped (default: results/<policy>-<backend>-<time>.jsonl)",
    )
    out.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        metavar="N",
        help="tasks run in parallel; rows still go through one writer (default: "
        f"{DEFAULT_WORKERS}, this machine's cores up to 4)",
    )
    out.add_argument(
        "--rerun-errors",
        action="store_true",
        help="when resuming, run again the tasks whose row has status error",
    )
    out.add_argument(
        "--append-run",
        action="store_true",
        help="add this run's rows to an --output file that holds rows of the same policy "
        "under another configuration (rules, backend, models, prices, limits, sandbox, "
        "dataset), instead of refusing it; only rows of this configuration count as done",
    )
    add_progress_option(out, "finished task")
    out.add_argument(
        "--dry-run",
        action="store_true",
        help="print the selection and what each task needs (images to pull or build, parser, "
        "environment, problems), then stop: no container, no model call, no file written",
    )
    cluster = parser.add_argument_group("cluster")
    cluster.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        metavar="ADDRESS",
        help="run the tasks on a Ray cluster: each on a node that declares the "
        f"{DOCKER_RESOURCE!r} resource, rows written here (ADDRESS: the head's host:port; "
        "default: RAY_ADDRESS or the cluster started on this machine)",
    )
    add_options(cluster, ClusterSettings)
    out.add_argument(
        "--run-id",
        metavar="ID",
        help="name of this run, in every row and on every container (default: random)",
    )
    return parser


def configure(args: argparse.Namespace) -> RunConfig:
    """The run's configuration from its arguments, every value checked before any work."""
    limits = from_args(Limits, args)
    require_positive(args, "workers")
    check_run_id(args.run_id)
    policy = bad_input(resolve_policy, args.policy, args.rules)
    prices = bad_input(load_prices, args.prices)
    settings = from_args(ModelSettings, args)
    models = ModelFamily(
        settings,
        settings.backend_for(),
        from_args(ModelOptions, args),
        from_args(ClientSettings, args),
        args.seed,
        bad_input(load_params, settings.sim_params) if settings.sim_params else default_params(),
    )
    if not models.synthetic:
        for tier in policy.tiers:  # fail before any work, not after the first call
            bad_input(prices.price, settings.names[tier])
    return RunConfig(
        policy,
        prices,
        models,
        limits,
        prompts=default_prompts(),
        sandbox=from_args(SandboxSettings, args),
    )


def run(args: argparse.Namespace) -> int:
    """Configure, run every task not yet done, then summarise."""
    config = configure(args)
    cluster = from_args(ClusterSettings, args)
    if args.ray is not None:
        refuse_what_cannot_run(config)
    tasks = load_selection(args, args.dataset)
    if not tasks:
        raise UsageError("the selection holds no tasks")
    if args.dry_run:
        print(plan_table(tasks, images_present()))
        return 0
    warn_unusable(tasks)
    started = datetime.now().strftime("%Y%m%d-%H%M%S")
    output = (
        args.output or RESULTS_DIR / f"{config.policy.name}-{config.models.backend}-{started}.jsonl"
    )
    execute(args, config, cluster, tasks, output)
    return summarise(output, config.policy.name)


def execute(
    args: argparse.Namespace,
    config: RunConfig,
    cluster: ClusterSettings,
    tasks: list[Task],
    output: Path,
) -> None:
    """Run the tasks that have no row in `output` yet, with progress; every input is checked,
    and the results file locked, before any work."""
    bad_input(ensure_free_to_write, output)
    bad_input(ensure_writable, journal_path(output), "spend journal")
    images = from_args(ImageSettings, args)
    done = bad_input(
        resume.finished, output, config.identity(""), tasks, args.rerun_errors, args.append_run
    )
    todo = [t for t in tasks if config.key(t) not in done and not preflight_problem(t)]
    sandboxes, pool = start_sandboxes(args, config, cluster, images, todo)
    store = bad_input(ResultStore, output)  # the last check: it creates and locks the file
    release_notes()
    announce(config, sandboxes.run_id, len(tasks))
    skipped = sum(config.key(task) in done for task in tasks)
    if skipped:
        warn(f"{skipped} of {len(tasks)} task(s) already have a row in {output}: skipped")
    progress = Progress(len(tasks), enabled=not args.no_progress, initial=skipped)
    totals = resumed_totals(output, config, tasks, done)

    def on_row(row: ResultRow) -> None:
        totals.add(row)
        progress.advance(
            f"{row.instance_id} {row.status} turns {row.turns} {money(row.cost_usd)}",
            totals.shown(),
        )

    try:
        run_tasks(
            tasks,
            config,
            sandboxes,
            store,
            on_row,
            retry_errors=args.rerun_errors,
            workers=args.workers,
            append_run=args.append_run,
            pool=pool,
            done=done,
        )
    finally:
        progress.close()
        (pool or sandboxes).cleanup()  # first: a container holds its image
        for report in image_reports(sandboxes, pool):
            warn(report.text())
        store.close()


def announce(config: RunConfig, run_id: str, tasks: int) -> None:
    """What the run is, on stderr, with what makes its numbers synthetic."""
    if config.models.synthetic:
        warn(synthetic_warning(config.models))
        names = config.models.settings.names
        used: dict[str, str] = {tier: names[tier] for tier in config.policy.tiers}
        for note in config.models.sim_params.mismatches(used, config.prices.version):
            warn(f"warning: {note}")
    warn(
        f"Running {tasks} task(s) under policy {config.policy.name} "
        f"({config.models.backend} backend), run {run_id}"
    )


def warn_unusable(tasks: list[Task]) -> None:
    """Say up front which tasks will be error rows without any work."""
    unusable = [(task, reason) for task in tasks if (reason := preflight_problem(task))]
    if unusable:
        task, reason = unusable[0]
        warn(
            f"warning: {len(unusable)} task(s) cannot be graded and get an error row at no "
            f"cost, e.g. {task.instance_id}: {reason}"
        )


def synthetic_warning(models: ModelFamily) -> str:
    params = models.sim_params
    if params.calibrated_from:
        return (
            f"Using simulated models calibrated from {params.calibrated_from} run(s) "
            f"({models.settings.sim_params}, parameters {params.digest}). These results are "
            "synthetic."
        )
    if models.settings.sim_params:
        return (
            f"Using simulated models with the parameters in {models.settings.sim_params}. "
            "These results are synthetic."
        )
    return (
        f"No API key in {models.settings.api_key_env}: using simulated models. "
        "These results are synthetic."
    )


def summarise(path: Path, policy: str) -> int:
    """The run's table and file; exit 1 when every task ended in an error."""
    collected = collect([path], warn=warn)
    mine = [s for s in collected.summaries() if s.policy == policy]
    print(summary_table(mine, collected.notes))
    print(f"Results: {path}")
    final = {r.key: r for r in iter_rows(path, ResultRow) if r.policy == policy}
    errors = [r for r in final.values() if r.status == "error"]
    say_errors(errors)
    return 1 if final and len(errors) == len(final) else 0
