"""Turn rows of values into a formatted text table."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any, List, Optional, Sequence

from . import numfmt
from .styles import Style, get_style, markdown_rule, rule
from .width import display_width, pad, split_lines, truncate

ALIGNMENTS = ("left", "right", "center", "decimal")


@dataclass
class Column:
    """One column of the table, ready to be laid out."""

    header: List[str]
    cells: List[List[str]]  # one list of lines per row
    kind: str
    align: str
    width: int = 0

    def measure(self) -> int:
        lines = list(self.header)
        for cell in self.cells:
            lines.extend(cell)
        self.width = max((display_width(line) for line in lines), default=0)
        return self.width


@dataclass
class Options:
    floatfmt: Any = "g"
    intfmt: Any = ""
    numalign: str = "right"
    stralign: str = "left"
    colalign: Optional[Sequence[Optional[str]]] = None
    missingval: str = ""
    thousands_sep: Optional[str] = None
    maxcolwidths: Any = None
    numparse: bool = True

    def __post_init__(self):
        for name in ("numalign", "stralign"):
            if getattr(self, name) not in ALIGNMENTS:
                raise ValueError("%s must be one of %s" % (name, ", ".join(ALIGNMENTS)))


# --- input normalization ----------------------------------------------------


def normalize(rows, headers=()) -> tuple:
    """Return ``(header_row, data_rows)`` as lists of the same length.

    *rows* may be a list of sequences, a list of mappings or a mapping of
    columns. *headers* may be a sequence, ``"keys"`` or ``"firstrow"``.
    """
    if hasattr(rows, "keys") and hasattr(rows, "values"):
        # a mapping of columns: {"name": [...], "age": [...]}
        keys = list(rows.keys())
        data = [list(row) for row in zip_longest(*rows.values())]
        if headers == "keys":
            headers = [str(k) for k in keys]
    else:
        data = list(rows)
        if data and all(hasattr(row, "keys") for row in data):
            keys = []
            for row in data:
                for key in row.keys():
                    if key not in keys:
                        keys.append(key)
            data = [[row.get(key) for key in keys] for row in data]
            if headers == "keys":
                headers = [str(k) for k in keys]
        else:
            data = [list(row) for row in data]

    if headers == "firstrow":
        headers, data = (data[0], data[1:]) if data else ([], [])
    elif headers == "keys":
        raise ValueError('headers="keys" needs a list of dicts or a dict of columns')

    header = ["" if h is None else str(h) for h in headers]
    ncols = max([len(header)] + [len(row) for row in data])
    header = header + [""] * (ncols - len(header))
    data = [row + [None] * (ncols - len(row)) for row in data]
    return header, data


def _per_column(value, ncols: int, default) -> list:
    """Expand an option that may be given once or once per column."""
    if value is None or isinstance(value, (str, int)):
        value = default if value is None else value
        return [value] * ncols
    value = list(value)
    return value + [default] * (ncols - len(value))


# --- formatting -------------------------------------------------------------


def _format_cell(value, kind: str, fmt, opts: Options) -> str:
    if value is None:
        return opts.missingval
    if kind != numfmt.TEXT and numfmt.is_number(value, opts.numparse):
        return numfmt.format_number(value, fmt, opts.thousands_sep)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def build_columns(header: List[str], data: List[list], opts: Options, has_header: bool) -> List[Column]:
    ncols = len(header)
    floatfmts = _per_column(opts.floatfmt, ncols, "g")
    intfmts = _per_column(opts.intfmt, ncols, "")
    colaligns = _per_column(opts.colalign, ncols, None)
    maxwidths = _per_column(opts.maxcolwidths, ncols, None)

    columns = []
    for i in range(ncols):
        values = [row[i] for row in data]
        kind = numfmt.column_type(values, opts.numparse)
        fmt = floatfmts[i] if kind == numfmt.FLOAT else intfmts[i]
        texts = [_format_cell(v, kind, fmt, opts) for v in values]

        align = colaligns[i] or (opts.stralign if kind == numfmt.TEXT else opts.numalign)
        if align not in ALIGNMENTS:
            raise ValueError("unknown alignment %r for column %d" % (align, i))
        if align == "decimal":
            if kind == numfmt.TEXT:
                align = "right"
            else:
                texts = numfmt.align_decimal(texts)

        cells = [split_lines(t) for t in texts]
        head = split_lines(header[i]) if has_header else []
        limit = maxwidths[i]
        if limit:
            cells = [[truncate(line, limit) for line in cell] for cell in cells]
            head = [truncate(line, limit) for line in head]
        columns.append(Column(header=head, cells=cells, kind=kind, align=align))
    return columns


# --- layout -----------------------------------------------------------------


def _render_row(cells: List[List[str]], columns: List[Column], row_style, padding: int, align_override=None) -> List[str]:
    height = max((len(c) for c in cells), default=1)
    space = " " * padding
    lines = []
    for k in range(height):
        parts = []
        for cell, col in zip(cells, columns):
            text = cell[k] if k < len(cell) else ""
            align = align_override or col.align
            if align == "decimal":
                align = "right"
            parts.append(space + pad(text, col.width, align) + space)
        line = row_style.begin + row_style.sep.join(parts) + row_style.end
        if not row_style.end:
            line = line.rstrip()
        lines.append(line)
    return lines


def render(columns: List[Column], style: Style, has_header: bool) -> str:
    for col in columns:
        col.measure()
    widths = [col.width + 2 * style.padding for col in columns]
    nrows = len(columns[0].cells) if columns else 0
    out: List[str] = []

    if style.top and (has_header or style.frame_without_header):
        out.append(rule(style.top, widths))
    if has_header:
        out.extend(_render_row([c.header for c in columns], columns, style.header_row, style.padding))
        if style.below_header:
            if style.align_colons:
                out.append(markdown_rule(style.below_header, widths, [c.align for c in columns]))
            else:
                out.append(rule(style.below_header, widths))
    for r in range(nrows):
        if r and style.between_rows:
            out.append(rule(style.between_rows, widths))
        out.extend(_render_row([c.cells[r] for c in columns], columns, style.data_row, style.padding))
    if style.bottom and (has_header or style.frame_without_header):
        out.append(rule(style.bottom, widths))
    return "\n".join(out)


def format_table(rows, headers=(), style="simple", **options) -> str:
    """Format *rows* as a text table.

    Options: ``floatfmt``, ``intfmt`` (format specs, once or per column),
    ``numalign``/``stralign`` (``left``, ``right``, ``center``, ``decimal``),
    ``colalign`` (per column), ``missingval``, ``thousands_sep``,
    ``maxcolwidths`` (once or per column) and ``numparse``.
    """
    opts = Options(**options)
    style = get_style(style)
    header, data = normalize(rows, headers)
    if not header:
        return ""
    has_header = any(h != "" for h in header)
    columns = build_columns(header, data, opts, has_header)
    return render(columns, style, has_header)
