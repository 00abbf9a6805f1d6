"""`python -m harness prices`: the price table a run would use."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.commands.common import PROG, Parser, bad_input
from harness.pricing import DEFAULT_TABLE, load_prices
from harness.reporting.tables import format_table


def parser() -> Parser:
    parser = Parser(
        prog=f"{PROG} prices",
        description="Print the price table a run would use: its version and, per "
        "model, dollars per million tokens of cache-hit input, "
        "cache-miss input and output (reasoning is billed as output).",
    )
    parser.add_argument(
        "--prices", type=Path, metavar="FILE", help="price table (TOML) instead of the bundled one"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    table = bad_input(load_prices, args.prices)
    print(
        f"price table {table.version} ({args.prices or DEFAULT_TABLE}), dollars per million tokens"
    )
    print(
        format_table(
            ["model", "input cache hit", "input cache miss", "output"],
            [
                [name, f"{p.input_cache_hit:g}", f"{p.input_cache_miss:g}", f"{p.output:g}"]
                for name, p in sorted(table.models.items())
            ],
        )
    )
    return 0
