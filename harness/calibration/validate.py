"""`sim validate`: cross-validation of the calibrated simulator against the runs it came from.

Each fold (calibration/folds.py) fits on part of the runs and predicts the rest: the simulated
family runs the held-out rows' tasks, as many times as they were run, under their policy and
limits, once per replicate. Each replicate draws a plausible truth from the fit
(calibration/posterior.py), tasks the fit never saw included, so the replicates' spread is the
calibration's uncertainty plus the luck of a simulated run. Folds over tasks are pooled: every
task is predicted once, by the fold that held it out.

The 95% prediction interval of a measured value M, from S replicates X_1..X_S, is
mean(X) +- t(S-1) sqrt(V) with

    V = luck(M) + max(0, var(X) - luck(X)) + var(X) / S:

the luck of the measured run (from its own rows: binomial for the pass rate, a bootstrap for the
cost per resolved task), the calibration's uncertainty (the spread of the replicates beyond the
luck of one of them), and the uncertainty of the predicted mean. The luck of the measured run is
read from its rows, not from the simulator, so a simulator whose runs vary less than real ones
does not narrow the interval.
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import t as student

from harness import HarnessError
from harness.agent.loop import Limits
from harness.agent.policy import Policy, resolve_policy
from harness.calibration.fit import NotEnoughRuns, fit
from harness.calibration.folds import Fold
from harness.calibration.posterior import Posterior
from harness.grading import grade
from harness.models.factory import DEFAULT_MODELS, ModelFamily, ModelSettings
from harness.models.sim_params import SimParams
from harness.pricing import PriceTable
from harness.reporting.metrics import Metrics
from harness.results import ResultRow, ResultStore
from harness.runner import RunConfig, run_tasks
from harness.sandbox import SandboxProvider
from harness.sandbox.memo import MemoProvider
from harness.tasks import Task

METRICS: dict[str, Callable[[Metrics], float | None]] = {
    "pass rate": lambda m: m.pass_rate,
    "cost per resolved task": lambda m: m.cost_per_resolved,
}


@dataclass(frozen=True)
class Prediction:
    fold: str
    policy: str
    policy_left_out: bool
    metric: str
    measured: float | None
    replicates: tuple[float, ...]  # the metric of each simulated run
    luck: tuple[float, ...] = ()  # the variance of the metric within each simulated run
    measured_luck: float = 0.0  # the variance of the measured value, from its own rows

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.replicates) if self.replicates else None

    @property
    def variance(self) -> float | None:
        """Of the measured value less the predicted mean (see the module text)."""
        if len(self.replicates) < 2 or not self.luck:
            return None
        spread = statistics.variance(self.replicates)
        calibration = max(0.0, spread - statistics.fmean(self.luck))
        return self.measured_luck + calibration + spread / len(self.replicates)

    @property
    def interval(self) -> tuple[float, float] | None:
        """95% prediction interval of the measured value."""
        if self.mean is None or self.variance is None:
            return None
        quantile = float(student.ppf(0.975, len(self.replicates) - 1))
        half = quantile * math.sqrt(self.variance)
        high = self.mean + half
        return (max(0.0, self.mean - half), min(1.0, high) if self.metric == "pass rate" else high)

    @property
    def inside(self) -> bool | None:
        if self.measured is None or self.interval is None:
            return None
        low, high = self.interval
        return low <= self.measured <= high

    @property
    def error(self) -> float | None:
        """Predicted less measured: points of pass rate, or relative for costs."""
        if self.measured is None or self.mean is None:
            return None
        if self.metric == "pass rate":
            return self.mean - self.measured
        return self.mean / self.measured - 1 if self.measured else None


def luck(rows: Sequence[ResultRow], metric: str, seed: int, resamples: int = 2000) -> float:
    """The variance of a metric over runs like `rows`: binomial for the pass rate, a bootstrap
    (rows drawn with replacement) for the cost per resolved task."""
    cost = np.array([r.cost_usd or 0.0 for r in rows])
    resolved = np.array([r.status == "resolved" for r in rows], dtype=float)
    graded = np.array([r.status != "error" for r in rows], dtype=float)
    if metric == "pass rate":
        # binomial, with a pseudo-success and a pseudo-failure: a run that resolved every
        # task (or none) does not prove the next one will
        n = graded.sum()
        rate = (resolved.sum() + 1) / (n + 2)
        return float(rate * (1 - rate) / max(n, 1))
    picks = np.random.default_rng(seed).integers(0, len(rows), (resamples, len(rows)))
    wins = resolved[picks].sum(axis=1)
    values = cost[picks].sum(axis=1)[wins > 0] / wins[wins > 0]
    return float(values.var(ddof=1)) if len(values) > 1 else 0.0


@dataclass
class Simulator:
    """Runs the simulated family with given parameters, as a held-out run ran. Its sandboxes
    remember their answers (sandbox/memo.py): replicates and folds run the same tasks again
    and again, and only new requests reach a real sandbox."""

    sandboxes: SandboxProvider
    prices: PriceTable
    scratch: Path
    rules: Path | None = None
    workers: int = 1
    memo: MemoProvider = field(init=False)

    def __post_init__(self) -> None:
        given = self.sandboxes
        self.memo = given if isinstance(given, MemoProvider) else MemoProvider(given)

    def policy(self, row: ResultRow) -> Policy:
        policy = resolve_policy(row.policy, self.rules)
        if row.policy_hash and policy.rules_hash != row.policy_hash:
            raise HarnessError(
                f"policy {row.policy} of run {row.run_id} has rules hash {row.policy_hash}, the "
                f"rules in force give {policy.rules_hash}: pass the --rules file the runs used"
            )
        return policy

    def run(
        self, tasks: list[Task], row: ResultRow, params: SimParams, seed: int
    ) -> list[ResultRow]:
        """The tasks under `row`'s policy, limits and model names, simulated with `params`."""
        return self.run_policy(tasks, self.policy(row), limits_of(row), params, seed, row)

    def run_policy(
        self,
        tasks: list[Task],
        policy: Policy,
        limits: Limits,
        params: SimParams,
        seed: int,
        like: ResultRow | None = None,
    ) -> list[ResultRow]:
        """The tasks under a policy and limits, simulated with `params`; model names as in
        the row `like`, when given."""
        names = {**(like.settings.models if like else {})}
        for tier, default in DEFAULT_MODELS.items():
            names.setdefault(tier, default)
        settings = ModelSettings(backend="sim", flash_model=names["flash"], pro_model=names["pro"])
        family = ModelFamily(settings, "sim", seed=seed, sim_params=params)
        grader = self.memo.grading(grade)
        config = RunConfig(policy, self.prices, family, limits, grader=grader)
        store = ResultStore(self.scratch / f"{uuid.uuid4().hex}.jsonl")
        return run_tasks(tasks, config, self.memo, store, workers=self.workers)


