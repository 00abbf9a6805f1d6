"""Dollar sums that do not depend on the order rows are read in.

Adding floats one by one rounds after each addition, so the same costs read in another order
(files swapped on the command line, rows of a file shuffled) can give totals that differ in the
last bits, and a report that prints every digit (`--format json`) would change. Each cost is
turned into an integer number of 2**-100 dollars, which is exact for every cost above about
1e-15 dollars, and integers add exactly in any order.
"""

from __future__ import annotations

from collections.abc import Iterable

UNIT = 2.0**100  # units per dollar


def units(dollars: float | None) -> int:
    """A cost as whole units (None, an unknown cost, as 0)."""
    return round(dollars * UNIT) if dollars else 0


def dollars(total: int) -> float:
    """Units back to dollars, correctly rounded."""
    return total / 2**100


def exact_sum(values: Iterable[float | None]) -> float:
    """The sum of costs, the same in any order."""
    return dollars(sum(units(value) for value in values))
