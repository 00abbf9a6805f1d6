"""The checks behind `sim diagnose`, on data drawn from a known truth: the attempt-level model
(repeated failures, success against trajectory length), the tiers' correlation across tasks,
and repository effects."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.calibration.difficulty import repository, repository_effects, tier_correlation
from harness.calibration.hazard import Attempts, attempt_model
from harness.calibration.shrinkage import Counts


def attempts(seed: int, repeat: float = 0.0, decay: float = 0.0, tasks: int = 40) -> Attempts:
    """Runs of a tier: each task's p from Beta(2, 3), eight runs a task, the first attempt
    after 1 to 14 turns, the next ones 2 to 5 turns apart, four attempts at most; a later
    attempt repeats a failure with probability `repeat`, and ten turns multiply the chance of
    a fix by exp(-decay)."""
    rng = np.random.default_rng(seed)
    found = []
    for task in range(tasks):
        p = rng.beta(2, 3)
        for _ in range(8):
            turn, failed = int(rng.integers(1, 15)), 0
            for _ in range(4):
                chance = min(1.0, p * (1 - repeat) ** failed * math.exp(-decay * turn / 10))
                fixed = rng.random() < chance
                found.append((task, failed, turn, int(fixed)))
                if fixed:
                    break
                failed, turn = 1, turn + int(rng.integers(2, 6))
    data = np.array(sorted(found), dtype=float)
    names = tuple(f"t{i}" for i in range(tasks))
    return Attempts(data[:, 0].astype(int), data[:, 1], data[:, 2], data[:, 3], names)


@pytest.mark.parametrize("repeat, decay", [(0.0, 0.0), (0.6, 0.0), (0.0, 0.5)])
def test_the_attempt_model_recovers_repeats_and_decay(repeat, decay):
    model = attempt_model(attempts(7, repeat, decay), "flash")
    assert model is not None
    r, low, high = model.repeat
    assert low <= repeat <= high
    factor, low, high = model.decay_factor
    assert low <= math.exp(-decay) <= high
    # a strong effect is told from none; none is not
    assert (model.log_fresh.p_value() < 0.01) == (repeat > 0)
    assert (model.decay.p_value() < 0.01) == (decay > 0)
    if repeat:  # more later attempts fail than independent ones would
        assert model.repeated_failure > model.independent_failure


def test_without_second_attempts_a_repeat_cannot_be_told():
    data = attempts(3)
    first = data.later == 0
    only_first = Attempts(
        data.task[first], data.later[first], data.turn[first], data.fixed[first], data.tasks
    )
    model = attempt_model(only_first, "pro")
    assert model is not None and math.isinf(model.log_fresh.se)
    assert model.log_fresh.p_value() == 1.0


@pytest.mark.parametrize("rho", [0.0, 0.8])
def test_the_tiers_correlation_across_tasks_is_recovered(rho):
    rng = np.random.default_rng(11)
    scores = rng.multivariate_normal([-0.5, 0.5], [[1, rho], [rho, 1]], size=80)
    probabilities = 1 / (1 + np.exp(-scores))
    flash, pro = (
        {f"t{i}": Counts(int(rng.binomial(20, p)), 20) for i, p in enumerate(probabilities[:, k])}
        for k in (0, 1)
    )
    found = tier_correlation(flash, pro)
    value, low, high = found.interval()
    assert found.tasks == 80 and low <= rho <= high and high - low < 0.8
    assert math.isinf(tier_correlation({"a": Counts(1, 2)}, {"a": Counts(1, 2)}).rho.se)


def test_repository_effects_are_found_where_they_are_and_not_elsewhere():
    rng = np.random.default_rng(5)

    def counts(offsets):
        found = {}
        for r, offset in enumerate(offsets):
            for i in range(6):
                p = 1 / (1 + math.exp(-(offset + rng.normal(0, 0.3))))
                found[f"o__repo{r}-{i}"] = Counts(int(rng.binomial(15, p)), 15)
        return found

    apart = repository_effects(counts([-1.5, 0.0, 1.5]))
    alike = repository_effects(counts([0.0, 0.0, 0.0]))
    assert apart is not None and alike is not None
    assert apart.p_value < 0.001 < alike.p_value
    assert [m.repository for m in apart.repositories] == ["o__repo0", "o__repo1", "o__repo2"]
    assert apart.repositories[0].high < apart.repositories[2].low
    assert repository_effects({"o__one-1": Counts(1, 3)}) is None
    assert repository("django__django-11099") == "django__django"
