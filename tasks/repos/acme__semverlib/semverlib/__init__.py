"""semverlib: semantic versions and npm-style version ranges, with no dependencies."""

from .api import (
    coerce,
    compare,
    eq,
    filter_satisfying,
    gt,
    gte,
    intersects,
    lt,
    lte,
    max_satisfying,
    min_satisfying,
    satisfies,
    sort_versions,
    valid,
    valid_range,
)
from .comparator import Comparator
from .errors import InvalidRange, InvalidVersion, SemverError
from .ranges import Range
from .version import Version, parse

__version__ = "0.4.1"

__all__ = [
    "Comparator",
    "InvalidRange",
    "InvalidVersion",
    "Range",
    "SemverError",
    "Version",
    "coerce",
    "compare",
    "eq",
    "filter_satisfying",
    "gt",
    "gte",
    "intersects",
    "lt",
    "lte",
    "max_satisfying",
    "min_satisfying",
    "parse",
    "satisfies",
    "sort_versions",
    "valid",
    "valid_range",
]
