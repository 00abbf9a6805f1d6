"""Exceptions raised by routekit."""

from __future__ import annotations

from collections.abc import Iterable


class RoutingError(Exception):
    """Base class of routekit's errors."""


class TemplateError(RoutingError, ValueError):
    """A path template is malformed or uses an unknown converter."""


class BuildError(RoutingError):
    """A URL cannot be built for a route (unknown name, missing or invalid parameter)."""


class NotFound(RoutingError):
    """No route matches the path."""

    status = 404

    def __init__(self, path: str) -> None:
        super().__init__(f"no route matches {path!r}")
        self.path = path


class MethodNotAllowed(RoutingError):
    """Some route matches the path, but none accepts the method."""

    status = 405

    def __init__(self, method: str, path: str, allowed: Iterable[str]) -> None:
        self.method = method
        self.path = path
        self.allowed = tuple(sorted(set(allowed)))
        super().__init__(f"method {method} not allowed for {path!r} (allowed: {', '.join(self.allowed)})")
