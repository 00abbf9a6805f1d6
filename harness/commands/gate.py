"""`python -m harness check BASELINE CANDIDATE`: the CI gate on routing rules."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from harness import UsageError
from harness.commands.common import PROG, Parser, add_bootstrap_options, require_positive
from harness.commands.compare import paired
from harness.reporting.gate import (
    gate_context,
    gate_findings,
    gate_github,
    gate_text,
    github_annotation,
)


class GateParser(Parser):
    """With --format github, even arguments that do not parse become an annotation."""

    github = False

    def parse_known_args(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        namespace: Any = None,
    ) -> tuple[argparse.Namespace, list[str]]:
        self.github = args is not None and "github" in args
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        try:
            super().error(message)
        except UsageError as exc:
            if self.github:
                print(github_annotation("error", "harness check: bad input", str(exc)))
            raise


def parser() -> Parser:
    parser = GateParser(
        prog=f"{PROG} check",
        description="CI gate: compare a candidate results file with a baseline on "
        "their paired tasks. Exit 0 within bounds, 1 when the pass rate "
        "dropped or the cost per resolved task rose more than allowed, "
        "2 on bad input (a missing or empty file, too few paired "
        "tasks). The thresholds apply to the point estimates on the paired tasks (cost: every "
        "attempt at them); the exact test's verdict on the pass rate and the bootstrap's on "
        "the cost are printed beside them, as compare prints them.",
    )
    parser.add_argument("baseline", type=Path, metavar="BASELINE", help="results JSONL")
    parser.add_argument("candidate", type=Path, metavar="CANDIDATE", help="results JSONL")
    parser.add_argument(
        "--max-pass-rate-drop",
        type=float,
        required=True,
        metavar="POINTS",
        help="largest allowed drop of the pass rate, in percentage points "
        "(5 means 5 points, e.g. 80%% -> 75%%)",
    )
    parser.add_argument(
        "--max-cost-per-resolved-increase",
        type=float,
        required=True,
        metavar="FRACTION",
        help="largest allowed rise of the cost per resolved task, as a fraction (0.10 means +10%%)",
    )
    parser.add_argument(
        "--min-tasks",
        type=int,
        default=1,
        metavar="N",
        help="fewest paired tasks to decide on; fewer is bad input (default: 1)",
    )
    parser.add_argument(
        "--format",
        choices=["text", "github"],
        default="text",
        help="plain text, or GitHub Actions annotations (default: text)",
    )
    parser.add_argument(
        "--baseline-policy",
        metavar="NAME",
        help="policy to take from BASELINE when it holds several",
    )
    parser.add_argument(
        "--candidate-policy",
        metavar="NAME",
        help="policy to take from CANDIDATE when it holds several",
    )
    add_bootstrap_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        for name in ("max_pass_rate_drop", "max_cost_per_resolved_increase"):
            if not getattr(args, name) >= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be zero or more")
        require_positive(args, "min_tasks")
        comparison, notes = paired(
            args, args.baseline, args.candidate, args.baseline_policy, args.candidate_policy
        )
        if comparison.n < args.min_tasks:
            raise UsageError(
                f"{comparison.n} paired task(s) between {args.baseline} and "
                f"{args.candidate}, fewer than --min-tasks {args.min_tasks}"
            )
    except UsageError as exc:
        if args.format == "github":
            print(github_annotation("error", "harness check: bad input", str(exc)))
        raise
    findings = gate_findings(
        comparison, args.max_pass_rate_drop, args.max_cost_per_resolved_increase
    )
    context = gate_context(comparison, notes)
    show = gate_github if args.format == "github" else gate_text
    print(show(findings, context))
    return 0 if all(f.ok for f in findings) else 1
