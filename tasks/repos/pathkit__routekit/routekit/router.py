"""The route table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .converters import DEFAULT_CONVERTERS, Converter
from .errors import BuildError, MethodNotAllowed, NotFound
from .route import Handler, Route


@dataclass(frozen=True)
class Match:
    """The result of a successful lookup."""

    route: Route
    params: dict[str, Any]

    @property
    def handler(self) -> Handler:
        return self.route.handler


class Router:
    """An ordered table of routes; the first route that matches wins.

    With ``strict_slashes=False`` a trailing slash is not significant: ``/docs`` and ``/docs/``
    both match a route for either of them.
    """

    def __init__(
        self,
        *,
        strict_slashes: bool = True,
        converters: Mapping[str, type[Converter]] | None = None,
    ) -> None:
        self.routes: list[Route] = []
        self.strict_slashes = strict_slashes
        self.converters: dict[str, type[Converter]] = dict(DEFAULT_CONVERTERS)
        self.converters.update(converters or {})
        self._by_name: dict[str, Route] = {}

    # -- building the table -----------------------------------------------------------------

    def register_converter(self, name: str, converter: type[Converter]) -> None:
        """Make ``{param:name}`` available in the templates of routes added from now on."""
        if not name.isidentifier():
            raise ValueError(f"invalid converter name {name!r}")
        self.converters[name] = converter

    def add(
        self,
        pattern: str,
        handler: Handler,
        methods: Iterable[str] = ("GET",),
        name: str | None = None,
    ) -> Route:
        route = Route(pattern, handler, methods, name, converters=self.converters)
        if name is not None:
            existing = self._by_name.get(name)
            if existing is not None and existing.pattern != pattern:
                raise ValueError(f"route name {name!r} already used for {existing.pattern!r}")
            self._by_name.setdefault(name, route)
        self.routes.append(route)
        return route

    def route(
        self, pattern: str, methods: Iterable[str] = ("GET",), name: str | None = None
    ) -> Callable[[Handler], Handler]:
        """Decorator form of ``add``; the name defaults to the function's name."""

        def decorator(handler: Handler) -> Handler:
            self.add(pattern, handler, methods, name or handler.__name__)
            return handler

        return decorator

    def get(self, pattern: str, name: str | None = None) -> Callable[[Handler], Handler]:
        return self.route(pattern, ("GET",), name)

    def post(self, pattern: str, name: str | None = None) -> Callable[[Handler], Handler]:
        return self.route(pattern, ("POST",), name)

    def put(self, pattern: str, name: str | None = None) -> Callable[[Handler], Handler]:
        return self.route(pattern, ("PUT",), name)

    def delete(self, pattern: str, name: str | None = None) -> Callable[[Handler], Handler]:
        return self.route(pattern, ("DELETE",), name)

    # -- lookups -------------------------------------------------------------------------------

    def _route_params(self, route: Route, path: str) -> dict[str, Any] | None:
        """The parameters of ``route`` for ``path``, honouring ``strict_slashes``."""
        if not self.strict_slashes and path != "/":
            path = path.rstrip("/") or "/"
        return route.match(path)

    def match(self, method: str, path: str) -> Match:
        """Find the route for ``method`` and ``path``.

        Raises ``NotFound`` if no route matches the path and ``MethodNotAllowed`` if some do but
        none of them accepts the method.
        """
        method = method.upper()
        for route in self.routes:
            params = self._route_params(route, path)
            if params is None:
                continue
            if route.allows(method):
                return Match(route, params)
            raise MethodNotAllowed(method, path, route.methods)
        raise NotFound(path)

    def url_for(self, name: str, /, **values: Any) -> str:
        """Build the path of the route called ``name``.

        Values that are not parameters of the route are added as a query string.
        """
        route = self._by_name.get(name)
        if route is None:
            raise BuildError(f"no route named {name!r}")
        names = set(route.template.param_names)
        path = route.url(**{key: value for key, value in values.items() if key in names})
        extra = [(key, value) for key, value in values.items() if key not in names and value is not None]
        if extra:
            path += "?" + urlencode(extra, doseq=True)
        return path

    def __iter__(self):
        return iter(self.routes)

    def __len__(self) -> int:
        return len(self.routes)

    # -- introspection -----------------------------------------------------------------------

    def allowed_methods(self, path: str) -> set[str]:
        """Every method that some route accepts for ``path`` (empty if none matches)."""
        methods: set[str] = set()
        for route in self.routes:
            if self._route_params(route, path) is not None:
                methods |= route.methods
        return methods

    def routes_named(self) -> dict[str, str]:
        """Route names mapped to their templates, for debugging and documentation."""
        return {name: route.pattern for name, route in self._by_name.items()}
