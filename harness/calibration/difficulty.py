"""How tasks differ, beyond each task's own solve probabilities: whether a task that defeats one
tier tends to defeat the other (the tiers' correlation across tasks), and whether the tasks of
one repository are alike (repository effects).

Correlation: a task's logit solve probabilities on the two tiers are taken as bivariate normal
across tasks, with means, spreads and correlation rho fitted by maximum likelihood, each task's
pair integrated out on Gauss-Hermite nodes, so that the noise of a few attempts per task does
not pull rho toward 0 (as a correlation of the tasks' observed rates would). The interval is
Wald's, on Fisher's atanh(rho). Tasks outside a fit are drawn with this correlation
(calibration/posterior.py).

Repositories: a task's repository is its instance id up to the last '-' (SWE-bench's
`owner__name-number`). The fit takes one Beta prior for all tasks of a tier; the check compares
it with one prior mean per repository (sharing the concentration) by a likelihood-ratio test,
chi-square with one degree of freedom less than the repositories. Each repository's mean is
shown with its 95% interval from its own tasks (calibration/shrinkage.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import minimize
from scipy.special import betaln, expit, logit, logsumexp
from scipy.stats import chi2

from harness.calibration.hazard import Estimate, standard_errors
from harness.calibration.shrinkage import Counts, hyperposterior

NODES = 20  # Gauss-Hermite nodes per dimension


def repository(instance_id: str) -> str:
    return instance_id.rsplit("-", 1)[0]


@dataclass(frozen=True)
class TierCorrelation:
    tasks: int  # tasks both tiers attempted
    rho: Estimate  # on the atanh scale

    def interval(self) -> tuple[float, float, float]:
        low, high = self.rho.interval()
        return (math.tanh(self.rho.value), math.tanh(low), math.tanh(high))


def _pair_log_likelihood(x: np.ndarray, counts: np.ndarray) -> float:
    """Summed over tasks; `counts` rows are (k_flash, n_flash, k_pro, n_pro)."""
    z, w = hermegauss(NODES)
    log_w = np.log(w / math.sqrt(2 * math.pi))
    rho = math.tanh(x[4])
    z1, z2 = np.meshgrid(z, z, indexing="ij")
    flash = expit(x[0] + math.exp(x[2]) * z1).ravel()
    pro = expit(x[1] + math.exp(x[3]) * (rho * z1 + math.sqrt(1 - rho**2) * z2)).ravel()
    weights = (log_w[:, None] + log_w[None, :]).ravel()

    def kernel(p: np.ndarray, k: np.ndarray, n: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-12, 1 - 1e-12)
        log_kernel: np.ndarray = k[:, None] * np.log(p) + (n - k)[:, None] * np.log1p(-p)
        return log_kernel

    terms = kernel(flash, counts[:, 0], counts[:, 1]) + kernel(pro, counts[:, 2], counts[:, 3])
    return float(np.sum(logsumexp(terms + weights, axis=1)))


def tier_correlation(flash: Mapping[str, Counts], pro: Mapping[str, Counts]) -> TierCorrelation:
    """The correlation across tasks of the tiers' logit solve probabilities."""
    shared = sorted(t for t in flash if t in pro and flash[t].attempts and pro[t].attempts)
    counts = np.array(
        [(flash[t].fixes, flash[t].attempts, pro[t].fixes, pro[t].attempts) for t in shared],
        dtype=float,
    )
    if len(shared) < 3:
        return TierCorrelation(len(shared), Estimate(0.0, math.inf))

    def objective(x: np.ndarray) -> float:
        return -_pair_log_likelihood(x, counts)

    def start(k: int, n: int) -> float:
        return float(logit((counts[:, k].sum() + 0.5) / (counts[:, n].sum() + 1)))

    bounds = [(-9.0, 9.0), (-9.0, 9.0), (-5.0, 2.0), (-5.0, 2.0), (-3.0, 3.0)]
    x0 = np.array([start(0, 1), start(2, 3), 0.0, 0.0, 0.0])
    best = minimize(objective, x0, method="L-BFGS-B", bounds=bounds)
    errors = standard_errors(objective, best.x)
    spread_told = min(best.x[2], best.x[3]) > bounds[2][0] + 0.5
    se = errors[4] if spread_told else math.inf  # without spread, no correlation to tell
    return TierCorrelation(len(shared), Estimate(float(best.x[4]), se))


@dataclass(frozen=True)
class RepositoryMean:
    repository: str
    tasks: int
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class RepositoryEffects:
    repositories: tuple[RepositoryMean, ...]
    statistic: float  # the likelihood ratio's 2 log
    p_value: float


def _beta_binomial(kn: np.ndarray, means: np.ndarray, weight: float) -> float:
    """The marginal log likelihood of tasks' (fixes, attempts) under Beta priors with these
    means (one per task) and one concentration."""
    a, b = means * weight, (1 - means) * weight
    k, n = kn[:, 0], kn[:, 1]
    return float(np.sum(betaln(a + k, b + n - k) - betaln(a, b)))


def repository_effects(counts: Mapping[str, Counts]) -> RepositoryEffects | None:
    """One prior mean per repository against one for all; None with fewer than two
    repositories."""
    by_repo: dict[str, dict[str, Counts]] = defaultdict(dict)
    for task, c in counts.items():
        if c.attempts:
            by_repo[repository(task)][task] = c
    if len(by_repo) < 2:
        return None
    names = sorted(by_repo)
    kn = np.array(
        [(c.fixes, c.attempts) for name in names for c in by_repo[name].values()], dtype=float
    )
    groups = np.array([i for i, name in enumerate(names) for _ in by_repo[name]])

    def fitted(per_repo: bool) -> float:
        width = len(names) if per_repo else 1

        def objective(x: np.ndarray) -> float:
            means = expit(x[:width])[groups if per_repo else np.zeros_like(groups)]
            return -_beta_binomial(kn, means, math.exp(x[-1]))

        pooled = float(logit((kn[:, 0].sum() + 0.5) / (kn[:, 1].sum() + 1)))
        bounds = [(-9.0, 9.0)] * width + [(math.log(0.1), math.log(1e5))]
        x0 = np.array([pooled] * width + [math.log(10.0)])
        return -float(minimize(objective, x0, method="L-BFGS-B", bounds=bounds).fun)

    statistic = max(0.0, 2 * (fitted(True) - fitted(False)))
    means = []
    for name in names:
        hyper = hyperposterior(by_repo[name])
        low, high = hyper.mean_interval()
        means.append(RepositoryMean(name, len(by_repo[name]), hyper.prior.mean, low, high))
    return RepositoryEffects(tuple(means), statistic, float(chi2.sf(statistic, len(names) - 1)))
