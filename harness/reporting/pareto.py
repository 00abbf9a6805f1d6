"""The Pareto view: pass rate against cost, with intervals on both axes, the frontier, and the
groups no one should pick because another resolves as much for less."""

from __future__ import annotations

from dataclasses import dataclass

from harness.reporting.metrics import Intervals, Metrics
from harness.reporting.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, Interval
from harness.reporting.summary import Summary, group_title
from harness.reporting.tables import money, percent

# The two cost axes: what it costs to resolve a task (the headline) and to attempt one.
AXES = {"cost/resolved": "cost_per_resolved", "cost/task": "cost_per_task"}


@dataclass(frozen=True)
class Point:
    summary: Summary
    intervals: Intervals

    @property
    def metrics(self) -> Metrics:
        return self.summary.metrics

    def cost(self, axis: str) -> float | None:
        value: float | None = getattr(self.metrics, AXES[axis])
        return value

    def cost_interval(self, axis: str) -> Interval | None:
        found: Interval | None = getattr(self.intervals, AXES[axis])
        return found


def points(
    summaries: list[Summary], resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> list[Point]:
    """Groups with a pass rate, each with its cluster-bootstrap intervals."""
    return [
        Point(s, s.metrics.intervals(resamples, seed))
        for s in summaries
        if s.metrics.pass_rate is not None
    ]


def _dominates(a: Point, b: Point, axis: str) -> bool:
    """a resolves at least as large a share for at most the cost, and is better in one."""
    rate_a, rate_b = a.metrics.pass_rate, b.metrics.pass_rate
    cost_a, cost_b = a.cost(axis), b.cost(axis)
    if rate_a is None or rate_b is None or cost_a is None:
        return False
    if cost_b is None:  # b resolved nothing: any point that resolved something beats it
        return axis == "cost/resolved" or rate_a > rate_b
    return rate_a >= rate_b and cost_a <= cost_b and (rate_a > rate_b or cost_a < cost_b)


def dominated_by(found: list[Point], axis: str) -> dict[str, list[str]]:
    """For each point, the labels of the points that dominate it (empty: on the frontier).
    Point estimates decide; the intervals beside them say whether that is more than noise."""
    return {
        p.summary.label: [q.summary.label for q in found if q is not p and _dominates(q, p, axis)]
        for p in found
    }


def frontier(found: list[Point], axis: str) -> list[Point]:
    """The non-dominated points with a cost on this axis, cheapest first."""
    beaten = dominated_by(found, axis)
    kept = [p for p in found if not beaten[p.summary.label] and p.cost(axis) is not None]
    return sorted(kept, key=lambda p: (p.cost(axis) or 0.0, p.metrics.pass_rate or 0.0))


def money_interval(value: float | None, interval: Interval | None) -> str:
    if value is None:
        return "-"
    shown = "" if interval is None else f" ({money(interval[0])}-{money(interval[1])})"
    return money(value) + shown


def rate_interval(value: float | None, interval: Interval | None) -> str:
    if value is None:
        return "-"
    if interval is None:
        return percent(value)
    return f"{percent(value)} ({100 * interval[0]:.0f}-{100 * interval[1]:.0f}%)"


def verdict(beaten: list[str]) -> str:
    return f"dominated by {', '.join(beaten)}" if beaten else "frontier"


def pareto_headers(found: list[Point]) -> list[str]:
    return [
        group_title([p.summary for p in found]),
        "pass rate (95% CI, bootstrap)",
        "cost/resolved (95% CI)",
        "cost/task (95% CI)",
        "on cost/resolved",
        "on cost/task",
    ]


def pareto_rows(found: list[Point]) -> list[list[str]]:
    beaten = {axis: dominated_by(found, axis) for axis in AXES}
    return [
        [
            p.summary.label,
            rate_interval(p.metrics.pass_rate, p.intervals.pass_rate),
            money_interval(p.metrics.cost_per_resolved, p.intervals.cost_per_resolved),
            money_interval(p.metrics.cost_per_task, p.intervals.cost_per_task),
            verdict(beaten["cost/resolved"][p.summary.label]),
            verdict(beaten["cost/task"][p.summary.label]),
        ]
        for p in found
    ]
