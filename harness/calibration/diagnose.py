"""`sim diagnose`: what a calibration assumes about the runs, measured on the runs, with
intervals, and which assumptions the runs reject.

Checked (each a test of the assumption, rejected at 5% over all the tests made: Bonferroni):
- attempt independence, per tier: a later attempt in a run does no worse than the first
  (calibration/hazard.py: the share r of later attempts that repeat a failure is 0);
- success independent of trajectory length, per tier: the chance of a fix does not fall as the
  run goes on (hazard.py: the decay per ten turns is 0);
- no repository effects, per tier: tasks of one repository are no more alike than any tasks
  (calibration/difficulty.py).
Measured and shown, as the fit uses them: the coupling of the tiers within a turn (from
cascade re-runs; without them the fit takes 0, and a prediction of a cascade rests on it), the
tiers' correlation across tasks, and the turn and token shapes with bootstrap intervals over
task runs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.calibration import shapes
from harness.calibration.difficulty import RepositoryEffects, TierCorrelation, repository_effects
from harness.calibration.fit import fit
from harness.calibration.hazard import AttemptModel, Estimate, attempt_model, tier_attempts
from harness.calibration.observe import Observed
from harness.reporting.stats import Z_95
from harness.tiers import TIERS, Tier

FAMILYWISE = 0.05
RESAMPLES = 200

INDEPENDENCE = "attempt independence"
LENGTH = "success independent of trajectory length"
REPOSITORIES = "no repository effects"
COUPLING = "tier coupling within a turn"


@dataclass(frozen=True)
class Test:
    """One assumption tested on one tier's attempts."""

    assumption: str
    tier: Tier
    p_value: float
    details: tuple[str, ...]  # what was measured, for the reader

    def rejected(self, level: float) -> bool:
        return self.p_value < level


@dataclass(frozen=True)
class Coupling:
    value: float
    low: float
    high: float
    reruns: int


@dataclass(frozen=True)
class Shape:
    name: str
    tier: Tier | str  # a tier, or a policy for turns per run
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class Diagnosis:
    runs: int
    task_runs: int
    tests: tuple[Test, ...]
    attempts: dict[Tier, AttemptModel]
    repositories: dict[Tier, RepositoryEffects]
    coupling: Coupling | None  # None: no re-runs in these runs
    correlation: TierCorrelation
    shapes: tuple[Shape, ...]

    @property
    def level(self) -> float:
        """Each test's level: 5% over all of them."""
        return FAMILYWISE / max(1, len(self.tests))

    @property
    def rejected(self) -> list[Test]:
        return [t for t in self.tests if t.rejected(self.level)]


def diagnose(observed: Sequence[Observed], resamples: int = RESAMPLES) -> Diagnosis:
    tests: list[Test] = []
    models: dict[Tier, AttemptModel] = {}
    for tier in TIERS:
        model = attempt_model(tier_attempts(observed, tier), tier)
        if model is not None:
            models[tier] = model
            tests += _attempt_tests(model)
    result = fit(observed)
    repositories: dict[Tier, RepositoryEffects] = {}
    for tier in TIERS:
        effects = repository_effects(result.counts[tier])
        if effects is not None:
            repositories[tier] = effects
            tests.append(_repository_test(effects, tier))
    measured = result.params.calibration.measured if result.params.calibration else {}
    tasks = measured.get("tasks", {})
    correlation = TierCorrelation(
        int(tasks.get("paired", 0)),
        Estimate(
            math.atanh(max(-0.999999, min(0.999999, tasks.get("tier_correlation", 0.0)))),
            tasks.get("tier_correlation_se", math.inf),
        ),
    )
    return Diagnosis(
        runs=len({o.run for o in observed}),
        task_runs=len(observed),
        tests=tuple(tests),
        attempts=models,
        repositories=repositories,
        coupling=_coupling(result.params.solve.coupling, measured.get("reruns")),
        correlation=correlation,
        shapes=tuple(shape_intervals(observed, resamples)),
    )


