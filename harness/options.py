"""Command-line options declared beside the settings they set.

A settings dataclass declares each of its fields with `option(...)`: the flag, the help text
and the validation of its value. `add_options` puts a dataclass's fields on an argparse group, and
`from_args` builds the dataclass back from parsed arguments, checked. Adding an option then
touches two places: the field, and the code that uses it.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from harness import UsageError

Check = Callable[[Any], str | None]  # a problem with the value, or None
T = TypeVar("T")


def positive(value: float) -> str | None:
    return None if value > 0 and math.isfinite(value) else "must be positive"


def non_negative(value: float) -> str | None:
    return None if value >= 0 and math.isfinite(value) else "must be zero or more"


@dataclass(frozen=True)
class Option:
    help: str
    flag: str | None = None  # default: the field name with dashes
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    check: Check | None = None
    type: Callable[[str], Any] | None = None  # default: the default value's type


def option(
    default: Any,
    help: str,
    *,
    flag: str | None = None,
    metavar: str | None = None,
    choices: tuple[str, ...] | None = None,
    check: Check | None = None,
    type: Callable[[str], Any] | None = None,
) -> Any:
    """A dataclass field that is also a command-line option."""
    spec = Option(help, flag, metavar, choices, check, type)
    return dataclasses.field(default=default, metadata={"option": spec})


def _options(cls: type) -> list[tuple[dataclasses.Field[Any], Option]]:
    return [(f, f.metadata["option"]) for f in dataclasses.fields(cls) if "option" in f.metadata]


def add_options(group: Any, cls: type) -> None:
    """Every `option` field of `cls` as an argument of `group` (a parser or argument group)."""
    for f, spec in _options(cls):
        flag = spec.flag or "--" + f.name.replace("_", "-")
        default = f.default
        text = spec.help
        if default not in (None, False, ""):
            text += f" (default: {default})"
        if isinstance(default, bool):
            group.add_argument(flag, dest=f.name, action="store_true", help=text)
            continue
        kind = spec.type or (type(default) if default is not None else str)
        group.add_argument(
            flag,
            dest=f.name,
            type=kind,
            default=default,
            metavar=spec.metavar,
            choices=spec.choices,
            help=text,
        )


def from_args(cls: type[T], args: argparse.Namespace, **extra: Any) -> T:
    """An instance of `cls` from parsed arguments, each value checked; a bad one is a
    UsageError naming its flag."""
    values = dict(extra)
    for f, spec in _options(cls):
        value = getattr(args, f.name)
        if value is not None and spec.check is not None and (problem := spec.check(value)):
            flag = spec.flag or "--" + f.name.replace("_", "-")
            raise UsageError(f"{flag} {problem}")
        values[f.name] = value
    return cls(**values)
