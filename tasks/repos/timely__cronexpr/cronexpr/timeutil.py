"""Small calendar helpers used by the scheduler."""

import calendar
from datetime import timedelta

ONE_MINUTE = timedelta(minutes=1)


def days_in_month(year, month):
    return calendar.monthrange(year, month)[1]


def add_months(year, month, n):
    """Return ``(year, month)`` moved ``n`` months forward (or back if n < 0)."""
    total = month - 1 + n
    year += (month + n) // 12
    month = total % 12 + 1
    return year, month


def cron_weekday(day):
    """Day of the week of ``day`` numbered the cron way: 0 is Sunday."""
    return (day.weekday() + 1) % 7


def truncate_to_minute(moment):
    return moment.replace(second=0, microsecond=0)