def _attempt_tests(model: AttemptModel) -> list[Test]:
    r, r_low, r_high = model.repeat
    factor, f_low, f_high = model.decay_factor
    told = math.isfinite(model.log_fresh.se)
    repeat = (
        f"a later attempt repeats an earlier failure {r:.0%} of the time (95% interval "
        f"{r_low:.0%} to {r_high:.0%}); the fit assumes 0%"
        if told
        else "no run made a second attempt: the runs cannot tell"
    )
    shares = (
        f"later attempts that failed: {model.repeated_failure:.0%} of {model.later_attempts}; "
        f"independent attempts at each task's rate predict {model.independent_failure:.0%}"
    )
    details = (repeat, shares) if model.later_attempts else (repeat,)
    tests = [Test(INDEPENDENCE, model.tier, model.log_fresh.p_value(), details)]
    length = (
        f"ten more turns multiply the chance of a fix by {factor:.2f} (95% interval "
        f"{f_low:.2f} to {f_high:.2f}); the fit assumes 1"
        if math.isfinite(model.decay.se)
        else "every attempt came at the same turn: the runs cannot tell"
    )
    tests.append(Test(LENGTH, model.tier, model.decay.p_value(), (length,)))
    return tests


def _repository_test(effects: RepositoryEffects, tier: Tier) -> Test:
    means = [
        f"{m.repository} ({m.tasks} tasks): {m.mean:.0%} ({m.low:.0%} to {m.high:.0%})"
        for m in effects.repositories
    ]
    summary = (
        f"one prior mean per repository against one for all: likelihood ratio "
        f"{effects.statistic:.1f} on {len(means) - 1} degree(s) of freedom"
    )
    return Test(REPOSITORIES, tier, effects.p_value, (summary, *means))


def _coupling(value: float, reruns: dict[str, float] | None) -> Coupling | None:
    """The coupling of the tiers within a turn, as the fit measured it, with its interval."""
    if not reruns:
        return None
    half = Z_95 * reruns["coupling_se"]
    return Coupling(value, max(0.0, value - half), min(1.0, value + half), int(reruns["reruns"]))


SHAPE_NAMES = {
    "explore_commands": "commands before the first attempt",
    "commands_between_attempts": "commands between failed attempts",
    "commands_after_red": "commands after a red edit, its undo included",
    "commands_after_fix": "commands between the fix and the submit",
    "fix_attempts": "attempts before giving up",
    "turns_to_fix": "turns to the fix",
}


def _structure(runs: Sequence[Observed]) -> dict[tuple[str, str], float]:
    samples = shapes.turn_samples(runs)
    found: dict[tuple[str, str], float] = {}
    for (name, tier), values in samples.values.items():
        if values:
            found[(SHAPE_NAMES[name], tier)] = float(np.mean(values))
    tokens, reasoning = shapes.token_shapes(runs)
    for tier in TIERS:
        shape = tokens[tier]
        found[("prompt tokens of a task's first call", tier)] = shape.prompt_base
        found[("prompt tokens a turn adds", tier)] = shape.prompt_growth
        found[("visible output tokens per call", tier)] = shape.output
        found[("reasoning tokens per call", tier)] = reasoning[tier]
        found[("cache hit ratio", tier)] = shape.cache_hit_ratio
    by_policy: dict[str, list[int]] = defaultdict(list)
    for run in runs:
        by_policy[run.row.policy].append(len(run.turns))
    for policy, turns in by_policy.items():
        found[("turns per task run", f"policy {policy}")] = float(np.mean(turns))
    return found


def shape_intervals(observed: Sequence[Observed], resamples: int) -> list[Shape]:
    """Each shape's mean over the runs, with a 95% bootstrap interval (task runs resampled)."""
    point = _structure(observed)
    rng = np.random.default_rng(0)
    draws: dict[tuple[str, str], list[float]] = defaultdict(list)
    for _ in range(resamples):
        picked = [observed[i] for i in rng.integers(0, len(observed), len(observed))]
        for key, value in _structure(picked).items():
            draws[key].append(value)
    found = []
    for (name, tier), value in sorted(point.items()):
        low, high = np.percentile(draws[(name, tier)] or [value], [2.5, 97.5])
        found.append(Shape(name, tier, value, float(low), float(high)))
    return found
