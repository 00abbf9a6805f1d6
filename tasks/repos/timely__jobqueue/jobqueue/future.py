"""Futures: handles on the eventual result of a submitted job."""

import logging
import threading

from .errors import CancelledError, InvalidStateError

log = logging.getLogger(__name__)

PENDING = "pending"
RUNNING = "running"
CANCELLED = "cancelled"
FINISHED = "finished"


class JobFuture:
    """The eventual outcome of a job.

    A future starts *pending*, becomes *running* while a worker executes
    the job (and *pending* again while the job waits for a retry), and ends
    either *finished* (with a result or an exception) or *cancelled*.
    """

    def __init__(self, name=None):
        self.name = name
        #: How many times the job has been started so far.
        self.attempts = 0
        self._condition = threading.Condition()
        self._state = PENDING
        self._result = None
        self._exception = None
        self._callbacks = []

    def __repr__(self):
        return f"<JobFuture {self.name!r} {self._state}>"

    # -- queries -----------------------------------------------------------

    @property
    def state(self):
        return self._state

    def cancelled(self):
        return self._state == CANCELLED

    def running(self):
        return self._state == RUNNING

    def done(self):
        return self._state in (CANCELLED, FINISHED)

    def result(self, timeout=None):
        """Wait for the job and return its result (or raise its exception).

        Raises :class:`TimeoutError` if the job is not done within
        ``timeout`` seconds and :class:`CancelledError` if it was cancelled.
        """
        with self._condition:
            self._wait(timeout)
            if self._state == CANCELLED:
                raise CancelledError(f"job {self.name!r} was cancelled")
            if self._exception is not None:
                raise self._exception
            return self._result

    def exception(self, timeout=None):
        """Wait for the job and return the exception it raised, or None."""
        with self._condition:
            self._wait(timeout)
            if self._state == CANCELLED:
                raise CancelledError(f"job {self.name!r} was cancelled")
            return self._exception

    def _wait(self, timeout):
        if not self._condition.wait_for(self.done, timeout):
            raise TimeoutError(f"job {self.name!r} not done after {timeout} seconds")

    # -- control -----------------------------------------------------------

    def cancel(self):
        """Cancel the job unless it is running or done.

        Returns True if the future is cancelled when the call returns.
        """
        with self._condition:
            if self._state in (RUNNING, FINISHED):
                return False
            if self._state == CANCELLED:
                return True
            self._state = CANCELLED
            self._condition.notify_all()
        self._run_callbacks()
        return True

    def add_done_callback(self, fn):
        """Call ``fn(future)`` once the future finishes or is cancelled.

        Callbacks run in the thread that completes the future; a callback
        added to a future that is already done is called right away.
        Exceptions raised by callbacks are logged and otherwise ignored.
        """
        with self._condition:
            self._callbacks.append(fn)

    # -- used by the workers -----------------------------------------------

    def set_running_or_notify_cancel(self):
        """Mark the future running; return False if it was cancelled."""
        with self._condition:
            if self._state == CANCELLED:
                return False
            if self._state != PENDING:
                raise InvalidStateError(f"cannot start a {self._state} job")
            self._state = RUNNING
            return True

    def set_retrying(self):
        """Move a running future back to pending while it waits for a retry."""
        with self._condition:
            if self._state != RUNNING:
                raise InvalidStateError(f"cannot retry a {self._state} job")
            self._state = PENDING

    def set_result(self, result):
        self._finish(result, None)

    def set_exception(self, exception):
        self._finish(None, exception)

    def _finish(self, result, exception):
        with self._condition:
            if self._state in (CANCELLED, FINISHED):
                raise InvalidStateError(f"job {self.name!r} is already {self._state}")
            self._result = result
            self._exception = exception
            self._state = FINISHED
            self._condition.notify_all()
        self._run_callbacks()

    def _run_callbacks(self):
        with self._condition:
            callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            self._call(fn)

    def _call(self, fn):
        try:
            fn(self)
        except Exception:
            log.exception("done callback %r of %r raised", fn, self)
