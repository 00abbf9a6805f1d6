"""HTML escaping helpers."""

import re

#: ASCII punctuation characters that may be backslash-escaped.
ESCAPABLE = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]{1,31}:")


def escape_html(text: str) -> str:
    """Escape the characters that are special in HTML text content."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(text: str) -> str:
    """Escape *text* for use inside a double-quoted attribute value."""
    return escape_html(text).replace('"', "&quot;")


def unescape_backslashes(text: str) -> str:
    """Remove the backslash in front of escapable punctuation (``\\*`` -> ``*``)."""
    out = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in ESCAPABLE:
            out.append(text[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def has_scheme(url: str) -> bool:
    return bool(_SCHEME_RE.match(url))


def is_safe_url(url: str) -> bool:
    """Return False for URLs that could execute script when clicked."""
    lowered = url.strip().lower()
    return not lowered.startswith(_UNSAFE_SCHEMES)


def normalize_url(url: str) -> str:
    """Percent-encode spaces and a few characters that are never valid in URLs."""
    out = []
    for ch in url:
        if ch == " ":
            out.append("%20")
        elif ch in "\"<>\\^`{|}":
            out.append("%%%02X" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)
