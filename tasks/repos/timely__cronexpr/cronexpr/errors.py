"""Exceptions raised by cronexpr."""


class CronError(Exception):
    """Base class for all cronexpr errors."""


class CronParseError(CronError, ValueError):
    """The expression (or one of its fields) is not valid cron syntax."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class NoMatchError(CronError):
    """No run time exists within the search horizon.

    Raised for expressions that can never fire, such as ``0 0 30 2 *``
    (February 30th).
    """
