"""How numbers are written: money keeps four significant digits."""

import math

import pytest

from harness.reporting.tables import money, signed_money


@pytest.mark.parametrize(
    "value, text",
    [
        (0.001842, "$0.001842"),
        (0.0018424, "$0.001842"),
        (0.1026, "$0.1026"),
        (0.0625, "$0.06250"),
        (1.23456, "$1.235"),
        (1234.567, "$1,234.57"),
        (0.00999996, "$0.01000"),
        (0.0, "$0.00"),
        (None, "-"),
        (math.inf, "unbounded"),
        (-0.5, "-$0.5000"),
    ],
)
def test_money_has_four_significant_digits(value, text):
    assert money(value) == text


def test_signed_money():
    assert signed_money(0.001842) == "+$0.001842"
    assert signed_money(-0.25) == "-$0.2500"
