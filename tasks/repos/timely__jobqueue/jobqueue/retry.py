"""Retry policies: whether, and after how long, a failed job runs again."""

from .backoff import Backoff, NoBackoff


class RetryPolicy:
    """Retry a failing job up to ``max_retries`` times.

    ``backoff`` decides how long to wait before each retry (no wait by
    default). Only :class:`Exception` subclasses are retried: a job that
    raises ``KeyboardInterrupt`` or ``SystemExit`` fails at once.
    """

    def __init__(self, max_retries=0, backoff=None):
        if not isinstance(max_retries, int) or isinstance(max_retries, bool):
            raise TypeError(f"max_retries must be an int, got {max_retries!r}")
        if max_retries < 0:
            raise ValueError(f"max_retries must not be negative, got {max_retries}")
        if backoff is not None and not isinstance(backoff, Backoff):
            raise TypeError(f"backoff must be a Backoff, got {backoff!r}")
        self.max_retries = max_retries
        self.backoff = backoff if backoff is not None else NoBackoff()

    def should_retry(self, exception, attempt):
        """Whether to run the job again after its ``attempt``-th run failed."""
        if not isinstance(exception, Exception):
            return False
        return attempt <= self.max_retries

    def delay_for(self, attempt):
        """Seconds to wait after the ``attempt``-th failed run."""
        return self.backoff.delay(attempt)

    def __repr__(self):
        return f"RetryPolicy(max_retries={self.max_retries!r}, backoff={self.backoff!r})"


#: The default policy: never retry.
NO_RETRY = RetryPolicy()
