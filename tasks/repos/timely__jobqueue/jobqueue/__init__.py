"""A thread-pool job queue with priorities, retries, backoff and futures."""

from .backoff import Backoff, ConstantBackoff, ExponentialBackoff, LinearBackoff, NoBackoff
from .errors import CancelledError, InvalidStateError, JobQueueError, QueueClosedError
from .future import JobFuture
from .pool import JobQueue
from .retry import NO_RETRY, RetryPolicy

__all__ = [
    "Backoff",
    "CancelledError",
    "ConstantBackoff",
    "ExponentialBackoff",
    "InvalidStateError",
    "JobFuture",
    "JobQueue",
    "JobQueueError",
    "LinearBackoff",
    "NO_RETRY",
    "NoBackoff",
    "QueueClosedError",
    "RetryPolicy",
]

__version__ = "1.2.0"
