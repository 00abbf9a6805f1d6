from datetime import date, datetime

import pytest

from cronexpr.timeutil import add_months, cron_weekday, days_in_month, truncate_to_minute


@pytest.mark.parametrize(
    "year, month, n, expected",
    [
        (2024, 1, 1, (2024, 2)),
        (2024, 6, 3, (2024, 9)),
        (2024, 12, 1, (2025, 1)),
        (2024, 3, -1, (2024, 2)),
        (2024, 10, 0, (2024, 10)),
    ],
)
def test_add_months(year, month, n, expected):
    assert add_months(year, month, n) == expected


def test_days_in_month():
    assert days_in_month(2024, 2) == 29
    assert days_in_month(2023, 2) == 28
    assert days_in_month(2024, 4) == 30
    assert days_in_month(2024, 12) == 31


def test_cron_weekday_sunday_is_zero():
    assert cron_weekday(date(2024, 3, 3)) == 0  # Sunday
    assert cron_weekday(date(2024, 3, 4)) == 1  # Monday
    assert cron_weekday(date(2024, 3, 9)) == 6  # Saturday


def test_truncate_to_minute():
    assert truncate_to_minute(datetime(2024, 1, 1, 5, 6, 7, 8)) == datetime(2024, 1, 1, 5, 6)
