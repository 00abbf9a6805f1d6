"""Plausible truths given a calibration: parameters drawn from what the runs leave uncertain,
so that a prediction's interval carries the calibration's uncertainty as well as a run's luck.

One draw takes, for each tier, the prior's mean and concentration from their posterior
(calibration/shrinkage.py), every fitted task's probability from its posterior under that
prior, and each task outside the fit from the prior itself, its two tiers correlated as the
fitted tasks' are (calibration/difficulty.py). The coupling of the tiers' draws within a turn is
drawn around its estimate. Hand-set parameters have no posterior: they are used as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import betaincinv, ndtr

from harness.calibration.shrinkage import Counts, Hyperposterior, hyperposterior
from harness.models.sim_params import SimParams, TaskSolve, TierSolve
from harness.tiers import TIERS, Tier


def measured(params: SimParams, table: str, name: str, default: float) -> float:
    """A number the calibration recorded about its runs (`calibration.measured`)."""
    if params.calibration is None:
        return default
    return params.calibration.measured.get(table, {}).get(name, default)


@dataclass
class Posterior:
    """Draws of one calibration's parameters."""

    params: SimParams
    _hyper: dict[Tier, Hyperposterior] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for tier in TIERS:
            solve: TierSolve = getattr(self.params.solve, tier)
            counts = {t: Counts(s.successes, s.attempts) for t, s in solve.tasks.items()}
            if solve.prior_alpha is not None and any(c.attempts for c in counts.values()):
                self._hyper[tier] = hyperposterior(counts)

    def draw(self, seed: int, new_tasks: Sequence[str] = ()) -> SimParams:
        """One plausible truth; `new_tasks` are tasks the fit did not see."""
        if not self._hyper:
            return self.params
        rng = np.random.default_rng(seed)
        unseen = sorted(set(new_tasks) - {t for h in TIERS for t in self._tasks(h)})
        quantiles = self._new_task_quantiles(rng, len(unseen))
        update: dict[str, object] = {
            tier: self._tier(tier, rng, dict(zip(unseen, quantiles[:, i])))
            for i, tier in enumerate(TIERS)
            if tier in self._hyper
        }
        coupling, se = self.params.solve.coupling, measured(self.params, "reruns", "coupling_se", 0)
        if 0 < se < math.inf:
            update["coupling"] = float(np.clip(rng.normal(coupling, se), 0.0, 1.0))
        return self.params.model_copy(update={"solve": self.params.solve.model_copy(update=update)})

    def _tasks(self, tier: Tier) -> dict[str, TaskSolve]:
        solve: TierSolve = getattr(self.params.solve, tier)
        return solve.tasks

    def _new_task_quantiles(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Where each new task sits in each tier's prior: correlated normal scores."""
        rho = measured(self.params, "tasks", "tier_correlation", 0.0)
        se = measured(self.params, "tasks", "tier_correlation_se", math.inf)
        if math.isfinite(se):
            rho = math.tanh(rng.normal(math.atanh(max(-0.999, min(0.999, rho))), se))
        else:
            rho = 0.0
        scores = rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=count)
        return np.asarray(ndtr(scores)).reshape(count, 2)

    def _tier(self, tier: Tier, rng: np.random.Generator, new: dict[str, float]) -> TierSolve:
        prior = self._hyper[tier].draw(rng)
        tasks = {
            task: s.model_copy(
                update={"p": float(rng.beta(prior.alpha + s.successes, prior.beta + s.failures))}
            )
            for task, s in sorted(self._tasks(tier).items())
        }
        for task, quantile in new.items():
            p = float(betaincinv(prior.alpha, prior.beta, quantile))
            tasks[task] = TaskSolve(p=p, successes=0, attempts=0)
        solve: TierSolve = getattr(self.params.solve, tier)
        return solve.model_copy(update={"tasks": tasks, "mean": prior.mean})
