"""Calibration against a known truth: a scripted model family behind a real OpenAI-compatible
server (tests/scripted_family.py) runs the tiny suite under pro, flash and the cascade, through
the real agent loop, the `openai` client and HTTP, in memoised local sandboxes. `sim fit` must
recover the family's solve probabilities within what the number of attempts allows, and the
simulator calibrated on the pro-only and flash-only runs must predict the cascade it never saw.

The family here is of the fit's own model class (independent attempts, tiers independent given
the task): these tests show that the fitter and the simulator agree with each other, not that
the model is right about agents. tests/test_misspecification.py holds families outside it."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from harness.calibration.fit import fit
from harness.calibration.folds import Fold, folds
from harness.calibration.observe import read_observed
from harness.calibration.report import calibration_error, validation_table
from harness.calibration.validate import Simulator, luck, predict
from harness.cli import main
from harness.models.sim_params import load_params
from harness.pricing import load_prices
from harness.results import read_rows
from harness.sandbox.local import LocalProvider
from harness.sandbox.memo import MemoProvider

from .conftest import run_id
from .scripted_family import FLASH, PRO, ScriptedFamily, scripted_runs, tiny_suite

pytestmark = pytest.mark.scenario

TASKS = 12
REPEATS = {"pro": 24, "flash": 5, "cascade": 20}
REPLICATES = 6
WORKERS = 8


def truth() -> dict[str, dict[str, float]]:
    """Solve probabilities spread over easier and harder tasks: flash seldom finds the fix,
    pro usually does, so the cascade escalates about once a task. (The cost per resolved task
    of a run varies less from run to run when the number of escalations does, which keeps the
    comparison with a measured run tight at a size CI can afford.)"""
    rng = random.Random(16)
    solve = {}
    for i in range(TASKS):
        flash = round(rng.uniform(0.05, 0.2), 2)
        solve[f"acme__tiny-{i}"] = {
            "flash": flash,
            "pro": round(min(0.95, flash + rng.uniform(0.65, 0.8)), 2),
        }
    return solve


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Result files of the scripted family behind a real server: pro, flash and cascade, each
    repeated."""
    root = tmp_path_factory.mktemp("calibration")
    suite = tiny_suite(root, TASKS)
    family = ScriptedFamily(suite, truth())
    sandboxes = MemoProvider(LocalProvider(run_id=run_id("calibration")))
    files = scripted_runs(root, family, REPEATS, sandboxes, workers=WORKERS)
    yield root, suite, files, sandboxes
    sandboxes.cleanup()


def test_fit_recovers_the_solve_probabilities(runs, capsys):
    """The error a sample allows: a task with k fixes in n attempts has a binomial standard
    error se = sqrt(p (1 - p) / n) around its true p. Shrinkage pulls each estimate toward the
    tier mean by design, by the weight w = (alpha + beta) / (n + alpha + beta) of the prior, so
    each fitted p must be within 3 se of the truth plus w times its distance from the fitted
    mean; over all tasks, the squared errors in units of se must average below 2 (a chi-square
    bound: shrinkage must not do worse than the sample allows). Each tier's mean must be within
    3 standard errors of the tasks' mean."""
    root, _, files, _ = runs
    output = root / "calibrated.toml"
    command = ["sim", "fit", str(files["pro"]), str(files["flash"]), "--output", str(output)]
    assert main(command) == 0
    params = load_params(output)
    assert params.calibrated_from == REPEATS["pro"] + REPEATS["flash"]
    solve = truth()
    lines, checks, z_squared = [], [], []
    for tier in ("flash", "pro"):
        fitted = getattr(params.solve, tier)
        weight = fitted.prior_alpha + fitted.prior_beta
        for task, known in sorted(solve.items()):
            p, counts = known[tier], fitted.tasks[task]
            se = math.sqrt(p * (1 - p) / counts.attempts)
            pull = weight / (counts.attempts + weight) * abs(fitted.mean - p)
            error = counts.p - p
            z_squared.append((error / se) ** 2)
            lines.append(
                f"{tier:5} {task:14} true {p:.2f} fitted {counts.p:.2f} "
                f"({counts.successes}/{counts.attempts}) se {se:.3f} pull {pull:.3f} "
                f"error {error:+.3f}"
            )
            checks.append((abs(error) <= 3 * se + pull, lines[-1]))
        attempts = sum(c.attempts for c in fitted.tasks.values())
        mean = sum(known[tier] for known in solve.values()) / len(solve)
        mean_se = math.sqrt(mean * (1 - mean) / attempts)
        lines.append(
            f"{tier:5} tier mean: true {mean:.3f} fitted {fitted.mean:.3f} se {mean_se:.3f}"
        )
        checks.append((abs(fitted.mean - mean) <= 3 * mean_se, lines[-1]))
    lines.append(f"mean squared error in units of se: {sum(z_squared) / len(z_squared):.2f}")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert [line for ok, line in checks if not ok] == []
    assert sum(z_squared) / len(z_squared) < 2.0
    # the shapes of the family's turns and tokens
    measured = params.calibration.measured
    for tier, script in (("flash", FLASH), ("pro", PRO)):
        shape = getattr(params.behaviour, tier)
        gave_up = [
            r
            for r in read_rows(files[tier])
            if r.status != "resolved" and r.exit_reason == "submitted"
        ]
        if gave_up:  # what a tier that never gave up would do is not in the runs
            assert shape.fix_attempts == script.budget
        assert shape.explore_commands == pytest.approx(sum(script.explore) / 2, abs=0.35)
        assert params.reasoning[tier] == pytest.approx(sum(script.reasoning) / 2, rel=0.1)
        mix = params.failure.mix(tier)
        total = mix.wrong_edit + mix.malformed_diff + mix.no_action
        failures = measured[tier]["attempts"] - measured[tier]["fixes"]
        for kind, share in script.failures.items():
            se = math.sqrt(share * (1 - share) / failures)
            assert getattr(mix, kind) / total == pytest.approx(share, abs=3 * se), (tier, kind)


