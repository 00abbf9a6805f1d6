"""The unit of work held by the queue."""

import itertools

from .future import JobFuture
from .retry import NO_RETRY

_sequence = itertools.count()


class Job:
    """A function call waiting to be run, with its scheduling details."""

    def __init__(self, fn, args=(), kwargs=None, *, priority=0, retry=None, name=None):
        if not callable(fn):
            raise TypeError(f"job function must be callable, got {fn!r}")
        self.fn = fn
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.priority = priority
        self.retry = retry if retry is not None else NO_RETRY
        self.name = name or getattr(fn, "__name__", repr(fn))
        #: Submission order, used to keep jobs of equal priority FIFO.
        self.seq = next(_sequence)
        #: Number of runs started so far.
        self.attempts = 0
        #: Monotonic time before which the job must not run (for retries).
        self.ready_at = 0.0
        self.future = JobFuture(self.name)

    def sort_key(self):
        """Higher priority first, then first submitted first."""
        return (-self.priority, self.seq)

    def __lt__(self, other):
        return self.sort_key() < other.sort_key()

    def schedule_retry(self, delay, now):
        """Record a failed run and make the job due again ``delay`` seconds after ``now``."""
        self.attempts += 1
        self.ready_at = now + delay
        self.future.set_retrying()

    def __repr__(self):
        return f"<Job {self.name!r} priority={self.priority} attempts={self.attempts}>"
