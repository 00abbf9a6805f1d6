"""The cost-vs-pass-rate plot and the self-contained HTML report page."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

from harness import HarnessError
from harness.reporting.summary import (
    SUMMARY_HEADERS,
    TOKEN_HEADERS,
    TOKEN_KINDS,
    Summary,
    summary_rows,
    token_rows,
)
from harness.reporting.tables import SYNTHETIC_BANNER, SYNTHETIC_MARK, count, money
from harness.results import ResultRow

PLOT_HINT = "pip install 'cascade-harness[plot]'"


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


def plotting_available() -> bool:
    try:
        _figure_class()
    except HarnessError:
        return False
    return True


def plot_png(summaries: list[Summary]) -> bytes:
    """Pass rate against cost per task, one point per policy with its 95% Wilson interval:
    up and to the left is better, and overlapping bars say the difference may be noise."""
    figure = _figure_class()(figsize=(7, 4.8), dpi=100)
    axes = figure.add_subplot()
    points = [
        s
        for s in summaries
        if s.metrics.pass_rate is not None and s.metrics.cost_per_task is not None
    ]
    for s in points:
        low, high = s.metrics.interval
        x, y = s.metrics.cost_per_task, 100 * (s.metrics.pass_rate or 0)
        axes.errorbar(
            [x],
            [y],
            yerr=[[y - 100 * low], [100 * high - y]],
            fmt="s" if s.synthetic else "o",
            capsize=4,
        )
        axes.annotate(s.label, (x, y), textcoords="offset points", xytext=(6, 6))
    axes.set_xlabel("cost per task ($)")
    axes.set_ylabel("pass rate (%), 95% Wilson interval")
    axes.set_ylim(0, 100)
    # room on the right for the last point's label
    axes.set_xlim(0, 1.25 * max((s.metrics.cost_per_task or 0 for s in points), default=0) or 1)
    axes.grid(alpha=0.3)
    title = "Pass rate vs cost per task"
    if any(s.synthetic for s in summaries):
        title += f"\n{SYNTHETIC_MARK} synthetic: results of simulated models, not of a model"
    axes.set_title(title)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>"


TASK_HEADERS = [
    "policy",
    "instance_id",
    "seed",
    "status",
    "reason",
    "turns",
    "escalations",
    "cost",
    "cache hit",
    "cache miss",
    "output",
    "reasoning",
    "wall time",
    "run",
]


def task_rows(rows: list[ResultRow]) -> list[list[str]]:
    """One line per task, for the HTML page: where the money went and why a task failed."""
    lines = []
    for r in sorted(rows, key=lambda r: (r.policy, r.synthetic, r.instance_id, r.seed)):
        totals = {k: sum(getattr(usage, k) for usage in r.tokens.values()) for k in TOKEN_KINDS}
        reason = r.status_reason
        lines.append(
            [
                r.policy + (SYNTHETIC_MARK if r.synthetic else ""),
                r.instance_id,
                str(r.seed),
                r.status,
                reason if len(reason) <= 200 else reason[:199] + "…",
                str(r.turns),
                str(r.escalations),
                money(r.cost_usd),
                *(count(totals[k]) for k in TOKEN_KINDS),
                f"{r.wall_time_s:.0f} s",
                r.run_id,
            ]
        )
    return lines


HTML_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em}td{text-align:right}td:first-child{text-align:left}
th{background:#f3f3f3}.synthetic{background:#fff3cd;border:1px solid #e0c36c;padding:.6em 1em}
.note{color:#555}"""


def html_page(
    summaries: list[Summary],
    rows: list[ResultRow],
    notes: Sequence[str] = (),
    plot: bytes | None = None,
    plot_missing: str = "",
) -> str:
    """A self-contained page (no external files or scripts) to attach to a CI run or mail:
    the summary tables, the plot as an embedded PNG, and every task's row."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>cascade-harness report</title>",
        f"<style>{HTML_STYLE}</style>",
        "</head><body>",
        "<h1>cascade-harness report</h1>",
    ]
    if any(s.synthetic for s in summaries):
        parts.append(
            f'<p class="synthetic"><strong>Synthetic results.</strong> '
            f"{html.escape(SYNTHETIC_BANNER)}</p>"
        )
    parts += ["<h2>Per policy</h2>", _html_table(SUMMARY_HEADERS, summary_rows(summaries))]
    tokens = token_rows(summaries)
    if tokens:
        parts += ["<h2>Tokens and cost by model tier</h2>", _html_table(TOKEN_HEADERS, tokens)]
    parts += [f'<p class="note">{html.escape(note)}</p>' for note in notes]
    parts.append("<h2>Pass rate vs cost</h2>")
    if plot is not None:
        encoded = base64.b64encode(plot).decode("ascii")
        parts.append(
            f'<img alt="pass rate against cost per task, one point per policy" '
            f'src="data:image/png;base64,{encoded}">'
        )
    else:
        parts.append(f'<p class="note">{html.escape(plot_missing or "No plot.")}</p>')
    parts += ["<h2>Tasks</h2>", _html_table(TASK_HEADERS, task_rows(rows)), "</body></html>"]
    return "\n".join(parts) + "\n"
