"""routekit: typed path templates, a route table, URL building and dispatch."""

from .converters import (
    DEFAULT_CONVERTERS,
    Converter,
    FloatConverter,
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
    get_converter,
)
from .dispatch import Request, Response, dispatch
from .errors import BuildError, MethodNotAllowed, NotFound, RoutingError, TemplateError
from .route import Route
from .router import Match, Router
from .template import Param, Template, parse_template

__version__ = "1.2.0"

__all__ = [
    "DEFAULT_CONVERTERS",
    "BuildError",
    "Converter",
    "FloatConverter",
    "IntConverter",
    "Match",
    "MethodNotAllowed",
    "NotFound",
    "Param",
    "PathConverter",
    "Request",
    "Response",
    "Route",
    "Router",
    "RoutingError",
    "SlugConverter",
    "StringConverter",
    "Template",
    "TemplateError",
    "UUIDConverter",
    "dispatch",
    "get_converter",
    "parse_template",
]
