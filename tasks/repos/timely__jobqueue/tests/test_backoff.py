import random

import pytest

from jobqueue import ConstantBackoff, ExponentialBackoff, LinearBackoff, NoBackoff


def test_no_backoff():
    assert NoBackoff().delays(3) == [0.0, 0.0, 0.0]


def test_constant_backoff():
    assert ConstantBackoff(1.5).delays(3) == [1.5, 1.5, 1.5]


def test_linear_backoff_with_cap():
    assert LinearBackoff(1, 2, max_delay=6).delays(5) == [1.0, 3.0, 5.0, 6.0, 6.0]


def test_exponential_backoff():
    assert ExponentialBackoff(0.5, 2).delays(4) == [0.5, 1.0, 2.0, 4.0]


def test_exponential_backoff_cap():
    assert ExponentialBackoff(1, 3, max_delay=10).delays(4) == [1.0, 3.0, 9.0, 10.0]


def test_exponential_backoff_huge_attempt_is_capped():
    assert ExponentialBackoff(1, 10, max_delay=60).delay(10_000) == 60.0


def test_jitter_stays_within_bounds():
    backoff = ExponentialBackoff(1, 2, jitter=0.25, rng=random.Random(42))
    for attempt in range(1, 6):
        nominal = 2 ** (attempt - 1)
        assert 0.75 * nominal <= backoff.delay(attempt) <= 1.25 * nominal


def test_jitter_is_reproducible_with_seeded_rng():
    first = ExponentialBackoff(1, 2, jitter=0.5, rng=random.Random(7)).delays(5)
    second = ExponentialBackoff(1, 2, jitter=0.5, rng=random.Random(7)).delays(5)
    assert first == second


@pytest.mark.parametrize(
    "make",
    [
        lambda: ConstantBackoff(-1),
        lambda: LinearBackoff(-1, 1),
        lambda: ExponentialBackoff(factor=0.5),
        lambda: ExponentialBackoff(jitter=2),
    ],
    ids=["constant", "linear", "factor", "jitter"],
)
def test_invalid_arguments(make):
    with pytest.raises(ValueError):
        make()


def test_attempt_must_be_positive():
    with pytest.raises(ValueError):
        ConstantBackoff(1).delay(0)
