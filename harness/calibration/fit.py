"""`sim fit`: simulator parameters from real runs of the tiers on the same tasks.

Solve probabilities per task and tier come from the tier's own fix attempts (not re-runs after
the other tier failed), shrunk toward the tier mean (calibration/shrinkage.py). Failed attempts
give each tier's failure mix; cascade re-runs give the coupling of the tiers, votes the
agreement of samples (calibration/mixing.py); trajectories give turn structure and token
shapes (calibration/shapes.py).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness import HarnessError, __version__
from harness.calibration import difficulty, mixing, shapes
from harness.calibration.observe import Observed, Step
from harness.calibration.shrinkage import Counts, Hyperposterior, hyperposterior
from harness.models.sim import default_params
from harness.models.sim_params import (
    Behaviour,
    Calibration,
    Failure,
    FailureMix,
    SimParams,
    Solve,
    TaskSolve,
    TierSolve,
    Votes,
)
from harness.tiers import TIERS, Tier

# What a failed attempt's outcome is, as the simulator makes it. A code edit whose check passed
# but that did not resolve the task, or whose check timed out, has no such edit in the
# simulator; it is simulated as an edit that leaves the tests red.
FAILURE_KIND = {
    "tests_red": "wrong_edit",
    "ok": "wrong_edit",
    "check_timeout": "wrong_edit",
    "patch_failed": "malformed_diff",
    "format_error": "no_action",
}


class NotEnoughRuns(HarnessError):
    """The runs lack what a fit needs: a tier's own fix attempts."""


KINDS = ("wrong_edit", "malformed_diff", "no_action")


@dataclass
class Fit:
    params: SimParams
    priors: dict[Tier, Hyperposterior]
    counts: dict[Tier, dict[str, Counts]]
    notes: list[str] = field(default_factory=list)


def steps(observed: Sequence[Observed]) -> list[tuple[str, Step]]:
    return [(run.row.instance_id, step) for run in observed for t in run.turns for step in t.steps]


def attempt_counts(observed: Sequence[Observed]) -> dict[Tier, dict[str, Counts]]:
    """Fixes and attempts per tier and task, from a tier's own turns only."""
    tally: dict[Tier, dict[str, list[int]]] = {tier: defaultdict(lambda: [0, 0]) for tier in TIERS}
    for task, step in steps(observed):
        if step.draw:
            tally[step.tier][task][0] += step.fix
            tally[step.tier][task][1] += 1
    return {
        tier: {task: Counts(k, n) for task, (k, n) in sorted(tasks.items())}
        for tier, tasks in tally.items()
    }


def fit(observed: Sequence[Observed], files: Sequence[str] = ()) -> Fit:
    counts = attempt_counts(observed)
    for tier in TIERS:
        if not any(c.attempts for c in counts[tier].values()):
            raise NotEnoughRuns(
                f"no fix attempts by the {tier} tier on turns of its own: fit needs runs where "
                f"{tier} takes turns by default, e.g. a {tier}-only run"
            )
    priors = {tier: hyperposterior(counts[tier]) for tier in TIERS}
    solve = {tier: _tier_solve(priors[tier], counts[tier]) for tier in TIERS}
    mixes, shares = _failure_mixes(observed)
    notes: list[str] = []
    reruns = _reruns(observed, solve, counts)
    coupled = mixing.coupling(reruns)
    if coupled is None:
        notes.append(
            "note: no re-runs of a turn after the other tier failed it (cascade runs): how "
            "often both tiers fail the same attempt is unknown, taken as independent given the "
            "task (coupling 0)"
        )
    votes, vote_stats = _votes(observed, solve, mixes, notes)
    samples = shapes.turn_samples(observed)
    tokens, reasoning = shapes.token_shapes(observed)
    measured = _measured(observed, counts, shares, vote_stats, samples, reruns, coupled)
    params = SimParams(
        calibration=_calibration(observed, files, measured, notes),
        solve=Solve(task_spread=0.0, coupling=coupled.value if coupled else 0.0, **solve),
        failure=Failure(**_pooled(mixes).model_dump(), flash=mixes["flash"], pro=mixes["pro"]),
        behaviour=Behaviour(
            flash=shapes.behaviour(samples, "flash"), pro=shapes.behaviour(samples, "pro")
        ),
        reasoning=reasoning,
        votes=votes,
        tokens=tokens,
    )
    return Fit(params, priors, counts, notes)


def _tier_solve(hyper: Hyperposterior, counts: dict[str, Counts]) -> TierSolve:
    prior = hyper.prior
    return TierSolve(
        mean=prior.mean,
        prior_alpha=prior.alpha,
        prior_beta=prior.beta,
        tasks={
            task: TaskSolve(p=hyper.posterior_mean(c), successes=c.fixes, attempts=c.attempts)
            for task, c in counts.items()
        },
    )


def _failure_mixes(
    observed: Sequence[Observed],
) -> tuple[dict[Tier, FailureMix], dict[Tier, dict[str, float]]]:
    """Each tier's failure mix, and the shares of the outcomes behind it."""
    outcomes: dict[Tier, Counter[str]] = {tier: Counter() for tier in TIERS}
    for _, step in steps(observed):
        if step.attempt and not step.fix and step.outcome in FAILURE_KIND:
            outcomes[step.tier][step.outcome] += 1
    everything = sum(outcomes.values(), Counter())
    fallback = default_params().failure
    mixes, shares = {}, {}
    for tier in TIERS:
        tally = outcomes[tier] or everything
        kinds: Counter[str] = Counter()
        for outcome, n in tally.items():
            kinds[FAILURE_KIND[outcome]] += n
        mixes[tier] = (
            FailureMix(
                **{k: float(kinds[k]) for k in ("wrong_edit", "malformed_diff", "no_action")}
            )
            if kinds
            else FailureMix(**fallback.mix(tier).model_dump(include=set(FailureMix.model_fields)))
        )
        total = sum(outcomes[tier].values())
        shares[tier] = {
            f"failed_{o}": outcomes[tier][o] / total if total else 0.0 for o in FAILURE_KIND
        }
    return mixes, shares


