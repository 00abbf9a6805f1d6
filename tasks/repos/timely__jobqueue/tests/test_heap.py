import pytest

from jobqueue.errors import QueueClosedError
from jobqueue.heap import JobHeap
from jobqueue.job import Job


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_get_returns_highest_priority_first():
    heap = JobHeap()
    low = Job(print, priority=1)
    high = Job(print, priority=5)
    heap.put(low)
    heap.put(high)
    assert heap.get() is high
    assert heap.get() is low


def test_equal_priority_is_fifo():
    heap = JobHeap()
    jobs = [Job(print) for _ in range(4)]
    for job in jobs:
        heap.put(job)
    assert [heap.get() for _ in jobs] == jobs


def test_delayed_job_waits_until_due():
    clock = FakeClock()
    heap = JobHeap(clock)
    later = Job(print, priority=9)
    later.ready_at = clock.now + 10
    now = Job(print)
    heap.put(later)
    heap.put(now)
    assert heap.get() is now
    clock.now += 10
    assert heap.get() is later


def test_len_counts_delayed_jobs():
    clock = FakeClock()
    heap = JobHeap(clock)
    job = Job(print)
    job.ready_at = clock.now + 1
    heap.put(job)
    heap.put(Job(print))
    assert len(heap) == 2


def test_closed_heap_drains_then_returns_none():
    heap = JobHeap()
    job = Job(print)
    heap.put(job)
    heap.close()
    assert heap.closed
    assert heap.get() is job
    assert heap.get() is None


def test_put_after_close_raises_unless_requeue():
    heap = JobHeap()
    heap.close()
    with pytest.raises(QueueClosedError):
        heap.put(Job(print))
    job = Job(print)
    heap.put(job, requeue=True)
    assert heap.get() is job


def test_close_cancelling_pending_jobs():
    heap = JobHeap()
    jobs = [Job(print), Job(print)]
    for job in jobs:
        heap.put(job)
    assert heap.close(cancel_pending=True) == jobs
    assert all(job.future.cancelled() for job in jobs)
    assert heap.unfinished == 0
    assert heap.get() is None


def test_task_done_and_join():
    heap = JobHeap()
    heap.put(Job(print))
    assert heap.join(timeout=0.01) is False
    heap.get()
    heap.task_done()
    assert heap.join(timeout=0.01) is True
    with pytest.raises(ValueError):
        heap.task_done()


def test_job_requires_callable():
    with pytest.raises(TypeError):
        Job("print")
