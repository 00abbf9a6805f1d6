import time

import pytest

from jobqueue import ConstantBackoff, RetryPolicy


class Flaky:
    """Fails ``failures`` times, then returns "ok"."""

    def __init__(self, failures, exc=ConnectionError):
        self.failures = failures
        self.exc = exc
        self.calls = []

    def __call__(self):
        self.calls.append(time.monotonic())
        if len(self.calls) <= self.failures:
            raise self.exc(f"failure {len(self.calls)}")
        return "ok"


def test_no_retry_by_default(make_queue):
    queue = make_queue(workers=1)
    job = Flaky(1)
    with pytest.raises(ConnectionError):
        queue.submit(job).result(timeout=2)
    assert len(job.calls) == 1


def test_retry_then_succeed(make_queue):
    queue = make_queue(workers=1)
    job = Flaky(1)
    future = queue.submit(job, retry=RetryPolicy(max_retries=1))
    assert future.result(timeout=2) == "ok"
    assert len(job.calls) == 2
    assert queue.stats()["retried"] == 1


def test_retries_exhausted(make_queue):
    queue = make_queue(workers=1)
    job = Flaky(5)
    future = queue.submit(job, retry=RetryPolicy(max_retries=1))
    with pytest.raises(ConnectionError, match="failure 2"):
        future.result(timeout=2)
    assert len(job.calls) == 2


def test_retry_waits_for_backoff(make_queue):
    queue = make_queue(workers=1)
    job = Flaky(1)
    policy = RetryPolicy(max_retries=1, backoff=ConstantBackoff(0.05))
    assert queue.submit(job, retry=policy).result(timeout=2) == "ok"
    assert job.calls[1] - job.calls[0] >= 0.045


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_other_jobs_run_during_backoff(make_queue):
    clock = FakeClock()
    queue = make_queue(workers=1, clock=clock)
    order = []
    job = Flaky(1)
    policy = RetryPolicy(max_retries=1, backoff=ConstantBackoff(60))
    slow = queue.submit(lambda: (order.append("slow"), job())[1], retry=policy)
    quick = queue.submit(order.append, "quick")
    quick.result(timeout=2)
    assert not slow.done()
    clock.now += 60
    queue.submit(order.append, "wake-up")
    assert slow.result(timeout=2) == "ok"
    assert order[:3] == ["slow", "quick", "slow"]


def test_default_retry_policy_of_queue(make_queue):
    queue = make_queue(workers=1, default_retry=RetryPolicy(max_retries=1))
    job = Flaky(1)
    assert queue.submit(job).result(timeout=2) == "ok"


def test_cancel_while_waiting_for_retry(make_queue, wait_until):
    clock = FakeClock()
    queue = make_queue(workers=1, clock=clock)
    job = Flaky(1)
    policy = RetryPolicy(max_retries=1, backoff=ConstantBackoff(60))
    future = queue.submit(job, retry=policy)
    wait_until(lambda: job.calls and future.state == "pending", message="no retry scheduled")
    assert future.cancel()
    clock.now += 60
    assert queue.submit(lambda: "wake-up").result(timeout=2) == "wake-up"
    assert queue.stats()["cancelled"] == 1
    assert len(job.calls) == 1
    assert queue.pending == 0


def test_keyboard_interrupt_is_not_retried(make_queue):
    queue = make_queue(workers=1)
    job = Flaky(1, exc=lambda msg: KeyboardInterrupt(msg))
    with pytest.raises(KeyboardInterrupt):
        queue.submit(job, retry=RetryPolicy(max_retries=3)).result(timeout=2)
    assert len(job.calls) == 1
