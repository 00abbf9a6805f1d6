"""`python -m harness sim fit|validate|diagnose|sweep`: a simulator calibrated from real runs,
how well it predicts runs it did not see, which of its assumptions the runs break, and routing
rules swept over it."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness import HarnessError, UsageError, warn
from harness.agent.loop import Limits
from harness.agent.policy import resolve_policy
from harness.calibration.assumptions import broken
from harness.calibration.diagnose import Diagnosis, diagnose
from harness.calibration.fit import fit
from harness.calibration.folds import Fold, folds, only
from harness.calibration.observe import Observed, read_observed
from harness.calibration.posterior import Posterior
from harness.calibration.report import (
    calibration_error,
    diagnosis_text,
    fit_table,
    misses_text,
    validation_table,
)
from harness.calibration.sweep import Settings, parse_vary, rule_points, sweep
from harness.calibration.sweep_plot import FORMATS, sweep_plot
from harness.calibration.sweep_report import sweep_text
from harness.calibration.validate import Prediction, Simulator, cross_validate
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
from harness.models.sim import default_params
from harness.models.sim_params import load_params
from harness.options import add_options, from_args
from harness.pricing import PriceTable, load_prices
from harness.sandbox import SandboxProvider
from harness.sandbox.settings import SandboxSettings
from harness.tasks import Task

RESULTS_HELP = "results JSONL of real runs, with their trajectories beside them"
DEFAULT_VARY = "max_escalations=0,1,2,4,8"
HEADER = f"""Simulator parameters calibrated from real runs by `{PROG} sim fit`.
Run the simulated family with them: {PROG} --sim-params FILE ...
Results of simulated models are synthetic, even calibrated ones: they predict the models these
runs saw, on these tasks, under these limits; they are not those models.

