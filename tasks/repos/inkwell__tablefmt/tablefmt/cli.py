"""Command line interface: format a CSV file as a table."""

from __future__ import annotations

import argparse
import csv
import sys

from . import __version__
from .core import ALIGNMENTS, format_table
from .styles import STYLES


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tablefmt", description="Format CSV data as a text table.")
    p.add_argument("file", nargs="?", help="CSV file (default: standard input)")
    p.add_argument("-s", "--style", default="simple", choices=sorted(STYLES))
    p.add_argument("-d", "--delimiter", default=",", help="field delimiter of the input")
    p.add_argument("--no-header", action="store_true", help="the first row is data, not headers")
    p.add_argument("--floatfmt", default="g", help="format spec for floats, e.g. .2f")
    p.add_argument("--intfmt", default="", help="format spec for integers")
    p.add_argument("--numalign", default="right", choices=ALIGNMENTS)
    p.add_argument("--stralign", default="left", choices=ALIGNMENTS)
    p.add_argument("--thousands-sep", default=None, help="separator between groups of thousands")
    p.add_argument("--max-width", type=int, default=None, help="truncate cells wider than this")
    p.add_argument("--missing", default="", help="text shown for empty cells")
    p.add_argument("--version", action="version", version="tablefmt " + __version__)
    return p


def read_rows(stream, delimiter: str) -> list:
    reader = csv.reader(stream, delimiter=delimiter)
    # empty fields are missing values, not empty strings
    return [[cell if cell != "" else None for cell in row] for row in reader if row]


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.file:
        with open(args.file, newline="", encoding="utf-8") as fh:
            rows = read_rows(fh, args.delimiter)
    else:
        rows = read_rows(sys.stdin, args.delimiter)
    table = format_table(
        rows,
        headers=() if args.no_header else "firstrow",
        style=args.style,
        floatfmt=args.floatfmt,
        intfmt=args.intfmt,
        numalign=args.numalign,
        stralign=args.stralign,
        thousands_sep=args.thousands_sep,
        maxcolwidths=args.max_width,
        missingval=args.missing,
    )
    sys.stdout.write(table + "\n")
    return 0
