"""Search forwards or backwards for the run times of an expression.

The search walks from the start time, skipping a whole month, day or hour
as soon as that unit cannot contain a match, so that even sparse
expressions are resolved in a few hundred steps at most.
"""

from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta

from .errors import NoMatchError
from .timeutil import ONE_MINUTE, add_months, days_in_month, truncate_to_minute

#: How many years to look ahead (or back) before giving up.
MAX_YEARS = 5

ONE_HOUR = timedelta(hours=1)
ONE_DAY = timedelta(days=1)


def _first_at_or_after(values, current):
    index = bisect_left(values, current)
    return values[index] if index < len(values) else None


def _last_at_or_before(values, current):
    index = bisect_right(values, current)
    return values[index - 1] if index else None


def next_fire(expr, start):
    """Return the first run time of ``expr`` strictly after ``start``."""
    moment = truncate_to_minute(start) + ONE_MINUTE
    horizon = start.year + MAX_YEARS
    while moment.year <= horizon:
        if moment.month not in expr.months:
            year, month = add_months(moment.year, moment.month, 1)
            moment = datetime(year, month, 1, 0, 0)
            continue
        if not expr.day_matches(moment.date()):
            moment = datetime(moment.year, moment.month, moment.day) + ONE_DAY
            continue
        if moment.hour not in expr.hours:
            moment = moment.replace(minute=0) + ONE_HOUR
            continue
        minute = _first_at_or_after(expr.sorted_minutes, moment.minute)
        if minute is None:
            moment = moment.replace(minute=0) + ONE_HOUR
            continue
        return moment.replace(minute=minute)
    raise NoMatchError(f"{expr.text!r} has no run time in the {MAX_YEARS} years after {start}")


def prev_fire(expr, start):
    """Return the last run time of ``expr`` strictly before ``start``."""
    moment = truncate_to_minute(start)
    if moment >= start:
        moment -= ONE_MINUTE
    horizon = start.year - MAX_YEARS
    while moment.year >= horizon:
        if moment.month not in expr.months:
            year, month = add_months(moment.year, moment.month, -1)
            moment = datetime(year, month, days_in_month(year, month), 23, 59)
            continue
        if not expr.day_matches(moment.date()):
            moment = datetime(moment.year, moment.month, moment.day, 23, 59) - ONE_DAY
            continue
        if moment.hour not in expr.hours:
            moment = moment.replace(minute=59) - ONE_HOUR
            continue
        minute = _last_at_or_before(expr.sorted_minutes, moment.minute)
        if minute is None:
            moment = moment.replace(minute=59) - ONE_HOUR
            continue
        return moment.replace(minute=minute)
    raise NoMatchError(f"{expr.text!r} has no run time in the {MAX_YEARS} years before {start}")
