"""Exceptions raised by jobqueue."""


class JobQueueError(Exception):
    """Base class for jobqueue errors."""


class QueueClosedError(JobQueueError):
    """A job was submitted to a queue that has been shut down."""


class CancelledError(JobQueueError):
    """The result of a cancelled job was requested."""


class InvalidStateError(JobQueueError):
    """A future was moved to a state it cannot reach from its current one."""
