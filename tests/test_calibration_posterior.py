"""Plausible truths drawn from a calibration: fitted tasks from their posteriors, new tasks
from the prior with the tiers' correlation, hand-set parameters as they are."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from harness.calibration.posterior import Posterior
from harness.calibration.shrinkage import Counts, hyperposterior
from harness.files import parse_tables
from harness.models.sim_params import SimParams, load_params


def calibrated(tasks: dict[str, tuple[int, int]], correlation: float | None = None) -> SimParams:
    """Parameters whose both tiers saw these (fixes, attempts) per task."""
    data = load_params().to_data()
    counts = {t: Counts(*kn) for t, kn in tasks.items()}
    prior = hyperposterior(counts).prior
    solve = {
        "mean": prior.mean,
        "prior_alpha": prior.alpha,
        "prior_beta": prior.beta,
        "tasks": {t: {"p": k / n, "successes": k, "attempts": n} for t, (k, n) in tasks.items()},
    }
    data["solve"].update(flash=solve, pro=dict(solve), coupling=0.0)
    data["calibration"] = {"runs": 2, "rows": 2 * len(tasks)}
    if correlation is not None:
        data["calibration"]["measured"] = {
            "tasks": {"tier_correlation": correlation, "tier_correlation_se": 0.01}
        }
    return parse_tables(data, SimParams, "test")


def test_a_fitted_task_is_drawn_from_its_posterior():
    many = {f"t{i}": (i % 7, 8) for i in range(40)}
    posterior = Posterior(calibrated(many))
    draws = [posterior.draw(seed).solve.flash.tasks["t3"].p for seed in range(300)]
    hyper = hyperposterior({t: Counts(*kn) for t, kn in many.items()})
    assert np.mean(draws) == pytest.approx(hyper.posterior_mean(Counts(3, 8)), abs=0.02)
    assert np.std(draws) > 0.05  # eight attempts leave it uncertain
    assert posterior.draw(1) == posterior.draw(1) != posterior.draw(2)
    assert posterior.draw(1).solve.flash.tasks["t3"].attempts == 8


def test_new_tasks_come_from_the_prior_with_the_tiers_correlation():
    many = {f"t{i}": (i % 7, 8) for i in range(40)}
    new = [f"new-{i}" for i in range(300)]
    for correlation, low, high in ((0.9, 0.7, 1.0), (0.0, -0.2, 0.2)):
        drawn = Posterior(calibrated(many, correlation)).draw(5, new)
        flash = [drawn.solve.flash.tasks[t].p for t in new]
        pro = [drawn.solve.pro.tasks[t].p for t in new]
        assert low <= spearmanr(flash, pro).statistic <= high
        assert drawn.solve.flash.tasks["new-0"].attempts == 0
        assert 0.2 < np.mean(flash) < 0.6  # around the tier mean (3/8 of a fitted task)


def test_draws_stay_valid_at_the_edges_and_hand_set_parameters_stay_as_they_are():
    edges = Posterior(calibrated({"a": (0, 1), "b": (5, 5)}))
    for seed in range(100):
        drawn = edges.draw(seed, ["new"])
        for tier in (drawn.solve.flash, drawn.solve.pro):
            assert all(0 <= s.p <= 1 for s in tier.tasks.values())
    hand_set = load_params()
    assert Posterior(hand_set).draw(3, ["new"]) is hand_set
