import pytest

from jobqueue import ConstantBackoff, ExponentialBackoff, NO_RETRY, RetryPolicy


def test_default_policy_never_retries():
    assert not NO_RETRY.should_retry(ValueError(), 1)


def test_retries_up_to_max():
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(ValueError(), 1)
    assert policy.should_retry(ValueError(), 2)
    assert not policy.should_retry(ValueError(), 3)


def test_base_exceptions_are_not_retried():
    policy = RetryPolicy(max_retries=5)
    assert not policy.should_retry(KeyboardInterrupt(), 1)
    assert not policy.should_retry(SystemExit(1), 1)


def test_delay_comes_from_backoff():
    policy = RetryPolicy(max_retries=3, backoff=ExponentialBackoff(1, 2))
    assert [policy.delay_for(a) for a in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert RetryPolicy(2).delay_for(1) == 0.0


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"max_retries": -1}, ValueError),
        ({"max_retries": 1.5}, TypeError),
        ({"max_retries": True}, TypeError),
        ({"max_retries": 1, "backoff": 0.5}, TypeError),
    ],
    ids=["negative", "float", "bool", "bad-backoff"],
)
def test_invalid_policies(kwargs, error):
    with pytest.raises(error):
        RetryPolicy(**kwargs)


def test_repr():
    assert repr(RetryPolicy(1, ConstantBackoff(2))) == (
        "RetryPolicy(max_retries=1, backoff=ConstantBackoff(2))"
    )
