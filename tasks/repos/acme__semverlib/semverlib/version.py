"""The `Version` type: parsing, formatting, ordering and increments.

Ordering follows section 11 of the semver 2.0.0 specification: versions are compared by their
major, minor and patch numbers, then a version with a pre-release sorts *before* the same
version without one, and pre-release identifiers are compared one by one. Build metadata is
kept and printed but never takes part in comparisons.
"""

from __future__ import annotations

import functools
import re

from .errors import InvalidVersion

_NUMERIC = re.compile(r"0|[1-9][0-9]*")
_IDENTIFIER = re.compile(r"[0-9A-Za-z-]+")

RELEASE_PARTS = ("major", "minor", "patch")
BUMP_PARTS = ("major", "minor", "patch", "premajor", "preminor", "prepatch", "prerelease")


def _cmp(a, b) -> int:
    return (a > b) - (a < b)


def _compare_identifiers(a: str, b: str) -> int:
    """Compare two pre-release identifiers as the spec says.

    Identifiers made only of digits are compared numerically; others are compared in ASCII
    order. Numeric identifiers always have lower precedence than alphanumeric ones.
    """
    a_numeric = a.isdigit()
    b_numeric = b.isdigit()
    if a_numeric and b_numeric:
        return _cmp(a, b)
    if a_numeric:
        return -1
    if b_numeric:
        return 1
    return _cmp(a, b)


def compare_prerelease(left: tuple[str, ...], right: tuple[str, ...]) -> int:
    """Compare two pre-release tuples; the empty tuple (a release) sorts last."""
    if not left and not right:
        return 0
    if not left:
        return 1
    if not right:
        return -1
    for a, b in zip(left, right):
        result = _compare_identifiers(a, b)
        if result:
            return result
    return _cmp(len(left), len(right))


def _parse_number(text: str, part: str, original: str) -> int:
    if not _NUMERIC.fullmatch(text):
        if text.isdigit():
            raise InvalidVersion(original, f"{part} version has a leading zero")
        raise InvalidVersion(original, f"{part} version is not a number")
    return int(text)


def _parse_identifiers(text: str, what: str, original: str, numeric_rules: bool) -> tuple[str, ...]:
    if not text:
        raise InvalidVersion(original, f"empty {what}")
    parts = tuple(text.split("."))
    for part in parts:
        if not _IDENTIFIER.fullmatch(part):
            raise InvalidVersion(original, f"bad {what} identifier {part!r}")
        if numeric_rules and part.isdigit() and len(part) > 1 and part[0] == "0":
            raise InvalidVersion(original, f"{what} identifier {part!r} has a leading zero")
    return parts


def _split(text: str) -> tuple[str, str | None, str | None]:
    """Split `1.2.3-pre+build` into its core, pre-release and build strings."""
    main, has_pre, prerelease = text.partition("-")
    if has_pre:
        prerelease, has_build, build = prerelease.partition("+")
    else:
        main, has_build, build = main.partition("+")
    return main, (prerelease if has_pre else None), (build if has_build else None)


