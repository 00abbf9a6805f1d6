"""The statistics behind report, compare and check: pure functions.

Task sets are small (tens to a few hundred tasks), so honest intervals matter more than
point estimates: a two-point change in pass rate on 40 tasks is noise.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

Interval = tuple[float, float]

Z_95 = 1.959964
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 0


ALPHA = 0.05  # two-sided level of every verdict: "more than noise" means p < 0.05


def _binomtest(successes: int, trials: int, p: float = 0.5) -> Any:
    """scipy's exact binomial test, imported when first needed: importing scipy.stats takes
    about a second, which commands that print no statistics should not pay."""
    from scipy.stats import binomtest

    return binomtest(successes, trials, p)


def wilson_interval(successes: int, trials: int) -> Interval:
    """95% Wilson score interval for a binomial proportion: unlike the normal approximation,
    it stays inside [0, 1] and is sensible at 0 or all successes, which small task sets hit."""
    if trials == 0:
        return (0.0, 1.0)
    found = _binomtest(successes, trials).proportion_ci(1 - ALPHA, method="wilson")
    return (float(found.low), float(found.high))


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of the discordant pairs against 1/2.
    Only tasks that one side resolved and the other did not carry information about which side
    is better; the exact test stays valid for the handful of such tasks a small suite gives."""
    n = only_a + only_b
    return float(_binomtest(only_b, n, 0.5).pvalue) if n else 1.0


def paired_difference_interval(only_a: int, only_b: int, pairs: int) -> Interval | None:
    """95% exact conditional interval of B's pass rate minus A's on paired tasks, one pair
    per task. Given the d tasks one side alone resolved, B's share of them is binomial; its
    Clopper-Pearson interval, scaled by d / pairs, bounds the difference (d/n)(2 pi - 1). It
    excludes no change exactly when the exact McNemar test rejects at 5%: both come from the
    same binomial tails. None when no task was resolved by one side only (nothing to bound)."""
    discordant = only_a + only_b
    if not discordant or not pairs:
        return None
    share = _binomtest(only_b, discordant, 0.5).proportion_ci(1 - ALPHA, method="exact")
    scale = discordant / pairs
    return (scale * (2 * float(share.low) - 1), scale * (2 * float(share.high) - 1))


def sign_flip_exact(differences: Sequence[int]) -> float:
    """Two-sided exact p-value of the sign-flip test over clusters: under no difference, each
    task's (B-only minus A-only pairs over its seeds) is as likely negative as positive. With
    one pair per task this is the exact McNemar test; with several seeds per task it keeps a
    task's pairs together instead of counting them as independent. The null distribution of
    the sum is the convolution, over the distinct sizes j, of j * (2 Binomial(m_j, 1/2) - m_j)."""
    sizes = Counter(abs(d) for d in differences if d)
    if not sizes:
        return 1.0
    if set(sizes) == {1}:
        return mcnemar_exact(sum(d < 0 for d in differences), sum(d > 0 for d in differences))
    from scipy.stats import binom

    pmf = np.ones(1)  # of sum(j * B_j); the statistic is twice that minus sum(j * m_j)
    for size, count in sorted(sizes.items()):
        weights = binom.pmf(np.arange(count + 1), count, 0.5)
        mixed = np.zeros(len(pmf) + size * count)
        for heads, weight in enumerate(weights):  # B_j = heads adds size * heads
            mixed[size * heads : size * heads + len(pmf)] += weight * pmf
        pmf = mixed
    values = np.abs(2 * np.arange(len(pmf)) - (len(pmf) - 1))
    return float(min(1.0, pmf[values >= abs(sum(differences))].sum()))


Columns = NDArray[np.float64]
# A statistic of resampled column totals: rows are resamples, columns the item's columns;
# NaN where it is undefined in a resample (e.g. cost per resolved task with nothing resolved).
Statistic = Callable[[Columns], Columns]

# Up to this many items the bootstrap resamples them; beyond, the totals of a resample are
# drawn from their normal limit (the items' own mean and covariance, times their number),
# which at that size differs from resampling by less than resampling's own noise and keeps
# a report over 100,000 distinct tasks fast.
RESAMPLED_ITEMS = 5_000
_CHUNK = 1 << 20  # resampled indices held at once


