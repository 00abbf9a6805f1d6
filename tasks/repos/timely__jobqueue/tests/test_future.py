import threading

import pytest

from jobqueue import CancelledError, InvalidStateError, JobFuture


def finished(value):
    future = JobFuture("f")
    assert future.set_running_or_notify_cancel()
    future.set_result(value)
    return future


def test_new_future_is_pending():
    future = JobFuture("f")
    assert future.state == "pending"
    assert not future.done()
    assert not future.running()


def test_result():
    future = finished(42)
    assert future.done()
    assert future.result() == 42
    assert future.exception() is None


def test_exception_is_raised_by_result():
    future = JobFuture("f")
    future.set_running_or_notify_cancel()
    future.set_exception(KeyError("k"))
    with pytest.raises(KeyError):
        future.result()
    assert isinstance(future.exception(), KeyError)


def test_result_timeout():
    future = JobFuture("f")
    with pytest.raises(TimeoutError):
        future.result(timeout=0.01)


def test_result_waits_for_other_thread():
    future = JobFuture("f")
    future.set_running_or_notify_cancel()
    timer = threading.Timer(0.02, future.set_result, args=("late",))
    timer.start()
    try:
        assert future.result(timeout=2) == "late"
    finally:
        timer.join()


def test_cancel_pending():
    future = JobFuture("f")
    assert future.cancel()
    assert future.cancel()
    assert future.cancelled()
    assert not future.set_running_or_notify_cancel()
    with pytest.raises(CancelledError):
        future.result()


def test_cannot_cancel_running_or_finished():
    running = JobFuture("f")
    running.set_running_or_notify_cancel()
    assert not running.cancel()
    assert not finished(1).cancel()


def test_cannot_finish_twice():
    future = finished(1)
    with pytest.raises(InvalidStateError):
        future.set_result(2)


def test_callback_runs_on_completion():
    future = JobFuture("f")
    seen = []
    future.add_done_callback(lambda f: seen.append(f.result()))
    future.set_running_or_notify_cancel()
    assert seen == []
    future.set_result("ok")
    assert seen == ["ok"]


def test_callback_runs_on_cancel():
    future = JobFuture("f")
    seen = []
    future.add_done_callback(seen.append)
    future.cancel()
    assert seen == [future]


def test_failing_callback_does_not_break_others():
    future = JobFuture("f")
    seen = []
    future.add_done_callback(lambda f: 1 / 0)
    future.add_done_callback(seen.append)
    future.set_running_or_notify_cancel()
    future.set_result(None)
    assert seen == [future]


def test_retrying_goes_back_to_pending():
    future = JobFuture("f")
    future.set_running_or_notify_cancel()
    future.set_retrying()
    assert future.state == "pending"
    assert future.cancel()
