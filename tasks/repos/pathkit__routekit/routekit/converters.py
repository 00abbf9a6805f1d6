"""Converters: how a typed template parameter is matched, decoded and encoded.

A converter has a ``regex`` that the raw (percent-encoded) path text must match, a
``to_python`` method turning that text into a value (raising ``ValueError`` to reject it) and a
``to_url`` method turning a value back into path text.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from urllib.parse import quote

from .errors import TemplateError


class Converter:
    """The default converter: one path segment, as text."""

    regex = r"[^/]+"

    def to_python(self, value: str):
        return value

    def to_url(self, value) -> str:
        return quote(str(value), safe="")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class StringConverter(Converter):
    pass


class IntConverter(Converter):
    """A non-negative integer written with decimal digits."""

    regex = r"\d+"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        number = int(value)
        if number < 0:
            raise ValueError(f"negative value {number} for an int parameter")
        return str(number)


class FloatConverter(Converter):
    """A non-negative decimal number such as ``3`` or ``2.5``."""

    regex = r"[0-9]+(?:\.[0-9]+)?"

    def to_python(self, value: str) -> float:
        return float(value)

    def to_url(self, value) -> str:
        number = float(value)
        if number < 0:
            raise ValueError(f"negative value {number} for a float parameter")
        text = repr(number)
        return text[:-2] if text.endswith(".0") else text


class SlugConverter(Converter):
    """Lower-case ASCII letters and digits, in words joined by single hyphens."""

    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


class UUIDConverter(Converter):
    regex = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value) -> str:
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


class PathConverter(Converter):
    """The rest of the path, slashes included."""

    regex = r".+"

    def to_url(self, value) -> str:
        return quote(str(value), safe="/")


DEFAULT_CONVERTERS: dict[str, type[Converter]] = {
    "str": StringConverter,
    "int": IntConverter,
    "float": FloatConverter,
    "slug": SlugConverter,
    "uuid": UUIDConverter,
    "path": PathConverter,
}


def get_converter(name: str, registry: Mapping[str, type[Converter]] | None = None) -> Converter:
    """Instantiate the converter called ``name`` from ``registry`` (default: the built-ins)."""
    if registry is None:
        registry = DEFAULT_CONVERTERS
    try:
        converter_class = registry[name]
    except KeyError:
        raise TemplateError(f"unknown converter {name!r}") from None
    return converter_class()
