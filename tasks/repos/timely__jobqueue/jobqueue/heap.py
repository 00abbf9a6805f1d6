"""A thread-safe priority queue of jobs.

Jobs that are ready to run are kept in a heap ordered by
:meth:`Job.sort_key`; jobs waiting for a retry are kept in a second heap
ordered by the time they become due, and moved over once that time has
passed. The queue also counts unfinished jobs (for :meth:`join`), can be
paused, and can be closed to let its consumers drain it and stop.
"""

import heapq
import threading
import time

from .errors import QueueClosedError


class JobHeap:
    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._not_empty = threading.Condition(self._lock)
        self._all_done = threading.Condition(self._lock)
        self._ready = []
        self._delayed = []
        self._unfinished = 0
        self._waiting = 0
        self._paused = False
        self._closed = False

    # -- producers ---------------------------------------------------------

    def put(self, job, *, requeue=False):
        """Add a job. ``requeue`` re-adds a job being retried (allowed while closing)."""
        with self._lock:
            if self._closed and not requeue:
                raise QueueClosedError("queue is closed")
            self._unfinished += 1
            if job.ready_at > self._clock():
                heapq.heappush(self._delayed, (job.ready_at, job.seq, job))
            else:
                heapq.heappush(self._ready, (job.sort_key(), job))
            # While paused nobody may take the job, so there is nobody to wake.
            if not self._paused:
                self._not_empty.notify()

    # -- consumers ---------------------------------------------------------

    def get(self):
        """Block until a job can be run and return it.

        Returns None once the queue is closed and has no jobs left.
        """
        with self._lock:
            while True:
                self._promote_due_jobs()
                if self._closed and not self._ready and not self._delayed:
                    return None
                if self._ready and not self._paused:
                    return heapq.heappop(self._ready)[1]
                timeout = None
                if self._delayed and not self._paused:
                    timeout = max(0.0, self._delayed[0][0] - self._clock())
                self._waiting += 1
                try:
                    self._not_empty.wait(timeout)
                finally:
                    self._waiting -= 1

    def task_done(self):
        """Mark one job taken with :meth:`get` as fully handled."""
        with self._lock:
            if self._unfinished <= 0:
                raise ValueError("task_done() called more times than put()")
            self._unfinished -= 1
            if self._unfinished == 0:
                self._all_done.notify_all()

    def join(self, timeout=None):
        """Wait until every job put has been handled; return False on timeout."""
        with self._lock:
            return self._all_done.wait_for(lambda: self._unfinished == 0, timeout)

    def _promote_due_jobs(self):
        now = self._clock()
        while self._delayed and self._delayed[0][0] <= now:
            job = heapq.heappop(self._delayed)[2]
            heapq.heappush(self._ready, (job.sort_key(), job))

    # -- control -----------------------------------------------------------

    def pause(self):
        with self._lock:
            self._paused = True

    def resume(self):
        with self._lock:
            self._paused = False
            self._not_empty.notify()

    def close(self, cancel_pending=False):
        """Refuse new jobs; consumers get None once the queue is empty.

        With ``cancel_pending`` the jobs still waiting are cancelled and
        dropped instead of being left for the consumers to drain.
        """
        with self._lock:
            self._closed = True
            self._paused = False
            dropped = []
            if cancel_pending:
                dropped = [entry[1] for entry in self._ready]
                dropped += [entry[2] for entry in self._delayed]
                self._ready.clear()
                self._delayed.clear()
                self._unfinished -= len(dropped)
                if self._unfinished == 0:
                    self._all_done.notify_all()
            self._not_empty.notify_all()
        for job in dropped:
            job.future.cancel()
        return dropped

    # -- introspection -----------------------------------------------------

    @property
    def paused(self):
        return self._paused

    @property
    def closed(self):
        return self._closed

    @property
    def waiting(self):
        """Number of consumers blocked in :meth:`get`."""
        with self._lock:
            return self._waiting

    @property
    def unfinished(self):
        with self._lock:
            return self._unfinished

    def __len__(self):
        with self._lock:
            return len(self._ready) + len(self._delayed)
