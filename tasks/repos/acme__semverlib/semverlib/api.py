"""Convenience functions that take strings, in the style of the npm `semver` package."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .errors import InvalidRange, InvalidVersion
from .ranges import Range
from .version import Version

_COERCE = re.compile(r"(?<!\d)(\d{1,16})(?:\.(\d{1,16}))?(?:\.(\d{1,16}))?(?!\d)")


@functools.lru_cache(maxsize=512)
def _range(text: str) -> Range:
    """Parse a range once; dependency resolvers test the same few ranges over and over."""
    return Range(text)


def _as_range(value: Range | str) -> Range:
    return value if isinstance(value, Range) else _range(value)


def _as_version(value: Version | str) -> Version:
    return value if isinstance(value, Version) else Version.parse(value, loose=True)


def valid(text: str) -> str | None:
    """The normalized version string, or None when `text` is not a version."""
    try:
        return str(Version.parse(text, loose=True))
    except (InvalidVersion, TypeError):
        return None


def valid_range(text: str) -> str | None:
    """The desugared form of a range, or None when `text` is not a range."""
    try:
        return str(_as_range(text))
    except (InvalidRange, TypeError):
        return None


def compare(a: Version | str, b: Version | str) -> int:
    return _as_version(a).compare(_as_version(b))


def gt(a, b) -> bool:
    return compare(a, b) > 0


def gte(a, b) -> bool:
    return compare(a, b) >= 0


def lt(a, b) -> bool:
    return compare(a, b) < 0


def lte(a, b) -> bool:
    return compare(a, b) <= 0


def eq(a, b) -> bool:
    return compare(a, b) == 0


def sort_versions(versions: Iterable[Version | str], reverse: bool = False) -> list[Version]:
    """Versions in ascending order (descending with `reverse`); equal versions keep their order."""
    return sorted((_as_version(v) for v in versions), reverse=reverse)


def satisfies(version: Version | str, range_: Range | str, include_prerelease: bool = False) -> bool:
    """Whether `version` is in `range_`. An unparseable version satisfies nothing."""
    try:
        parsed = _as_version(version)
    except InvalidVersion:
        return False
    return _as_range(range_).test(parsed, include_prerelease=include_prerelease)


def filter_satisfying(versions: Iterable[Version | str], range_: Range | str,
                      include_prerelease: bool = False) -> list[Version]:
    """The versions in `range_`, in their original order; unparseable ones are skipped."""
    target = _as_range(range_)
    kept = []
    for value in versions:
        try:
            version = _as_version(value)
        except InvalidVersion:
            continue
        if target.test(version, include_prerelease=include_prerelease):
            kept.append(version)
    return kept


def max_satisfying(versions: Iterable[Version | str], range_: Range | str,
                   include_prerelease: bool = False) -> Version | None:
    matching = filter_satisfying(versions, range_, include_prerelease)
    return max(matching) if matching else None


def min_satisfying(versions: Iterable[Version | str], range_: Range | str,
                   include_prerelease: bool = False) -> Version | None:
    matching = filter_satisfying(versions, range_, include_prerelease)
    return min(matching) if matching else None


def intersects(a: Range | str, b: Range | str) -> bool:
    """Whether at least one version could satisfy both ranges."""
    return _as_range(a).intersects(_as_range(b))


def coerce(text: str) -> Version | None:
    """Find the first thing that looks like a version in `text`: `v2` -> 2.0.0, `1.4-beta` -> 1.4.0."""
    if isinstance(text, Version):
        return text
    match = _COERCE.search(str(text))
    if not match:
        return None
    major, minor, patch = (int(g) if g else 0 for g in match.groups())
    return Version(major, minor, patch)