Solve probabilities: each task's is its posterior mean given its k fixes in n attempts on a tier's
own turns, under the tier's Beta prior, whose mean and weight (prior_alpha + prior_beta) have a
weakly informative hyperprior and are integrated over (prior_alpha and prior_beta summarise
their posterior). Tasks not listed get the mean.
"""


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} sim",
        description="Calibrate the simulated family from real runs, cross-validate it, check "
        "its assumptions, and sweep routing rules over it.",
    )
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="{fit,validate,diagnose,sweep}", parser_class=Parser
    )
    fitting = _on_results(
        actions,
        "fit",
        "fit simulator parameters to real runs of the tiers on the same tasks",
        "Fit per-task, per-tier solve probabilities (shrunk toward the tier mean under a "
        "hierarchical prior), each tier's failure mix, turn structure and token shapes, the "
        "coupling of the tiers (from cascade runs) and the agreement of vote samples, to real "
        "runs: pro-only and flash-only at least. Writes a parameter file for --sim-params, and "
        "warns of assumptions the runs reject (see `sim diagnose`).",
    )
    fitting.add_argument(
        "--output", type=Path, required=True, metavar="FILE", help="calibration file to write"
    )
    _on_results(
        actions,
        "diagnose",
        "check what the fit assumes on the runs, with intervals",
        "Measure on the runs what the fit assumes, with 95% intervals: whether a tier's fix "
        "attempts are independent within a task or repeat earlier failures, whether success "
        "falls as a trajectory grows, whether tasks of one repository are alike, how the tiers' "
        "draws go together within a turn (cascade runs) and across tasks, and the turn and "
        "token shapes. Says which assumptions the runs reject.",
    )
    validating = _on_results(
        actions,
        "validate",
        "fit on part of the runs, predict the rest with the simulator, and compare",
        "Cross-validation: each fold holds out a policy, a run, or a share of the tasks, fits "
        "on the rest, and predicts the held-out pass rate and cost per resolved task by running "
        "the calibrated simulator on the same tasks in Docker sandboxes, with 95% prediction "
        "intervals. Exit 0 when every measured value is inside its interval, 1 otherwise, "
        "naming the assumptions the runs break.",
    )
    validating.add_argument(
        "--hold-out",
        choices=["policy", "run", "tasks"],
        default="policy",
        help="what a fold leaves out of the fit: each policy whole, each run, or a share of the "
        "tasks (--folds of them; every row of a held-out task) (default: policy)",
    )
    validating.add_argument(
        "--folds", type=int, default=5, metavar="K", help="folds of --hold-out tasks (default: 5)"
    )
    validating.add_argument(
        "--predict",
        nargs="+",
        metavar="POLICY",
        help="only predict rows of these policies (default: every one)",
    )
    _simulation_options(validating, "runs used", 10)
    sweeping = actions.add_parser(
        "sweep",
        help="sweep a routing rule's knobs and the trajectory length over the simulator",
        description="Run a rule's variants (--vary), pro alone and flash alone over the tasks "
        "with the simulated family, --replicates times, each a draw from the calibration's "
        "uncertainty; print and plot pass rate and cost per resolved task against the share of "
        "calls on pro, with RouteLLM's PGR, APGR and CPT; with --lengths, the cost per resolved "
        "task of each policy against the length of the trajectories, and where they cross.",
    )
    sweeping.add_argument(
        "--sim-params", type=Path, metavar="FILE", help="parameters (default: the hand-set ones)"
    )
    sweeping.add_argument("--policy", default="cascade", help="the rule to vary (default: cascade)")
    sweeping.add_argument(
        "--vary",
        action="append",
        metavar="NAME=V1,V2",
        help="values of one knob: sticky_turns, vote_samples, max_escalations, or escalate_on "
        "(outcomes joined by '+', e.g. tests_red+patch_failed); repeat for a grid "
        f"(default: {DEFAULT_VARY})",
    )
    sweeping.add_argument(
        "--lengths",
        type=_numbers(int),
        metavar="N,N,...",
        help="also sweep the trajectory length: turns per task run of the rule, e.g. 20,50,100",
    )
    sweeping.add_argument(
        "--cpt",
        type=_numbers(float),
        default=[50.0, 80.0],
        metavar="P,P",
        help="shares of the gap from flash to pro, in percent, to find the CPT of (default: 50,80)",
    )
    sweeping.add_argument("--plot", type=Path, metavar="FILE", help="plot (.png, .svg or .pdf)")
    _simulation_options(sweeping, "to simulate", 5)
    add_options(sweeping.add_argument_group("limits of the simulated runs"), Limits)
    return parser


def _on_results(actions: Any, name: str, summary: str, description: str) -> Parser:
    """An action that reads results files of real runs."""
    action: Parser = actions.add_parser(name, help=summary, description=description)
    action.add_argument("files", nargs="+", type=Path, metavar="RESULTS", help=RESULTS_HELP)
    return action


def _numbers(kind: type) -> Any:
    def parse(text: str) -> list[Any]:
        try:
            return [kind(part) for part in text.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a list of numbers: {text}") from None

    return parse


def _simulation_options(parser: Parser, rules_of: str, replicates: int) -> None:
    parser.add_argument("--dataset", metavar="SOURCE", help=SOURCE_HELP)
    add_selection_options(parser)
    parser.add_argument("--rules", type=Path, metavar="FILE", help=f"routing rules {rules_of}")
    parser.add_argument("--prices", type=Path, metavar="FILE", help=f"price table {rules_of}")
    parser.add_argument(
        "--replicates",
        type=int,
        default=replicates,
        metavar="N",
        help="simulated runs, each with parameters drawn from the calibration's uncertainty "
        f"(default: {replicates})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the replicates")
    parser.add_argument(
        "--workers", type=int, default=2, metavar="N", help="tasks simulated in parallel"
    )
    add_options(parser.add_argument_group("sandbox"), SandboxSettings)


def run(args: argparse.Namespace) -> int:
    if args.action == "sweep":
        return run_sweep(args)
    observed = bad_input(read_observed, args.files, warn)
    if not observed:
        raise UsageError("no graded rows in " + ", ".join(map(str, args.files)))
    if args.action == "fit":
        return run_fit(args, observed)
    if args.action == "diagnose":
        print(diagnosis_text(bad_input(diagnose, observed)))
        return 0
    require_positive(args, "folds")
    prices, tasks = simulation_inputs(args)
    with docker_sandboxes(args) as sandboxes:
        outcome = validation(args, observed, tasks, sandboxes, prices)
    return print_validation(*outcome)


def run_fit(args: argparse.Namespace, observed: list[Observed]) -> int:
    result = bad_input(fit, observed, [str(path) for path in args.files])
    for note in result.notes:
        warn(note)
    params = result.params
    write_output(args.output, params.to_toml(HEADER).encode("utf-8"), "Calibration")
    print(fit_table(result))
    print(
        f"calibrated from {params.calibrated_from} run(s), {len(observed)} task run(s); "
        f"parameters {params.digest}"
    )
    for line in broken(diagnose(observed, resamples=0)):
        warn(f"warning: assumption rejected: {line} (see `{PROG} sim diagnose`)")
    return 0


def simulation_inputs(args: argparse.Namespace) -> tuple[PriceTable, dict[str, Task]]:
    require_positive(args, "workers")
    if args.replicates < 2:
        raise UsageError("--replicates must be at least 2 for an interval")
    prices = bad_input(load_prices, args.prices)
    return prices, {t.instance_id: t for t in load_selection(args, args.dataset)}


@contextmanager
def docker_sandboxes(args: argparse.Namespace) -> Iterator[SandboxProvider]:
    from harness.sandbox.docker import DockerProvider  # Docker only when it is needed
    from harness.sandbox.engine import connect

    settings = from_args(SandboxSettings, args)
    sandboxes = DockerProvider(connect(), settings=settings, repo_mirror=args.repo_mirror)
    try:
        yield sandboxes
    finally:
        sandboxes.cleanup()


@contextmanager
def simulator(args: Any, sandboxes: SandboxProvider, prices: PriceTable) -> Iterator[Simulator]:
    with tempfile.TemporaryDirectory(prefix="harness-sim-") as scratch:
        yield Simulator(sandboxes, prices, Path(scratch), args.rules, args.workers)


def validation(
    args: argparse.Namespace,
    observed: list[Observed],
    tasks: dict[str, Task],
    sandboxes: SandboxProvider,
    prices: PriceTable,
) -> tuple[list[Prediction], Diagnosis, list[Fold]]:
    """What `sim validate` computes, on the given sandboxes."""
    chosen = only(folds(observed, args.hold_out, args.folds), args.predict)
    if not chosen:
        raise UsageError(f"no runs of the policies to predict: {', '.join(args.predict)}")
    missing = sorted({o.row.instance_id for f in chosen for o in f.held_out} - set(tasks))
    if missing:
        raise UsageError(f"{len(missing)} task(s) of the runs are not in the dataset: {missing[0]}")
    tables = {o.row.price_table for o in observed} - {prices.version}
    if tables:
        warn(
            f"warning: the runs were priced with {', '.join(sorted(tables))}, the simulation "
            f"with {prices.version}: pass the runs' table with --prices"
        )
    with simulator(args, sandboxes, prices) as simulated:
        try:
            predictions = cross_validate(
                chosen, args.hold_out == "tasks", tasks, simulated, args.replicates, args.seed, warn
            )
        except HarnessError as exc:  # the runs' rules are not the ones in force, say
            raise UsageError(str(exc)) from None
    return predictions, diagnose(observed, resamples=0), chosen


def print_validation(
    predictions: list[Prediction], diagnosis: Diagnosis, chosen: list[Fold]
) -> int:
    """The table, the calibration error and the broken assumptions; 1 when a measured value
    is outside its interval."""
    if not predictions:
        raise UsageError("no fold could be fitted: each needs runs of both tiers outside it")
    print(validation_table(predictions))
    print(calibration_error(predictions))
    outside = [p for p in predictions if p.inside is False]
    suspects = broken(diagnosis, chosen)
    if outside:
        print(misses_text(len(outside), suspects))
        return 1
    for line in suspects:
        warn(f"warning: assumption rejected, though every value is inside: {line}")
    return 0


def run_sweep(args: argparse.Namespace) -> int:
    if args.plot and args.plot.suffix.lstrip(".") not in FORMATS:
        raise UsageError(f"--plot {args.plot}: give a file ending in .{', .'.join(FORMATS)}")
    if args.plot:
        from harness.reporting.plot import require_plotting

        bad_input(require_plotting)
    shares = [share / 100 for share in args.cpt]
    if not all(0 < share <= 1 for share in shares):
        raise UsageError("--cpt takes percentages above 0, up to 100")
    if args.lengths and min(args.lengths) < 1:
        raise UsageError("--lengths takes turns per task run, 1 or more")
    base = bad_input(resolve_policy, args.policy, args.rules)
    if base.escalate_to is None:
        raise UsageError(f"--policy {args.policy} does not escalate: there is nothing to sweep")
    rules = rule_points(base, [parse_vary(text) for text in args.vary or [DEFAULT_VARY]])
    params = bad_input(load_params, args.sim_params) if args.sim_params else default_params()
    prices, tasks = simulation_inputs(args)
    lengths = tuple(args.lengths or ())
    settings = Settings(args.replicates, args.seed, from_args(Limits, args), lengths)
    with docker_sandboxes(args) as sandboxes, simulator(args, sandboxes, prices) as simulated:
        result = sweep(list(tasks.values()), rules, simulated, Posterior(params), settings, warn)
    origin = (
        f"calibrated from {params.calibrated_from} run(s)"
        if params.calibrated_from
        else "hand-set parameters"
    )
    print(
        f"sim sweep of {base.name} over {len(tasks)} task(s), {args.replicates} replicates of "
        f"simulated models ({origin}): synthetic. Intervals: 95%, over the replicates."
    )
    if result.errors:
        warn(f"warning: {result.errors} simulated task run(s) ended in an error")
    print(sweep_text(result, shares))
    if args.plot:
        form = args.plot.suffix.lstrip(".")
        write_output(args.plot, sweep_plot(result, len(tasks), form), "Plot")
    return 0
