"""`python -m harness report FILE...`: per policy, what was resolved and what it cost."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import UsageError, warn
from harness.commands.common import (
    PROG,
    Parser,
    add_bootstrap_options,
    add_force_option,
    bad_input,
    check_output,
    require_positive,
    write_output,
)
from harness.reporting import page, plot
from harness.reporting.collect import GROUP_ALIASES, Collected, collect, groupable_columns
from harness.reporting.oracle import DEFAULT_TIERS, ORACLE_HEADERS, oracle_lines, oracle_rows
from harness.reporting.pareto import pareto_headers, pareto_rows, points
from harness.reporting.summary import Section, Summary, summary_table


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} report",
        description="Per policy (or any row column): tasks, resolved, pass rate with a 95% "
        "interval, errors, total cost and the part spent on errored attempts, cost per task, "
        "cost per resolved task, tokens by tier, escalations per turn; the Pareto view of pass "
        "rate against cost with bootstrap intervals on both axes; and the oracle bound of the "
        "two tiers. Several files of one policy (seeds, repeats) are pooled. Results of "
        "simulated models are marked synthetic.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="results JSONL")
    parser.add_argument(
        "--group-by",
        metavar="COLUMNS",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        default=["policy"],
        help="row columns to group by, comma-separated, e.g. policy,seed or model or rules "
        f"(the rules hash): any of {', '.join(groupable_columns())}, or "
        f"{', '.join(GROUP_ALIASES)} (default: policy)",
    )
    parser.add_argument(
        "--oracle",
        metavar="CHEAP,STRONG",
        default=",".join(DEFAULT_TIERS),
        help="the single-tier policies whose paired runs make the oracle bound "
        f"(default: {','.join(DEFAULT_TIERS)}; shown when both are in the files)",
    )
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
        help="write a plot of pass rate against cost per resolved task and per task, with "
        "intervals and the frontier, in the format the extension names (.png, .svg or .pdf; "
        f"needs matplotlib: {plot.PLOT_HINT})",
    )
    parser.add_argument(
        "--html",
        type=Path,
        metavar="PATH",
        help="write a self-contained HTML page: the tables, the plot (when matplotlib is "
        "installed), a sortable, filterable table of every task and each task's trajectory",
    )
    add_bootstrap_options(parser)
    add_force_option(parser, "--plot and --html")
    return parser


def oracle_tiers(text: str) -> tuple[str, str]:
    names = [name.strip() for name in text.split(",")]
    if len(names) != 2 or not all(names):
        raise UsageError(f"--oracle takes two policies as CHEAP,STRONG, not {text!r}")
    if names[0] == names[1]:
        raise UsageError(f"--oracle takes two different policies, not {text!r}")
    return names[0], names[1]


def sections(collected: Collected, args: argparse.Namespace) -> list[Section]:
    """The Pareto table, and the oracle table when both tier runs are there."""
    summaries = collected.summaries()
    found = points(summaries, args.resamples, args.bootstrap_seed)
    bootstrap = f"{args.resamples} resamples, seed {args.bootstrap_seed}"
    parts: list[Section] = [
        (
            f"Pareto view (intervals: 95% cluster bootstrap over tasks, {bootstrap})",
            pareto_headers(found),
            pareto_rows(found),
        )
    ]
    tiers = oracle_tiers(args.oracle)
    lines = oracle_lines(collected, tiers, args.resamples, args.bootstrap_seed)
    if lines:
        parts.append(
            (
                f"Oracle bound: per paired task, {tiers[0]} or {tiers[1]}, whichever resolved "
                "it (the cheaper where both did); gap closed = share of the way from "
                f"{tiers[0]}'s pass rate to the oracle's",
                ORACLE_HEADERS,
                oracle_rows(lines),
            )
        )
    if collected.images.shown():
        parts.append(collected.images.section())
    return parts


def run(args: argparse.Namespace) -> int:
    require_positive(args, "resamples")
    oracle_tiers(args.oracle)
    if args.plot:
        bad_input(plot.plot_format, args.plot)
        plot.require_plotting()  # before any work, not after it
    for path, what in ((args.plot, "plot"), (args.html, "page")):
        if path is not None:
            check_output(path, what, args.files, args.force)
    keep = page.TASK_FIELDS if args.html else ()
    collected = bad_input(collect, args.files, args.group_by, warn, keep)
    summaries: list[Summary] = collected.summaries()
    parts = sections(collected, args)
    print(summary_table(summaries, collected.notes, args.format, parts))
    if args.plot:
        drawn = plot.plot_image(
            summaries, args.resamples, args.bootstrap_seed, plot.plot_format(args.plot)
        )
        write_output(args.plot, drawn, "Plot", args.force)
    if args.html:
        image, missing = None, ""
        if plot.plotting_available():
            image = plot.plot_image(summaries, args.resamples, args.bootstrap_seed)
        else:
            missing = f"No plot: matplotlib is not installed ({plot.PLOT_HINT})."
            warn(f"warning: --html: {missing}")
        html = page.html_page(summaries, collected, parts, image, missing, args.files)
        write_output(args.html, html.encode("utf-8"), "Page", args.force)
    return 0
