"""`sim validate`: cross-validation of the calibrated simulator against the runs it came from.

Each fold fits on part of the runs and predicts the rest: by default every policy in turn is
held out whole (a cascade predicted from pro-only and flash-only runs, say); with runs held
out one at a time, a policy the fit also saw is predicted too. A prediction runs the simulated
family on the held-out rows' tasks, as many times as they were run, under the held-out policy
and limits, once per replicate; each replicate draws the task probabilities from their
posteriors.

The 95% prediction interval of a measured value is predicted +- 1.96 sqrt(V (1 + 1/S)) over S
replicates, where V, the variance of one run of the held-out size, is the luck of the run
(the bootstrap variance within a replicate, rows resampled: conservative, since the measured
run's task mix is fixed) plus the uncertainty of the fit (what the spread between replicates
adds beyond that luck).
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from harness import HarnessError
from harness.agent.loop import Limits
from harness.agent.policy import Policy, resolve_policy
from harness.calibration.fit import fit
from harness.calibration.observe import Observed
from harness.models.factory import DEFAULT_MODELS, ModelFamily, ModelSettings
from harness.models.sim_params import SimParams
from harness.pricing import PriceTable
from harness.reporting.metrics import Metrics
from harness.reporting.stats import Z_95
from harness.results import ResultRow, ResultStore
from harness.runner import RunConfig, run_tasks
from harness.sandbox import SandboxProvider
from harness.tasks import Task

HoldOut = Literal["policy", "run"]
METRICS: dict[str, Callable[[Metrics], float | None]] = {
    "pass rate": lambda m: m.pass_rate,
    "cost per resolved task": lambda m: m.cost_per_resolved,
}


@dataclass(frozen=True)
class Fold:
    name: str
    held_out: list[Observed]
    training: list[Observed]

    @property
    def policy(self) -> str:
        return self.held_out[0].row.policy

    @property
    def policy_left_out(self) -> bool:
        """The fit saw no row of the policy it predicts."""
        return all(o.row.policy != self.policy for o in self.training)


def folds(observed: Sequence[Observed], hold_out: HoldOut) -> list[Fold]:
    groups: dict[str, list[Observed]] = defaultdict(list)
    for o in observed:
        groups[o.row.policy if hold_out == "policy" else o.run].append(o)
    return [
        Fold(
            f"{hold_out} {name}",
            held,
            [o for o in observed if (o.row.policy if hold_out == "policy" else o.run) != name],
        )
        for name, held in sorted(groups.items())
    ]


@dataclass(frozen=True)
class Prediction:
    fold: str
    policy: str
    policy_left_out: bool
    metric: str
    measured: float | None
    replicates: tuple[float, ...]  # the metric of each simulated run
    luck: tuple[float, ...] = ()  # bootstrap variance of the metric within each run

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.replicates) if self.replicates else None

    @property
    def variance(self) -> float | None:
        """Of the metric over one run of the held-out size: luck plus fit uncertainty."""
        if len(self.replicates) < 2 or not self.luck:
            return None
        luck = statistics.fmean(self.luck)
        return luck + max(0.0, statistics.variance(self.replicates) - luck)

    @property
    def interval(self) -> tuple[float, float] | None:
        """95% prediction interval for one more run of the held-out size."""
        if self.mean is None or self.variance is None:
            return None
        half = Z_95 * math.sqrt(self.variance * (1 + 1 / len(self.replicates)))
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
    cost = np.array([r.cost_usd for r in rows])
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
    """Runs the simulated family with given parameters, as a held-out run ran."""

    sandboxes: SandboxProvider
    prices: PriceTable
    scratch: Path
    rules: Path | None = None
    workers: int = 1

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
        names = {**row.settings.models}
        for tier, default in DEFAULT_MODELS.items():
            names.setdefault(tier, default)
        settings = ModelSettings(backend="sim", flash_model=names["flash"], pro_model=names["pro"])
        family = ModelFamily(settings, "sim", seed=seed, sim_params=params)
        config = RunConfig(self.policy(row), self.prices, family, limits_of(row))
        store = ResultStore(self.scratch / f"{uuid.uuid4().hex}.jsonl")
        return run_tasks(tasks, config, self.sandboxes, store, workers=self.workers)


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
    fold: Fold,
    tasks: dict[str, Task],
    simulator: Simulator,
    replicates: int,
    seed: int = 0,
) -> list[Prediction]:
    """The fold's held-out metrics, measured and predicted by `replicates` simulated runs."""
    params = fit(fold.training).params
    # one simulated run per held-out run (and seed): the same tasks, as often as measured
    groups: dict[tuple[str, int], list[ResultRow]] = defaultdict(list)
    for o in fold.held_out:
        groups[(o.run, o.row.seed)].append(o.row)
    values: dict[str, list[float]] = defaultdict(list)
    spread: dict[str, list[float]] = defaultdict(list)
    for replicate in range(replicates):
        drawn = params.drawn(seed * 7919 + replicate)
        rows: list[ResultRow] = []
        for number, group in enumerate(groups.values()):
            chosen = [tasks[r.instance_id] for r in group]
            rows += simulator.run(chosen, group[0], drawn, 100_003 * replicate + number)
        metrics = Metrics.of(rows)
        for name, metric in METRICS.items():
            if (value := metric(metrics)) is not None:
                values[name].append(value)
                spread[name].append(luck(rows, name, seed + replicate))
    measured = Metrics.of(o.row for o in fold.held_out)
    return [
        Prediction(
            fold.name,
            fold.policy,
            fold.policy_left_out,
            name,
            metric(measured),
            tuple(values[name]),
            tuple(spread[name]),
        )
        for name, metric in METRICS.items()
    ]