def _pooled(mixes: dict[Tier, FailureMix]) -> FailureMix:
    return FailureMix(**{k: sum(getattr(m, k) for m in mixes.values()) / len(mixes) for k in KINDS})


def _reruns(
    observed: Sequence[Observed],
    solve: dict[Tier, TierSolve],
    counts: dict[Tier, dict[str, Counts]],
) -> list[mixing.Rerun]:
    """Re-runs with each task's own rates, not the shrunk ones: re-runs gather on the tasks
    the default tier finds hard, and shrinkage would bias those rates toward the mean."""

    def rate(tier: Tier, task: str) -> tuple[float, float]:
        known = counts[tier].get(task)
        if known is None or not known.attempts:
            return solve[tier].base(task, ""), 0.0
        p = known.fixes / known.attempts
        return p, p * (1 - p) / known.attempts

    reruns = []
    for run in observed:
        task = run.row.instance_id
        for turn in run.turns:
            if turn.rerun is not None:
                failed, again = turn.rerun
                p_default, _ = rate(failed.tier, task)
                p_up, variance = rate(again.tier, task)
                reruns.append(mixing.Rerun(p_default, p_up, again.fix, task, variance))
    return reruns


def _votes(
    observed: Sequence[Observed],
    solve: dict[Tier, TierSolve],
    mixes: dict[Tier, FailureMix],
    notes: list[str],
) -> tuple[Votes, dict[Tier, dict[str, float]]]:
    tally: dict[Tier, list[tuple[int, bool]]] = {tier: [] for tier in TIERS}
    for run in observed:
        for turn in run.turns:
            first = turn.steps[0]
            if first.vote and first.attempt:
                tally[first.tier].append((turn.vote_samples, first.outcome == "vote_split"))
    agreement: dict[str, float] = {}
    stats: dict[Tier, dict[str, float]] = {}
    for tier, votes in tally.items():
        if not votes:
            continue
        samples = Counter(n for n, _ in votes).most_common(1)[0][0]
        rate = sum(split for _, split in votes) / len(votes)
        mean = solve[tier].mean
        assert mean is not None
        agreement[tier] = mixing.agreement(mean, mixes[tier], samples, rate)
        stats[tier] = {"vote_turns": len(votes), "vote_split_rate": rate}
    if not agreement:
        notes.append(
            "note: no vote turns in these runs: a policy that votes is simulated with "
            "independent samples, not calibrated ones"
        )
    return Votes(**agreement), stats


def _measured(
    observed: Sequence[Observed],
    counts: dict[Tier, dict[str, Counts]],
    shares: dict[Tier, dict[str, float]],
    votes: dict[Tier, dict[str, float]],
    samples: shapes.Samples,
    reruns: Sequence[mixing.Rerun],
    coupled: mixing.Coupling | None,
) -> dict[str, dict[str, float]]:
    """What the runs showed, beside the parameters, for a reader checking the fit."""
    measured: dict[str, dict[str, float]] = {}
    for tier in TIERS:
        fixes = sum(c.fixes for c in counts[tier].values())
        attempts = sum(c.attempts for c in counts[tier].values())
        measured[tier] = {
            "attempts": attempts,
            "fixes": fixes,
            "fix_rate": fixes / attempts,
            "turns_to_fix": samples.mean("turns_to_fix", tier, 0.0),
            **shares[tier],
            **votes.get(tier, {}),
        }
    if coupled is not None:
        fixes = sum(r.fixed for r in reruns)
        measured["reruns"] = {"reruns": len(reruns), "fixes": fixes, "coupling_se": coupled.se}
    correlation = difficulty.tier_correlation(counts["flash"], counts["pro"])
    measured["tasks"] = {"paired": correlation.tasks, "tier_correlation": correlation.interval()[0]}
    if math.isfinite(correlation.rho.se):  # TOML has inf, but a reader should not need it
        measured["tasks"]["tier_correlation_se"] = correlation.rho.se
    by_policy: dict[str, list[Observed]] = defaultdict(list)
    for run in observed:
        by_policy[run.row.policy].append(run)
    for policy, runs in sorted(by_policy.items()):
        resolved = sum(r.resolved for r in runs)
        cost = sum(r.row.cost_usd or 0.0 for r in runs)
        measured[f"policy {policy}"] = {
            "rows": len(runs),
            "pass_rate": resolved / len(runs),
            "cost_per_resolved": cost / resolved if resolved else 0.0,
        }
    return measured


def _calibration(
    observed: Sequence[Observed],
    files: Sequence[str],
    measured: dict[str, dict[str, float]],
    notes: list[str],
) -> Calibration:
    models: dict[str, set[str]] = defaultdict(set)
    for run in observed:
        for tier, name in run.row.settings.models.items():
            models[tier].add(name)
    tables = {run.row.price_table for run in observed}
    for tier, names in sorted(models.items()):
        if len(names) > 1:
            notes.append(
                f"note: the {tier} tier ran as {len(names)} models: {', '.join(sorted(names))}"
            )
    if len(tables) > 1:
        notes.append(f"note: the runs were priced with {len(tables)} price tables")
    return Calibration(
        runs=len({run.run for run in observed}),
        rows=len(observed),
        files=list(files),
        models={tier: ", ".join(sorted(names)) for tier, names in sorted(models.items())},
        price_table=", ".join(sorted(tables)),
        harness_version=__version__,
        measured=measured,
    )
