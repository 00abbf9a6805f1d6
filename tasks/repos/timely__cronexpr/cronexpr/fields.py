"""Specifications of the five cron fields."""

from dataclasses import dataclass, field
from typing import Callable, Mapping

MONTH_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

DAY_NAMES = {
    "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
}


def _identity(value):
    return value


def _sunday_is_zero(value):
    """Day-of-week 7 is an alias of 0 (Sunday), as in most crons."""
    return value % 7


@dataclass(frozen=True)
class FieldSpec:
    """Bounds and names accepted by one field of an expression."""

    name: str
    min_value: int
    max_value: int
    names: Mapping[str, int] = field(default_factory=dict)
    normalize: Callable[[int], int] = _identity

    def contains(self, value):
        return self.min_value <= value <= self.max_value

    def all_values(self):
        """Every value the field can take, normalised."""
        return frozenset(
            self.normalize(v) for v in range(self.min_value, self.max_value + 1)
        )

    def __str__(self):
        return self.name.replace("_", "-")


MINUTE = FieldSpec("minute", 0, 59)
HOUR = FieldSpec("hour", 0, 23)
DAY_OF_MONTH = FieldSpec("day_of_month", 1, 31)
MONTH = FieldSpec("month", 1, 12, MONTH_NAMES)
DAY_OF_WEEK = FieldSpec("day_of_week", 0, 7, DAY_NAMES, _sunday_is_zero)

FIELDS = (MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK)
