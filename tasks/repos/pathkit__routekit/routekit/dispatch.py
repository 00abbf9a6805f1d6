"""Calling handlers: turn a method and a path into a response."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from .errors import MethodNotAllowed, NotFound
from .router import Router


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Response:
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def _allow_header(methods) -> str:
    return ", ".join(sorted(methods))


def _to_response(result: Any) -> Response:
    """Handlers may return a Response, a body string, or a ``(status, body)`` tuple."""
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(204)
    if isinstance(result, str):
        return Response(200, result)
    if isinstance(result, tuple) and len(result) == 2:
        status, body = result
        return Response(int(status), str(body))
    raise TypeError(f"cannot make a response from {type(result).__name__}")


def dispatch(
    router: Router,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Response:
    """Route ``method`` + ``target`` (a path with an optional query string) and call the handler.

    The handler is called as ``handler(request, **params)``. ``HEAD`` is answered by the
    ``GET`` handler with the body dropped; ``OPTIONS`` is answered automatically unless a route
    handles it.
    """
    method = method.upper()
    path, _, query_string = target.partition("?")
    request = Request(method, path or "/", parse_qs(query_string), dict(headers or {}), body)
    try:
        found = router.match(method, request.path)
    except NotFound:
        return Response(404, "Not Found")
    except MethodNotAllowed as exc:
        if method == "OPTIONS":
            allowed = set(exc.allowed) | {"OPTIONS"}
            return Response(204, "", {"Allow": _allow_header(allowed)})
        return Response(405, "Method Not Allowed", {"Allow": _allow_header(exc.allowed)})
    request.params = dict(found.params)
    response = _to_response(found.handler(request, **found.params))
    if method == "HEAD":
        response = Response(response.status, "", dict(response.headers))
    return response
