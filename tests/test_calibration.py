"""The pieces of a calibration on data with a known truth: the shrinkage prior, the coupling
of the tiers, the agreement of vote samples, and how trajectories are read."""

import random

import numpy as np
import pytest

from harness.calibration.mixing import Rerun, agreement, coupling, split_probability
from harness.calibration.observe import observe
from harness.calibration.shrinkage import Counts, fit_prior, hyperposterior
from harness.models.sim_params import FailureMix
from harness.pricing import Usage
from harness.results import ModelCall, Trajectory, Turn

from .helpers import result_row


def real(policy, status="resolved"):
    """A row of a real run of task t."""
    return result_row("t", status, policy=policy, synthetic=False)


MIX = FailureMix(wrong_edit=0.6, malformed_diff=0.3, no_action=0.1)


def draw_counts(rng, alpha, beta, tasks, attempts):
    counts = {}
    for i in range(tasks):
        p = rng.betavariate(alpha, beta)
        counts[f"t{i}"] = Counts(sum(rng.random() < p for _ in range(attempts)), attempts)
    return counts


def test_the_prior_is_recovered_from_many_tasks():
    prior = fit_prior(draw_counts(random.Random(3), 3.0, 6.0, tasks=400, attempts=12))
    # mean 1/3, concentration 9: the estimate of the mean has a standard error near 0.01
    assert prior.mean == pytest.approx(1 / 3, abs=0.03)
    assert 5 < prior.alpha + prior.beta < 16


def test_few_attempts_are_pulled_toward_the_mean_and_many_are_not():
    counts = draw_counts(random.Random(4), 2.0, 2.0, tasks=60, attempts=6)
    counts["few"] = Counts(1, 1)
    counts["many"] = Counts(900, 1000)
    prior = fit_prior(counts)
    few = prior.posterior_mean(counts["few"])
    assert prior.mean < few < 1.0 and few - prior.mean < 0.5 * (1.0 - prior.mean)
    assert prior.posterior_mean(counts["many"]) == pytest.approx(0.9, abs=0.01)
    assert prior.posterior_mean(Counts(0, 0)) == pytest.approx(prior.mean)


def test_tasks_that_are_all_alike_shrink_to_one_rate():
    counts = {f"t{i}": Counts(5, 20) for i in range(30)}
    hyper = hyperposterior(counts)
    # far more weight than any task's own 20 attempts, as alike tasks warrant
    assert hyper.prior.weight > 100 and hyper.weight_interval()[0] > 20
    assert hyper.prior.mean == pytest.approx(0.25, abs=0.01)


def test_one_task_leaves_the_prior_weight_wide_open():
    """Runs of one task say nothing of how other tasks differ: the weight of the prior must
    stay uncertain (a maximum-likelihood fit puts it at its bound; one gave 5,285.7), so that
    draws for other tasks carry that uncertainty."""
    hyper = hyperposterior({"t": Counts(3, 8)})
    low, high = hyper.weight_interval()
    assert hyper.prior.weight < 50
    assert low < 1 and high > 1000  # from vaguer than uniform to tasks all alike
    assert hyper.posterior_mean(Counts(3, 8)) == pytest.approx(3 / 8, abs=0.05)
    rng = np.random.default_rng(0)
    means = [hyper.draw(rng).mean for _ in range(400)]
    assert np.std(means) > 0.1  # the tier mean, for other tasks, is far from settled


def test_a_prior_needs_attempts():
    with pytest.raises(ValueError):
        fit_prior({"t": Counts(0, 0)})


@pytest.mark.parametrize("rho", [0.0, 0.4, 1.0])
def test_coupling_is_recovered_from_reruns(rho):
    rng = random.Random(5)
    reruns = []
    for _ in range(6000):
        p_flash, p_pro = rng.uniform(0.1, 0.5), rng.uniform(0.4, 0.8)
        u = rng.random()
        flash = u if rng.random() < rho else rng.random()
        pro = u if flash is u else rng.random()
        if flash >= p_flash:  # flash failed: pro re-runs the turn
            reruns.append(Rerun(p_flash, p_pro, pro < p_pro))
    found = coupling(reruns)
    assert found.value == pytest.approx(rho, abs=max(0.08, 3 * found.se))
    assert found.se < 0.1
    assert coupling([]) is None


