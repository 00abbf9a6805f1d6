"""URL normalisation for comparison (RFC 3986 section 6.2.2, plus a few common extras)."""

from __future__ import annotations

from .encoding import FRAGMENT_SAFE, QUERY_SAFE, requote, unquote_unreserved
from .parse import DEFAULT_PORTS, URL, parse_url, unsplit
from .paths import normalize_path


def _normalize_query(query: str, sort: bool) -> str:
    query = requote(unquote_unreserved(query), QUERY_SAFE)
    if sort:
        query = "&".join(sorted(query.split("&")))
    return query


def normalize(url: URL, *, sort_query: bool = False, drop_fragment: bool = False) -> URL:
    """Return a normalised copy of ``url``.

    * scheme and host are lower-cased;
    * the scheme's default port is removed;
    * the path is normalised (see ``urlkit.paths.normalize_path``) and an empty path of a URL
      with a host becomes ``/``;
    * percent-escapes in the query and fragment are normalised as in the path;
    * optionally the query's ``&``-separated fields are sorted and the fragment dropped.
    """
    scheme = url.scheme.lower()
    host = url.host.lower() if url.host is not None else None
    port = url.port
    if port is not None and DEFAULT_PORTS.get(scheme) == port:
        port = None
    path = normalize_path(url.path, remove_dots=bool(scheme) or host is not None)
    if host is not None and not path:
        path = "/"
    query = url.query
    if query is not None:
        query = _normalize_query(query, sort_query)
    fragment = None if drop_fragment or url.fragment is None else requote(
        unquote_unreserved(url.fragment), FRAGMENT_SAFE
    )
    return URL(
        scheme=scheme,
        userinfo=url.userinfo,
        host=host,
        port=port,
        path=path,
        query=query,
        fragment=fragment,
    )


def normalize_url(url: str, *, sort_query: bool = False, drop_fragment: bool = False) -> str:
    """Normalise a URL given as text.

    >>> normalize_url("HTTP://Example.COM:80/a/./b/../c?q=%7e")
    'http://example.com/a/c?q=~'
    """
    return unsplit(normalize(parse_url(url), sort_query=sort_query, drop_fragment=drop_fragment))


def urls_equivalent(first: str, second: str, *, ignore_fragment: bool = True) -> bool:
    """True if two URLs are the same after normalisation."""
    return normalize_url(first, drop_fragment=ignore_fragment) == normalize_url(
        second, drop_fragment=ignore_fragment
    )
