import time

import pytest

from jobqueue import JobQueue


@pytest.fixture
def make_queue():
    """Create job queues that are shut down (cancelling leftovers) after the test."""
    queues = []

    def factory(**kwargs):
        queue = JobQueue(**kwargs)
        queues.append(queue)
        return queue

    yield factory
    for queue in queues:
        queue.shutdown(cancel_pending=True, timeout=5)


@pytest.fixture
def wait_until():
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""

    def wait(predicate, timeout=2.0, message="condition not reached"):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out: {message}")
            time.sleep(0.002)

    return wait
