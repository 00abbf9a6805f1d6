"""The Pareto view: pass rate against cost, with intervals on both axes, the frontier, and the
groups no one should pick because another resolves as much for less.

Groups are compared on the tasks they share: a group that ran 40 tasks and one that ran 8 are
judged on the 8, each with its figures on those tasks. When they share no task, no group is
judged against another, and the figures shown are each group's own, unpaired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.reporting.figures import AXES, Axis, Interval, ParetoFigures, ParetoPoint
from harness.reporting.metrics import Intervals, Metrics
from harness.reporting.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from harness.reporting.stats import Interval as Bounds
from harness.reporting.summary import Summary
from harness.reporting.tables import money, percent

# The two cost axes: what it costs to resolve a task (the headline) and to attempt one.
METRIC_OF_AXIS: dict[Axis, str] = {
    "cost/resolved": "cost_per_resolved",
    "cost/task": "cost_per_task",
}


@dataclass(frozen=True)
class Point:
    """A group on the view's tasks."""

    summary: Summary
    metrics: Metrics
    intervals: Intervals

    def cost(self, axis: Axis) -> float | None:
        value: float | None = getattr(self.metrics, METRIC_OF_AXIS[axis])
        return value

    def cost_interval(self, axis: Axis) -> Bounds | None:
        found: Bounds | None = getattr(self.intervals, METRIC_OF_AXIS[axis])
        return found


@dataclass(frozen=True)
class View:
    points: list[Point]
    tasks: int  # shared by every group
    all_tasks: int  # held by any group
    resamples: int
    seed: int

    @property
    def paired(self) -> bool:
        return bool(self.tasks)


def shared_tasks(summaries: Sequence[Summary]) -> tuple[set[str], int]:
    """Tasks every group ran, and how many tasks the groups hold in all."""
    held = [set(s.metrics.per_task) for s in summaries]
    shared = set.intersection(*held) if held else set()
    return shared, len(set().union(*held))


def pareto_view(
    summaries: list[Summary], resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> View:
    """Groups with a pass rate, on the tasks they share, each with its cluster-bootstrap
    intervals."""
    found = [s for s in summaries if s.metrics.pass_rate is not None]
    shared, all_tasks = shared_tasks(found)
    points = []
    for s in found:
        m = s.metrics
        if shared and m.per_task.keys() != shared:
            m = m.restricted(shared)
        points.append(Point(s, m, m.intervals(resamples, seed)))
    return View(points, len(shared), all_tasks, resamples, seed)


def _dominates(a: Point, b: Point, axis: Axis) -> bool:
    """a resolves at least as large a share for at most the cost, and is better in one."""
    rate_a, rate_b = a.metrics.pass_rate, b.metrics.pass_rate
    cost_a, cost_b = a.cost(axis), b.cost(axis)
    if rate_a is None or rate_b is None or cost_a is None:
        return False
    if cost_b is None:  # b resolved nothing: any point that resolved something beats it
        return axis == "cost/resolved" or rate_a > rate_b
    return rate_a >= rate_b and cost_a <= cost_b and (rate_a > rate_b or cost_a < cost_b)


def dominated_by(found: list[Point], axis: Axis) -> dict[str, list[str]]:
    """For each point, the labels of the points that dominate it (empty: on the frontier).
    Point estimates decide; the intervals beside them say whether that is more than noise."""
    return {
        p.summary.label: [q.summary.label for q in found if q is not p and _dominates(q, p, axis)]
        for p in found
    }


def frontier(found: list[Point], axis: Axis) -> list[Point]:
    """The non-dominated points with a cost on this axis, cheapest first."""
    beaten = dominated_by(found, axis)
    kept = [p for p in found if not beaten[p.summary.label] and p.cost(axis) is not None]
    return sorted(kept, key=lambda p: (p.cost(axis) or 0.0, p.metrics.pass_rate or 0.0))


def _interval(bounds: Bounds | None) -> Interval | None:
    return None if bounds is None else Interval(low=bounds[0], high=bounds[1])


def pareto_figures(view: View) -> ParetoFigures:
    beaten = {axis: dominated_by(view.points, axis) for axis in AXES}
    return ParetoFigures(
        tasks=view.tasks,
        all_tasks=view.all_tasks,
        paired=view.paired,
        resamples=view.resamples,
        seed=view.seed,
        points=[
            ParetoPoint(
                label=p.summary.label,
                synthetic=p.summary.synthetic,
                pass_rate=p.metrics.pass_rate,
                pass_rate_interval=_interval(p.intervals.pass_rate),
                cost_per_resolved_usd=p.metrics.cost_per_resolved,
                cost_per_resolved_interval=_interval(p.intervals.cost_per_resolved),
                cost_per_task_usd=p.metrics.cost_per_task,
                cost_per_task_interval=_interval(p.intervals.cost_per_task),
                dominated_by={axis: beaten[axis][p.summary.label] for axis in AXES}
                if view.paired
                else None,
            )
            for p in view.points
        ],
        frontier={
            axis: [p.summary.label for p in frontier(view.points, axis)] if view.paired else []
            for axis in AXES
        },
    )


def pareto_title(figures: ParetoFigures) -> str:
    bootstrap = f"{figures.resamples} resamples, seed {figures.seed}"
    title = f"Pareto view (intervals: 95% cluster bootstrap over tasks, {bootstrap})"
    if not figures.paired:
        return (
            f"{title}: the groups share no task, so none is judged against another; "
            "each group's own figures, unpaired"
        )
    if figures.tasks < figures.all_tasks:
        return (
            f"{title}, on the {figures.tasks} tasks every group ran (of {figures.all_tasks} in all)"
        )
    return title


def money_interval(value: float | None, interval: Interval | None) -> str:
    if value is None:
        return "-"
    shown = "" if interval is None else f" ({money(interval.low)}-{money(interval.high)})"
    return money(value) + shown


def rate_interval(value: float | None, interval: Interval | None) -> str:
    if value is None:
        return "-"
    if interval is None:
        return percent(value)
    return f"{percent(value)} ({100 * interval.low:.0f}-{100 * interval.high:.0f}%)"


def verdict(beaten: list[str] | None) -> str:
    if beaten is None:
        return "not judged"
    return f"dominated by {', '.join(beaten)}" if beaten else "frontier"


def pareto_headers(group_title: str) -> list[str]:
    return [
        group_title,
        "pass rate (95% CI, bootstrap)",
        "cost/resolved (95% CI)",
        "cost/task (95% CI)",
        "on cost/resolved",
        "on cost/task",
    ]


def pareto_rows(figures: ParetoFigures) -> list[list[str]]:
    return [
        [
            p.label,
            rate_interval(p.pass_rate, p.pass_rate_interval),
            money_interval(p.cost_per_resolved_usd, p.cost_per_resolved_interval),
            money_interval(p.cost_per_task_usd, p.cost_per_task_interval),
            verdict(None if p.dominated_by is None else p.dominated_by["cost/resolved"]),
            verdict(None if p.dominated_by is None else p.dominated_by["cost/task"]),
        ]
        for p in figures.points
    ]
