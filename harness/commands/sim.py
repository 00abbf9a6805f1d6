"""`python -m harness sim fit|validate`: a simulator calibrated from real runs, and how well
it predicts runs it did not see."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harness import HarnessError, UsageError, warn
from harness.calibration.fit import NotEnoughRuns, fit
from harness.calibration.observe import Observed, read_observed
from harness.calibration.report import calibration_error, fit_table, validation_table
from harness.calibration.shrinkage import MAX_CONCENTRATION, MIN_CONCENTRATION
from harness.calibration.validate import Fold, Prediction, Simulator, folds, predict
from harness.commands.common import (
    PROG,
    SOURCE_HELP,
    Parser,
    add_selection_options,
    bad_input,
    load_selection,
    require_positive,
    write_output,
)
from harness.options import add_options, from_args
from harness.pricing import load_prices
from harness.sandbox.settings import SandboxSettings
from harness.tasks import Task

RESULTS_HELP = "results JSONL of real runs, with their trajectories beside them"
HEADER = f"""Simulator parameters calibrated from real runs by `{PROG} sim fit`.
Run the simulated family with them: {PROG} --sim-params FILE ...
Results of simulated models are synthetic, even calibrated ones: they predict the models these
runs saw, on these tasks, under these limits; they are not those models.

Solve probabilities: each task's is the posterior mean (k + alpha) / (n + alpha + beta) of its
k fixes in n attempts on a tier's own turns, under the tier's Beta(prior_alpha, prior_beta)
prior fitted by maximum marginal (beta-binomial) likelihood; tasks not listed get the mean.
"""


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} sim",
        description="Calibrate the simulated family from real runs, and cross-validate it.",
    )
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="{fit,validate}", parser_class=Parser
    )
    fitting = actions.add_parser(
        "fit",
        help="fit simulator parameters to real runs of the tiers on the same tasks",
        description="Fit per-task, per-tier solve probabilities (shrunk toward the tier mean "
        "by empirical Bayes), each tier's failure mix, turn structure and token shapes, the "
        "coupling of the tiers (from cascade runs) and the agreement of vote samples, to "
        "real runs: pro-only and flash-only at least. Writes a parameter file for "
        "--sim-params.",
    )
    fitting.add_argument("files", nargs="+", type=Path, metavar="RESULTS", help=RESULTS_HELP)
    fitting.add_argument(
        "--output", type=Path, required=True, metavar="FILE", help="calibration file to write"
    )
    validating = actions.add_parser(
        "validate",
        help="fit on part of the runs, predict the rest with the simulator, and compare",
        description="Cross-validation: each fold holds out a policy (or a run), fits on the "
        "rest, and predicts the held-out pass rate and cost per resolved task by running the "
        "calibrated simulator on the same tasks in Docker sandboxes, with 95% prediction "
        "intervals. Exit 0 when every measured value is inside its interval, 1 otherwise.",
    )
    validating.add_argument("files", nargs="+", type=Path, metavar="RESULTS", help=RESULTS_HELP)
    validating.add_argument("--dataset", metavar="SOURCE", help=SOURCE_HELP)
    add_selection_options(validating)
    validating.add_argument(
        "--rules", type=Path, metavar="FILE", help="routing rules the runs used, if not built in"
    )
    validating.add_argument("--prices", type=Path, metavar="FILE", help="price table the runs used")
    validating.add_argument(
        "--hold-out",
        choices=["policy", "run"],
        default="policy",
        help="what a fold leaves out of the fit: each policy whole, or each run (default: policy)",
    )
    validating.add_argument(
        "--predict",
        nargs="+",
        metavar="POLICY",
        help="only the folds that hold out these policies (default: every one)",
    )
    validating.add_argument(
        "--replicates",
        type=int,
        default=10,
        metavar="N",
        help="simulated runs per fold, each with task probabilities drawn from the fit's "
        "posterior (default: 10)",
    )
    validating.add_argument(
        "--seed", type=int, default=0, help="seed of the replicates (default: 0)"
    )
    validating.add_argument(
        "--workers", type=int, default=2, metavar="N", help="tasks simulated in parallel"
    )
    add_options(validating.add_argument_group("sandbox"), SandboxSettings)
    return parser


def run(args: argparse.Namespace) -> int:
    observed = bad_input(read_observed, args.files, warn)
    if not observed:
        raise UsageError("no graded rows in " + ", ".join(map(str, args.files)))
    if args.action == "fit":
        return run_fit(args, observed)
    return run_validate(args, observed)


def run_fit(args: argparse.Namespace, observed: list[Observed]) -> int:
    result = bad_input(fit, observed, [str(path) for path in args.files])
    for note in result.notes:
        warn(note)
    params = result.params
    bounds = f"alpha + beta is kept within [{MIN_CONCENTRATION:g}, {MAX_CONCENTRATION:g}]"
    text = params.to_toml(f"{HEADER}{bounds}.\n")
    write_output(args.output, text.encode("utf-8"), "Calibration")
    print(fit_table(result))
    print(
        f"calibrated from {params.calibrated_from} run(s), {len(observed)} task run(s); "
        f"parameters {params.digest}"
    )
    return 0


def run_validate(args: argparse.Namespace, observed: list[Observed]) -> int:
    require_positive(args, "workers")
    if args.replicates < 2:
        raise UsageError("--replicates must be at least 2 for an interval")
    prices = bad_input(load_prices, args.prices)
    chosen = [
        f
        for f in folds(observed, args.hold_out)
        if not args.predict or f.policy in set(args.predict)
    ]
    if not chosen:
        raise UsageError(f"no runs of the policies to predict: {', '.join(args.predict)}")
    tasks = {t.instance_id: t for t in load_selection(args, args.dataset)}
    needed = {o.row.instance_id for fold in chosen for o in fold.held_out}
    missing = sorted(needed - set(tasks))
    if missing:
        raise UsageError(f"{len(missing)} task(s) of the runs are not in the dataset: {missing[0]}")
    tables = {o.row.price_table for o in observed} - {prices.version}
    if tables:
        warn(
            f"warning: the runs were priced with {', '.join(sorted(tables))}, the simulation "
            f"with {prices.version}: pass the runs' table with --prices"
        )
    from harness.sandbox.docker import DockerProvider  # Docker only when it is needed
    from harness.sandbox.engine import connect

    settings = from_args(SandboxSettings, args)
    sandboxes = DockerProvider(connect(), settings=settings, repo_mirror=args.repo_mirror)
    predictions: list[Prediction] = []
    try:
        with tempfile.TemporaryDirectory(prefix="harness-sim-validate-") as scratch:
            simulator = Simulator(sandboxes, prices, Path(scratch), args.rules, args.workers)
            for fold in chosen:
                predictions += validate_fold(fold, tasks, simulator, args)
    finally:
        sandboxes.cleanup()
    return print_validation(predictions)


def validate_fold(
    fold: Fold, tasks: dict[str, Task], simulator: Simulator, args: argparse.Namespace
) -> list[Prediction]:
    try:
        return predict(fold, tasks, simulator, args.replicates, args.seed)
    except NotEnoughRuns as exc:
        warn(f"note: fold {fold.name} skipped: {exc}")
        return []
    except HarnessError as exc:  # the runs' rules are not the ones in force, say
        raise UsageError(str(exc)) from None


def print_validation(predictions: list[Prediction]) -> int:
    if not predictions:
        raise UsageError("no fold could be fitted: each needs runs of both tiers outside it")
    print(validation_table(predictions))
    print(calibration_error(predictions))
    outside = [p for p in predictions if p.inside is False]
    if outside:
        print(
            f"{len(outside)} measured value(s) outside their prediction interval: the "
            "calibration does not predict these runs"
        )
    return 1 if outside else 0
