"""RouteLLM's summary figures of a router between a cheap and a strong model, for the points of
a sweep (Ong et al., 2024, "RouteLLM: Learning to Route LLMs with Preference Data"):

- PGR, performance gap recovered: (pass rate - cheap tier's) / (strong tier's - cheap tier's),
  0 for the cheap tier alone, 1 for the strong tier alone;
- APGR: PGR averaged over the share of calls that go to the strong tier, from 0 to 1. A sweep
  gives points, not a curve, so the curve is the best PGR any swept rule reaches with at most
  that share of strong calls (the cheap tier at share 0, the strong tier at 1): a step
  function, whose average is exact;
- CPT(x): the smallest share of strong calls at which a swept rule recovers at least x of the
  gap, with the cost per resolved task of that rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    """One rule's result in one replicate."""

    name: str
    pass_rate: float
    strong_share: float  # share of model calls on the strong tier
    cost_per_resolved: float | None


def pgr(pass_rate: float, cheap: float, strong: float) -> float | None:
    """None when the tiers pass alike: there is no gap to recover."""
    gap = strong - cheap
    return None if abs(gap) < 1e-12 else (pass_rate - cheap) / gap


def frontier(points: Sequence[Point], cheap: float, strong: float) -> list[tuple[float, float]]:
    """(strong share, best PGR so far) at each share where the best PGR rises, from the cheap
    tier (0, 0) on; the strong tier (1, 1) is always on it."""
    scored = [(0.0, 0.0), (1.0, 1.0)]
    for p in points:
        if (value := pgr(p.pass_rate, cheap, strong)) is not None:
            scored.append((p.strong_share, value))
    scored.sort()
    steps: list[tuple[float, float]] = []
    for share, value in scored:
        if not steps or value > steps[-1][1]:
            steps.append((share, value))
    return steps


def apgr(points: Sequence[Point], cheap: float, strong: float) -> float | None:
    """The average over strong shares 0..1 of the best PGR reached at that share or less."""
    if pgr(strong, cheap, strong) is None:
        return None
    steps = frontier(points, cheap, strong)
    area = 0.0
    for (share, value), (following, _) in zip(steps, [*steps[1:], (1.0, 0.0)]):
        area += (following - share) * value
    return area


def cpt(points: Sequence[Point], cheap: float, strong: float, share: float) -> Point | None:
    """The rule with the smallest share of strong calls that recovers at least `share` of the
    gap (None when no swept rule does, or there is no gap)."""
    reaching = [
        p
        for p in points
        if (g := pgr(p.pass_rate, cheap, strong)) is not None and g >= share - 1e-12
    ]
    return min(reaching, key=lambda p: p.strong_share, default=None)