@pytest.fixture(scope="module")
def cascade_predictions(runs, tmp_path_factory):
    """The cascade held out: fitted on pro-only and flash-only runs, then simulated."""
    _, suite, files, sandboxes = runs
    observed = read_observed([files["pro"], files["flash"], files["cascade"]], print)
    fold = next(f for f in folds(observed, "policy") if f.policies == ["cascade"])
    simulator = Simulator(
        sandboxes, load_prices(), tmp_path_factory.mktemp("simulated"), workers=WORKERS
    )
    tasks = {t.instance_id: t for t in suite.tasks}
    return fold, predict([fold], fold.name, tasks, simulator, REPLICATES, seed=1)


def test_the_cascade_is_predicted_from_pro_and_flash_runs(cascade_predictions, capsys):
    fold, predictions = cascade_predictions
    assert isinstance(fold, Fold) and fold.left_out("cascade")
    assert {o.row.policy for o in fold.training} == {"pro", "flash"}
    with capsys.disabled():
        print("\n" + validation_table(predictions) + "\n" + calibration_error(predictions))
    for prediction in predictions:
        assert prediction.inside, prediction
    cost = next(p for p in predictions if p.metric == "cost per resolved task")
    # the noise of this comparison: the luck of the measured run and of the simulated ones
    # (bootstrap), and how far the replicates' posterior draws spread
    scale = cost.measured
    measured_luck = math.sqrt(luck([o.row for o in fold.held_out], cost.metric, 0)) / scale
    simulated_luck = math.sqrt(statistics.fmean(cost.luck) / len(cost.replicates)) / scale
    between = statistics.stdev(cost.replicates) / scale
    with capsys.disabled():
        print(
            f"cost per resolved task: error {cost.error:+.1%}; standard errors: measured run "
            f"{measured_luck:.1%}, predicted mean {simulated_luck:.1%}; replicates spread "
            f"{between:.1%}"
        )
    assert abs(cost.error) <= 0.10


def test_cascade_runs_show_the_tiers_fail_independently(runs):
    """The family draws each tier's attempt on its own: the coupling the cascade's re-runs
    show must be 0 within three of its standard errors, and re-runs must not count as draws of
    pro's probability."""
    _, _, files, _ = runs
    observed = read_observed(list(files.values()), print)
    with_cascade = fit(observed)
    reruns = with_cascade.params.calibration.measured["reruns"]
    assert reruns["reruns"] > 50
    assert with_cascade.params.solve.coupling <= 3 * reruns["coupling_se"]
    without = fit([o for o in observed if o.row.policy != "cascade"])
    assert with_cascade.counts["pro"] == without.counts["pro"]


def test_runs_held_out_one_at_a_time_make_one_fold_each(runs):
    _, _, files, _ = runs
    observed = read_observed(list(files.values()), print)
    by_run = folds(observed, "run")
    assert len(by_run) == sum(REPEATS.values())
    for fold in by_run:
        assert {o.run for o in fold.held_out} == {fold.name.removeprefix("run ")}
        assert fold.name.removeprefix("run ") not in {o.run for o in fold.training}
        assert not fold.left_out(fold.policies[0])  # every policy ran more than once
    assert len(folds(observed, "policy")) == 3


def test_a_fit_needs_both_tiers_on_turns_of_their_own(runs, tmp_path, capsys):
    _, _, files, _ = runs
    output = tmp_path / "one-tier.toml"
    assert main(["sim", "fit", str(files["pro"]), "--output", str(output)]) == 2
    assert "no fix attempts by the flash tier on turns of its own" in capsys.readouterr().err
    assert not output.exists()
