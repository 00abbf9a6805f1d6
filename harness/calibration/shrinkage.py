"""Per-task solve probabilities shrunk toward their tier's mean: empirical Bayes with a beta
prior.

Each task i of a tier has k_i fixes in n_i attempts. Its probability p_i is taken to come from a
Beta(alpha, beta) prior shared by the tier's tasks. The prior is fitted to the tasks themselves
by maximising the marginal likelihood

    prod_i  B(alpha + k_i, beta + n_i - k_i) / B(alpha, beta)

(the beta-binomial likelihood without its binomial coefficient, which does not depend on the
prior). Attempts stop at the first fix, so n_i is not fixed in advance; the likelihood of p_i
still has the form p^k (1 - p)^(n - k) under that stopping rule, so the estimate stays valid.
Each task's probability is then its posterior mean (k_i + alpha) / (n_i + alpha + beta): a task
with few attempts is pulled toward the tier mean alpha / (alpha + beta), one with many keeps
close to its own rate k_i / n_i. A task never attempted gets the tier mean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, expit, logit

# Bounds of the prior's concentration alpha + beta, i.e. its weight in pseudo-attempts: at the
# top, tasks are as alike as the data can tell (everything is the tier mean); at the bottom,
# the prior is vaguer than uniform and shrinks nothing.
MIN_CONCENTRATION = 0.5
MAX_CONCENTRATION = 1e4
MEAN_BOUND = 1e-4


@dataclass(frozen=True)
class Counts:
    fixes: int
    attempts: int


@dataclass(frozen=True)
class BetaPrior:
    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def posterior_mean(self, counts: Counts) -> float:
        return (counts.fixes + self.alpha) / (counts.attempts + self.alpha + self.beta)


def fit_prior(counts: Mapping[str, Counts]) -> BetaPrior:
    """The Beta prior of a tier's tasks by maximum marginal likelihood (see the module text).
    Needs at least one attempt."""
    seen = [c for c in counts.values() if c.attempts > 0]
    if not seen:
        raise ValueError("no attempts to fit a prior to")
    k = np.array([c.fixes for c in seen], dtype=float)
    n = np.array([c.attempts for c in seen], dtype=float)

    def negative_log_likelihood(x: np.ndarray) -> float:
        mean, concentration = expit(x[0]), math.exp(x[1])
        a, b = mean * concentration, (1 - mean) * concentration
        return float(-np.sum(betaln(a + k, b + n - k) - betaln(a, b)))

    pooled = (k.sum() + 0.5) / (n.sum() + 1)
    bounds = [
        (float(logit(MEAN_BOUND)), float(logit(1 - MEAN_BOUND))),
        (math.log(MIN_CONCENTRATION), math.log(MAX_CONCENTRATION)),
    ]
    start = np.array([float(logit(pooled)), math.log(10.0)])
    best = minimize(negative_log_likelihood, start, method="L-BFGS-B", bounds=bounds)
    mean, concentration = float(expit(best.x[0])), math.exp(float(best.x[1]))
    return BetaPrior(mean * concentration, (1 - mean) * concentration)
