"""What `sim sweep` prints: each rule's pass rate, cost per resolved task, share of calls on the
strong tier and PGR over the replicates; APGR and CPT; and the cost per resolved task of each
policy against the length of the trajectories, with where their order changes.

An interval is the replicates' mean +- t(R-1) sd sqrt(1 + 1/R): where one more run of these
tasks would land, given the calibration's uncertainty and a run's luck (each replicate is a
draw from the calibration and one run).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scipy.stats import t as student

from harness.calibration.gap import apgr, cpt, pgr
from harness.calibration.sweep import CHEAP, STRONG, Sweep
from harness.reporting.tables import format_table, money, percent

Spread = tuple[float, float, float]  # mean, low, high


def spread(
    values: Sequence[float | None], low: float = -math.inf, high: float = math.inf
) -> Spread | None:
    """The mean and 95% interval of the known values, the interval kept within [low, high]
    (a share within 0 and 1, a cost at 0 or more)."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    if not known:
        return None
    mean = statistics.fmean(known)
    if len(known) < 2:
        return (mean, mean, mean)
    half = float(student.ppf(0.975, len(known) - 1)) * statistics.stdev(known)
    half *= math.sqrt(1 + 1 / len(known))
    return (mean, max(low, mean - half), min(high, mean + half))


def share(values: Sequence[float | None]) -> Spread | None:
    return spread(values, 0.0, 1.0)


def cost(values: Sequence[float | None]) -> Spread | None:
    return spread(values, 0.0)


def _cell(value: Spread | None, show: Callable[[float], str]) -> str:
    if value is None:
        return "-"
    mean, low, high = value
    return f"{show(mean)} ({show(low)} - {show(high)})"


def replicate_pgr(sweep: Sweep, rule: str) -> list[float | None]:
    cheap, strong = sweep.runs[CHEAP.name], sweep.runs[STRONG.name]
    return [
        pgr(run.pass_rate, c.pass_rate, s.pass_rate)
        for run, c, s in zip(sweep.runs[rule], cheap, strong)
    ]


def rules_table(sweep: Sweep) -> str:
    rows = []
    for name in [CHEAP.name, STRONG.name, *(r.name for r in sweep.rules)]:
        runs = sweep.runs[name]
        rows.append(
            [
                name,
                _cell(share([r.pass_rate for r in runs]), percent),
                _cell(cost([r.cost_per_resolved for r in runs]), money),
                _cell(share([r.strong_share for r in runs]), percent),
                _cell(spread(replicate_pgr(sweep, name)), percent),
                _cell(cost([r.turns for r in runs]), lambda v: f"{v:.1f}"),
            ]
        )
    headers = ["rule", "pass rate", "cost/resolved", "calls on pro", "PGR", "turns/task"]
    return format_table(headers, rows)


@dataclass(frozen=True)
class Threshold:
    share: float  # of the gap to recover
    strong_share: Spread | None  # of calls on pro, over the replicates where a rule reaches it
    cost_per_resolved: Spread | None
    reached: int  # replicates in which a swept rule reaches it


def summary(sweep: Sweep, gaps: Sequence[float]) -> tuple[Spread | None, list[Threshold]]:
    """APGR, and CPT at each share of the gap, over the replicates."""
    apgrs: list[float | None] = []
    found: dict[float, list[tuple[float, float | None]]] = {g: [] for g in gaps}
    for r in range(len(sweep.runs[CHEAP.name])):
        cheap = sweep.runs[CHEAP.name][r].pass_rate
        strong = sweep.runs[STRONG.name][r].pass_rate
        points = [sweep.runs[rule.name][r].point(rule.name) for rule in sweep.rules]
        apgrs.append(apgr(points, cheap, strong))
        for gap in gaps:
            if (best := cpt(points, cheap, strong, gap)) is not None:
                found[gap].append((best.strong_share, best.cost_per_resolved))
    thresholds = [
        Threshold(
            gap,
            share([s for s, _ in found[gap]]),
            cost([c for _, c in found[gap]]),
            len(found[gap]),
        )
        for gap in gaps
    ]
    return spread(apgrs), thresholds


