"""Display width of strings in a monospaced terminal, and padding helpers."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

ELLIPSIS = "\u2026"


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Number of terminal columns taken by the single character *ch*."""
    code = ord(ch)
    if code < 32 or 0x7F <= code < 0xA0:
        return 0  # control characters
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0  # combining marks, zero-width joiners...
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def display_width(text: str) -> int:
    """Number of terminal columns needed to display *text* (a single line)."""
    if text.isascii() and text.isprintable():
        return len(text)
    return sum(char_width(ch) for ch in text)


def pad(text: str, width: int, align: str = "left") -> str:
    """Pad *text* with spaces to *width* display columns."""
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    # str.ljust() counts code points, which is wrong for wide characters
    return text + " " * max(0, width - display_width(text))


def truncate(text: str, width: int, placeholder: str = ELLIPSIS) -> str:
    """Shorten *text* to at most *width* display columns, marking the cut."""
    if display_width(text) <= width:
        return text
    if width <= display_width(placeholder):
        return placeholder[:width]
    return text[: width - len(placeholder)] + placeholder


def split_lines(text: str) -> list:
    """Split a cell into its lines (a cell always has at least one line)."""
    lines = text.splitlines()
    return lines or [""]
