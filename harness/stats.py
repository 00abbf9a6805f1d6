"""The statistics behind report, compare and check: pure functions, standard library only.

Task sets are small (tens to a few hundred tasks), so honest intervals matter more than
point estimates: a two-point change in pass rate on 40 tasks is noise.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

Interval = tuple[float, float]

Z_95 = 1.959964
BOOTSTRAP_RESAMPLES = 10_000
BOOTSTRAP_SEED = 0


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> Interval:
    """95% Wilson score interval for a binomial proportion: unlike the normal approximation,
    it stays inside [0, 1] and is sensible at 0 or all successes, which small task sets hit."""
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: a binomial test of the discordant pairs against 1/2.
    Only tasks that one side resolved and the other did not carry information about which side
    is better; the exact test stays valid for the handful of such tasks a small suite gives."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1))
    return min(1.0, float(2 * tail) / float(2**n))


def quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating linearly between neighbours (numpy's
    default), so that intervals do not jump with the number of resamples."""
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    if ordered[low] == ordered[high]:  # also keeps inf from turning into nan
        return ordered[low]
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def bootstrap_totals(
    items: Sequence[Sequence[float]],
    statistics: Sequence[Callable[[Sequence[float], int], float | None]],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    level: float = 0.95,
) -> list[Interval | None]:
    """Percentile bootstrap intervals of statistics of column totals, all from the same
    resamples of the items (paired tasks stay paired).

    Each item is a row of numbers; a statistic gets the column totals of one resample and its
    size, and returns a value or None where it is undefined (e.g. a cost per resolved task
    when nothing was resolved); such resamples are left out of that statistic. Working on
    totals covers means, differences and ratios of totals, and keeps 10,000 resamples fast in
    pure Python. A fixed seed makes the intervals the same on every run, so CI output is
    stable. An interval is None when no resample defines the statistic."""
    if not items:
        return [None for _ in statistics]
    columns = [list(column) for column in zip(*items)]
    n = len(items)
    rng = random.Random(seed)
    indices = range(n)
    values: list[list[float]] = [[] for _ in statistics]
    for _ in range(resamples):
        sample = rng.choices(indices, k=n)
        totals = [sum(map(column.__getitem__, sample)) for column in columns]
        for collected, statistic in zip(values, statistics):
            value = statistic(totals, n)
            if value is not None:
                collected.append(value)
    alpha = (1 - level) / 2
    intervals: list[Interval | None] = []
    for collected in values:
        collected.sort()
        intervals.append(
            (quantile(collected, alpha), quantile(collected, 1 - alpha)) if collected else None
        )
    return intervals