def summary_text(sweep: Sweep, shares: Sequence[float]) -> str:
    value, thresholds = summary(sweep, shares)
    replicates = len(sweep.runs[CHEAP.name])
    lines = [
        "APGR (PGR averaged over the share of calls on pro, 0 to 100%, the best swept rule at "
        f"each share): {_cell(value, lambda v: f'{v:.3f}')}"
    ]
    for t in thresholds:
        where = (
            f"{_cell(t.strong_share, percent)} of calls on pro, cost per resolved task "
            f"{_cell(t.cost_per_resolved, money)}"
            if t.reached
            else "no swept rule gets there (pro alone does, with every call)"
        )
        tally = f" (reached in {t.reached} of {replicates} replicates)" if t.reached else ""
        lines.append(f"CPT({t.share:.0%}): {where}{tally}")
    return "\n".join(lines)


def length_curves(sweep: Sweep) -> list[tuple[float, dict[str, Spread | None]]]:
    """(turns per task run of the base rule, cost per resolved task by policy) per length."""
    base = sweep.rules[0].name
    curves = []
    for runs in sweep.lengths.values():
        turns = statistics.fmean(r.turns for r in runs[base])
        curves.append(
            (turns, {name: cost([r.cost_per_resolved for r in rs]) for name, rs in runs.items()})
        )
    return sorted(curves, key=lambda c: c[0])


@dataclass(frozen=True)
class Crossing:
    """Where the base rule's cost per resolved task crosses a single tier's."""

    other: str
    at: tuple[float, ...]  # turns per task run, on the mean curves, interpolated linearly
    below_first: bool  # the base rule is the cheaper at the shortest length
    span: tuple[float, float]  # the lengths swept


def crossings(sweep: Sweep) -> list[Crossing]:
    curves = length_curves(sweep)
    base = sweep.rules[0].name
    found = []
    for other in (STRONG.name, CHEAP.name):
        diffs = [
            (turns, base_cost[0] - other_cost[0])
            for turns, costs in curves
            if (base_cost := costs.get(base)) and (other_cost := costs.get(other))
        ]
        if diffs:
            at = tuple(
                t0 + (t1 - t0) * d0 / (d0 - d1)
                for (t0, d0), (t1, d1) in zip(diffs, diffs[1:])
                if (d0 < 0) != (d1 < 0)
            )
            found.append(Crossing(other, at, diffs[0][1] < 0, (diffs[0][0], diffs[-1][0])))
    return found


def crossing_text(base: str, crossing: Crossing) -> str:
    if crossing.at:
        where = ", ".join(f"{a:.0f}" for a in crossing.at)
        cheaper = base if not crossing.below_first else crossing.other
        return (
            f"{base} against {crossing.other}: their costs per resolved task cross at about "
            f"{where} turns per task run ({cheaper} is the cheaper beyond)"
        )
    order = "below" if crossing.below_first else "above"
    low, high = crossing.span
    return (
        f"{base} against {crossing.other}: {base}'s cost per resolved task stays {order} "
        f"{crossing.other}'s at every length swept ({low:.0f} to {high:.0f} turns)"
    )


def lengths_table(sweep: Sweep) -> str:
    curves = length_curves(sweep)
    names = [CHEAP.name, STRONG.name, sweep.rules[0].name]
    rows = [
        [f"{turns:.0f}", *(_cell(costs.get(name), money) for name in names)]
        for turns, costs in curves
    ]
    headers = [f"turns per task run ({names[-1]})", *(f"{n} cost/resolved" for n in names)]
    return format_table(headers, rows)


def sweep_text(sweep: Sweep, shares: Sequence[float]) -> str:
    parts = [rules_table(sweep), summary_text(sweep, shares)]
    if sweep.lengths:
        base = sweep.rules[0].name
        parts += [
            lengths_table(sweep),
            "\n".join(crossing_text(base, c) for c in crossings(sweep)),
        ]
    return "\n\n".join(parts)
