"""`python -m harness show RESULTS INSTANCE_ID`: one task's trajectory, turn by turn."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.commands.common import PROG, Parser, bad_input
from harness.reporting.show import find_trajectories, format_trajectory


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} show",
        description="Print a task's trajectory turn by turn: "
        "actions, observations, model calls, escalations marked.",
    )
    parser.add_argument("results", type=Path, metavar="RESULTS", help="results JSONL")
    parser.add_argument("instance_id", metavar="INSTANCE_ID")
    return parser


def run(args: argparse.Namespace) -> int:
    found = bad_input(find_trajectories, args.results, args.instance_id)
    print("\n\n".join(format_trajectory(row, trajectory) for row, trajectory in found))
    return 0
