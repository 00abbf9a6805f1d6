"""Path templates such as ``/users/{id:int}/files/{rest:path}``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .converters import Converter, get_converter
from .errors import BuildError, TemplateError

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Param:
    """A ``{name:converter}`` placeholder of a template."""

    name: str
    converter: Converter


Token = str | Param


def parse_template(
    pattern: str, converters: Mapping[str, type[Converter]] | None = None
) -> list[Token]:
    """Split a template into literal text and parameters.

    ``converters`` maps converter names to classes (default: the built-in converters).

    >>> [t if isinstance(t, str) else t.name for t in parse_template("/u/{id:int}.json")]
    ['/u/', 'id', '.json']
    """
    if not pattern.startswith("/"):
        raise TemplateError(f"template must start with '/': {pattern!r}")
    tokens: list[Token] = []
    names: set[str] = set()
    position = 0
    for match in _PLACEHOLDER.finditer(pattern):
        _append_literal(tokens, pattern[position : match.start()], pattern)
        name, _, converter_name = match.group(1).partition(":")
        name, converter_name = name.strip(), converter_name.strip() or "str"
        if not name.isidentifier():
            raise TemplateError(f"invalid parameter name {name!r} in {pattern!r}")
        if name in names:
            raise TemplateError(f"duplicate parameter {name!r} in {pattern!r}")
        if tokens and isinstance(tokens[-1], Param):
            raise TemplateError(f"parameters must be separated by literal text in {pattern!r}")
        names.add(name)
        tokens.append(Param(name, get_converter(converter_name)))
        position = match.end()
    _append_literal(tokens, pattern[position:], pattern)
    return tokens


def _append_literal(tokens: list[Token], text: str, pattern: str) -> None:
    if "{" in text or "}" in text:
        raise TemplateError(f"unbalanced brace in {pattern!r}")
    if text:
        tokens.append(text)


class Template:
    """A compiled path template."""

    def __init__(self, pattern: str, converters: Mapping[str, type[Converter]] | None = None):
        self.pattern = pattern
        self.tokens = parse_template(pattern, converters)
        self.params = [token for token in self.tokens if isinstance(token, Param)]
        regex = "".join(
            re.escape(token) if isinstance(token, str) else f"(?P<{token.name}>{token.converter.regex})"
            for token in self.tokens
        )
        self.regex = re.compile(regex)

    @property
    def param_names(self) -> list[str]:
        return [param.name for param in self.params]

    @property
    def is_static(self) -> bool:
        return not self.params

    def match(self, path: str) -> dict[str, Any] | None:
        """The converted parameters if ``path`` matches the template, else ``None``."""
        found = self.regex.fullmatch(path)
        if found is None:
            return None
        values = {}
        for param in self.params:
            try:
                values[param.name] = param.converter.to_python(found.group(param.name))
            except ValueError:
                return None
        return values

    def build(self, values: Mapping[str, Any]) -> str:
        """The path for the given parameter values; raises ``BuildError`` if one is missing."""
        parts = []
        for token in self.tokens:
            if isinstance(token, str):
                parts.append(token)
                continue
            if token.name not in values:
                raise BuildError(f"missing parameter {token.name!r} for {self.pattern!r}")
            text = str(values[token.name])
            if not re.fullmatch(token.converter.regex, text):
                raise BuildError(
                    f"value {values[token.name]!r} for {token.name!r} does not match {self.pattern!r}"
                )
            parts.append(text)
        return "".join(parts)

    def __repr__(self) -> str:
        return f"Template({self.pattern!r})"
