"""The HTML report: one self-contained file (no external files, scripts or fonts) to attach
to a CI run or mail. A headline (the frontier and the paired cost ratio with its interval),
the tables, the plot as inline SVG, a sortable, filterable table of every task, and each
task's own page (its trajectory), shown alone when its link is followed."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from harness.reporting.collect import KeptRow
from harness.reporting.document import sections
from harness.reporting.figures import ReportDocument
from harness.reporting.summary import (
    SUMMARY_HEADERS,
    TOKEN_HEADERS,
    TOKEN_KINDS,
    headers,
    summary_rows,
    token_rows,
)
from harness.reporting.tables import SYNTHETIC_BANNER, SYNTHETIC_MARK, count, money
from harness.reporting.task_page import esc, task_page

# Row fields the task table and the task pages need, beyond what every report reads.
TASK_FIELDS = frozenset(
    {
        "model_patch",
        "status_reason",
        "FAIL_TO_PASS",
        "PASS_TO_PASS",
        "trajectory",
        "wall_time_s",
        "exit_reason",
    }
)
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


def _asset(name: str) -> str:
    return resources.files("harness").joinpath("data", name).read_text(encoding="utf-8")


def html_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    header = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>{body}</tbody>\n</table>"


def _cell(text: str, value: float | None = None, css: str = "") -> str:
    sort = "" if value is None else f' data-v="{value!r}"'
    return f"<td{sort}{f' class={css!r}' if css else ''}>{text}</td>"


def _task_row(index: int, kept: KeptRow) -> str:
    r = kept.row
    totals = {k: sum(getattr(usage, k) for usage in r.tokens.values()) for k in TOKEN_KINDS}
    reason = r.status_reason if len(r.status_reason) <= 200 else r.status_reason[:199] + "…"
    group = r.policy + (SYNTHETIC_MARK if r.synthetic else "")
    estimated = bool(r.inexact_calls)
    cells = [
        _cell(esc(group), css="text"),
        _cell(f'<a href="#task-{index}">{esc(r.instance_id)}</a>', css="text"),
        _cell(str(r.seed), r.seed),
        _cell(esc(r.status) + (" (replaced)" if kept.replaced else ""), css="status text"),
        _cell(esc(reason), css="text"),
        _cell(str(r.turns), r.turns),
        _cell(str(r.escalations), r.escalations),
        _cell(money(r.cost_usd, estimated), r.cost_usd),
        *(_cell(count(totals[k]), totals[k]) for k in TOKEN_KINDS),
        _cell(f"{r.wall_time_s:.0f} s", r.wall_time_s),
        _cell(esc(r.run_id), css="text"),
    ]
    replaced = ' class="replaced"' if kept.replaced else ""
    return (
        f'<tr data-status="{esc(r.status)}" data-group="{esc(group)}"{replaced}>'
        + "".join(cells)
        + "</tr>"
    )


def _options(element: str, label: str, values: Sequence[str]) -> str:
    options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
    return (
        f'<label>{label} <select id="{element}"><option value="">all</option>'
        f"{options}</select></label>"
    )


def task_table(kept: list[KeptRow]) -> str:
    order = sorted(
        range(len(kept)),
        key=lambda i: (kept[i].row.policy, kept[i].row.instance_id, kept[i].row.seed),
    )
    statuses = sorted({k.row.status for k in kept})
    groups = sorted({k.row.policy + (SYNTHETIC_MARK if k.row.synthetic else "") for k in kept})
    controls = (
        '<div class="controls"><label>Filter <input id="filter" type="search" '
        'placeholder="task, reason, run ..."></label>'
        + _options("status-filter", "Status", statuses)
        + _options("group-filter", "Policy", groups)
        + '<span id="shown"></span></div>'
    )
    head = "".join(f"<th>{esc(h)}</th>" for h in TASK_HEADERS)
    body = "\n".join(_task_row(i, kept[i]) for i in order)
    return (
        f'{controls}\n<table id="tasks">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def inline_svg(svg: bytes) -> str:
    """matplotlib's SVG file as an element of the page (without its XML prologue)."""
    text = svg.decode("utf-8")
    return text[text.index("<svg") :]


def html_page(
    document: ReportDocument,
    rows: list[KeptRow],
    plot: bytes | None = None,
    plot_missing: str = "",
) -> str:
    """The report page; `rows` are the rows a collector kept (see TASK_FIELDS), `plot` the
    plot as SVG."""
    groups = document.groups
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>cascade-harness report</title>",
        f"<style>{_asset('report.css')}</style>",
        '</head><body><div id="main">',
        "<h1>cascade-harness report</h1>",
        '<div class="headline" id="headline">'
        + "".join(f"<p>{esc(line)}</p>" for line in document.headline.text)
        + "</div>",
    ]
    if document.files:
        parts.append(f'<p class="note">From {esc(", ".join(document.files))}.</p>')
    if document.synthetic:
        parts.append(
            f'<p class="synthetic"><strong>Synthetic results.</strong> {esc(SYNTHETIC_BANNER)}</p>'
        )
    parts += [
        "<h2>Summary</h2>",
        html_table(headers(SUMMARY_HEADERS, groups), summary_rows(groups)),
    ]
    tokens = token_rows(groups)
    if tokens:
        parts += [
            "<h2>Tokens and cost by model tier</h2>",
            html_table(headers(TOKEN_HEADERS, groups), tokens),
        ]
    for title, head, table_rows in sections(document):
        parts += [f"<h2>{esc(title)}</h2>", html_table(head, table_rows)]
    notes = [*document.notes, *(note for g in groups for note in g.notes)]
    parts += [f'<p class="note">{esc(note)}</p>' for note in notes]
    parts.append("<h2>Pass rate against cost</h2>")
    if plot is not None:
        parts.append(
            '<div class="plot" role="img" aria-label="pass rate against cost per resolved task '
            "and per task, one point per group, with the Pareto frontier, the oracle and random "
            f'routing">{inline_svg(plot)}</div>'
        )
    else:
        parts.append(f'<p class="note">{esc(plot_missing or "No plot.")}</p>')
    parts += [
        "<h2>Tasks</h2>",
        '<p class="note">Click a column to sort; follow a task for its trajectory.</p>',
        task_table(rows),
        "</div>",
    ]
    parts += [task_page(f"task-{i}", k.source, k.row, k.replaced) for i, k in enumerate(rows)]
    parts += [f"<script>{_asset('report.js')}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"
