"""Backoff strategies: how long to wait before retrying a failed job.

``delay(attempt)`` gets the number of attempts made so far (1 after the
first failure) and returns the number of seconds to wait before the next.
"""

import random


class Backoff:
    def delay(self, attempt):
        raise NotImplementedError

    def delays(self, count):
        """The delays before each of the first ``count`` retries."""
        return [self.delay(attempt) for attempt in range(1, count + 1)]


def _check_attempt(attempt):
    if attempt < 1:
        raise ValueError(f"attempt must be >= 1, got {attempt}")


def _non_negative(name, value):
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


class NoBackoff(Backoff):
    """Retry immediately."""

    def delay(self, attempt):
        _check_attempt(attempt)
        return 0.0

    def __repr__(self):
        return "NoBackoff()"


class ConstantBackoff(Backoff):
    """Wait the same time before every retry."""

    def __init__(self, seconds):
        self.seconds = _non_negative("seconds", seconds)

    def delay(self, attempt):
        _check_attempt(attempt)
        return float(self.seconds)

    def __repr__(self):
        return f"ConstantBackoff({self.seconds!r})"


class LinearBackoff(Backoff):
    """Wait ``initial``, then ``initial + increment``, and so on."""

    def __init__(self, initial, increment, max_delay=None):
        self.initial = _non_negative("initial", initial)
        self.increment = _non_negative("increment", increment)
        self.max_delay = None if max_delay is None else _non_negative("max_delay", max_delay)

    def delay(self, attempt):
        _check_attempt(attempt)
        value = self.initial + self.increment * (attempt - 1)
        if self.max_delay is not None:
            value = min(value, self.max_delay)
        return float(value)

    def __repr__(self):
        return f"LinearBackoff({self.initial!r}, {self.increment!r}, max_delay={self.max_delay!r})"


class ExponentialBackoff(Backoff):
    """Wait ``initial * factor ** (attempt - 1)``, capped at ``max_delay``.

    With ``jitter`` (a fraction, e.g. 0.1 for +/-10%) each delay is spread
    randomly around its nominal value, so that many jobs failing together
    do not all retry at the same instant.
    """

    def __init__(self, initial=0.1, factor=2.0, max_delay=None, jitter=0.0, rng=None):
        self.initial = _non_negative("initial", initial)
        if factor < 1:
            raise ValueError(f"factor must be >= 1, got {factor}")
        self.factor = factor
        self.max_delay = None if max_delay is None else _non_negative("max_delay", max_delay)
        if not 0 <= jitter <= 1:
            raise ValueError(f"jitter must be between 0 and 1, got {jitter}")
        self.jitter = jitter
        self._rng = rng if rng is not None else random.Random()

    def delay(self, attempt):
        _check_attempt(attempt)
        try:
            value = self.initial * self.factor ** (attempt - 1)
        except OverflowError:
            value = float("inf")
        if self.max_delay is not None:
            value = min(value, self.max_delay)
        if self.jitter:
            value *= 1 + self._rng.uniform(-self.jitter, self.jitter)
        return float(value)

    def __repr__(self):
        return (
            f"ExponentialBackoff({self.initial!r}, {self.factor!r}, "
            f"max_delay={self.max_delay!r}, jitter={self.jitter!r})"
        )
