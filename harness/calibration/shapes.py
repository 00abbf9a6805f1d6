"""The shapes a calibration measures: how a tier's trajectories go turn by turn, and what its
calls cost in tokens. A statistic a tier has no data for takes the value pooled over tiers.

Turn structure, in the simulator's grammar (models/sim.py): commands before the first attempt
(one of them taken as the reproduction test the simulator always writes), commands between a
failed attempt and the next (apart after an edit that applied, which the simulator undoes
first), commands between the fix and the submit, and how many attempts a tier makes before it
gives up. A gap that a limit cut short is left out, as is a task that
never reached an attempt.

Tokens: a task's first prompt (the base), what each turn adds to the prompt by the tier that
took it (a least-squares fit of every turn's prompt over the count of earlier turns by each
tier), visible output and reasoning per call, and the cache: the share of the prompt a tier
was already sent that hits, and the hits of a tier's first call in a task.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from harness.calibration.observe import Observed, TurnSteps
from harness.models.sim_params import TierBehaviour, TierTokens
from harness.results import ModelCall
from harness.tiers import TIERS, Tier


class Samples:
    """Values of named statistics by tier."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, Tier], list[float]] = defaultdict(list)

    def add(self, name: str, tier: Tier, value: float) -> None:
        self.values[(name, tier)].append(value)

    def mean(self, name: str, tier: Tier, default: float) -> float:
        own = self.values.get((name, tier))
        pooled = [v for t in TIERS for v in self.values.get((name, t), [])]
        chosen = own or pooled
        return sum(chosen) / len(chosen) if chosen else default

    def count(self, name: str, tier: Tier) -> int:
        return len(self.values.get((name, tier), []))


def turn_samples(observed: Iterable[Observed]) -> Samples:
    samples = Samples()
    for run in observed:
        _structure(run, samples)
    return samples


def _structure(run: Observed, samples: Samples) -> None:
    turns = run.turns
    tried = [i for i, t in enumerate(turns) if t.kind in ("attempt", "fix")]
    if not tried:
        return
    samples.add("explore_commands", turns[0].tier, max(0, tried[0] - 1))
    for i in tried:
        after = _next_action(turns, i)
        if after is None or i + 1 >= len(turns):
            continue  # a limit ended the task in the gap
        samples.add(_gap_kind(turns[i]), turns[i + 1].tier, after - i - 1)
    fixed = [i for i in tried if turns[i].kind == "fix"]
    if fixed:
        samples.add("turns_to_fix", turns[fixed[0]].tier, fixed[0] + 1)
    elif turns[-1].kind == "submit":
        samples.add("fix_attempts", turns[-1].tier, len(tried))


def _gap_kind(turn: TurnSteps) -> str:
    """Which gap follows an attempt, as the simulator tells them apart: an edit that applied
    without fixing (the simulator's are red) must be undone first."""
    if turn.kind == "fix":
        return "commands_after_fix"
    if turn.steps[-1].outcome in ("tests_red", "ok", "check_timeout"):
        return "commands_after_red"
    return "commands_between_attempts"


def _next_action(turns: Sequence[TurnSteps], after: int) -> int | None:
    """The next turn after `after` that is not a command: an attempt or the submit."""
    return next((j for j in range(after + 1, len(turns)) if turns[j].kind != "explore"), None)


def behaviour(samples: Samples, tier: Tier) -> TierBehaviour:
    return TierBehaviour(
        explore_commands=samples.mean("explore_commands", tier, 0.0),
        fix_attempts=max(1.0, samples.mean("fix_attempts", tier, math.inf)),
        commands_after_red=samples.mean("commands_after_red", tier, 1.0),
        commands_between_attempts=samples.mean("commands_between_attempts", tier, 0.0),
        commands_after_fix=samples.mean("commands_after_fix", tier, 0.0),
    )


def token_shapes(observed: Sequence[Observed]) -> tuple[dict[Tier, TierTokens], dict[Tier, float]]:
    """Token shapes by tier, and mean reasoning tokens per call by tier."""
    samples = Samples()
    hits: dict[Tier, list[tuple[float, float]]] = defaultdict(list)  # (hit, sent before)
    for run in observed:
        _calls(run, samples, hits)
    growth = _prompt_growth(observed)
    pooled = [pair for tier in TIERS for pair in hits[tier]]
    shapes = {}
    for tier in TIERS:
        hit = sum(h for h, _ in hits[tier] or pooled)
        seen = sum(s for _, s in hits[tier] or pooled)
        shapes[tier] = TierTokens(
            prompt_base=samples.mean("prompt_base", tier, 0.0),
            prompt_growth=growth[tier],
            output=samples.mean("visible_output", tier, 0.0),
            cache_hit_ratio=min(1.0, hit / seen) if seen else 0.0,
            cold_cache_hit=samples.mean("cold_cache_hit", tier, 0.0),
        )
    reasoning = {tier: samples.mean("reasoning", tier, 0.0) for tier in TIERS}
    return shapes, reasoning


def _calls(run: Observed, samples: Samples, hits: dict[Tier, list[tuple[float, float]]]) -> None:
    if not run.calls:
        return
    samples.add("prompt_base", run.calls[0].tier, run.calls[0].usage.prompt)
    last_prompt: dict[Tier, int] = {}
    for call in run.calls:
        usage = call.usage
        samples.add("visible_output", call.tier, usage.output - usage.reasoning)
        samples.add("reasoning", call.tier, usage.reasoning)
        if call.tier in last_prompt:
            hits[call.tier].append((usage.cache_hit, min(last_prompt[call.tier], usage.prompt)))
        else:
            samples.add("cold_cache_hit", call.tier, usage.cache_hit)
        last_prompt[call.tier] = usage.prompt


def _prompt_growth(observed: Sequence[Observed]) -> dict[Tier, float]:
    """Tokens per turn by the tier that took it: each turn's first prompt, less the task's
    first, against how many earlier turns each tier took (no intercept)."""
    xs: list[list[float]] = []
    ys: list[float] = []
    for run in observed:
        if not run.calls:
            continue
        base = run.calls[0].usage.prompt
        first_call: dict[int, ModelCall] = {}
        for call in run.calls:
            first_call.setdefault(call.turn, call)
        counts = dict.fromkeys(TIERS, 0)
        for turn in run.turns:
            first = first_call.get(turn.index)
            if first is not None and turn.index > 0:
                xs.append([counts[t] for t in TIERS])
                ys.append(first.usage.prompt - base)
            counts[turn.tier] += 1
    if not xs:
        return dict.fromkeys(TIERS, 0.0)
    x, y = np.array(xs, dtype=float), np.array(ys, dtype=float)
    pooled = float(np.linalg.lstsq(x.sum(axis=1, keepdims=True), y, rcond=None)[0][0])
    seen = [i for i in range(len(TIERS)) if x[:, i].any()]
    own = np.linalg.lstsq(x[:, seen], y, rcond=None)[0]
    growth = dict.fromkeys(TIERS, max(0.0, pooled))
    for column, value in zip(seen, own):
        growth[TIERS[column]] = max(0.0, float(value))
    return growth
