"""The plot of `sim sweep`: pass rate and cost per resolved task against the share of calls on
pro, one point per rule with 95% intervals on both axes (the single tiers as squares; rules whose
runs came out the same share a point and a legend entry); and,
when lengths were swept, each policy's cost per resolved task against the length of its
trajectories, with the crossings of the base rule's curve marked."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from harness.calibration.sweep import CHEAP, STRONG, Sweep
from harness.calibration.sweep_report import Spread, cost, crossings, length_curves, share
from harness.reporting.plot import require_plotting

FORMATS = ("png", "svg", "pdf")
TITLE = (
    "sim sweep: {rule} over {tasks} tasks, {replicates} replicates (synthetic: simulated models)"
)


def _bar(value: Spread | None, scale: float) -> tuple[float, list[list[float]] | None]:
    if value is None:
        return float("nan"), None
    mean, low, high = value
    return scale * mean, [[scale * (mean - low)], [scale * (high - mean)]]


def _alike(sweep: Sweep) -> list[list[str]]:
    """The rules, those whose runs came out the same in every replicate together: one point."""
    groups: dict[tuple[object, ...], list[str]] = {}
    for name in [CHEAP.name, STRONG.name, *(r.name for r in sweep.rules)]:
        groups.setdefault(tuple(sweep.runs[name]), []).append(name)
    return list(groups.values())


def _rules_panel(axes: Any, sweep: Sweep, y: Callable[[str], Spread | None], scale: float) -> None:
    for index, names in enumerate(_alike(sweep)):
        x, xerr = _bar(share([r.strong_share for r in sweep.runs[names[0]]]), 100)
        value, yerr = _bar(y(names[0]), scale)
        axes.errorbar(
            [x],
            [value],
            xerr=xerr,
            yerr=yerr,
            fmt="s" if {CHEAP.name, STRONG.name} & set(names) else "o",
            color=f"C{index % 10}",
            capsize=3,
            markersize=6,
            label=" = ".join(names),
        )
    axes.set_xlabel("calls on pro (%)")
    axes.set_xlim(-5, 105)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)


def _lengths_panel(axes: Any, sweep: Sweep) -> None:
    curves = length_curves(sweep)
    for index, name in enumerate((CHEAP.name, STRONG.name, sweep.rules[0].name)):
        known = [(turns, c) for turns, costs in curves if (c := costs.get(name))]
        xs = [turns for turns, _ in known]
        axes.plot(xs, [c[0] for _, c in known], marker="o", color=f"C{index}", label=name)
        axes.fill_between(
            xs, [c[1] for _, c in known], [c[2] for _, c in known], color=f"C{index}", alpha=0.15
        )
    for at in sorted({a for c in crossings(sweep) for a in c.at}):
        axes.axvline(at, color="0.3", linestyle=":", linewidth=1)
        axes.annotate(
            f"crossover ~{at:.0f}", (at, 1), xycoords=("data", "axes fraction"),
            xytext=(3, -12), textcoords="offset points", fontsize=7,
        )  # fmt: skip
    axes.set_xlabel(f"turns per task run ({sweep.rules[0].name})")
    axes.set_ylabel("cost per resolved task ($)")
    axes.set_ylim(bottom=0)
    axes.legend(fontsize=8, loc="lower right")
    axes.grid(alpha=0.3)


def sweep_plot(sweep: Sweep, tasks: int, form: str = "png") -> bytes:
    out = io.BytesIO()
    sweep_figure(sweep, tasks).savefig(out, format=form)
    return out.getvalue()


def sweep_figure(sweep: Sweep, tasks: int) -> Any:
    """The figure, drawn without pyplot: no GUI backend, no global state."""
    require_plotting()
    from matplotlib.figure import Figure  # the plot extra: only when a plot is asked for

    panels = 3 if sweep.lengths else 2
    figure = Figure(figsize=(5 * panels, 5.4), dpi=100)
    rates = figure.add_subplot(1, panels, 1)
    _rules_panel(rates, sweep, lambda n: share([r.pass_rate for r in sweep.runs[n]]), 100)
    rates.set_ylabel("pass rate (%)")
    rates.set_ylim(0, 100)
    costs = figure.add_subplot(1, panels, 2)
    _rules_panel(costs, sweep, lambda n: cost([r.cost_per_resolved for r in sweep.runs[n]]), 1)
    costs.set_ylabel("cost per resolved task ($)")
    if sweep.lengths:
        _lengths_panel(figure.add_subplot(1, panels, 3), sweep)
    handles, labels = rates.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=3, fontsize=8, frameon=False)
    replicates = len(sweep.runs[CHEAP.name])
    title = TITLE.format(rule=sweep.rules[0].name, tasks=tasks, replicates=replicates)
    figure.suptitle(title + "\n95% intervals over the replicates", fontsize=10)
    figure.tight_layout(rect=(0, 0.12, 1, 1))
    return figure
