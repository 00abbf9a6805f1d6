"""Splitting a URL into its components (RFC 3986 section 3) and putting it back together."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from .errors import URLError
from .query import parse_qsl, update_query

DEFAULT_PORTS = {
    "http": 80,
    "https": 443,
    "ws": 80,
    "wss": 443,
    "ftp": 21,
}

# Appendix B of RFC 3986.
_URI_RE = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", re.S)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")


@dataclass(frozen=True)
class URL:
    """The components of a URL.

    ``host`` is ``None`` when the URL has no authority (``mailto:x@y``, a relative path) and
    ``""`` when the authority is empty (``file:///etc``). ``query`` and ``fragment`` are ``None``
    when absent and ``""`` when present but empty (``http://h/?``). IPv6 hosts are kept without
    their brackets.
    """

    scheme: str = ""
    userinfo: str | None = None
    host: str | None = None
    port: int | None = None
    path: str = ""
    query: str | None = None
    fragment: str | None = None

    @property
    def authority(self) -> str | None:
        if self.host is None:
            return None
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.userinfo is not None:
            host = f"{self.userinfo}@{host}"
        if self.port is not None:
            host = f"{host}:{self.port}"
        return host

    @property
    def effective_port(self) -> int | None:
        """The port, or the scheme's default port when none is given."""
        if self.port is not None:
            return self.port
        return DEFAULT_PORTS.get(self.scheme.lower())

    @property
    def is_absolute(self) -> bool:
        return bool(self.scheme)

    @property
    def query_params(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query or "", keep_blank_values=True)

    def replace(self, **changes: Any) -> URL:
        return dataclasses.replace(self, **changes)

    def with_query_params(self, **updates: Any) -> URL:
        """Set (or, with ``None``, remove) query parameters, keeping the others."""
        query = update_query(self.query or "", updates)
        return self.replace(query=query or None)

    def __str__(self) -> str:
        return unsplit(self)


def split_authority(authority: str) -> tuple[str | None, str, int | None]:
    """Split ``userinfo@host:port`` into its three parts."""
    userinfo = None
    hostport = authority
    if "@" in authority:
        userinfo, _, hostport = authority.rpartition("@")
    host, sep, port_text = hostport.rpartition(":")
    if not sep:
        host, port_text = hostport, ""
    if host.startswith("["):
        if not host.endswith("]"):
            raise URLError(f"invalid IPv6 host in {authority!r}")
        host = host[1:-1]
    elif "[" in host or "]" in host:
        raise URLError(f"invalid host in {authority!r}")
    port = None
    if port_text:
        if not port_text.isascii() or not port_text.isdigit():
            raise URLError(f"invalid port {port_text!r} in {authority!r}")
        port = int(port_text)
        if port > 65535:
            raise URLError(f"port out of range in {authority!r}")
    return userinfo, host, port


def parse_url(text: str) -> URL:
    """Parse a URL or relative reference.

    >>> parse_url("https://user@example.com:8443/a/b?x=1#top").port
    8443
    """
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    text = text.strip()
    match = _URI_RE.match(text)
    if match is None:  # pragma: no cover - the pattern matches every string
        raise URLError(f"cannot parse {text!r}")
    scheme, authority, path, query, fragment = match.groups()
    if scheme is not None and not _SCHEME_RE.match(scheme):
        raise URLError(f"invalid scheme {scheme!r}")
    userinfo = host = port = None
    if authority is not None:
        userinfo, host, port = split_authority(authority)
    return URL(
        scheme=scheme or "",
        userinfo=userinfo,
        host=host,
        port=port,
        path=path,
        query=query,
        fragment=fragment,
    )


def unsplit(url: URL) -> str:
    """Put the components back together (RFC 3986 section 5.3)."""
    out = []
    if url.scheme:
        out.append(url.scheme + ":")
    authority = url.authority
    if authority is not None:
        out.append("//" + authority)
    out.append(url.path)
    if url.query is not None:
        out.append("?" + url.query)
    if url.fragment is not None:
        out.append("#" + url.fragment)
    return "".join(out)


def build_url(
    scheme: str = "",
    host: str | None = None,
    path: str = "",
    *,
    port: int | None = None,
    userinfo: str | None = None,
    query: str | dict[str, Any] | None = None,
    fragment: str | None = None,
) -> str:
    """Build a URL from its parts; ``query`` may be a string or a mapping to encode."""
    from .encoding import FRAGMENT_SAFE, PATH_SAFE, requote
    from .query import urlencode

    if isinstance(query, dict):
        query = urlencode(query)
    if host is not None and path and not path.startswith("/"):
        path = "/" + path
    return unsplit(
        URL(
            scheme=scheme,
            userinfo=userinfo,
            host=host,
            port=port,
            path=requote(path, PATH_SAFE),
            query=query,
            fragment=None if fragment is None else requote(fragment, FRAGMENT_SAFE),
        )
    )
