"""Exceptions raised by urlkit."""


class URLError(ValueError):
    """A URL, or one of its parts, cannot be parsed or built."""


class QueryError(URLError):
    """A query string cannot be parsed."""
