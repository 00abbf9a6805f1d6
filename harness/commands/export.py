"""`python -m harness export RESULTS`: SWE-bench predictions files, one per policy.

The official harness keeps one prediction per task from a predictions file, so a results file
that holds several policies (or seeds) would be collapsed; each gets its own file instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import UsageError
from harness.commands.common import PROG, Parser, read_results, write_output
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
        help="where the files go (default: beside each results file), named "
        "<results>.<policy>.predictions.jsonl",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    if args.output_dir is not None and not args.output_dir.is_dir():
        raise UsageError(f"--output-dir {args.output_dir}: no such folder")
    for path in args.results:
        rows = read_results(path)
        folder = args.output_dir or path.parent
        for name, group in export_groups(rows).items():
            lines = "".join(prediction_line(row) + "\n" for row in group)
            target = folder / f"{path.stem}.{name}.predictions.jsonl"
            write_output(target, lines.encode("utf-8"), f"{len(group)} prediction(s)")
    return 0
