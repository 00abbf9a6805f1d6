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
from harness.reporting.collect import collect
from harness.reporting.document import ReportOptions, build_document, report_text
from harness.reporting.grouping import GROUP_ALIASES, groupable_columns
from harness.reporting.oracle import DEFAULT_TIERS


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} report",
        description="Per policy (or any row column): tasks, resolved, pass rate with a 95% "
        "interval, errors, total cost and the part spent on errored attempts, cost per task, "
        "cost per resolved task, tokens by tier, escalations per turn; the Pareto view of pass "
        "rate against cost with bootstrap intervals on both axes, on the tasks the groups "
        "share; the oracle bound of the two tiers; and a headline: the frontier, and its "
        "cheapest and most resolving groups paired. Several files of one policy (seeds, "
        "repeats) are pooled. Results of simulated models are marked synthetic.",
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
        choices=["table", "markdown", "json"],
        default="table",
        help="terminal table, GitHub markdown, or JSON holding every figure of the other "
        "views (its schema: harness/data/report.schema.json) (default: table)",
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


def run(args: argparse.Namespace) -> int:
    require_positive(args, "resamples")
    tiers = oracle_tiers(args.oracle)
    if args.plot:
        bad_input(plot.plot_format, args.plot)
        plot.require_plotting()  # before any work, not after it
    for path, what in ((args.plot, "plot"), (args.html, "page")):
        if path is not None:
            check_output(path, what, args.files, args.force)
    keep = page.TASK_FIELDS if args.html else ()
    collected = bad_input(collect, args.files, args.group_by, warn, keep)
    options = ReportOptions(
        [str(f) for f in args.files], args.group_by, tiers, args.resamples, args.bootstrap_seed
    )
    document = build_document(collected, options)
    if args.format == "json":
        print(document.model_dump_json(indent=2))
    else:
        print(report_text(document, args.format))
    if args.plot:
        drawn = plot.plot_image(document, plot.plot_format(args.plot))
        write_output(args.plot, drawn, "Plot", args.force)
    if args.html:
        image, missing = None, ""
        if plot.plotting_available():
            image = plot.plot_image(document, "svg")
        else:
            missing = f"No plot: matplotlib is not installed ({plot.PLOT_HINT})."
            warn(f"warning: --html: {missing}")
        html = page.html_page(document, collected.rows, image, missing)
        write_output(args.html, html.encode("utf-8"), "Page", args.force)
    return 0
