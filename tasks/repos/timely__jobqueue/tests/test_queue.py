import threading
import time

import pytest

from jobqueue import CancelledError, JobQueue, QueueClosedError


def test_submit_and_result(make_queue):
    queue = make_queue(workers=2)
    future = queue.submit(pow, 2, 10)
    assert future.result(timeout=2) == 1024
    assert future.attempts == 1


def test_keyword_arguments_reach_the_function(make_queue):
    queue = make_queue(workers=1)
    future = queue.submit(sorted, [3, 1, 2], reverse=True)
    assert future.result(timeout=2) == [3, 2, 1]


def test_exception_is_reported(make_queue):
    queue = make_queue(workers=1)
    future = queue.submit(int, "not a number")
    with pytest.raises(ValueError):
        future.result(timeout=2)
    assert queue.stats()["failed"] == 1


def test_name_defaults_to_function_name(make_queue):
    queue = make_queue(workers=1)
    assert queue.submit(len, "abc").name == "len"
    assert queue.submit(len, "abc", name="count").name == "count"


def test_higher_priority_runs_first(make_queue):
    queue = make_queue(workers=1)
    order = []
    queue.pause()
    for label, priority in [("low", 0), ("high", 10), ("mid", 5), ("high2", 10)]:
        queue.submit(order.append, label, priority=priority)
    queue.resume()
    assert queue.join(timeout=2)
    assert order == ["high", "high2", "mid", "low"]


def test_pause_holds_jobs_until_resume(make_queue):
    queue = make_queue(workers=1)
    queue.pause()
    assert queue.paused
    future = queue.submit(lambda: "ran")
    assert queue.pending == 1
    assert not future.done()
    queue.resume()
    assert future.result(timeout=2) == "ran"
    assert queue.pending == 0


def test_jobs_run_in_parallel(make_queue):
    queue = make_queue(workers=2)
    barrier = threading.Barrier(2, timeout=2)
    futures = [queue.submit(barrier.wait) for _ in range(2)]
    assert sorted(f.result(timeout=3) for f in futures) == [0, 1]


def test_map_returns_results_in_order(make_queue):
    queue = make_queue(workers=3)
    assert list(queue.map(lambda x: x * x, range(6))) == [0, 1, 4, 9, 16, 25]


def test_map_timeout(make_queue):
    queue = make_queue(workers=1)
    release = threading.Event()
    results = queue.map(lambda _: release.wait(2), range(2), timeout=0.05)
    with pytest.raises(TimeoutError):
        next(results)
    release.set()


def test_cancel_pending_job(make_queue):
    queue = make_queue(workers=1)
    release = threading.Event()
    started = threading.Event()

    def blocker():
        started.set()
        return release.wait(2)

    first = queue.submit(blocker)
    second = queue.submit(lambda: "never")
    assert started.wait(2)
    assert not first.cancel()
    assert second.cancel()
    release.set()
    assert first.result(timeout=2) is True
    with pytest.raises(CancelledError):
        second.result(timeout=2)


def test_join_waits_for_all_jobs(make_queue):
    queue = make_queue(workers=1)
    done = []
    for i in range(5):
        queue.submit(lambda i=i: (time.sleep(0.002), done.append(i)))
    assert queue.join(timeout=2)
    assert done == [0, 1, 2, 3, 4]


def test_join_timeout(make_queue):
    queue = make_queue(workers=1)
    release = threading.Event()
    queue.submit(release.wait, 2)
    assert queue.join(timeout=0.05) is False
    release.set()
    assert queue.join(timeout=2) is True


def test_shutdown_drains_queue():
    queue = JobQueue(workers=1)
    queue.pause()
    futures = [queue.submit(lambda i=i: i) for i in range(3)]
    assert queue.shutdown(timeout=2)
    assert [f.result(timeout=0) for f in futures] == [0, 1, 2]


def test_shutdown_can_cancel_pending():
    queue = JobQueue(workers=1)
    queue.pause()
    futures = [queue.submit(lambda: None) for _ in range(3)]
    assert queue.shutdown(cancel_pending=True, timeout=2)
    assert all(f.cancelled() for f in futures)


def test_submit_after_shutdown_raises():
    queue = JobQueue(workers=1)
    queue.shutdown()
    with pytest.raises(QueueClosedError):
        queue.submit(print)


def test_context_manager_waits_for_jobs():
    results = []
    with JobQueue(workers=2) as queue:
        for i in range(4):
            queue.submit(results.append, i)
    assert sorted(results) == [0, 1, 2, 3]


def test_idle_workers(make_queue, wait_until):
    queue = make_queue(workers=3)
    wait_until(lambda: queue.idle_workers == 3, message="workers never went idle")
    assert queue.stats()["idle"] == 3


def test_stats(make_queue):
    queue = make_queue(workers=1)
    queue.submit(lambda: 1).result(timeout=2)
    with pytest.raises(ZeroDivisionError):
        queue.submit(lambda: 1 / 0).result(timeout=2)
    stats = queue.stats()
    assert stats["workers"] == 1
    assert stats["completed"] == 1
    assert stats["failed"] == 1
    assert stats["pending"] == 0


def test_needs_a_worker():
    with pytest.raises(ValueError):
        JobQueue(workers=0)
