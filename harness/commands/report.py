"""`python -m harness report FILE...`: per policy, what was resolved and what it cost."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import UsageError, warn
from harness.commands.common import PROG, Parser, bad_input, read_results, write_output
from harness.files import check_writable
from harness.reporting import page
from harness.reporting.summary import combine_files, summarize, summary_table


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} report",
        description="Per policy: tasks, resolved, pass rate with a 95% interval, "
        "errors, total cost, cost per task, cost per resolved task, "
        "tokens by tier, escalations per turn. Results of simulated "
        "models are marked synthetic.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="results JSONL")
    parser.add_argument(
        "--format",
        choices=["table", "markdown"],
        default="table",
        help="terminal table or GitHub markdown (default: table)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="PATH",
        help="write a cost-vs-pass-rate PNG, one point per policy with its "
        f"interval (needs matplotlib: {page.PLOT_HINT})",
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar="PATH",
        help="write a self-contained HTML page: the tables, the plot (when "
        "matplotlib is installed) and every task's row",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    if args.plot:
        page.require_plotting()  # before any work, not after it
    for path, what in ((args.plot, "plot"), (args.html, "page")):
        if path is not None:
            bad_input(check_writable, path, what)
    files = [(str(path), read_results(path, required=False)) for path in args.files]
    rows, notes = combine_files(files, warn)
    if not rows:
        raise UsageError("no result rows in " + ", ".join(map(str, args.files)))
    summaries = summarize(rows)
    print(summary_table(summaries, notes, args.format))
    if args.plot:
        write_output(args.plot, page.plot_png(summaries), "Plot")
    if args.html:
        plot, missing = None, ""
        if page.plotting_available():
            plot = page.plot_png(summaries)
        else:
            missing = f"No plot: matplotlib is not installed ({page.PLOT_HINT})."
            warn(f"warning: --html: {missing}")
        html = page.html_page(summaries, rows, notes, plot, missing)
        write_output(args.html, html.encode("utf-8"), "Page")
    return 0
