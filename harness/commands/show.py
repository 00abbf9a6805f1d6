"""`python -m harness show RESULTS INSTANCE_ID`: one task's trajectory, turn by turn."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.commands.common import PROG, Parser, bad_input
from harness.reporting.show import find_trajectories, format_found


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} show",
        description="Print a task's trajectory turn by turn: actions, observations, model "
        "calls, escalations marked; every attempt at it, in order. Where the trajectory file "
        "was not kept (the committed baselines ship without), what the row holds: verdict, "
        "tests, tokens and cost by tier, the patch.",
    )
    parser.add_argument("results", type=Path, metavar="RESULTS", help="results JSONL")
    parser.add_argument("instance_id", metavar="INSTANCE_ID")
    return parser


def run(args: argparse.Namespace) -> int:
    found = bad_input(find_trajectories, args.results, args.instance_id)
    print("\n\n".join(format_found(each) for each in found))
    return 0
