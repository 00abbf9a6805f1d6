"""Small text utilities shared by the parsers and renderers."""

import re
import unicodedata

_SLUG_STRIP = re.compile(r"[^\w\s-]")
_SLUG_SPACE = re.compile(r"[\s_-]+")


def expand_tabs(line: str, tabsize: int = 4) -> str:
    """Replace tabs by spaces, honouring tab stops every *tabsize* columns."""
    if "\t" not in line:
        return line
    out = []
    col = 0
    for ch in line:
        if ch == "\t":
            n = tabsize - (col % tabsize)
            out.append(" " * n)
            col += n
        else:
            out.append(ch)
            col += 1
    return "".join(out)


def leading_spaces(line: str) -> int:
    """Number of spaces at the start of *line* (tabs must already be expanded)."""
    return len(line) - len(line.lstrip(" "))


def is_blank(line: str) -> bool:
    return not line.strip()


def normalize_label(label: str) -> str:
    """Normalize a link reference label so that lookups are case-insensitive."""
    return label.strip().lower()


def slugify(text: str) -> str:
    """Turn heading text into an id suitable for an HTML anchor."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = _SLUG_STRIP.sub("", text)
    text = _SLUG_SPACE.sub("-", text).strip("-")
    return text or "section"


class SlugRegistry:
    """Hand out unique slugs: ``intro``, ``intro-1``, ``intro-2``..."""

    def __init__(self):
        self._seen = {}

    def unique(self, text: str) -> str:
        base = slugify(text)
        count = self._seen.get(base)
        if count is None:
            self._seen[base] = 0
            return base
        while True:
            count += 1
            candidate = "%s-%d" % (base, count)
            if candidate not in self._seen:
                self._seen[base] = count
                self._seen[candidate] = 0
                return candidate