@functools.total_ordering
class Version:
    """An immutable semantic version."""

    __slots__ = ("major", "minor", "patch", "prerelease", "build")

    def __init__(self, major: int, minor: int = 0, patch: int = 0,
                 prerelease: tuple[str, ...] | str = (), build: tuple[str, ...] | str = ()):
        for name, value in (("major", major), ("minor", minor), ("patch", patch)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, not {value!r}")
        if isinstance(prerelease, str):
            prerelease = tuple(prerelease.split(".")) if prerelease else ()
        if isinstance(build, str):
            build = tuple(build.split(".")) if build else ()
        object.__setattr__(self, "major", major)
        object.__setattr__(self, "minor", minor)
        object.__setattr__(self, "patch", patch)
        object.__setattr__(self, "prerelease", tuple(str(p) for p in prerelease))
        object.__setattr__(self, "build", tuple(str(b) for b in build))

    def __setattr__(self, name, value):
        raise AttributeError("Version objects are immutable")

    # -- parsing and formatting ------------------------------------------------------------

    @classmethod
    def parse(cls, text: str, loose: bool = False) -> Version:
        """Parse a version string. `loose` accepts a leading `v` or `=` and outer spaces."""
        if isinstance(text, Version):
            return text
        if not isinstance(text, str):
            raise TypeError(f"expected a version string, not {type(text).__name__}")
        original = text
        if loose:
            text = text.strip().lstrip("=").strip()
            if text[:1] in ("v", "V"):
                text = text[1:]
        main, prerelease, build = _split(text)
        pieces = main.split(".")
        if len(pieces) != 3:
            raise InvalidVersion(original, "expected MAJOR.MINOR.PATCH")
        major, minor, patch = (_parse_number(p, n, original) for p, n in zip(pieces, RELEASE_PARTS))
        pre = () if prerelease is None else _parse_identifiers(prerelease, "pre-release",
                                                                 original, True)
        meta = () if build is None else _parse_identifiers(build, "build metadata", original,
                                                            False)
        return cls(major, minor, patch, pre, meta)

    @classmethod
    def is_valid(cls, text: str, loose: bool = False) -> bool:
        try:
            cls.parse(text, loose=loose)
        except InvalidVersion:
            return False
        return True

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __repr__(self) -> str:
        return f"Version({str(self)!r})"

    # -- comparison ------------------------------------------------------------------------

    @property
    def release(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    def compare(self, other: Version | str) -> int:
        """Return -1, 0 or 1 as this version is lower than, equal to or higher than `other`."""
        other = _coerce_operand(other)
        result = _cmp(self.release, other.release)
        if result:
            return result
        return compare_prerelease(self.prerelease, other.prerelease)

    def __eq__(self, other) -> bool:
        try:
            return self.compare(other) == 0
        except (TypeError, InvalidVersion):
            return NotImplemented

    def __lt__(self, other) -> bool:
        try:
            return self.compare(other) < 0
        except (TypeError, InvalidVersion):
            return NotImplemented

    def __hash__(self) -> int:
        return hash((self.release, self.prerelease))

    # -- derived versions ------------------------------------------------------------------

    def replace(self, **changes) -> Version:
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Version(**fields)

    def finalize(self) -> Version:
        """The release this version leads up to: `1.2.3-rc.1` -> `1.2.3`."""
        return Version(self.major, self.minor, self.patch)

    def bump(self, part: str, identifier: str | None = None) -> Version:
        """Return the next version for `part`, following npm's `semver.inc` rules.

        `identifier` names the pre-release channel (`alpha`, `rc`, ...) for the `pre*` parts.
        Build metadata is always dropped.
        """
        if part not in BUMP_PARTS:
            raise ValueError(f"unknown part {part!r}; expected one of {', '.join(BUMP_PARTS)}")
        major, minor, patch = self.release
        if part == "major":
            return Version(major + 1, 0, 0)
        if part == "minor":
            return Version(major, minor + 1, 0)
        if part == "patch":
            return Version(major, minor, patch + 1)
        if part == "premajor":
            return Version(major + 1, 0, 0, _first_prerelease(identifier))
        if part == "preminor":
            return Version(major, minor + 1, 0, _first_prerelease(identifier))
        if part == "prepatch":
            return Version(major, minor, patch + 1, _first_prerelease(identifier))
        # prerelease
        if not self.prerelease:
            return Version(major, minor, patch + 1, _first_prerelease(identifier))
        return Version(major, minor, patch, _next_prerelease(self.prerelease, identifier))


def _first_prerelease(identifier: str | None) -> tuple[str, ...]:
    return (identifier, "0") if identifier else ("0",)


def _next_prerelease(current: tuple[str, ...], identifier: str | None) -> tuple[str, ...]:
    """`alpha.1` -> `alpha.2`; `alpha` -> `alpha.0`; switching channel starts at `.0`."""
    if identifier and current[0] != identifier:
        return (identifier, "0")
    parts = list(current)
    for index in range(len(parts) - 1, -1, -1):
        if parts[index].isdigit():
            parts[index] = str(int(parts[index]) + 1)
            return tuple(parts)
    return (*parts, "0")


def _coerce_operand(value) -> Version:
    if isinstance(value, Version):
        return value
    if isinstance(value, str):
        return Version.parse(value)
    raise TypeError(f"cannot compare Version with {type(value).__name__}")


def parse(text: str, loose: bool = False) -> Version:
    """Shorthand for `Version.parse`."""
    return Version.parse(text, loose=loose)
