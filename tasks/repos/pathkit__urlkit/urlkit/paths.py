"""Path helpers: dot-segment removal, merging and normalisation (RFC 3986 sections 5.2, 6.2)."""

from __future__ import annotations

from .encoding import PATH_SAFE, requote, unquote, unquote_unreserved


def remove_dot_segments(path: str) -> str:
    """Resolve ``.`` and ``..`` segments as in RFC 3986 section 5.2.4.

    >>> remove_dot_segments("/a/b/c/./../../g")
    '/a/g'
    """
    output: list[str] = []
    rest = path
    while rest:
        if rest.startswith("../"):
            rest = rest[3:]
        elif rest.startswith("./"):
            rest = rest[2:]
        elif rest.startswith("/./"):
            rest = rest[2:]
        elif rest == "/.":
            rest = "/"
        elif rest.startswith("/../"):
            rest = rest[3:]
            if output:
                output.pop()
        elif rest == "/..":
            rest = "/"
            if output:
                output.pop()
        elif rest in (".", ".."):
            rest = ""
        else:
            start = 1 if rest.startswith("/") else 0
            end = rest.find("/", start)
            if end == -1:
                end = len(rest)
            output.append(rest[:end])
            rest = rest[end:]
    return "".join(output)


def merge_paths(base_path: str, ref_path: str, has_authority: bool = False) -> str:
    """Merge a relative-path reference with the base URL's path (RFC 3986 section 5.2.3).

    ``has_authority`` tells whether the base URL has an authority: if it has one and its path
    is empty, the result is ``"/" + ref_path``.
    """
    if has_authority and not base_path:
        return "/" + ref_path
    slash = base_path.rfind("/")
    if slash == -1:
        return ref_path
    return base_path[: slash + 1] + ref_path


def split_segments(path: str) -> list[str]:
    """The decoded segments of a path, without the leading empty one of an absolute path."""
    if not path:
        return []
    parts = path.split("/")
    if path.startswith("/"):
        parts = parts[1:]
    return [unquote(part) for part in parts]


def join_segments(segments: list[str], absolute: bool = True) -> str:
    """Inverse of ``split_segments``: encode each segment and join them with ``/``."""
    from .encoding import PCHAR, quote

    path = "/".join(quote(segment, safe=PCHAR) for segment in segments)
    return "/" + path if absolute else path


def normalize_path(path: str, remove_dots: bool = True) -> str:
    """Normalise a path without changing what it refers to.

    Escapes of unreserved characters are decoded, the hex of the other escapes is upper-cased,
    characters that are not allowed in a path are percent-encoded and, unless ``remove_dots``
    is false, dot segments are resolved.
    """
    path = requote(unquote_unreserved(path, safe=PATH_SAFE), PATH_SAFE)
    if remove_dots:
        path = remove_dot_segments(path)
    return path
