"""`python -m harness sandbox gc`: containers that runs which died left behind."""

from __future__ import annotations

import argparse

from harness.commands.common import PROG, Parser
from harness.sandbox.containers import collect_garbage
from harness.sandbox.engine import connect


def parser() -> Parser:
    parser = Parser(prog=f"{PROG} sandbox", description="Sandbox housekeeping.")
    actions = parser.add_subparsers(
        dest="action", required=True, metavar="{gc}", parser_class=Parser
    )
    gc = actions.add_parser(
        "gc",
        help="remove containers left by runs that died (found by "
        "label; a run that is still going is left alone)",
    )
    gc.add_argument(
        "--all", action="store_true", help="remove every container the harness made, running or not"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    removed = collect_garbage(connect(), everything=args.all)
    runs = sorted(set(removed))
    print(
        f"removed {len(removed)} container(s)" + (f" of run(s) {', '.join(runs)}" if runs else "")
    )
    return 0
