"""`sim sweep`: a routing rule's knobs, and the length of the task's trajectories, swept over the
simulated family (calibrated or hand-set), with the calibration's uncertainty in every number.

Each replicate draws one plausible truth from the calibration (calibration/posterior.py; tasks
outside the fit included) and runs the tasks once under the cheap tier alone, the strong tier
alone and every swept rule, with the same draw and seed for all (common random numbers: rules
are compared on the same luck). A rule's numbers are then the spread over replicates; RouteLLM's
summary figures come from each replicate's own tiers (calibration/gap.py).

Trajectory length: the simulated agent's command counts (exploration before the first attempt,
commands between attempts, after a red edit and after the fix) are multiplied by one factor, so
that its trajectories keep their calibrated shape and grow longer. Two runs of the base rule (at
the calibrated length and twice it) give the factor for each asked length; the curve is drawn
at the turns the base rule's runs measured. Longer trajectories get limits that let them run:
steps, the simulator's own context and dollars per task are not what cuts them short.

The simulator runs the real agent loop in memoised sandboxes (sandbox/memo.py), as `sim
validate` does: after the first run of a task, a run costs the loop alone.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, get_args

from pydantic import ValidationError

from harness import UsageError
from harness.agent.loop import Limits
from harness.agent.policy import Policy, PolicyRules
from harness.calibration.gap import Point
from harness.calibration.posterior import Posterior
from harness.calibration.validate import Simulator
from harness.files import first_problem
from harness.models.sim_params import SimParams
from harness.results import ResultRow
from harness.tasks import Task
from harness.tiers import Outcome

KNOBS = ("sticky_turns", "vote_samples", "max_escalations", "escalate_on")
CHEAP, STRONG = Policy("flash", default="flash"), Policy("pro", default="pro")


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """`NAME=V1,V2,...`: whole numbers, or for escalate_on outcomes joined by '+'."""
    name, _, values = text.partition("=")
    if name not in KNOBS or not values:
        raise UsageError(f"--vary {text}: expected NAME=V1,V2,... with NAME one of {KNOBS}")
    parts = values.split(",")
    if name == "escalate_on":
        known = set(get_args(Outcome))
        sets = [frozenset(p.split("+")) for p in parts]
        unknown = sorted(o for s in sets for o in s if o not in known)
        if unknown:
            raise UsageError(f"--vary {text}: unknown outcome {unknown[0]!r}")
        return name, list(sets)
    if not all(p.isdigit() for p in parts):
        raise UsageError(f"--vary {text}: {name} takes whole numbers")
    return name, [int(p) for p in parts]


def rule_points(base: Policy, varied: Sequence[tuple[str, list[Any]]]) -> list[Policy]:
    """Every combination of the varied knobs on the base rule, each checked as a rules file's
    table would be (a problem the base rule has already is its own, not the variation's); the
    base rule itself first."""
    found = [base]
    names = [name for name, _ in varied]
    for values in itertools.product(*(values for _, values in varied)):
        changes = dict(zip(names, values))
        label = ",".join(f"{k}={_label(v)}" for k, v in changes.items())
        policy = replace(base, name=f"{base.name}[{label}]", **changes)
        problem = _problem(policy)
        if problem and problem != _problem(base):
            raise UsageError(f"--vary: {policy.name}: {problem}")
        if policy.rules_hash not in {p.rules_hash for p in found}:
            found.append(policy)
    return found


def _problem(policy: Policy) -> str | None:
    """What a rules file's checks would say of this rule, if anything."""
    table = {**vars(policy), "escalate_on": sorted(policy.escalate_on)}
    table.pop("name")
    try:
        PolicyRules(**table)
    except ValidationError as exc:
        return first_problem(exc)
    return None


def _label(value: Any) -> str:
    return "+".join(sorted(value)) if isinstance(value, frozenset) else str(value)


@dataclass(frozen=True)
class RunStats:
    """One simulated run of the tasks under one rule."""

    pass_rate: float
    cost_per_resolved: float | None
    strong_share: float
    turns: float  # mean turns per task run

    @classmethod
    def of(cls, rows: Sequence[ResultRow]) -> RunStats:
        graded = [r for r in rows if r.status != "error"]
        resolved = sum(r.status == "resolved" for r in graded)
        cost = math.fsum(r.cost_usd or 0.0 for r in rows)  # exact: rows come in any order
        calls = [sum(r.calls.values()) for r in rows]
        strong = sum(r.calls.get("pro", 0) for r in rows)
        return cls(
            resolved / len(graded) if graded else 0.0,
            cost / resolved if resolved else None,
            strong / sum(calls) if sum(calls) else 0.0,
            statistics.fmean(r.turns for r in rows) if rows else 0.0,
        )

    def point(self, name: str) -> Point:
        return Point(name, self.pass_rate, self.strong_share, self.cost_per_resolved)


@dataclass
class Sweep:
    rules: list[Policy]  # the base rule first, then the swept combinations
    runs: dict[str, list[RunStats]] = field(default_factory=dict)  # by rule, per replicate
    lengths: dict[float, dict[str, list[RunStats]]] = field(default_factory=dict)  # by scale
    errors: int = 0  # task runs that ended in an error (infrastructure)


@dataclass(frozen=True)
class Settings:
    replicates: int
    seed: int
    limits: Limits
    lengths: tuple[int, ...] = ()


def sweep(
    tasks: list[Task],
    rules: list[Policy],
    simulator: Simulator,
    posterior: Posterior,
    settings: Settings,
    progress: Callable[[str], None] = lambda line: None,
) -> Sweep:
    result = Sweep(rules)
    new = [t.instance_id for t in tasks]
    draws = [posterior.draw(settings.seed * 7919 + r, new) for r in range(settings.replicates)]

    def run(policy: Policy, params: SimParams, replicate: int, limits: Limits) -> RunStats:
        rows = simulator.run_policy(tasks, policy, limits, params, settings.seed + replicate)
        result.errors += sum(r.status == "error" for r in rows)
        return RunStats.of(rows)

    for policy in [CHEAP, STRONG, *rules]:
        progress(f"sweep: {policy.name}, {settings.replicates} replicate(s)")
        result.runs[policy.name] = [
            run(policy, params, r, settings.limits) for r, params in enumerate(draws)
        ]
    if settings.lengths:
        base = rules[0]
        measured = statistics.fmean(s.turns for s in result.runs[base.name])
        doubled = run(base, stretched(draws[0], 2.0), 0, long_limits(settings.limits, 2 * measured))
        per_scale = max(1e-9, doubled.turns - result.runs[base.name][0].turns)
        for length in settings.lengths:
            scale = max(0.0, 1 + (length - measured) / per_scale)
            progress(f"sweep: trajectories of about {length} turns (commands x{scale:.2f})")
            limits = long_limits(settings.limits, length)
            result.lengths[scale] = {
                policy.name: [
                    run(policy, stretched(params, scale), r, limits)
                    for r, params in enumerate(draws)
                ]
                for policy in (CHEAP, STRONG, base)
            }
    return result


def stretched(params: SimParams, scale: float) -> SimParams:
    """The same family with every command count multiplied by `scale`."""
    behaviour = params.behaviour
    update: dict[str, Any] = {
        "explore_commands": {k: round(v * scale) for k, v in behaviour.explore_commands.items()}
    }
    for tier in ("flash", "pro"):
        shape = getattr(behaviour, tier)
        if shape is not None:
            update[tier] = shape.model_copy(
                update={
                    "explore_commands": shape.explore_commands * scale,
                    "commands_between_attempts": shape.commands_between_attempts * scale,
                    # the undo of a red edit is one command, whatever the length
                    "commands_after_red": 1 + max(0.0, shape.commands_after_red - 1) * scale,
                    "commands_after_fix": shape.commands_after_fix * scale,
                }
            )
    return params.model_copy(update={"behaviour": behaviour.model_copy(update=update)})


def long_limits(limits: Limits, turns: float) -> Limits:
    """Limits under which a trajectory of about `turns` turns runs to its end."""
    steps = max(limits.max_steps, math.ceil(4 * turns))
    return replace(
        limits,
        max_steps=steps,
        context_tokens=max(limits.context_tokens, 10**9),
        max_cost_usd=max(limits.max_cost_usd, 1e6),
        max_wall_s=max(limits.max_wall_s, 86_400.0),
    )
