"""The :class:`JobQueue`: a pool of worker threads fed by a priority queue."""

import logging
import threading
import time
from collections import Counter

from .heap import JobHeap
from .job import Job

log = logging.getLogger(__name__)


class JobQueue:
    """Run submitted jobs on ``workers`` threads, highest priority first.

    Use it as a context manager to shut it down (waiting for the queued
    jobs) on exit.
    """

    def __init__(self, workers=4, *, name="jobqueue", default_retry=None, clock=time.monotonic):
        if workers < 1:
            raise ValueError(f"need at least one worker, got {workers}")
        self.name = name
        self.default_retry = default_retry
        self._clock = clock
        self._heap = JobHeap(clock)
        self._lock = threading.Lock()
        self._counts = Counter()
        self._running = 0
        self._threads = []
        for index in range(workers):
            thread = threading.Thread(
                target=self._worker_loop, name=f"{name}-worker-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    # -- submitting --------------------------------------------------------

    def submit(self, fn, /, *args, priority=0, retry=None, name=None, **kwargs):
        """Queue ``fn(*args, **kwargs)`` and return its :class:`JobFuture`.

        Jobs with a higher ``priority`` run first; equal priorities run in
        submission order. ``retry`` is a :class:`RetryPolicy` (default: the
        queue's ``default_retry``, or no retries).
        """
        job = Job(
            fn,
            args,
            kwargs,
            priority=priority,
            retry=retry if retry is not None else self.default_retry,
            name=name,
        )
        self._heap.put(job)
        return job.future

    def map(self, fn, iterable, *, priority=0, retry=None, timeout=None):
        """Submit ``fn(item)`` for every item; iterate over results in order.

        Jobs not yet started are cancelled if the iteration stops early
        (including because of a timeout or a job's exception).
        """
        futures = [self.submit(fn, item, priority=priority, retry=retry) for item in iterable]
        deadline = None if timeout is None else time.monotonic() + timeout

        def results():
            try:
                for future in futures:
                    if deadline is None:
                        yield future.result()
                    else:
                        yield future.result(max(0.0, deadline - time.monotonic()))
            finally:
                for future in futures:
                    future.cancel()

        return results()

    # -- control -----------------------------------------------------------

    def pause(self):
        """Stop starting new jobs (running ones carry on)."""
        self._heap.pause()

    def resume(self):
        """Start running queued jobs again after :meth:`pause`."""
        self._heap.resume()

    @property
    def paused(self):
        return self._heap.paused

    def join(self, timeout=None):
        """Wait until every submitted job is done; False if ``timeout`` expires."""
        return self._heap.join(timeout)

    def shutdown(self, wait=True, *, cancel_pending=False, timeout=None):
        """Stop accepting jobs and stop the workers once the queue is drained.

        With ``cancel_pending`` queued jobs are cancelled instead of run.
        With ``wait`` the call blocks until the workers have exited (or
        ``timeout`` expires) and returns whether they all did.
        """
        self._heap.close(cancel_pending=cancel_pending)
        if not wait:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            if thread is threading.current_thread():
                continue
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads if t is not threading.current_thread())

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.shutdown(wait=True)

    # -- introspection -----------------------------------------------------

    @property
    def workers(self):
        return len(self._threads)

    @property
    def idle_workers(self):
        """Workers waiting for a job to become available."""
        return self._heap.waiting

    @property
    def pending(self):
        """Jobs queued and not yet started (including those awaiting a retry)."""
        return len(self._heap)

    def stats(self):
        with self._lock:
            counts = dict(self._counts)
            running = self._running
        return {
            "workers": self.workers,
            "idle": self.idle_workers,
            "running": running,
            "pending": self.pending,
            "completed": counts.get("completed", 0),
            "failed": counts.get("failed", 0),
            "retried": counts.get("retried", 0),
            "cancelled": counts.get("cancelled", 0),
        }

    # -- the workers -------------------------------------------------------

    def _count(self, what):
        with self._lock:
            self._counts[what] += 1

    def _worker_loop(self):
        while True:
            job = self._heap.get()
            if job is None:
                return
            if not job.future.set_running_or_notify_cancel():
                log.debug("skipping cancelled job %r", job)
                self._count("cancelled")
                continue
            try:
                self._execute(job)
            finally:
                self._heap.task_done()

    def _execute(self, job):
        with self._lock:
            self._running += 1
        job.attempts += 1
        job.future.attempts = job.attempts
        try:
            value = job.fn(*job.args, **job.kwargs)
        except BaseException as exc:
            self._failed(job, exc)
        else:
            job.future.set_result(value)
            self._count("completed")
        finally:
            with self._lock:
                self._running -= 1

    def _failed(self, job, exc):
        policy = job.retry
        if policy.should_retry(exc, job.attempts):
            delay = policy.delay_for(job.attempts)
            log.info("job %r failed (%r), retrying in %.3gs", job, exc, delay)
            job.schedule_retry(delay, self._clock())
            self._heap.put(job, requeue=True)
            self._count("retried")
            return
        log.debug("job %r failed: %r", job, exc)
        job.future.set_exception(exc)
        self._count("failed")
