"""A single route: a template, the methods it accepts, a handler and an optional name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .converters import Converter
from .template import Template

Handler = Callable[..., Any]
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Route:
    def __init__(
        self,
        pattern: str,
        handler: Handler,
        methods: Iterable[str] = ("GET",),
        name: str | None = None,
        converters: Mapping[str, type[Converter]] | None = None,
    ) -> None:
        if isinstance(methods, str):
            methods = [methods]
        self.methods = frozenset(method.upper() for method in methods)
        if not self.methods:
            raise ValueError("a route needs at least one method")
        unknown = self.methods - KNOWN_METHODS
        if unknown:
            raise ValueError(f"unknown HTTP method(s): {', '.join(sorted(unknown))}")
        self.template = Template(pattern, converters)
        self.handler = handler
        self.name = name

    @property
    def pattern(self) -> str:
        return self.template.pattern

    def match(self, path: str) -> dict[str, Any] | None:
        return self.template.match(path)

    def allows(self, method: str) -> bool:
        """True if the route answers ``method``; a GET route also answers HEAD."""
        method = method.upper()
        return method in self.methods or (method == "HEAD" and "GET" in self.methods)

    def url(self, **values: Any) -> str:
        return self.template.build(values)

    def __repr__(self) -> str:
        methods = ",".join(sorted(self.methods))
        return f"<Route {methods} {self.pattern!r} name={self.name!r}>"