def bootstrap(
    items: Sequence[Sequence[float]] | Columns,
    statistics: Sequence[Statistic],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> list[Interval | None]:
    """Percentile bootstrap intervals of statistics of column totals, all from the same
    resamples of the items.

    An item is a row of numbers: one task, or one cluster of rows that belong together (a
    task's repeats over seeds and runs, or a task's paired outcomes), so that resampling whole
    items keeps them together: a cluster bootstrap, honest about repeats that are not
    independent. Working on totals covers sums, means, differences and ratios of totals. A
    fixed seed makes the intervals the same on every run, so CI output is stable. An interval
    is None when no resample defines the statistic."""
    data = np.asarray(items, dtype=np.float64)
    if not len(data):
        return [None for _ in statistics]
    rng = np.random.default_rng(seed)
    totals = (
        _resampled_totals(data, resamples, rng)
        if len(data) <= RESAMPLED_ITEMS
        else _normal_totals(data, resamples, rng)
    )
    alpha = (1 - level) / 2
    intervals: list[Interval | None] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for statistic in statistics:
            values = np.asarray(statistic(totals), dtype=np.float64)
            values = values[~np.isnan(values)]
            intervals.append(quantiles(values, alpha, 1 - alpha) if len(values) else None)
    return intervals


# Where a statistic is unbounded in a resample (a ratio over a side that resolved nothing),
# numpy's interpolation would give NaN (inf - inf); the largest float stands in for it, and a
# quantile above UNBOUNDED can only come from interpolating towards it.
UNBOUNDED = 1e300


def quantiles(values: Columns, low: float, high: float) -> Interval:
    """The low and high quantiles, interpolating linearly between neighbours (numpy's
    default), so that intervals do not jump with the number of resamples; unbounded values
    stay unbounded."""
    finite = np.where(np.isposinf(values), np.finfo(np.float64).max, values)
    bottom, top = np.quantile(finite, [low, high])
    return (_bounded(bottom), _bounded(top))


def _bounded(value: float) -> float:
    return math.inf if value > UNBOUNDED else float(value)


def _resampled_totals(data: Columns, resamples: int, rng: np.random.Generator) -> Columns:
    n = len(data)
    step = max(1, _CHUNK // n)
    chunks = []
    for start in range(0, resamples, step):
        picks = rng.integers(0, n, size=(min(step, resamples - start), n))
        chunks.append(np.stack([column[picks].sum(axis=1) for column in data.T], axis=1))
    return np.concatenate(chunks)


def _normal_totals(data: Columns, resamples: int, rng: np.random.Generator) -> Columns:
    n = len(data)
    covariance = np.atleast_2d(np.cov(data, rowvar=False, bias=True))
    return rng.multivariate_normal(n * data.mean(axis=0), n * covariance, size=resamples)


def ratio_of(numerator: int, denominator: int) -> Statistic:
    """Totals[numerator] / totals[denominator], undefined (NaN) where the denominator is 0."""

    def statistic(totals: Columns) -> Columns:
        bottom = totals[:, denominator]
        return np.where(bottom > 0, totals[:, numerator] / np.where(bottom > 0, bottom, 1), np.nan)

    return statistic


Z_POWER_80 = 0.841621  # one-sided z of 80% power


def paired_tasks_needed(only_a: int, only_b: int, n: int) -> int | None:
    """Paired tasks a two-sided exact-McNemar-style test at 5% would need to see the observed
    difference with 80% power (Connor 1987), from the observed discordant shares; None when
    the two sides resolved the same number (no difference to see)."""
    if not n or only_a == only_b:
        return None
    discordant = (only_a + only_b) / n
    difference = abs(only_b - only_a) / n
    root = Z_95 * math.sqrt(discordant) + Z_POWER_80 * math.sqrt(discordant - difference**2)
    return math.ceil((root / difference) ** 2)


def tasks_needed(n: int, effect: float, interval: Interval) -> int | None:
    """Tasks that would make a 95% interval as wide as this one (on n tasks) exclude zero
    with 80% power when the true effect is `effect`: widths shrink as 1/sqrt(n). None when
    there is no effect to see or no width to go on."""
    half_width = (interval[1] - interval[0]) / 2
    if not n or effect == 0 or not math.isfinite(half_width) or half_width <= 0:
        return None
    standard_error = half_width / Z_95
    return math.ceil(n * ((Z_95 + Z_POWER_80) * standard_error / abs(effect)) ** 2)