def limits_of(row: ResultRow) -> Limits:
    """The limits a row's run had (those this harness knows), typed as Limits declares them."""
    defaults = asdict(Limits())
    values = {
        name: type(defaults[name])(value)
        for name, value in row.settings.limits.items()
        if name in defaults
    }
    return Limits(**values)


def predict(
    chosen: Sequence[Fold],
    name: str,
    tasks: dict[str, Task],
    simulator: Simulator,
    replicates: int,
    seed: int = 0,
) -> list[Prediction]:
    """The held-out rows of the folds, measured and predicted per policy by `replicates`
    simulated runs, each fold's rows by its own fit."""
    posteriors = [Posterior(fit(fold.training).params) for fold in chosen]
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    spread: dict[tuple[str, str], list[float]] = defaultdict(list)
    for replicate in range(replicates):
        by_policy: dict[str, list[ResultRow]] = defaultdict(list)
        for number, (fold, posterior) in enumerate(zip(chosen, posteriors)):
            drawn = posterior.draw(seed * 7919 + replicate, fold.new_tasks)
            for index, group in enumerate(_runs(fold)):
                picked = [tasks[r.instance_id] for r in group]
                run_seed = 100_003 * replicate + 1009 * number + index
                by_policy[group[0].policy] += simulator.run(picked, group[0], drawn, run_seed)
        for policy, rows in by_policy.items():
            metrics = Metrics.of(rows)
            for metric, read in METRICS.items():
                if (value := read(metrics)) is not None:
                    values[(policy, metric)].append(value)
                    spread[(policy, metric)].append(luck(rows, metric, seed + replicate))
    held = [o for fold in chosen for o in fold.held_out]
    predictions = []
    for policy in sorted({o.row.policy for o in held}):
        rows = [o.row for o in held if o.row.policy == policy]
        measured = Metrics.of(rows)
        left_out = all(fold.left_out(policy) for fold in chosen)
        for metric, read in METRICS.items():
            predictions.append(
                Prediction(
                    name,
                    policy,
                    left_out,
                    metric,
                    read(measured),
                    tuple(values[(policy, metric)]),
                    tuple(spread[(policy, metric)]),
                    luck(rows, metric, seed),
                )
            )
    return predictions


def _runs(fold: Fold) -> list[list[ResultRow]]:
    """The held-out rows by run and seed: one simulated run each, the same tasks as often."""
    groups: dict[tuple[str, int, str], list[ResultRow]] = defaultdict(list)
    for o in fold.held_out:
        groups[(o.run, o.row.seed, o.row.policy)].append(o.row)
    return list(groups.values())


def cross_validate(
    chosen: Sequence[Fold],
    pooled: bool,
    tasks: dict[str, Task],
    simulator: Simulator,
    replicates: int,
    seed: int,
    warn: Callable[[str], None],
) -> list[Prediction]:
    """Every fold's predictions: pooled into one per policy (folds over tasks, each task
    predicted once), or fold by fold. A fold whose fit lacks a tier is skipped, and said so."""
    groups = (
        [(f"tasks ({len(chosen)} folds)", list(chosen))]
        if pooled
        else [(fold.name, [fold]) for fold in chosen]
    )
    predictions: list[Prediction] = []
    for name, group in groups:
        try:
            predictions += predict(group, name, tasks, simulator, replicates, seed)
        except NotEnoughRuns as exc:
            warn(f"note: {name} skipped: {exc}")
    return predictions
