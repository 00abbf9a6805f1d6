"""`python -m harness export RESULTS`: SWE-bench predictions files, one per policy.

The official harness keeps one prediction per task from a predictions file, so a results file
that holds several policies (or seeds) would be collapsed; each gets its own file instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import UsageError
from harness.commands.common import (
    PROG,
    Parser,
    add_force_option,
    check_output,
    read_results,
    write_output,
)
from harness.results import ResultRow
from harness.results.predictions import export_groups, prediction_line


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} export",
        description="Write SWE-bench predictions files (JSONL of instance_id, "
        "model_name_or_path, model_patch) from results files: one per policy, one per "
        "policy and seed when a policy ran with several seeds.",
    )
    parser.add_argument("results", type=Path, nargs="+", metavar="RESULTS", help="results JSONL")
    parser.add_argument(
        "--output-dir",
        type=Path,
        metavar="DIR",
        help="where the files go (default: beside each results file; a missing folder is "
        "made), named <results>.<policy>.predictions.jsonl",
    )
    add_force_option(parser, "predictions files")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.output_dir is not None and args.output_dir.exists() and not args.output_dir.is_dir():
        raise UsageError(f"--output-dir {args.output_dir} is not a folder")
    files: list[tuple[Path, list[ResultRow]]] = []
    for path in args.results:  # every input read and every target checked before any write
        rows = read_results(path)
        folder = args.output_dir or path.parent
        for name, group in export_groups(rows).items():
            target = folder / f"{path.stem}.{name}.predictions.jsonl"
            check_output(target, "predictions file", args.results, args.force)
            files.append((target, group))
    for target, group in files:
        lines = "".join(prediction_line(row) + "\n" for row in group)
        write_output(target, lines.encode("utf-8"), f"{len(group)} prediction(s)", args.force)
    return 0
