"""Per-task solve probabilities shrunk toward their tier's mean: hierarchical Bayes with a beta
prior whose own parameters are uncertain.

Each task i of a tier has k_i fixes in n_i attempts. Its probability p_i is taken to come from a
Beta prior shared by the tier's tasks, with mean m and concentration c (its weight in
pseudo-attempts: alpha = m c, beta = (1 - m) c). The data say how alike the tasks are through
the marginal (beta-binomial) likelihood

    L(m, c) = prod_i  B(alpha + k_i, beta + n_i - k_i) / B(alpha, beta)

(without its binomial coefficients, which do not depend on the prior). Attempts stop at the
first fix, so n_i is not fixed in advance; the likelihood of p_i still has the form
p^k (1 - p)^(n - k) under that stopping rule, so the inference stays valid.

Maximising L alone is overconfident when the tasks are few: with one task nothing tells how far
other tasks may differ, and L grows without bound in c (a fit of one task's runs once gave a
prior weight of 5,285.7). So (m, c) get a weakly informative hyperprior, uniform in m and
p(m, c) proportional to (1 + c)^(-3/2) (Gelman et al.'s (alpha + beta)^(-5/2), made finite at
c = 0), and their posterior is kept whole, on a grid over logit m and log c. Many alike tasks
still pull c up; one or two leave it wide, which every prediction then carries. A task's
probability is its posterior mean, averaged over that grid: a task with few attempts is pulled
toward the tier mean, one with many keeps close to its own rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, expit, logit

# The grid's reach: the concentration from vaguer than uniform (nothing shrinks) to tasks as
# alike as any data can tell, the mean kept off 0 and 1.
MIN_CONCENTRATION = 0.1
MAX_CONCENTRATION = 1e5
MEAN_BOUND = 1e-4
GRID = 64  # points per axis, once over the whole range, once over where the mass is


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

    @property
    def weight(self) -> float:
        return self.alpha + self.beta

    def posterior_mean(self, counts: Counts) -> float:
        return (counts.fixes + self.alpha) / (counts.attempts + self.alpha + self.beta)


@dataclass(frozen=True)
class Hyperposterior:
    """The posterior of a tier's prior (mean, concentration) on a grid, given its tasks."""

    means: np.ndarray
    concentrations: np.ndarray
    weights: np.ndarray  # sum to 1

    @property
    def prior(self) -> BetaPrior:
        """A summary: the posterior mean of the mean, the posterior median of the
        concentration (whose tail may be long)."""
        mean = float(np.sum(self.weights * self.means))
        order = np.argsort(self.concentrations)
        cumulative = np.cumsum(self.weights[order])
        middle = min(len(order) - 1, int(np.searchsorted(cumulative, 0.5)))
        weight = float(self.concentrations[order][middle])
        return BetaPrior(mean * weight, (1 - mean) * weight)

    def posterior_mean(self, counts: Counts) -> float:
        """E[p | the task's counts], over the grid."""
        a, b = self.means * self.concentrations, (1 - self.means) * self.concentrations
        return float(np.sum(self.weights * (counts.fixes + a) / (counts.attempts + a + b)))

    def draw(self, rng: np.random.Generator) -> BetaPrior:
        index = rng.choice(len(self.weights), p=self.weights)
        mean, weight = float(self.means[index]), float(self.concentrations[index])
        return BetaPrior(mean * weight, (1 - mean) * weight)

    def weight_interval(self) -> tuple[float, float]:
        """95% interval of the concentration."""
        return _quantiles(self.concentrations, self.weights)

    def mean_interval(self) -> tuple[float, float]:
        """95% interval of the tier mean."""
        return _quantiles(self.means, self.weights)


def _quantiles(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """The 2.5% and 97.5% quantiles of a weighted grid."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    last = len(values) - 1
    low, high = (min(last, int(np.searchsorted(cumulative, q))) for q in (0.025, 0.975))
    return float(values[order][low]), float(values[order][high])


def _log_posterior(
    kn: np.ndarray, times: np.ndarray, logit_mean: np.ndarray, log_weight: np.ndarray
) -> np.ndarray:
    """log L(m, c) + log hyperprior + the grid's Jacobian, at every grid point; `kn` holds
    each distinct (fixes, attempts) pair once, `times` how many tasks have it."""
    m, c = expit(logit_mean), np.exp(log_weight)
    a, b = (m * c)[..., None], ((1 - m) * c)[..., None]
    k, n = kn[:, 0], kn[:, 1]
    terms = betaln(a + k, b + n - k) - betaln(a, b)
    likelihood: np.ndarray = np.sum(times * terms, axis=-1)
    # density in (logit m, log c): p(m, c) dm dc = p(m, c) m (1 - m) c d(logit m) d(log c)
    log_prior: np.ndarray = -1.5 * np.log1p(c) + np.log(m * (1 - m)) + np.log(c)
    total: np.ndarray = likelihood + log_prior
    return total


def hyperposterior(counts: Mapping[str, Counts]) -> Hyperposterior:
    """The posterior of the prior's (mean, concentration) given a tier's tasks, on a grid
    refined around its mass. Needs at least one attempt."""
    seen = [c for c in counts.values() if c.attempts > 0]
    if not seen:
        raise ValueError("no attempts to fit a prior to")
    kn, times = np.unique(
        np.array([(c.fixes, c.attempts) for c in seen], dtype=float), axis=0, return_counts=True
    )
    low = (float(logit(MEAN_BOUND)), math.log(MIN_CONCENTRATION))
    high = (float(logit(1 - MEAN_BOUND)), math.log(MAX_CONCENTRATION))
    for _ in range(2):  # the whole range, then where the mass is
        x, y = np.meshgrid(np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID))
        log_post = _log_posterior(kn, times, x, y)
        where = log_post > log_post.max() - 20  # e^-20: nothing a draw would ever pick
        step = ((high[0] - low[0]) / (GRID - 1), (high[1] - low[1]) / (GRID - 1))
        low = (max(low[0], x[where].min() - step[0]), max(low[1], y[where].min() - step[1]))
        high = (min(high[0], x[where].max() + step[0]), min(high[1], y[where].max() + step[1]))
    weights = np.exp(log_post - log_post.max()).ravel()
    return Hyperposterior(expit(x).ravel(), np.exp(y).ravel(), weights / weights.sum())


def fit_prior(counts: Mapping[str, Counts]) -> BetaPrior:
    """The summary prior of a tier's tasks (see Hyperposterior.prior)."""
    return hyperposterior(counts).prior
