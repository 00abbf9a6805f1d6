"""Parse cron expressions and compute their next and previous run times."""

from .errors import CronError, CronParseError, NoMatchError
from .expression import CronExpression
from .parser import ALIASES

__all__ = [
    "ALIASES",
    "CronError",
    "CronExpression",
    "CronParseError",
    "NoMatchError",
    "next_run",
    "prev_run",
]

__version__ = "0.6.1"


def next_run(expression, start=None):
    """Shortcut for ``CronExpression(expression).next(start)``."""
    return CronExpression(expression).next(start)


def prev_run(expression, start=None):
    """Shortcut for ``CronExpression(expression).prev(start)``."""
    return CronExpression(expression).prev(start)
