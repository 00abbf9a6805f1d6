"""The statistics: cluster bootstrap, its normal limit, sample sizes, McNemar at scale."""

import itertools
import math

import numpy as np
import pytest

from harness.reporting.stats import (
    RESAMPLED_ITEMS,
    bootstrap,
    mcnemar_exact,
    paired_difference_interval,
    paired_tasks_needed,
    ratio_of,
    sign_flip_exact,
    tasks_needed,
    wilson_interval,
)


def test_resampling_whole_clusters_keeps_repeats_from_narrowing_the_interval():
    # 30 tasks, each run 5 times with the same outcome: 150 rows, as much evidence as 30
    tasks = [(1.0, 1.0)] * 18 + [(0.0, 1.0)] * 12
    [once] = bootstrap(tasks, [ratio_of(0, 1)])
    [clustered] = bootstrap([(5 * r, 5 * n) for r, n in tasks], [ratio_of(0, 1)])
    [as_rows] = bootstrap(tasks * 5, [ratio_of(0, 1)])
    assert clustered == pytest.approx(once)
    assert (as_rows[1] - as_rows[0]) < 0.6 * (clustered[1] - clustered[0])


def test_the_normal_limit_agrees_with_resampling_where_they_meet():
    rng = np.random.default_rng(3)
    n = RESAMPLED_ITEMS
    data = np.column_stack([np.ones(n), rng.random(n) < 0.4, rng.gamma(2.0, 0.004, n)])
    statistics = [ratio_of(1, 0), ratio_of(2, 1)]
    resampled = bootstrap(data, statistics)
    normal = bootstrap(np.vstack([data, data[:1]]), statistics)  # one more item: normal limit
    for a, b in zip(resampled, normal):
        assert a == pytest.approx(b, rel=0.02)


def test_undefined_resamples_are_left_out():
    # cost per resolved task where resolving is rare: resamples that resolve nothing are NaN
    items = [(0.0, 1.0)] * 39 + [(1.0, 1.0)]
    [interval] = bootstrap(items, [ratio_of(1, 0)], resamples=2000)
    assert interval is not None and math.isfinite(interval[1])


def test_paired_tasks_needed_is_connors_formula():
    # 100 pairs, 5 only A, 10 only B: discordant 0.15, difference 0.05
    root = 1.959964 * math.sqrt(0.15) + 0.841621 * math.sqrt(0.15 - 0.05**2)
    assert paired_tasks_needed(5, 10, 100) == math.ceil((root / 0.05) ** 2) == 469
    assert paired_tasks_needed(7, 7, 100) is None  # no difference to see
    assert paired_tasks_needed(0, 0, 0) is None


def test_tasks_needed_scales_the_width_as_one_over_root_n():
    # half-width 0.1 on 40 tasks; to see 0.05 at 80% power: 40 * (2.8016 * 0.1 / 1.96 / 0.05)^2
    assert tasks_needed(40, 0.05, (-0.05, 0.15)) == 327
    assert tasks_needed(40, 0.0, (-0.05, 0.15)) is None
    assert tasks_needed(40, 0.05, (0.1, 0.1)) is None


def test_mcnemar_stays_exact_for_small_counts_and_finite_for_thousands():
    assert mcnemar_exact(1, 9) == pytest.approx(22 / 1024, rel=1e-12)
    p = mcnemar_exact(12_000, 12_500)
    assert 0 < p < 0.01 and mcnemar_exact(12_500, 12_000) == pytest.approx(p)
    assert mcnemar_exact(20_000, 20_000) == 1.0


def test_the_exact_interval_excludes_no_change_exactly_when_the_exact_test_rejects():
    for pairs in (10, 40):
        for only_a in range(0, 12):
            for only_b in range(0, 12):
                if only_a + only_b > pairs:
                    continue
                interval = paired_difference_interval(only_a, only_b, pairs)
                rejects = mcnemar_exact(only_a, only_b) < 0.05
                excludes = interval is not None and not interval[0] <= 0 <= interval[1]
                assert excludes == rejects, (only_a, only_b, pairs)
    # 4 discordant tasks, all B's: p = 0.125, and the interval reaches below zero
    low, high = paired_difference_interval(0, 4, 40)
    assert low < 0 < high == pytest.approx(0.1)
    assert paired_difference_interval(0, 0, 40) is None


def test_wilson_and_mcnemar_are_scipys():
    from scipy.stats import binomtest

    assert wilson_interval(8, 10) == pytest.approx(
        tuple(binomtest(8, 10).proportion_ci(method="wilson"))
    )
    assert mcnemar_exact(3, 11) == pytest.approx(binomtest(11, 14, 0.5).pvalue)


def test_the_sign_flip_test_over_tasks_is_exact():
    rng = np.random.default_rng(5)
    for _ in range(100):
        differences = rng.integers(-3, 4, size=rng.integers(1, 10)).tolist()
        flips = itertools.product((1, -1), repeat=len(differences))
        sums = [abs(sum(s * d for s, d in zip(signs, differences))) for signs in flips]
        expected = sum(total >= abs(sum(differences)) for total in sums) / len(sums)
        assert sign_flip_exact(differences) == pytest.approx(expected, abs=1e-12)
    # one pair per task: it is the exact McNemar test
    assert sign_flip_exact([1] * 4 + [0] * 30) == pytest.approx(mcnemar_exact(0, 4))
