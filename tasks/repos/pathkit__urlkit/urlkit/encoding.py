"""Percent-encoding (RFC 3986 section 2).

The character classes below follow the RFC's grammar. ``quote`` and ``unquote`` work on text and
encode to / decode from UTF-8 by default.
"""

from __future__ import annotations

import re
import string

ALPHA_DIGIT = string.ascii_letters + string.digits
UNRESERVED = frozenset(ALPHA_DIGIT + "-._~")
GEN_DELIMS = frozenset(":/?#[]@")
SUB_DELIMS = frozenset("!$&'()*+,;=")
RESERVED = GEN_DELIMS | SUB_DELIMS

# pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
PCHAR = UNRESERVED | SUB_DELIMS | frozenset(":@")
PATH_SAFE = PCHAR | frozenset("/")
QUERY_SAFE = PCHAR | frozenset("/?")
FRAGMENT_SAFE = QUERY_SAFE
USERINFO_SAFE = UNRESERVED | SUB_DELIMS | frozenset(":")

_PCT_RUN = re.compile(r"((?:%[0-9A-Fa-f]{2})+)")
_PCT_ONE = re.compile(r"%([0-9A-Fa-f]{2})")


def _as_set(chars: str | frozenset[str] | set[str]) -> frozenset[str]:
    return chars if isinstance(chars, frozenset) else frozenset(chars)


def quote(text: str, safe: str | frozenset[str] = "/", encoding: str = "utf-8") -> str:
    """Percent-encode every character of ``text`` that is not unreserved or in ``safe``.

    >>> quote("a b/c")
    'a%20b/c'
    """
    allowed = UNRESERVED | _as_set(safe)
    out = []
    for byte in text.encode(encoding):
        char = chr(byte)
        if byte < 128 and char in allowed:
            out.append(char)
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def quote_plus(text: str, safe: str | frozenset[str] = "", encoding: str = "utf-8") -> str:
    """Like ``quote`` but spaces become ``+`` (form encoding) and ``/`` is encoded by default."""
    if " " not in text:
        return quote(text, safe, encoding)
    return quote(text, _as_set(safe) | {" "}, encoding).replace(" ", "+")


def unquote(text: str, encoding: str = "utf-8", errors: str = "replace") -> str:
    """Decode every ``%XX`` escape of ``text``; malformed escapes are left as they are."""
    if "%" not in text:
        return text
    pieces = _PCT_RUN.split(text)
    for index in range(1, len(pieces), 2):
        raw = bytes.fromhex(pieces[index].replace("%", ""))
        pieces[index] = raw.decode(encoding, errors)
    return "".join(pieces)


def unquote_plus(text: str, encoding: str = "utf-8", errors: str = "replace") -> str:
    """Like ``unquote`` but ``+`` is decoded to a space first (form encoding)."""
    return unquote(text.replace("+", " "), encoding, errors)


def unquote_unreserved(text: str, safe: str | frozenset[str] = "") -> str:
    """Decode the escapes of unreserved characters and upper-case the hex of all the others.

    This is the percent-encoding normalisation of RFC 3986 section 6.2.2.2: it never changes
    what the text means. Characters in ``safe`` are decoded as well, for callers that know that
    decoding them is harmless in their context.

    >>> unquote_unreserved("%7euser/%2f")
    '~user/%2F'
    """
    decodable = UNRESERVED | _as_set(safe)

    def replace(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        if char in decodable:
            return char
        return "%" + match.group(1).upper()

    return _PCT_ONE.sub(replace, text)


def requote(text: str, safe: str | frozenset[str] = PATH_SAFE) -> str:
    """Percent-encode the characters of ``text`` that are not allowed in it, keeping escapes.

    Unlike ``quote``, an existing valid ``%XX`` escape is kept as it is instead of having its
    ``%`` encoded again, so ``requote`` can be applied to text that is already partly encoded.
    """
    allowed = UNRESERVED | _as_set(safe)
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "%" and _PCT_ONE.match(text, index):
            out.append(text[index : index + 3])
            index += 3
            continue
        if char in allowed:
            out.append(char)
        else:
            out.append(quote(char, safe=""))
        index += 1
    return "".join(out)


def is_percent_encoded(text: str) -> bool:
    """True if every ``%`` in ``text`` starts a valid escape."""
    return text.count("%") == len(_PCT_ONE.findall(text))
