"""How draws go together: a tier's re-run of a turn the other tier failed (coupling), and the
samples of one turn in a vote (agreement). Both are moments matched to what the runs show.

Coupling rho: with probability rho both tiers compare one shared uniform draw with their solve
probabilities, otherwise each draws on its own. After the default tier (probability p_d) failed
an attempt, the re-run (p_u) then succeeds with probability

    rho * max(0, p_u - p_d) / (1 - p_d)  +  (1 - rho) * p_u,

which is linear in rho: summed over the re-runs the cascade runs hold, it is set equal to the
fixes they made. Runs without re-runs cannot tell rho; then it is 0 (independent given the
task), and the fit says so.

Agreement a: each further sample of a turn repeats the first with probability a, or is a fresh
draw. A vote happens when the first sample is an edit, and it splits when no edit has a strict
majority; the split rate falls with a, and a is the value that gives the measured rate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.optimize import brentq

from harness.models.sim_params import FailureMix


@dataclass(frozen=True)
class Rerun:
    """A re-run of a failed attempt: the two tiers' probabilities for the task, and whether
    the re-run was the fix."""

    p_default: float
    p_up: float
    fixed: bool
    task: str = ""
    p_up_variance: float = 0.0  # of the estimate of p_up (the same for a task's re-runs)


@dataclass(frozen=True)
class Coupling:
    value: float
    se: float  # from the luck of the re-runs and the uncertainty of p_up, through the estimate


def coupling(reruns: Sequence[Rerun]) -> Coupling | None:
    """rho and its standard error, or None when the runs hold no re-runs to tell it from.
    When the escalation tier fixes far more often than the default tier, shared and own draws
    predict nearly the same re-run fixes, and rho is poorly told apart: its error says so."""
    if not reruns:
        return None
    shared = [
        max(0.0, r.p_up - r.p_default) / (1 - r.p_default) if r.p_default < 1 else 0.0
        for r in reruns
    ]
    independent = [r.p_up for r in reruns]
    fixes = sum(r.fixed for r in reruns)
    spread = sum(independent) - sum(shared)
    if abs(spread) < 1e-9:
        return Coupling(0.0, math.inf)
    rho = min(1.0, max(0.0, (sum(independent) - fixes) / spread))
    chances = [rho * a + (1 - rho) * b for a, b in zip(shared, independent)]
    luck = sum(c * (1 - c) for c in chances)
    # an error in a task's p_up moves the expected fixes of all its re-runs at once
    per_task: dict[str, list[Rerun]] = {}
    for r in reruns:
        per_task.setdefault(r.task, []).append(r)
    estimate = sum(len(rs) ** 2 * rs[0].p_up_variance for rs in per_task.values())
    return Coupling(rho, math.sqrt(luck + estimate) / abs(spread))


def split_probability(p: float, mix: FailureMix, samples: int, agreement: float) -> float:
    """Chance that a vote of `samples` splits, given that its first sample is an edit."""
    total = mix.wrong_edit + mix.malformed_diff + mix.no_action
    # outcomes of one sample: the fix, a wrong edit, a malformed one, no action (None)
    outcomes = {
        "fix": p,
        "wrong": (1 - p) * mix.wrong_edit / total,
        "malformed": (1 - p) * mix.malformed_diff / total,
        None: (1 - p) * mix.no_action / total,
    }
    edits = {k: v for k, v in outcomes.items() if k is not None}
    edit_mass = sum(edits.values())
    if edit_mass <= 0:
        return 0.0
    split = 0.0
    for first, first_p in edits.items():
        others = {
            k: (1 - agreement) * v + (agreement if k == first else 0.0) for k, v in outcomes.items()
        }
        for rest in itertools.product(others, repeat=samples - 1):
            weight = first_p / edit_mass
            for value in rest:
                weight *= others[value]
            votes = [first, *rest]
            if not any(votes.count(v) * 2 > samples for v in edits):
                split += weight
    return split


def agreement(p: float, mix: FailureMix, samples: int, measured_split: float) -> float:
    """a such that the split rate is the measured one (0 when even independent samples split
    less often than measured, 1 when the measured rate is 0)."""

    def gap(a: float) -> float:
        return split_probability(p, mix, samples, a) - measured_split

    if gap(0.0) <= 0:
        return 0.0
    if gap(1.0) >= 0:
        return 1.0
    return float(brentq(gap, 0.0, 1.0, xtol=1e-6))
