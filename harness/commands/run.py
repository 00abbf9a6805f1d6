"""`python -m harness [run]`: a task set under one policy, one result row per task."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from harness import UsageError, __version__, warn
from harness.agent import Limits
from harness.commands import REGISTRY
from harness.commands.common import (
    PROG,
    SOURCE_HELP,
    Parser,
    add_selection_options,
    bad_input,
    load_selection,
    require_positive,
)
from harness.models.factory import ModelFamily, ModelSettings
from harness.models.retry import ClientSettings
from harness.models.sim import default_params
from harness.models.sim_params import load_params
from harness.models.wire import ModelOptions
from harness.options import add_options, from_args
from harness.policy import resolve_policy
from harness.pricing import load_prices
from harness.prompts import default_prompts
from harness.reporting.summary import file_notes, summarize, summary_table
from harness.results import ResultRow, ResultStore, read_rows
from harness.runner import RunConfig, run_tasks
from harness.sandbox.docker import DockerProvider
from harness.sandbox.engine import connect
from harness.sandbox.settings import SandboxSettings

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
    out.add_argument("--no-progress", action="store_true", help="no progress bar")
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
    return RunConfig(policy, prices, models, limits, prompts=default_prompts())


def run(args: argparse.Namespace) -> int:
    config = configure(args)
    sandbox_settings = from_args(SandboxSettings, args)
    tasks = load_selection(args, args.dataset)
    if not tasks:
        raise UsageError("the selection holds no tasks")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    output = (
        args.output or RESULTS_DIR / f"{config.policy.name}-{config.models.backend}-{stamp}.jsonl"
    )
    store = bad_input(ResultStore, output)
    bad_input(store.done)  # a resumed file must be readable before any work starts
    if config.models.synthetic:
        warn(synthetic_warning(config.models))
        names = config.models.settings.names
        used: dict[str, str] = {tier: names[tier] for tier in config.policy.tiers}
        for note in config.models.sim_params.mismatches(used, config.prices.version):
            warn(f"warning: {note}")
    sandboxes = DockerProvider(connect(), args.run_id, sandbox_settings, args.repo_mirror)
    warn(
        f"Running {len(tasks)} task(s) under policy {config.policy.name} "
        f"({config.models.backend} backend), run {sandboxes.run_id}"
    )
    # disable=None: no bar when stderr is not a terminal (CI logs, pipes)
    bar = tqdm(
        total=len(tasks), unit="task", disable=True if args.no_progress else None, file=sys.stderr
    )
    finished: list[ResultRow] = []

    def on_row(row: ResultRow) -> None:
        finished.append(row)
        bar.update(1)
        bar.set_postfix(
            resolved=sum(r.status == "resolved" for r in finished),
            errors=sum(r.status == "error" for r in finished),
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
        )
    finally:
        bar.close()
        sandboxes.cleanup()
    return print_summary(store.path, config.policy.name)


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


def print_summary(path: Path, policy: str) -> int:
    """The run's table and file; exit 1 when every task ended in an error."""
    rows = [r for r in read_rows(path) if r.policy == policy]
    print(summary_table(summarize(rows), file_notes(str(path), rows)))
    print(f"Results: {path}")
    errors = [r for r in rows if r.status == "error"]
    for row in errors[:5]:
        warn(f"error: {row.instance_id}: {row.status_reason}")
    return 1 if rows and len(errors) == len(rows) else 0
