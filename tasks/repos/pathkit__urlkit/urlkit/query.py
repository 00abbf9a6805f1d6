"""Query strings: ``application/x-www-form-urlencoded`` parsing and building."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Callable

from .encoding import quote_plus, unquote, unquote_plus
from .errors import QueryError

Pairs = list[tuple[str, str]]


def parse_qsl(
    query: str,
    keep_blank_values: bool = False,
    separator: str = "&",
    plus_as_space: bool = True,
    max_fields: int | None = None,
) -> Pairs:
    """Split a query string into a list of ``(name, value)`` pairs, in order.

    A leading ``?`` is ignored. Pairs whose value is empty are dropped unless
    ``keep_blank_values`` is true; a name without ``=`` counts as a name with an empty value.

    >>> parse_qsl("a=1&b=two+words")
    [('a', '1'), ('b', 'two words')]
    """
    if not separator:
        raise QueryError("separator must not be empty")
    if query.startswith("?"):
        query = query[1:]
    if not query:
        return []
    chunks = query.split(separator)
    if max_fields is not None and len(chunks) > max_fields:
        raise QueryError(f"too many fields in query string (more than {max_fields})")
    decode: Callable[[str], str] = unquote_plus if plus_as_space else unquote
    pairs: Pairs = []
    for chunk in chunks:
        if not chunk:
            continue
        if "=" in chunk:
            name, _, value = chunk.rpartition("=")
        else:
            name, value = chunk, ""
        if not value and not keep_blank_values:
            continue
        pairs.append((decode(name), decode(value)))
    return pairs


def parse_qs(
    query: str,
    keep_blank_values: bool = False,
    separator: str = "&",
    plus_as_space: bool = True,
) -> dict[str, list[str]]:
    """Like ``parse_qsl`` but group the values by name, keeping the first-seen order of names."""
    result: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values, separator, plus_as_space):
        result.setdefault(name, []).append(value)
    return result


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def urlencode(
    params: Mapping[str, Any] | Iterable[tuple[str, Any]],
    safe: str = "",
    quote_via: Callable[..., str] = quote_plus,
) -> str:
    """Build a query string from a mapping or a sequence of pairs.

    Values are turned into text with ``str`` (``bytes`` are decoded as UTF-8 and booleans are
    written ``true`` / ``false``) and then encoded with ``quote_via``.

    >>> urlencode({"q": "a b", "page": 2})
    'q=a+b&page=2'
    """
    items = params.items() if isinstance(params, Mapping) else params
    parts = []
    for name, value in items:
        parts.append(f"{quote_via(_text(name), safe=safe)}={quote_via(_text(value), safe=safe)}")
    return "&".join(parts)


def update_query(query: str, updates: Mapping[str, Any], keep_blank_values: bool = True) -> str:
    """Return ``query`` with each name in ``updates`` set to its value.

    Existing pairs with that name are replaced (at the place of the first one); names not yet
    present are appended; a value of ``None`` removes the name altogether.
    """
    pairs = parse_qsl(query, keep_blank_values=keep_blank_values)
    result: list[tuple[str, Any]] = []
    done: set[str] = set()
    for name, value in pairs:
        if name in updates:
            if name not in done and updates[name] is not None:
                result.append((name, updates[name]))
            done.add(name)
        else:
            result.append((name, value))
    for name, value in updates.items():
        if name not in done and value is not None:
            result.append((name, value))
    return urlencode(result)
