"""`python -m harness compare A B`: two runs paired task by task."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import UsageError, warn
from harness.commands.common import PROG, Parser, add_bootstrap_options, bad_input, require_positive
from harness.reporting.compare import Comparison, compare_sides
from harness.reporting.compare_text import comparison_text
from harness.reporting.prices import refuse_mixed_prices
from harness.reporting.sides import read_side


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} compare",
        description="Pair two results files on (instance_id, seed): resolved by "
        "both, only A, only B, neither, with the exact McNemar p-value; each side's figures "
        "on the paired tasks, total cost (every attempt, errored ones run again included) "
        "beside graded cost; the pass-rate difference with its exact interval (a cluster "
        "bootstrap with several seeds per task), and bootstrap 95% intervals (over tasks, "
        "each with its pairs over all seeds) for the ratio of cost per resolved task and "
        "the cost difference per task; whether each difference is more than noise (the pass "
        "rate by the exact test), and if not, how many paired tasks would show it; the tasks "
        "that differ. Rows with status error are left out of the pairing and counted, and "
        "what they cost is in each side's spend.",
    )
    parser.add_argument("a", type=Path, metavar="A", help="results JSONL (baseline)")
    parser.add_argument("b", type=Path, metavar="B", help="results JSONL (candidate)")
    parser.add_argument(
        "--policy-a", metavar="NAME", help="policy to take from A when it holds several"
    )
    parser.add_argument(
        "--policy-b", metavar="NAME", help="policy to take from B when it holds several"
    )
    parser.add_argument(
        "--all-tasks",
        action="store_true",
        help="list every paired task with its cost, not only the discordant ones",
    )
    add_bootstrap_options(parser)
    return parser


def paired(
    args: argparse.Namespace, path_a: Path, path_b: Path, policy_a: str | None, policy_b: str | None
) -> tuple[Comparison, list[str]]:
    """Both files read, one policy each, paired; and the notes on how to read them."""
    require_positive(args, "resamples")
    sides = [
        bad_input(read_side, path, policy, warn)
        for path, policy in ((path_a, policy_a), (path_b, policy_b))
    ]
    bad_input(refuse_mixed_prices, {side.name: side.price_tables for side in sides})
    notes = [note for side in sides for note in side.notes]
    comparison = compare_sides(sides[0], sides[1], args.resamples, args.bootstrap_seed)
    if not comparison.n:  # an all-zero table would pass for a comparison
        raise UsageError(
            f"no paired tasks between {path_a} and {path_b} (rows with status error are left out)"
        )
    return comparison, notes


def run(args: argparse.Namespace) -> int:
    comparison, notes = paired(args, args.a, args.b, args.policy_a, args.policy_b)
    print(comparison_text(comparison, args.all_tasks, notes))
    return 0
