"""The plot of `sim sweep`: pass rate and cost per resolved task against the share of calls on
pro, one point per rule with 95% intervals on both axes; and, when lengths were swept, each
policy's cost per resolved task against the length of its trajectories, with the crossings of
the base rule's curve marked."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from harness.calibration.sweep import CHEAP, STRONG, Sweep
from harness.calibration.sweep_report import Spread, crossings, length_curves, spread
from harness.reporting.plot import require_plotting

FORMATS = ("png", "svg", "pdf")
TITLE = (
    "sim sweep: {rule} over {tasks} tasks, {replicates} replicates (synthetic: simulated models)"
)


def _bar(value: Spread | None, scale: float = 1.0) -> tuple[float, list[list[float]] | None]:
    if value is None:
        return float("nan"), None
    mean, low, high = value
    return scale * mean, [[scale * max(0.0, mean - low)], [scale * max(0.0, high - mean)]]


def _rules_panel(axes: Any, sweep: Sweep, y: Callable[[str], Spread | None], label: str) -> None:
    for name in [CHEAP.name, STRONG.name, *(r.name for r in sweep.rules)]:
        runs = sweep.runs[name]
        x, xerr = _bar(spread([r.strong_share for r in runs]), 100)
        value, yerr = _bar(y(name), 100 if "%" in label else 1)
        tier = name in (CHEAP.name, STRONG.name)
        axes.errorbar(
            [x], [value], xerr=xerr, yerr=yerr, fmt="s" if tier else "o", capsize=3, markersize=6
        )
        axes.annotate(name, (x, value), textcoords="offset points", xytext=(5, 5), fontsize=7)
    axes.set_xlabel("calls on pro (%)")
    axes.set_ylabel(label)
    axes.set_xlim(-5, 105)
    axes.grid(alpha=0.3)


def _lengths_panel(axes: Any, sweep: Sweep) -> None:
    curves = length_curves(sweep)
    for name in (CHEAP.name, STRONG.name, sweep.rules[0].name):
        known = [(turns, costs[name]) for turns, costs in curves if costs.get(name)]
        xs = [turns for turns, _ in known]
        means = [c[0] for _, c in known if c]
        axes.plot(xs, means, marker="o", label=name)
        axes.fill_between(
            xs, [max(0.0, c[1]) for _, c in known if c], [c[2] for _, c in known if c], alpha=0.2
        )
    for at in sorted({a for c in crossings(sweep) for a in c.at}):
        axes.axvline(at, color="0.3", linestyle=":", linewidth=1)
        axes.annotate(
            f"crossover ~{at:.0f}", (at, 0), xycoords=("data", "axes fraction"),
            xytext=(3, 6), textcoords="offset points", fontsize=7,
        )  # fmt: skip
    axes.set_xlabel(f"turns per task run ({sweep.rules[0].name})")
    axes.set_ylabel("cost per resolved task ($)")
    axes.set_ylim(bottom=0)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)


def sweep_plot(sweep: Sweep, tasks: int, form: str = "png") -> bytes:
    out = io.BytesIO()
    sweep_figure(sweep, tasks).savefig(out, format=form)
    return out.getvalue()


def sweep_figure(sweep: Sweep, tasks: int) -> Any:
    """The figure, drawn without pyplot: no GUI backend, no global state."""
    require_plotting()
    from matplotlib.figure import Figure  # the plot extra: only when a plot is asked for

    lengths = bool(sweep.lengths)
    figure = Figure(figsize=(15 if lengths else 10.5, 4.8), dpi=100)
    panels = 3 if lengths else 2

    def pass_rate(name: str) -> Spread | None:
        return spread([r.pass_rate for r in sweep.runs[name]])

    def cost(name: str) -> Spread | None:
        return spread([r.cost_per_resolved for r in sweep.runs[name]])

    _rules_panel(figure.add_subplot(1, panels, 1), sweep, pass_rate, "pass rate (%)")
    _rules_panel(figure.add_subplot(1, panels, 2), sweep, cost, "cost per resolved task ($)")
    if lengths:
        _lengths_panel(figure.add_subplot(1, panels, 3), sweep)
    replicates = len(sweep.runs[CHEAP.name])
    title = TITLE.format(rule=sweep.rules[0].name, tasks=tasks, replicates=replicates)
    figure.suptitle(title + "\n95% intervals over the replicates", fontsize=10)
    figure.tight_layout()
    return figure
