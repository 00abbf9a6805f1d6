"""Whether a tier's fix attempts are the independent draws the fit takes them for.

The fit (and the simulator) take every fix attempt of a tier on a task to succeed with the
same probability p, whatever came before it in the run and however long the run already is.
Real agents may repeat their own failures, or lose their way as the context grows. This module
fits a wider model in which both can happen and says how far the runs are from the fit's:

    P(attempt j is the fix) = p_task * (1 - r) ** later_j * exp(-d * (turn_j - mean turn) / 10)

where later_j says a failed attempt of the same tier came before it in the same run, r is the
share of such later attempts that repeat a failure rather than draw afresh (negative: later
attempts do better, as if learning from the failure), and d is how fast success falls per ten
turns of the trajectory. p_task has the tier's Beta prior (calibration/shrinkage.py) and is
integrated out on quantile nodes of that prior, so tasks with few attempts cost no bias. The
fit's assumption is r = 0 and d = 0; the intervals come from the curvature of the likelihood at
its maximum (Wald), on the scales log(1 - r) and d.

The stopping rule (a run stops attempting at its fix, or when it gives up) depends only on
what was observed, so the likelihood of the observed attempts is valid as it stands.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.differentiate import hessian
from scipy.optimize import minimize
from scipy.special import betaincinv, expit, logit, logsumexp

from harness.calibration.observe import Observed
from harness.calibration.shrinkage import Counts, hyperposterior
from harness.reporting.stats import Z_95
from harness.tiers import Tier

NODES = 96  # quantile nodes of the prior, per task
TURNS = 10.0  # the decay is per this many turns


@dataclass(frozen=True)
class Attempts:
    """A tier's fair fix attempts (observe.Step.draw), sorted by task."""

    task: np.ndarray  # index into `tasks`
    later: np.ndarray  # 1 when a failed attempt of the same tier came before in the run
    turn: np.ndarray  # the turn's index in the trajectory
    fixed: np.ndarray  # 1 for the fix
    tasks: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.fixed)

    def counts(self) -> dict[str, Counts]:
        fixes = np.bincount(self.task, weights=self.fixed, minlength=len(self.tasks))
        tries = np.bincount(self.task, minlength=len(self.tasks))
        return {t: Counts(int(fixes[i]), int(tries[i])) for i, t in enumerate(self.tasks)}


def tier_attempts(observed: Sequence[Observed], tier: Tier) -> Attempts:
    found: list[tuple[str, int, int, int]] = []
    for run in observed:
        failed_before = 0
        for turn in run.turns:
            for step in turn.steps:
                if step.tier == tier and step.draw:
                    found.append((run.row.instance_id, failed_before, turn.index, int(step.fix)))
                    failed_before = failed_before or int(not step.fix)
    found.sort(key=lambda a: a[0])
    tasks = tuple(sorted({a[0] for a in found}))
    index = {t: i for i, t in enumerate(tasks)}
    return Attempts(
        np.array([index[a[0]] for a in found], dtype=int),
        np.array([a[1] for a in found], dtype=float),
        np.array([a[2] for a in found], dtype=float),
        np.array([a[3] for a in found], dtype=float),
        tasks,
    )


@dataclass(frozen=True)
class Estimate:
    """A parameter with its standard error on the scale it was fitted on."""

    value: float
    se: float  # inf when the runs cannot tell it

    def interval(self, z: float = Z_95) -> tuple[float, float]:
        return (self.value - z * self.se, self.value + z * self.se)

    def p_value(self, assumed: float = 0.0) -> float:
        """Two-sided, of the assumption that the parameter is `assumed`."""
        if not math.isfinite(self.se) or self.se <= 0:
            return 1.0
        return math.erfc(abs(self.value - assumed) / self.se / math.sqrt(2))


