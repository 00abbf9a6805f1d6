"""urlkit: parse, build, normalise and join URLs and query strings."""

from .encoding import quote, quote_plus, requote, unquote, unquote_plus, unquote_unreserved
from .errors import QueryError, URLError
from .join import resolve, urljoin
from .normalize import normalize, normalize_url, urls_equivalent
from .parse import DEFAULT_PORTS, URL, build_url, parse_url, split_authority, unsplit
from .paths import merge_paths, normalize_path, remove_dot_segments
from .query import parse_qs, parse_qsl, update_query, urlencode

__version__ = "0.4.1"

__all__ = [
    "DEFAULT_PORTS",
    "QueryError",
    "URL",
    "URLError",
    "build_url",
    "merge_paths",
    "normalize",
    "normalize_path",
    "normalize_url",
    "parse_qs",
    "parse_qsl",
    "parse_url",
    "quote",
    "quote_plus",
    "remove_dot_segments",
    "requote",
    "resolve",
    "split_authority",
    "unquote",
    "unquote_plus",
    "unquote_unreserved",
    "unsplit",
    "update_query",
    "urlencode",
    "urljoin",
    "urls_equivalent",
]
