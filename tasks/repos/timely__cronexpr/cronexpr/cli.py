"""Command line interface: ``cronexpr "*/5 * * * *" -n 3``."""

import argparse
import sys
from datetime import datetime

from .errors import CronError, CronParseError
from .expression import CronExpression


def build_parser():
    parser = argparse.ArgumentParser(
        prog="cronexpr", description="Show the run times of a cron expression."
    )
    parser.add_argument("expression", help="cron expression, e.g. '0 9 * * mon-fri'")
    parser.add_argument("-n", "--count", type=int, default=5, help="how many times to list")
    parser.add_argument("--start", help="ISO date/time to start from (default: now)")
    parser.add_argument("--reverse", action="store_true", help="list previous run times")
    parser.add_argument("--check", action="store_true", help="only validate the expression")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        expr = CronExpression(args.expression)
    except CronParseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        print("ok")
        return 0
    try:
        start = datetime.fromisoformat(args.start) if args.start else datetime.now()
    except ValueError:
        print(f"error: invalid --start {args.start!r}", file=sys.stderr)
        return 2
    try:
        for moment in expr.take(args.count, start, reverse=args.reverse):
            print(moment.isoformat(sep=" ", timespec="minutes"))
    except CronError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
