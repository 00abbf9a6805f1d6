"""Detection and formatting of numbers."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction
from typing import Iterable

INT_RE = re.compile(r"^\s*[+-]?\d+\s*$")
FLOAT_RE = re.compile(r"^\s*[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?\s*$")
SPECIAL_FLOATS = {"nan", "+nan", "-nan", "inf", "+inf", "-inf"}

INT, FLOAT, TEXT = "int", "float", "text"


def is_int(value, numparse: bool = True) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return numparse and isinstance(value, str) and bool(INT_RE.match(value))


def is_number(value, numparse: bool = True) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal, Fraction)):
        return True
    if numparse and isinstance(value, str):
        return bool(FLOAT_RE.match(value)) or value.strip().lower() in SPECIAL_FLOATS
    return False


def column_type(values: Iterable, numparse: bool = True) -> str:
    """Return ``"int"``, ``"float"`` or ``"text"`` for a column of values."""
    kind = None
    for value in values:
        if is_int(value, numparse):
            kind = kind or INT
        elif is_number(value, numparse):
            kind = FLOAT
        else:
            return TEXT
    return kind or TEXT


def to_number(value):
    """Convert a numeric string to int or float (numbers are returned as is)."""
    if isinstance(value, str):
        return int(value) if INT_RE.match(value) else float(value)
    return value


def group_digits(text: str, sep: str = ",") -> str:
    """Insert *sep* between groups of three digits of the integer part.

    ``group_digits("1234567.5")`` -> ``"1,234,567.5"``. Scientific notation and
    non-finite values are returned unchanged.
    """
    if not sep or "e" in text.lower() or not any(ch.isdigit() for ch in text):
        return text
    head, dot, tail = text.partition(".")
    groups = []
    while len(head) > 3:
        groups.append(head[-3:])
        head = head[:-3]
    groups.append(head)
    return sep.join(reversed(groups)) + dot + tail


def format_number(value, fmt: str = "", thousands_sep: str = None) -> str:
    """Format one number with the format spec *fmt* (as for :func:`format`)."""
    number = to_number(value)
    if isinstance(number, (float, Decimal)) and number != number:
        return "nan"
    text = format(number, fmt)
    if thousands_sep:
        text = group_digits(text, thousands_sep)
    return text


def align_decimal(cells: list, mark: str = ".") -> list:
    """Pad formatted numbers on the right so that their decimal marks line up.

    The result is meant to be right-aligned afterwards.
    """
    fractions = [len(cell) - cell.rfind(mark) for cell in cells]
    longest = max(fractions, default=0)
    return [cell + " " * (longest - frac) for cell, frac in zip(cells, fractions)]
