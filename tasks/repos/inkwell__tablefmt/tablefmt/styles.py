"""Table styles: which lines to draw and with which characters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional


@dataclass(frozen=True)
class Line:
    """A horizontal rule: ``begin + fill*w1 + sep + fill*w2 + ... + end``."""

    begin: str
    fill: str
    sep: str
    end: str


@dataclass(frozen=True)
class Row:
    """Delimiters around and between the cells of a row."""

    begin: str
    sep: str
    end: str


@dataclass(frozen=True)
class Style:
    name: str
    header_row: Row
    data_row: Row
    top: Optional[Line] = None
    below_header: Optional[Line] = None
    between_rows: Optional[Line] = None
    bottom: Optional[Line] = None
    padding: int = 0
    #: Markdown: mark column alignment with colons in the rule below the header
    align_colons: bool = False
    #: draw the top/bottom lines even when there is no header
    frame_without_header: bool = True


_SPACED = Row("", "  ", "")
_PIPES = Row("|", "|", "|")

STYLES: Dict[str, Style] = {
    "plain": Style("plain", _SPACED, _SPACED),
    "simple": Style(
        "simple",
        _SPACED,
        _SPACED,
        below_header=Line("", "-", "  ", ""),
    ),
    "grid": Style(
        "grid",
        _PIPES,
        _PIPES,
        top=Line("+", "-", "+", "+"),
        below_header=Line("+", "=", "+", "+"),
        between_rows=Line("+", "-", "+", "+"),
        bottom=Line("+", "-", "+", "+"),
        padding=1,
    ),
    "fancy": Style(
        "fancy",
        Row("\u2502", "\u2502", "\u2502"),
        Row("\u2502", "\u2502", "\u2502"),
        top=Line("\u250c", "\u2500", "\u252c", "\u2510"),
        below_header=Line("\u255e", "\u2550", "\u256a", "\u2561"),
        between_rows=Line("\u251c", "\u2500", "\u253c", "\u2524"),
        bottom=Line("\u2514", "\u2500", "\u2534", "\u2518"),
        padding=1,
    ),
    "markdown": Style(
        "markdown",
        _PIPES,
        _PIPES,
        below_header=Line("|", "-", "|", "|"),
        padding=1,
        align_colons=True,
    ),
    "rst": Style(
        "rst",
        _SPACED,
        _SPACED,
        top=Line("", "=", "  ", ""),
        below_header=Line("", "=", "  ", ""),
        bottom=Line("", "=", "  ", ""),
    ),
}


def get_style(style) -> Style:
    if isinstance(style, Style):
        return style
    try:
        return STYLES[style]
    except KeyError:
        raise ValueError(
            "unknown table style %r (choose from %s)" % (style, ", ".join(sorted(STYLES)))
        ) from None


def rule(line: Line, widths: List[int]) -> str:
    """Draw a horizontal rule for columns of the given *widths* (padding included)."""
    return line.begin + line.sep.join(line.fill * w for w in widths) + line.end


def markdown_rule(line: Line, widths: List[int], aligns: List[str]) -> str:
    """Markdown header rule with alignment colons (``|:----|---:|:--:|``)."""
    segments = []
    for width, align in zip(widths, aligns):
        if align == "left":
            segments.append(":" + "-" * (width - 1))
        elif align in ("right", "decimal"):
            segments.append("-" * (width - 1) + ":")
        elif align == "center":
            segments.append(":" + "-" * (width - 3) + ":")
        else:
            segments.append("-" * width)
    return line.begin + line.sep.join(segments) + line.end
