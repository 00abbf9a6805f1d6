"""Primitive comparators such as `>=1.2.3` or `<2.0.0-0`: one operator and one full version.

Ranges (see `ranges.py`) are desugared into sets of these before anything is tested.
"""

from __future__ import annotations

import re

from .errors import InvalidRange, InvalidVersion
from .version import Version

OPERATORS = ("<", "<=", ">", ">=", "=")

_COMPARATOR = re.compile(r"\s*(<=|>=|<|>|=)?\s*(\S+)\s*")


class Comparator:
    """`op version`, or the match-anything comparator when `version` is None."""

    __slots__ = ("op", "version")

    def __init__(self, op: str, version: Version | None):
        if version is None:
            op = ""
        elif op not in OPERATORS:
            raise ValueError(f"unknown operator {op!r}")
        self.op = op
        self.version = version

    @classmethod
    def parse(cls, text: str) -> Comparator:
        """Parse a primitive comparator; a bare version means `=`, and `*` or `` match all."""
        if text.strip() in ("", "*"):
            return ANY
        match = _COMPARATOR.fullmatch(text)
        if not match:
            raise InvalidRange(text, "not a comparator")
        op, version_text = match.groups()
        try:
            version = Version.parse(version_text, loose=True)
        except InvalidVersion as exc:
            raise InvalidRange(text, exc.reason) from None
        return cls(op or "=", version)

    @property
    def matches_all(self) -> bool:
        return self.version is None

    def test(self, version: Version) -> bool:
        """Whether `version` passes this comparator; pre-release policy is the range's job."""
        if self.version is None:
            return True
        result = version.compare(self.version)
        if self.op == "=":
            return result == 0
        if self.op == "<":
            return result < 0
        if self.op == "<=":
            return result <= 0
        if self.op == ">":
            return result > 0
        return result >= 0

    def is_lower_bound(self) -> bool:
        return self.op in (">", ">=")

    def is_upper_bound(self) -> bool:
        return self.op in ("<", "<=")

    def __str__(self) -> str:
        if self.version is None:
            return "*"
        op = "" if self.op == "=" else self.op
        return f"{op}{self.version}"

    def __repr__(self) -> str:
        return f"Comparator({str(self)!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Comparator):
            return NotImplemented
        return self.op == other.op and self.version == other.version

    def __hash__(self) -> int:
        return hash((self.op, self.version))


ANY = Comparator("", None)