@dataclass(frozen=True)
class AttemptModel:
    """What a tier's attempts say about the fit's independence assumptions."""

    tier: Tier
    attempts: int
    later_attempts: int
    log_fresh: Estimate  # log(1 - r)
    decay: Estimate  # d, per TURNS turns
    repeated_failure: float  # share of later attempts that failed
    independent_failure: float  # what independent attempts at each task's rate predict

    @property
    def repeat(self) -> tuple[float, float, float]:
        """r, with its 95% interval."""
        low, high = self.log_fresh.interval()
        return (1 - math.exp(self.log_fresh.value), 1 - math.exp(high), 1 - math.exp(low))

    @property
    def decay_factor(self) -> tuple[float, float, float]:
        """exp(-d): what ten more turns multiply the chance of a fix by, with its interval."""
        low, high = self.decay.interval()
        return (math.exp(-self.decay.value), math.exp(-high), math.exp(-low))


def _negative_log_posterior(x: np.ndarray, data: Attempts, starts: np.ndarray) -> float:
    mean, weight = float(expit(x[0])), math.exp(x[1])
    nodes = betaincinv(mean * weight, (1 - mean) * weight, (np.arange(NODES) + 0.5) / NODES)
    centred = (data.turn - data.turn.mean()) / TURNS
    factor = np.exp(x[2] * data.later - x[3] * centred)
    chance = np.clip(nodes[None, :] * factor[:, None], 1e-12, 1 - 1e-12)
    log_f = np.where(data.fixed[:, None] > 0, np.log(chance), np.log1p(-chance))
    per_task = np.add.reduceat(log_f, starts, axis=0)
    likelihood = float(np.sum(logsumexp(per_task, axis=1) - math.log(NODES)))
    # the tier prior's hyperprior and the Jacobian of (logit m, log c), as in shrinkage.py
    prior = -1.5 * math.log1p(weight) + math.log(mean * (1 - mean) * weight)
    return -(likelihood + prior)


def attempt_model(data: Attempts, tier: Tier) -> AttemptModel | None:
    """The wider model fitted to a tier's attempts, or None without attempts."""
    if not len(data):
        return None
    starts = np.flatnonzero(np.r_[1, np.diff(data.task)])
    pooled = (data.fixed.sum() + 0.5) / (len(data) + 1)

    def objective(x: np.ndarray) -> float:
        return _negative_log_posterior(x, data, starts)

    bounds = [(-9.0, 9.0), (math.log(0.1), math.log(1e5)), (-6.0, 3.0), (-5.0, 5.0)]
    start = np.array([float(logit(pooled)), math.log(10.0), 0.0, 0.0])
    best = minimize(objective, start, method="L-BFGS-B", bounds=bounds)
    errors = standard_errors(objective, best.x)
    for index, told in zip((2, 3), _identified(data)):
        if not told:
            errors[index] = math.inf
    hyper = hyperposterior(data.counts())
    rates = np.array([hyper.posterior_mean(c) for c in data.counts().values()])
    later = data.later > 0
    return AttemptModel(
        tier,
        len(data),
        int(later.sum()),
        Estimate(float(best.x[2]), errors[2]),
        Estimate(float(best.x[3]), errors[3]),
        float(1 - data.fixed[later].mean()) if later.any() else math.nan,
        float(1 - rates[data.task[later]].mean()) if later.any() else math.nan,
    )


def _identified(data: Attempts) -> tuple[bool, bool]:
    """Whether the runs can tell r (some attempts follow a failure, some do not) and d (the
    attempts' turns differ)."""
    later = data.later > 0
    return bool(later.any() and (~later).any()), bool(np.ptp(data.turn) > 0)


def standard_errors(objective: Callable[[np.ndarray], float], x: np.ndarray) -> list[float]:
    """Of the parameters of a negative log likelihood at its minimum `x`: from the inverse of
    its Hessian (inf where it cannot tell them)."""

    def vectorised(points: np.ndarray) -> np.ndarray:
        flat = points.reshape(len(x), -1)
        values = np.array([objective(flat[:, i]) for i in range(flat.shape[1])])
        return values.reshape(points.shape[1:])

    curvature = hessian(vectorised, x, initial_step=0.02, order=2, maxiter=1).ddf
    try:
        covariance = np.linalg.inv(curvature)
    except np.linalg.LinAlgError:
        return [math.inf] * len(x)
    variances = np.diag(covariance)
    return [math.sqrt(v) if v > 0 and math.isfinite(v) else math.inf for v in variances]