def test_split_rate_falls_with_agreement_and_agreement_inverts_it():
    rates = [split_probability(0.4, MIX, 3, a) for a in (0.0, 0.3, 0.6, 1.0)]
    assert rates == sorted(rates, reverse=True) and rates[-1] == 0.0
    measured = split_probability(0.4, MIX, 3, 0.45)
    assert agreement(0.4, MIX, 3, measured) == pytest.approx(0.45, abs=1e-4)
    assert agreement(0.4, MIX, 3, 0.99) == 0.0  # splits more than independent samples do
    assert agreement(0.4, MIX, 3, 0.0) == 1.0


def _call(turn, tier, reason="default"):
    usage = Usage(cache_hit=0, cache_miss=100, output=10)
    return ModelCall(turn=turn, tier=tier, model=tier, reason=reason, usage=usage, cost_usd=0.0)


def _turn(index, tier, reply, outcome, action, **escalation):
    return Turn(
        index=index, tier=tier, reason="default", action=action, outcome=outcome,
        observation="", reply=reply, **escalation,
    )  # fmt: skip


def fence(lang, body=""):
    return f"THOUGHT: x\n\n```{lang}\n{body}\n```"


CODE = "--- a/lib/m.py\n+++ b/lib/m.py\n@@ -1 +1 @@\n-a\n+b\n"
TEST = "--- a/tests/test_m.py\n+++ b/tests/test_m.py\n@@ -1 +1 @@\n-a\n+b\n"


def test_a_trajectory_is_read_as_the_simulator_plays_it():
    turns = [
        _turn(0, "flash", fence("bash", "ls"), "ok", "command"),
        _turn(1, "flash", fence("diff", TEST), "ok", "edit"),
        _turn(2, "flash", "no block", "format_error", "none"),
        _turn(
            3,
            "pro",
            fence("diff", CODE),
            "ok",
            "edit",
            escalated_from="tests_red",
            failed_reply=fence("diff", CODE),
        ),  # fmt: skip
        _turn(4, "flash", fence("submit"), "ok", "submit"),
    ]
    calls = [_call(0, "flash"), _call(1, "flash"), _call(2, "flash")]
    calls += [_call(3, "flash"), _call(3, "pro", "tests_red"), _call(4, "flash")]
    trajectory = Trajectory(instance_id="t", turns=turns, calls=calls)
    seen = observe(real("cascade"), trajectory)
    assert [t.kind for t in seen.turns] == ["explore", "explore", "attempt", "fix", "submit"]
    failed, rerun = seen.turns[3].steps
    assert (failed.tier, failed.outcome, failed.attempt, failed.fix) == (
        "flash", "tests_red", True, False,
    )  # fmt: skip
    assert (rerun.tier, rerun.conditioned, rerun.fix) == ("pro", True, True)
    unresolved = observe(real("cascade", "unresolved"), trajectory)
    assert [t.kind for t in unresolved.turns][3] == "attempt"


def test_a_prediction_interval_adds_the_fit_spread_to_the_luck_of_the_measured_run():
    from scipy.stats import t as student

    from harness.calibration.validate import Prediction

    def prediction(replicates, luck, measured=0.5, measured_luck=0.01):
        return Prediction(
            "f", "cascade", True, "pass rate", measured, replicates, luck, measured_luck
        )

    t3 = student.ppf(0.975, 3)
    steady = prediction((0.5, 0.5, 0.5, 0.5), (0.01,) * 4)
    # no spread between replicates: the luck of the measured run alone
    assert steady.variance == pytest.approx(0.01)
    low, high = steady.interval
    assert high - 0.5 == pytest.approx(t3 * 0.01**0.5, rel=1e-6)
    assert steady.inside and steady.error == pytest.approx(0.0)
    spread = prediction((0.3, 0.5, 0.7, 0.5), (0.001,) * 4, measured=0.8, measured_luck=0.002)
    # the measured run's luck, the spread beyond a simulated run's luck, the mean's own error
    variance = 0.002 + (0.08 / 3 - 0.001) + 0.08 / 3 / 4
    assert spread.variance == pytest.approx(variance)
    assert spread.interval[1] == pytest.approx(min(1.0, 0.5 + t3 * variance**0.5))
    assert spread.inside is True
    off = prediction((0.3, 0.31, 0.29, 0.3), (0.0001,) * 4, measured=0.5, measured_luck=0.0001)
    assert off.inside is False and off.error == pytest.approx(-0.2)
    assert prediction((0.5,), (0.01,)).interval is None
    # a simulator whose runs vary less than the measured one does not narrow the interval
    narrow = prediction((0.5, 0.5, 0.5, 0.5), (0.0,) * 4, measured_luck=0.01)
    assert narrow.variance == pytest.approx(0.01)


