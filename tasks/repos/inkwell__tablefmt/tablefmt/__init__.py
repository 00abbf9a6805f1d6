"""tablefmt: pretty-print tabular data as plain text, grid or Markdown tables."""

from .core import Options, format_table, normalize
from .numfmt import align_decimal, column_type, format_number, group_digits
from .styles import STYLES, Line, Row, Style
from .width import display_width, pad, truncate

__all__ = [
    "STYLES",
    "Line",
    "Options",
    "Row",
    "Style",
    "align_decimal",
    "column_type",
    "display_width",
    "format_number",
    "format_table",
    "group_digits",
    "normalize",
    "pad",
    "truncate",
]
__version__ = "1.3.0"
