"""The Pareto plot: pass rate against cost per resolved task and per task, with intervals on
both axes, the frontier drawn, dominated groups drawn hollow, and, when both tier runs are
there, the oracle's point and the line of random routing between the two tiers (RouteLLM's
baseline), so that how much of the possible gain a routing rule captures is seen at a glance.
It is drawn from the report's figures, so it shows nothing the JSON report lacks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from harness import HarnessError
from harness.reporting.figures import AXES, Axis, Interval, ParetoPoint, ReportDocument
from harness.reporting.tables import SYNTHETIC_MARK

PLOT_HINT = "pip install 'cascade-harness[plot]'"
FORMATS = ("png", "svg", "pdf")  # by the file's extension
AXIS_LABELS = {"cost/resolved": "cost per resolved task ($)", "cost/task": "cost per task ($)"}
FIELD_OF_AXIS = {"cost/resolved": "cost_per_resolved", "cost/task": "cost_per_task"}
# Element ids in the SVG (suffixed with the panel's number), for the HTML page and its tests.
ORACLE_ID, ROUTING_ID, FRONTIER_ID = "oracle-point", "random-routing", "pareto-frontier"


def _figure_class() -> Any:
    """matplotlib's Figure, used without pyplot: no GUI backend, no global state."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise HarnessError(f"plots need matplotlib, which is not installed: {PLOT_HINT}") from None
    return Figure


def require_plotting() -> None:
    """Fail before any work when a plot is asked for and cannot be drawn."""
    _figure_class()


def plot_format(path: Path) -> str:
    """The format a plot's file name asks for; an extension without one is a HarnessError,
    so that `plot.jpg` never holds PNG bytes."""
    extension = path.suffix.lower().lstrip(".")
    if extension not in FORMATS:
        raise HarnessError(
            f"--plot {path}: the extension must name the format: "
            f"{', '.join('.' + f for f in FORMATS)}"
        )
    return extension


def plotting_available() -> bool:
    try:
        _figure_class()
    except HarnessError:
        return False
    return True


def _cost(point: Any, axis: Axis) -> float | None:
    value: float | None = getattr(point, FIELD_OF_AXIS[axis] + "_usd")
    return value


def _cost_interval(point: ParetoPoint, axis: Axis) -> Interval | None:
    found: Interval | None = getattr(point, FIELD_OF_AXIS[axis] + "_interval")
    return found


def _points(axes: Any, document: ReportDocument, axis: Axis) -> list[float]:
    """Each group with its intervals; the right ends of what was drawn."""
    ends = []
    for p in document.pareto.points:
        x, rate = _cost(p, axis), p.pass_rate
        if x is None or rate is None:
            continue
        y, bars, cost = 100 * rate, p.pass_rate_interval, _cost_interval(p, axis)
        dominated = bool(p.dominated_by and p.dominated_by[axis])
        axes.errorbar(
            [x],
            [y],
            yerr=None if bars is None else [[y - 100 * bars.low], [100 * bars.high - y]],
            xerr=None if cost is None else [[max(0.0, x - cost.low)], [max(0.0, cost.high - x)]],
            fmt="s" if p.synthetic else "o",
            markersize=7,
            markerfacecolor="white" if dominated else None,
            capsize=3,
            alpha=0.55 if dominated else 1.0,
        )
        name = p.label + (" (dominated)" if dominated else "")
        axes.annotate(name, (x, y), textcoords="offset points", xytext=(6, 6), fontsize=8)
        ends.append(cost.high if cost is not None else x)
    return ends


def _oracle(axes: Any, document: ReportDocument, axis: Axis, panel: int) -> list[float]:
    """The oracle's point and the random-routing line; the right ends of what was drawn."""
    found = document.oracle
    if found is None or found.on_pareto_tasks is None:
        return []
    mixes = [(_cost(m, axis), m.pass_rate) for m in found.random_routing]
    line = [(x, 100 * y) for x, y in mixes if x is not None and y is not None]
    if line:
        axes.plot(
            [x for x, _ in line],
            [y for _, y in line],
            color="0.55",
            linestyle=":",
            linewidth=1.5,
            label=f"random routing, {found.cheap} to {found.strong}",
            gid=f"{ROUTING_ID}-{panel}",
        )
    oracle = found.on_pareto_tasks
    x, rate = _cost(oracle, axis), oracle.pass_rate
    if x is None or rate is None:
        return [x for x, _ in line]
    axes.plot(
        [x],
        [100 * rate],
        marker="*",
        markersize=13,
        linestyle="none",
        color="goldenrod",
        label=f"oracle ({found.cheap} or {found.strong} per task)",
        gid=f"{ORACLE_ID}-{panel}",
    )
    return [x, *(x for x, _ in line)]


def _panel(axes: Any, document: ReportDocument, axis: Axis, panel: int) -> None:
    ends = _points(axes, document, axis) + _oracle(axes, document, axis, panel)
    by_label = {p.label: p for p in document.pareto.points}
    line = [by_label[label] for label in document.pareto.frontier[axis]]
    if len(line) > 1:
        axes.step(
            [_cost(p, axis) for p in line],
            [100 * (p.pass_rate or 0.0) for p in line],
            where="post",
            color="0.35",
            linestyle="--",
            linewidth=1,
            label="Pareto frontier",
            gid=f"{FRONTIER_ID}-{panel}",
        )
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="lower right", fontsize=8)
    axes.set_xlabel(AXIS_LABELS[axis])
    axes.set_ylabel("pass rate (%)")
    axes.set_ylim(0, 100)
    axes.set_xlim(0, 1.2 * max(ends, default=0.0) or 1)  # room on the right for labels
    axes.grid(alpha=0.3)


def _figure(document: ReportDocument) -> Any:
    """Two panels, one per cost axis: up and to the left is better; hollow points are
    dominated; bars are 95% cluster-bootstrap intervals, and overlapping bars say a
    difference may be noise."""
    figure = _figure_class()(figsize=(11, 4.8), dpi=100)
    for panel, axis in enumerate(AXES, 1):
        _panel(figure.add_subplot(1, 2, panel), document, axis, panel)
    pareto = document.pareto
    title = "Pass rate against cost (95% bootstrap intervals on both axes)"
    if pareto.paired and pareto.tasks < pareto.all_tasks:
        title += f", on the {pareto.tasks} tasks every group ran"
    if document.synthetic:
        title += f"\n{SYNTHETIC_MARK} synthetic: results of simulated models, not of a model"
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure


def plot_image(document: ReportDocument, fmt: str = "png") -> bytes:
    """The plot as PNG, SVG (for the HTML page: its parts can be found by id) or PDF."""
    from matplotlib import rc_context

    out = io.BytesIO()
    # a fixed salt and no date: the same figures give the same file; text stays text
    with rc_context({"svg.hashsalt": "cascade-harness", "svg.fonttype": "none"}):
        metadata = {"Date": None} if fmt in ("svg", "pdf") else None
        _figure(document).savefig(out, format=fmt, metadata=metadata)
    return out.getvalue()