def _shaped_trajectory(tiers, base, growth, ratio, cold):
    """Turns by the given tiers, each a command, then a fix and a submit, with prompts that
    grow exactly by each turn's tier's growth and cache hits at `ratio` of what was sent."""
    turns, calls, prompt, sent = [], [], base, {}
    kinds = [("bash", "ls", "command")] * (len(tiers) - 2)
    kinds += [("diff", CODE, "edit"), ("submit", "", "submit")]
    for index, (tier, (lang, body, action)) in enumerate(zip(tiers, kinds)):
        hit = round(ratio[tier] * sent[tier]) if tier in sent else cold[tier]
        usage = Usage(cache_hit=hit, cache_miss=prompt - hit, output=150, reasoning=100)
        calls.append(
            ModelCall(turn=index, tier=tier, model=tier, reason="default", usage=usage, cost_usd=0)
        )
        turns.append(_turn(index, tier, fence(lang, body), "ok", action))
        sent[tier] = prompt
        prompt += growth[tier]
    return Trajectory(instance_id="t", turns=turns, calls=calls)


def test_token_shapes_are_recovered_exactly_from_exact_trajectories():
    from harness.calibration.shapes import token_shapes

    base, growth = 1000, {"flash": 120, "pro": 300}
    ratio, cold = {"flash": 0.9, "pro": 0.5}, {"flash": 400, "pro": 200}
    runs = [
        observe(
            result_row("t", policy="flash", synthetic=False),
            _shaped_trajectory(["flash"] * 6, base, growth, ratio, cold),
        ),
        observe(
            result_row("t", policy="pro", synthetic=False),
            _shaped_trajectory(["pro"] * 4, base, growth, ratio, cold),
        ),
        observe(
            real("cascade"),
            _shaped_trajectory(
                ["flash", "pro", "flash", "pro", "flash"], base, growth, ratio, cold
            ),
        ),
    ]
    shapes, reasoning = token_shapes(runs)
    for tier in ("flash", "pro"):
        assert shapes[tier].prompt_base == base
        assert shapes[tier].prompt_growth == pytest.approx(growth[tier])
        assert shapes[tier].cache_hit_ratio == pytest.approx(ratio[tier], abs=1e-3)
        assert shapes[tier].cold_cache_hit == cold[tier]
        assert shapes[tier].output == 50 and reasoning[tier] == 100


def test_vote_splits_are_fitted_as_sample_agreement():
    from harness.calibration.fit import fit

    def voted(split):
        outcome = "vote_split" if split else "ok"
        calls = [_call(0, "flash"), _call(0, "flash", "vote"), _call(0, "flash", "vote")]
        calls += [_call(1, "flash")]
        turns = [
            _turn(0, "flash", fence("diff", CODE), outcome, "edit"),
            _turn(1, "flash", fence("submit"), "ok", "submit"),
        ]
        status = "unresolved" if split else "resolved"
        return observe(
            result_row("t", status, policy="vote", synthetic=False),
            Trajectory(instance_id="t", turns=turns, calls=calls),
        )

    def pro(fixed):
        turns = [_turn(0, "pro", fence("diff", CODE), "ok" if fixed else "tests_red", "edit")]
        turns.append(_turn(1, "pro", fence("submit"), "ok", "submit"))
        calls = [_call(0, "pro"), _call(1, "pro")]
        status = "resolved" if fixed else "unresolved"
        return observe(
            result_row("t", status, policy="pro", synthetic=False),
            Trajectory(instance_id="t", turns=turns, calls=calls),
        )

    runs = [voted(split) for split in [True] * 3 + [False] * 7] + [
        pro(i % 2 == 0) for i in range(6)
    ]
    result = fit(runs)
    measured = result.params.calibration.measured["flash"]
    assert measured["vote_turns"] == 10 and measured["vote_split_rate"] == pytest.approx(0.3)
    mix = result.params.failure.mix("flash")
    expected = agreement(result.params.solve.flash.mean, mix, 3, 0.3)
    assert result.params.votes.flash == pytest.approx(expected)
    assert result.counts["flash"]["t"].attempts == 7  # the split votes are not draws of p
