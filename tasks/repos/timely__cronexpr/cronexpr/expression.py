"""The :class:`CronExpression` object."""

from datetime import datetime
from itertools import islice

from .errors import CronParseError
from .fields import DAY_OF_MONTH, DAY_OF_WEEK, HOUR, MINUTE, MONTH
from .parser import parse_field, split_expression
from .schedule import next_fire, prev_fire
from .timeutil import cron_weekday


class CronExpression:
    """A parsed five-field cron expression.

    >>> expr = CronExpression("30 4 * * mon")
    >>> expr.next(datetime(2024, 1, 1))
    datetime.datetime(2024, 1, 1, 4, 30)
    """

    def __init__(self, text):
        minute, hour, dom, month, dow = split_expression(text)
        self.text = text.strip()
        self.minutes = parse_field(minute, MINUTE)
        self.hours = parse_field(hour, HOUR)
        self.days_of_month = parse_field(dom, DAY_OF_MONTH)
        self.months = parse_field(month, MONTH)
        self.days_of_week = parse_field(dow, DAY_OF_WEEK)
        self.sorted_minutes = tuple(sorted(self.minutes))

    @classmethod
    def is_valid(cls, text):
        try:
            cls(text)
        except CronParseError:
            return False
        return True

    @property
    def fields(self):
        return (
            self.minutes,
            self.hours,
            self.days_of_month,
            self.months,
            self.days_of_week,
        )

    def day_matches(self, day):
        """Whether the expression can fire at some time on date ``day``."""
        return (
            day.day in self.days_of_month
            and cron_weekday(day) in self.days_of_week
        )

    def matches(self, moment):
        """Whether the expression fires at ``moment`` (seconds are ignored)."""
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.month in self.months
            and self.day_matches(moment.date())
        )

    def next(self, start=None):
        """The first run time strictly after ``start`` (default: now)."""
        return next_fire(self, datetime.now() if start is None else start)

    def prev(self, start=None):
        """The last run time strictly before ``start`` (default: now)."""
        return prev_fire(self, datetime.now() if start is None else start)

    def iter(self, start=None, reverse=False):
        """Yield run times after (or, with ``reverse``, before) ``start``."""
        step = prev_fire if reverse else next_fire
        moment = datetime.now() if start is None else start
        while True:
            moment = step(self, moment)
            yield moment

    def take(self, count, start=None, reverse=False):
        """A list of the next ``count`` run times."""
        return list(islice(self.iter(start, reverse), count))

    def __eq__(self, other):
        if not isinstance(other, CronExpression):
            return NotImplemented
        return self.fields == other.fields

    def __hash__(self):
        return hash(self.fields)

    def __repr__(self):
        return f"CronExpression({self.text!r})"

    def __str__(self):
        return self.text
