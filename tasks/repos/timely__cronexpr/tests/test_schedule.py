from datetime import datetime

import pytest

from cronexpr import CronExpression, NoMatchError, next_run, prev_run


def test_next_every_minute():
    assert next_run("* * * * *", datetime(2024, 3, 1, 10, 0)) == datetime(2024, 3, 1, 10, 1)


def test_next_is_strictly_after_start():
    expr = CronExpression("30 10 * * *")
    assert expr.next(datetime(2024, 3, 1, 10, 30)) == datetime(2024, 3, 2, 10, 30)


def test_next_ignores_seconds_of_start():
    expr = CronExpression("31 10 * * *")
    assert expr.next(datetime(2024, 3, 1, 10, 30, 59)) == datetime(2024, 3, 1, 10, 31)


def test_next_later_same_hour():
    expr = CronExpression("*/15 * * * *")
    assert expr.next(datetime(2024, 3, 1, 10, 7)) == datetime(2024, 3, 1, 10, 15)


def test_next_rolls_over_hour():
    expr = CronExpression("5 * * * *")
    assert expr.next(datetime(2024, 3, 1, 10, 7)) == datetime(2024, 3, 1, 11, 5)


def test_next_rolls_over_day():
    expr = CronExpression("0 9 * * *")
    assert expr.next(datetime(2024, 3, 1, 10, 0)) == datetime(2024, 3, 2, 9, 0)


def test_next_weekday_only():
    expr = CronExpression("0 9 * * mon-fri")
    # Friday evening -> Monday morning
    assert expr.next(datetime(2024, 3, 8, 18, 0)) == datetime(2024, 3, 11, 9, 0)


def test_next_day_of_month():
    expr = CronExpression("0 0 15 * *")
    assert expr.next(datetime(2024, 3, 20)) == datetime(2024, 4, 15)


def test_next_skips_short_months():
    expr = CronExpression("0 12 31 * *")
    assert expr.next(datetime(2024, 4, 1)) == datetime(2024, 5, 31, 12, 0)


def test_next_restricted_month():
    expr = CronExpression("0 0 1 jul *")
    assert expr.next(datetime(2024, 3, 10)) == datetime(2024, 7, 1)


def test_next_into_next_year():
    expr = CronExpression("0 0 1 jan *")
    assert expr.next(datetime(2024, 12, 5)) == datetime(2025, 1, 1)


def test_next_leap_day():
    expr = CronExpression("0 0 29 2 *")
    assert expr.next(datetime(2024, 3, 1)) == datetime(2028, 2, 29)


def test_impossible_expression_raises():
    with pytest.raises(NoMatchError):
        CronExpression("0 0 30 2 *").next(datetime(2024, 1, 1))


def test_prev_basic():
    expr = CronExpression("0 9 * * *")
    assert expr.prev(datetime(2024, 3, 1, 10, 0)) == datetime(2024, 3, 1, 9, 0)


def test_prev_is_strictly_before_start():
    expr = CronExpression("0 9 * * *")
    assert expr.prev(datetime(2024, 3, 1, 9, 0)) == datetime(2024, 2, 29, 9, 0)


def test_prev_with_seconds_returns_same_minute():
    expr = CronExpression("0 9 * * *")
    assert expr.prev(datetime(2024, 3, 1, 9, 0, 30)) == datetime(2024, 3, 1, 9, 0)


def test_prev_rolls_back_hours_and_days():
    expr = CronExpression("45 22 * * *")
    assert expr.prev(datetime(2024, 3, 1, 8, 0)) == datetime(2024, 2, 29, 22, 45)


def test_prev_restricted_month():
    expr = CronExpression("30 18 * 3 *")
    assert expr.prev(datetime(2024, 5, 10)) == datetime(2024, 3, 31, 18, 30)


def test_prev_weekday():
    expr = CronExpression("0 12 * * mon")
    assert prev_run(expr.text, datetime(2024, 3, 7)) == datetime(2024, 3, 4, 12, 0)


def test_take_forward_and_reverse():
    expr = CronExpression("0 */6 * * *")
    start = datetime(2024, 3, 1, 1, 0)
    assert expr.take(3, start) == [
        datetime(2024, 3, 1, 6, 0),
        datetime(2024, 3, 1, 12, 0),
        datetime(2024, 3, 1, 18, 0),
    ]
    assert expr.take(2, start, reverse=True) == [
        datetime(2024, 3, 1, 0, 0),
        datetime(2024, 2, 29, 18, 0),
    ]


def test_next_then_prev_round_trip():
    expr = CronExpression("17 3 * * wed")
    start = datetime(2024, 3, 1)
    following = expr.next(start)
    assert following == datetime(2024, 3, 6, 3, 17)
    assert expr.prev(expr.next(following)) == following


def test_results_match_expression():
    expr = CronExpression("*/7 1-5 * * tue,thu")
    for moment in expr.take(20, datetime(2024, 3, 1)):
        assert expr.matches(moment)
