"""Calibration against a known truth: a scripted model family behind a real OpenAI-compatible
server (tests/scripted_family.py) runs the tiny suite under pro, flash and the cascade, through
the real agent loop, the `openai` client and HTTP, in local sandboxes. `sim fit` must recover
the family's solve probabilities within what the number of attempts allows, and the simulator
calibrated on the pro-only and flash-only runs must predict the cascade it never saw."""

from __future__ import annotations

import math
import random

import pytest

from harness.calibration.fit import fit
from harness.calibration.observe import read_observed
from harness.calibration.report import calibration_error, validation_table
from harness.calibration.validate import Fold, Simulator, folds, predict
from harness.cli import main
from harness.models.factory import ModelFamily, ModelSettings
from harness.models.sim_params import load_params
from harness.policy import BUILTIN
from harness.pricing import load_prices
from harness.results import ResultStore
from harness.runner import RunConfig, run_tasks
from harness.sandbox.local import LocalProvider

from .conftest import run_id
from .fake_openai import FakeOpenAI
from .scripted_family import FLASH, PRO, ScriptedFamily, tiny_suite

pytestmark = pytest.mark.scenario

TASKS = 12
REPEATS = {"pro": 6, "flash": 6, "cascade": 10}
REPLICATES = 4
WORKERS = 6
KEY = "SCRIPTED_API_KEY"


def truth() -> dict[str, dict[str, float]]:
    """Solve probabilities spread over easy and hard tasks, pro better on most."""
    rng = random.Random(16)
    solve = {}
    for i in range(TASKS):
        flash = round(rng.uniform(0.1, 0.6), 2)
        solve[f"acme__tiny-{i}"] = {
            "flash": flash,
            "pro": round(min(0.9, flash + rng.uniform(0.0, 0.35)), 2),
        }
    return solve


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Result files of the scripted family: pro, flash and cascade, each repeated."""
    root = tmp_path_factory.mktemp("calibration")
    suite = tiny_suite(root, TASKS)
    family = ScriptedFamily(suite, truth())
    files = {}
    with pytest.MonkeyPatch.context() as env, FakeOpenAI(family) as server:
        env.setenv(KEY, "scripted")
        settings = ModelSettings(backend="openai", base_url=server.url, api_key_env=KEY)
        for name, repeats in REPEATS.items():
            files[name] = root / f"{name}.jsonl"
            store = ResultStore(files[name])
            for repeat in range(repeats):
                family.seed = hash((name, repeat)) % 1_000_003
                config = RunConfig(
                    BUILTIN[name], load_prices(), ModelFamily(settings, "openai", seed=repeat)
                )
                provider = LocalProvider(run_id=run_id(f"{name}-{repeat}"))
                run_tasks(suite.tasks, config, provider, store, workers=WORKERS)
    return root, suite, files


def test_fit_recovers_the_solve_probabilities(runs, capsys):
    root, _, files = runs
    output = root / "calibrated.toml"
    assert (
        main(["sim", "fit", str(files["pro"]), str(files["flash"]), "--output", str(output)]) == 0
    )
    params = load_params(output)
    assert params.calibrated_from == REPEATS["pro"] + REPEATS["flash"]
    solve = truth()
    lines, z_squared = [], []
    for tier in ("flash", "pro"):
        fitted = getattr(params.solve, tier)
        for task, known in sorted(solve.items()):
            counts = fitted.tasks[task]
            a = fitted.prior_alpha + counts.successes
            b = fitted.prior_beta + counts.attempts - counts.successes
            sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
            error = counts.p - known[tier]
            z_squared.append((error / sd) ** 2)
            lines.append(
                f"{tier:5} {task}: true {known[tier]:.2f} fitted {counts.p:.2f} "
                f"({counts.successes}/{counts.attempts}) sd {sd:.3f} error {error:+.3f}"
            )
            # each within three posterior standard deviations of the truth
            assert abs(error) <= 3 * sd, lines[-1]
    # over all tasks, standardised errors as a chi-square with one degree of freedom each
    assert sum(z_squared) / len(z_squared) < 2.0
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    # the shapes of the family's turns and tokens
    for tier, script in (("flash", FLASH), ("pro", PRO)):
        shape = getattr(params.behaviour, tier)
        assert shape.fix_attempts == script.budget
        assert shape.explore_commands == pytest.approx(sum(script.explore) / 2, abs=0.35)
        reasoning = sum(script.reasoning) / 2
        assert params.reasoning[tier] == pytest.approx(reasoning, rel=0.1)
        mix = params.failure.mix(tier)
        total = mix.wrong_edit + mix.malformed_diff + mix.no_action
        for kind, share in script.failures.items():
            assert getattr(mix, kind) / total == pytest.approx(share, abs=0.15)


@pytest.fixture(scope="module")
def cascade_predictions(runs, tmp_path_factory):
    """The cascade held out: fitted on pro-only and flash-only runs, then simulated."""
    _, suite, files = runs
    observed = read_observed([files["pro"], files["flash"], files["cascade"]], print)
    fold = next(f for f in folds(observed, "policy") if f.policy == "cascade")
    provider = LocalProvider(run_id=run_id("simulated"))
    simulator = Simulator(
        provider, load_prices(), tmp_path_factory.mktemp("simulated"), workers=WORKERS
    )
    tasks = {t.instance_id: t for t in suite.tasks}
    return fold, predict(fold, tasks, simulator, REPLICATES, seed=1)


def test_the_cascade_is_predicted_from_pro_and_flash_runs(cascade_predictions, capsys):
    fold, predictions = cascade_predictions
    assert isinstance(fold, Fold) and fold.policy_left_out
    assert {o.row.policy for o in fold.training} == {"pro", "flash"}
    with capsys.disabled():
        print("\n" + validation_table(predictions) + "\n" + calibration_error(predictions))
    for prediction in predictions:
        assert prediction.inside, prediction
    cost = next(p for p in predictions if p.metric == "cost per resolved task")
    assert abs(cost.error) <= 0.10


def test_cascade_runs_show_the_tiers_fail_independently(runs):
    """The family draws each tier's attempt on its own: the coupling the cascade's re-runs
    show must be near 0, and re-runs must not count as draws of pro's probability."""
    _, _, files = runs
    observed = read_observed(list(files.values()), print)
    with_cascade = fit(observed)
    assert with_cascade.params.solve.coupling <= 0.3
    without = fit([o for o in observed if o.row.policy != "cascade"])
    assert with_cascade.counts["pro"] == without.counts["pro"]
