from datetime import date, datetime

import pytest

from cronexpr import CronExpression, CronParseError


def test_fields_are_parsed():
    expr = CronExpression("*/30 9-10 1,15 jan-mar mon")
    assert expr.minutes == {0, 30}
    assert expr.hours == {9, 10}
    assert expr.days_of_month == {1, 15}
    assert expr.months == {1, 2, 3}
    assert expr.days_of_week == {1}


def test_matches():
    expr = CronExpression("30 9 * * mon-fri")
    assert expr.matches(datetime(2024, 3, 4, 9, 30))  # Monday
    assert expr.matches(datetime(2024, 3, 4, 9, 30, 45))
    assert not expr.matches(datetime(2024, 3, 3, 9, 30))  # Sunday
    assert not expr.matches(datetime(2024, 3, 4, 9, 31))


def test_day_matches_only_weekday_restricted():
    expr = CronExpression("0 0 * * sat,sun")
    assert expr.day_matches(date(2024, 3, 9))
    assert not expr.day_matches(date(2024, 3, 8))


def test_day_matches_only_day_of_month_restricted():
    expr = CronExpression("0 0 1,15 * *")
    assert expr.day_matches(date(2024, 3, 15))
    assert not expr.day_matches(date(2024, 3, 16))


def test_is_valid():
    assert CronExpression.is_valid("0 0 * * *")
    assert not CronExpression.is_valid("0 0 * *")
    assert not CronExpression.is_valid("61 0 * * *")


def test_invalid_expression_raises():
    with pytest.raises(CronParseError):
        CronExpression("every day")


def test_equality_compares_meaning():
    assert CronExpression("@daily") == CronExpression("0 0 * * *")
    assert CronExpression("0 0 * * 0") == CronExpression("0 0 * * sun")
    assert CronExpression("0 0 * * *") != CronExpression("0 1 * * *")
    assert len({CronExpression("@hourly"), CronExpression("0 * * * *")}) == 1


def test_repr_and_str():
    expr = CronExpression(" 5 4 * * * ")
    assert repr(expr) == "CronExpression('5 4 * * *')"
    assert str(expr) == "5 4 * * *"
