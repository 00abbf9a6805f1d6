"""Resolving a reference against a base URL (RFC 3986 section 5.2)."""

from __future__ import annotations

from .parse import URL, parse_url, unsplit
from .paths import merge_paths, remove_dot_segments


def resolve(base: URL, ref: URL, strict: bool = True) -> URL:
    """Resolve ``ref`` against ``base`` and return the target URL.

    With ``strict`` false, a reference whose scheme equals the base's is treated as if it had
    no scheme (the "backwards compatible" behaviour of RFC 3986 section 5.2.2).
    """
    if not base.scheme:
        raise ValueError("the base URL must be absolute")
    scheme = ref.scheme
    if not strict and scheme.lower() == base.scheme.lower():
        scheme = ""
    if scheme:
        return ref.replace(path=remove_dot_segments(ref.path))
    if ref.host is not None:
        return ref.replace(scheme=base.scheme, path=remove_dot_segments(ref.path))
    if not ref.path:
        path = base.path
        query = ref.query if ref.query is not None else base.query
    else:
        if ref.path.startswith("/"):
            path = remove_dot_segments(ref.path)
        else:
            path = remove_dot_segments(merge_paths(base.path, ref.path))
        query = ref.query
    return URL(
        scheme=base.scheme,
        userinfo=base.userinfo,
        host=base.host,
        port=base.port,
        path=path,
        query=query,
        fragment=ref.fragment,
    )


def urljoin(base: str | URL, ref: str | URL, strict: bool = True) -> str:
    """Resolve the reference ``ref`` against ``base`` and return the result as a string.

    >>> urljoin("http://a/b/c/d;p?q", "../g")
    'http://a/b/g'
    """
    base_url = parse_url(base) if isinstance(base, str) else base
    ref_url = parse_url(ref) if isinstance(ref, str) else ref
    return unsplit(resolve(base_url, ref_url, strict=strict))
