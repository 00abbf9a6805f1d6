"""How numbers and tables are written: the terminal table, GitHub markdown, and the cells."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

SYNTHETIC_MARK = "*"
SYNTHETIC_BANNER = (
    f"{SYNTHETIC_MARK} Results from simulated models are synthetic: they test "
    "the harness, not a model."
)


MONEY_DIGITS = 4  # significant digits: per-task costs are fractions of a cent


ESTIMATE_MARK = "~"  # before a sum of dollars that rests on estimated usage


def money(value: float | None, estimated: bool = False) -> str:
    """Dollars with four significant digits and at least cents: $0.001842 (not $0.0018),
    $0.1026, $1.234, $1,234.57; marked ~ when the sum rests on estimated usage."""
    if value is None:
        return "-"
    if math.isinf(value):
        return "unbounded"
    mark = ESTIMATE_MARK if estimated else ""
    return f"{mark}{'-' if value < 0 else ''}${_dollars(abs(value))}"


def signed_money(value: float) -> str:
    return f"{'-' if value < 0 else '+'}${_dollars(abs(value))}"


def _dollars(value: float) -> str:
    if value == 0:
        return "0.00"
    decimals = max(2, MONEY_DIGITS - 1 - math.floor(math.log10(value)))
    text = f"{value:,.{decimals}f}"
    # rounding may carry into a new digit ($0.0099996 -> 0.010000): drop the extra zero
    if len(text.replace(".", "").replace(",", "").lstrip("0")) > MONEY_DIGITS and decimals > 2:
        text = text[:-1]
    return text


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def signed_points(value: float) -> str:
    return f"{100 * value:+.1f}"


def ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return "unbounded" if math.isinf(value) else f"{value:.2f}x"


def count(value: int) -> str:
    return f"{value:,}"


def listed(values: Iterable[str], limit: int = 3) -> str:
    """A few of a set of names, and how many there are in all."""
    ordered = sorted(values)
    more = f", ... ({len(ordered)} in all)" if len(ordered) > limit else ""
    return ", ".join(ordered[:limit]) + more


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: first column left-aligned, the others (numbers) right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = [
        "  ".join(str(h).ljust(w) for h, w in zip(headers, widths)),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(
            str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))
        )
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def markdown_cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured table: first column left, numbers right, as in the terminal."""
    lines = [
        "| " + " | ".join(map(markdown_cell, headers)) + " |",
        "|" + "|".join([":---"] + ["---:"] * (len(headers) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(map(markdown_cell, row)) + " |" for row in rows]
    return "\n".join(lines)
