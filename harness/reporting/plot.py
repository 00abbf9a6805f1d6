"""The Pareto plot: pass rate against cost per resolved task and per task, with intervals on
both axes, the frontier drawn, and dominated groups drawn hollow."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from harness import HarnessError
from harness.reporting.pareto import AXES, Point, dominated_by, frontier, points
from harness.reporting.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from harness.reporting.summary import Summary
from harness.reporting.tables import SYNTHETIC_MARK

PLOT_HINT = "pip install 'cascade-harness[plot]'"
FORMATS = ("png", "svg", "pdf")  # by the file's extension
AXIS_LABELS = {"cost/resolved": "cost per resolved task ($)", "cost/task": "cost per task ($)"}


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


def _panel(axes: Any, found: list[Point], axis: str) -> None:
    beaten = dominated_by(found, axis)
    drawn = [p for p in found if p.cost(axis) is not None]
    for p in drawn:
        x, y = p.cost(axis) or 0.0, 100 * (p.metrics.pass_rate or 0.0)
        rate, cost = p.intervals.pass_rate, p.cost_interval(axis)
        dominated = bool(beaten[p.summary.label])
        axes.errorbar(
            [x],
            [y],
            yerr=None if rate is None else [[y - 100 * rate[0]], [100 * rate[1] - y]],
            xerr=None if cost is None else [[max(0.0, x - cost[0])], [max(0.0, cost[1] - x)]],
            fmt="s" if p.summary.synthetic else "o",
            markersize=7,
            markerfacecolor="white" if dominated else None,
            capsize=3,
            alpha=0.55 if dominated else 1.0,
        )
        name = p.summary.label + (" (dominated)" if dominated else "")
        axes.annotate(name, (x, y), textcoords="offset points", xytext=(6, 6), fontsize=8)
    line = frontier(found, axis)
    if len(line) > 1:
        axes.step(
            [p.cost(axis) for p in line],
            [100 * (p.metrics.pass_rate or 0.0) for p in line],
            where="post",
            color="0.35",
            linestyle="--",
            linewidth=1,
            label="Pareto frontier",
        )
        axes.legend(loc="lower right", fontsize=8)
    axes.set_xlabel(AXIS_LABELS[axis])
    axes.set_ylabel("pass rate (%)")
    axes.set_ylim(0, 100)
    highest = max(
        ((p.cost_interval(axis) or (0.0, p.cost(axis) or 0.0))[1] for p in drawn), default=0.0
    )
    axes.set_xlim(0, 1.2 * highest or 1)  # room on the right for the last label
    axes.grid(alpha=0.3)


def plot_image(
    summaries: list[Summary],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    fmt: str = "png",
) -> bytes:
    """Two panels, one per cost axis: up and to the left is better; hollow points are
    dominated; bars are 95% cluster-bootstrap intervals, and overlapping bars say a
    difference may be noise."""
    figure = _figure_class()(figsize=(11, 4.8), dpi=100)
    found = points(summaries, resamples, seed)
    for index, axis in enumerate(AXES, 1):
        _panel(figure.add_subplot(1, 2, index), found, axis)
    title = "Pass rate against cost (95% bootstrap intervals on both axes)"
    if any(s.synthetic for s in summaries):
        title += f"\n{SYNTHETIC_MARK} synthetic: results of simulated models, not of a model"
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format=fmt)
    return out.getvalue()
